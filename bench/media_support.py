"""What ``bench/media.py`` measures with: a server process read from ``/proc``, and aiortc clients of the
pre-call echo test sending generated audio and (optionally) moving video."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack, VideoStreamTrack

from media.rtc_config import rtc_configuration
from signaling.client import SignalingClient

# Pre-computed frames of the moving pattern; the client cycles through them.
PATTERN_FRAMES = 30
Planes = list[tuple[bytes, bytes, bytes]]  # Y, U and V of each pattern frame


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, all its threads."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    """Resident set size (VmRSS) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def read_probe(pid: int, out: Path, timeout: float = 30.0) -> dict[str, Any]:
    """The memory probe ``bench/media_serve.py`` writes to ``out`` on SIGUSR1 (see its docstring)."""
    _clear(out)
    os.kill(pid, signal.SIGUSR1)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (probe := _written(out)) is None:
        if loop.time() > deadline:
            raise RuntimeError("the server wrote no memory probe")
        await asyncio.sleep(0.05)
    return probe


def _clear(out: Path) -> None:
    out.unlink(missing_ok=True)


def _written(out: Path) -> dict[str, Any] | None:
    """The probe once the server has written it (it replaces the file atomically)."""
    return dict(json.loads(out.read_text())) if out.exists() else None


def pattern_planes(width: int, height: int) -> Planes:
    """Planes of a diagonal gradient that moves a few pixels a frame, with a bar crossing it: a camera's
    motion for the encoder to code, unlike aiortc's all-zero frames that compress to nothing."""
    frames = []
    for i in range(PATTERN_FRAMES):
        shift = 4 * i
        row = bytes((x + shift) & 0xFF for x in range(width * 2))
        luma = bytearray(b"".join(row[y % width : y % width + width] for y in range(height)))
        bar = (i * width // PATTERN_FRAMES) % (width - 16)
        for y in range(height):
            luma[y * width + bar : y * width + bar + 16] = b"\xeb" * 16
        chroma = bytes(((x + y + i) * 3) & 0xFF for y in range(height // 2) for x in range(width // 2))
        frames.append((bytes(luma), chroma, chroma[::-1]))
    return frames


class PatternTrack(VideoStreamTrack):
    """Generated moving video at aiortc's 30 fps clock."""

    def __init__(self, planes: Planes, width: int, height: int) -> None:
        super().__init__()
        self._planes = planes
        self._size = (width, height)
        self._index = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(*self._size, "yuv420p")
        for plane, data in zip(frame.planes, self._planes[self._index % len(self._planes)], strict=True):
            plane.update(data)
        self._index += 1
        frame.pts, frame.time_base = pts, Fraction(time_base)
        return frame


class EchoTestClient:
    """One pre-call test from the client's side: offer, answer, count the frames that come back, hang up."""

    def __init__(self, who: SignalingClient, video: tuple[int, int] | None, planes: Planes) -> None:
        self.who = who
        self.pc = RTCPeerConnection(configuration=rtc_configuration())
        self.pc.addTrack(AudioStreamTrack())
        if video is not None:
            self.pc.addTrack(PatternTrack(planes, *video))
        self.frames = {"audio": 0, "video": 0}
        self.test_id: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        task = asyncio.get_running_loop().create_task(self._consume(track))
        self._tasks.add(task)

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.frames[track.kind] += 1

    async def _send(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.who.csrf_token or ""}
        url = f"{self.who.base_url}{path}"
        async with self.who.http.request(method, url, json=body, headers=headers) as resp:
            return resp.status, await resp.json()

    async def start(self) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = {"type": "offer", "sdp": self.pc.localDescription.sdp}
        status, answer = await self._send("POST", "/api/precall", offer)
        if status != 201:
            raise RuntimeError(f"precall refused: {status} {answer!r}")
        self.test_id = answer["test_id"]
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))

    async def flowing(self, audio: int, video: int, timeout: float) -> None:
        """Wait until at least this many echoed frames came back."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.frames["audio"] < audio or self.frames["video"] < video:
            if loop.time() > deadline:
                raise TimeoutError(f"echo not flowing after {timeout} s: {self.frames}")
            await asyncio.sleep(0.05)

    async def report(self) -> dict[str, Any]:
        status, body = await self._send("GET", f"/api/precall/{self.test_id}")
        if status != 200:
            raise RuntimeError(f"precall report: {status} {body!r}")
        return dict(body)

    async def close(self) -> None:
        if self.test_id is not None:
            with contextlib.suppress(Exception):
                await self._send("DELETE", f"/api/precall/{self.test_id}")
        await self.pc.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
