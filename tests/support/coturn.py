"""A real coturn (Debian's ``turnserver``) on loopback for one test, with a generated ``static-auth-secret``.

Everything stays on 127.0.0.1: the peers reach coturn there, and coturn's relay addresses are there too.
With ``iceTransportPolicy: "relay"`` each peer offers only its relayed address and sends only through its
own allocation, so media goes peer → coturn → (relay to relay, inside coturn) → coturn → peer; nothing
ever needs the machine's other interface. Relaying to a loopback address is refused by coturn unless
``--allow-loopback-peers`` says otherwise, which is acceptable here only because nothing listens beyond
loopback. Without ``turnserver`` the tests skip, except in CI (``RRIS_REQUIRE_SERVICES=1``), where they fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import shutil
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.external import unavailable

TURNSERVER = Path("/usr/bin/turnserver")
HOST = "127.0.0.1"
REALM = "rris.test"
STUN_MAGIC_COOKIE = 0x2112A442
# Relay ports are drawn from a window below Linux's ephemeral range, so they rarely meet the kernel's picks.
RELAY_WINDOW = (20000, 29999)
RELAY_PORTS = 200


@dataclass(frozen=True)
class Coturn:
    port: int
    secret: str
    realm: str
    log: Path

    @property
    def urls(self) -> list[str]:
        """What ``RRIS_TURN_URLS`` holds for it; aiortc uses the first, so UDP comes first."""
        return [f"turn:{HOST}:{self.port}?transport=udp", f"turn:{HOST}:{self.port}?transport=tcp"]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@asynccontextmanager
async def running_coturn(workdir: Path, attempts: int = 3) -> AsyncIterator[Coturn]:
    """Starts coturn, waits until it answers a STUN binding request on UDP, stops it afterwards."""
    binary = shutil.which("turnserver") or str(TURNSERVER)
    if not os.access(binary, os.X_OK):
        unavailable(
            "coturn", FileNotFoundError(f"{TURNSERVER} not installed; scripts/setup-test-packages does it")
        )
    for attempt in range(attempts):
        # Another test may take the free port between the probe and coturn's bind: then start again.
        coturn = Coturn(_free_port(), secrets.token_urlsafe(24), REALM, workdir / f"turnserver-{attempt}.log")
        process = await asyncio.create_subprocess_exec(
            binary,
            *_arguments(coturn, workdir),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            if await _answers_stun(coturn.port, process):
                yield coturn
                return
        finally:
            await _stop(process)
    raise AssertionError(f"coturn did not start; last log:\n{coturn.log_text()[-2000:]}")


def _arguments(coturn: Coturn, workdir: Path) -> list[str]:
    low = random.randrange(RELAY_WINDOW[0], RELAY_WINDOW[1] - RELAY_PORTS)
    return [
        "-n",  # no configuration file: exactly these options
        f"--listening-ip={HOST}",
        f"--relay-ip={HOST}",
        f"--listening-port={coturn.port}",
        f"--min-port={low}",
        f"--max-port={low + RELAY_PORTS}",
        "--use-auth-secret",
        f"--static-auth-secret={coturn.secret}",
        f"--realm={coturn.realm}",
        "--fingerprint",
        "--allow-loopback-peers",
        "--no-cli",
        "--no-tls",
        "--no-dtls",
        "--no-multicast-peers",
        f"--log-file={coturn.log}",
        "--simple-log",
        "--verbose",  # allocations and refusals, for the tests to read
        f"--pidfile={workdir / 'turnserver.pid'}",
        f"--userdb={workdir / 'turndb.sqlite3'}",
    ]


def _free_port() -> int:
    """A port free for both UDP and TCP (coturn listens on both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((HOST, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((HOST, port))
                except OSError:
                    continue
                return port


async def _answers_stun(port: int, process: asyncio.subprocess.Process, timeout_s: float = 10) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline and process.returncode is None:
        if await asyncio.to_thread(_stun_binding, port):
            return True
        await asyncio.sleep(0.05)
    return False


def _stun_binding(port: int) -> bool:
    """One STUN Binding request (RFC 5389); True when a success answers with its transaction id."""
    transaction = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, STUN_MAGIC_COOKIE) + transaction
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.sendto(request, (HOST, port))
            response = sock.recv(2048)
        except OSError:
            return False
    return len(response) >= 20 and response[:2] == b"\x01\x01" and response[8:20] == transaction


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), timeout=5)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
