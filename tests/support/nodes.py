"""Real ``rris serve`` processes, for tests of several nodes sharing one database and one Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from signaling.client import SignalingClient
from tests.support.world import PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]
HEALTHY_WITHIN_S = 20.0
STOP_WITHIN_S = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    health: dict[str, Any] | None = None  # the first 200 answer of /healthz

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        def read(path: Path) -> str:
            return path.read_text(errors="replace") if path.exists() else ""

        return (
            f"----- {self.name} ({self.url}) exit={self.process.returncode} stdout -----\n"
            f"{read(self.stdout_path)}"
            f"----- {self.name} stderr -----\n{read(self.stderr_path)}"
        )

    async def stop(self) -> int:
        """SIGTERM, as systemd, docker and Kubernetes send: the server cleans up and exits 0.

        Killed if it hangs, which then fails the test through its exit code.
        """
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            if await _wait_exit(self.process, STOP_WITHIN_S) is None:
                self.process.kill()
                await _wait_exit(self.process, STOP_WITHIN_S)
        return self.process.returncode


async def _wait_exit(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    try:
        return await asyncio.to_thread(process.wait, timeout)
    except subprocess.TimeoutExpired:
        return None


def node_environment(overrides: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any ``RRIS_`` setting of its own, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRIS_")}
    env.update(overrides)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_node(name: str, env: Mapping[str, str], log_dir: Path) -> Node:
    port = free_port()
    stdout_path, stderr_path = log_dir / f"{name}.stdout.log", log_dir / f"{name}.stderr.log"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
            [sys.executable, "-m", "rris", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=node_environment(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    return Node(name, port, process, stdout_path, stderr_path)


async def wait_healthy(node: Node, timeout: float = HEALTHY_WITHIN_S) -> dict[str, Any]:
    """Poll ``/healthz`` until it answers 200; fail early if the process exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: str = "no answer yet"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while loop.time() < deadline:
            if node.process.poll() is not None:
                raise AssertionError(f"{node.name} exited before it was healthy\n{node.logs()}")
            try:
                async with http.get(f"{node.url}/healthz") as resp:
                    body: dict[str, Any] = await resp.json()
                    if resp.status == 200:
                        return body
                    last = f"{resp.status} {body}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.1)
    raise AssertionError(f"{node.name} not healthy within {timeout} s ({last})\n{node.logs()}")


@asynccontextmanager
async def running_nodes(count: int, env: Mapping[str, str], log_dir: Path) -> AsyncIterator[list[Node]]:
    """``count`` server processes with the same settings, each healthy; stopped cleanly afterwards.

    Their output goes to files in ``log_dir`` and is printed once they have stopped: pytest shows it
    with a failure (of the test or of the nodes) and drops it otherwise. A node that does not exit
    cleanly (code 0) fails the test.
    """
    nodes: list[Node] = []
    try:
        for i in range(1, count + 1):
            nodes.append(start_node(f"node{i}", env, log_dir))
        for node in nodes:  # they start in parallel; waiting on each in turn costs no extra time
            node.health = await wait_healthy(node)
        yield nodes
    finally:
        codes = [await node.stop() for node in nodes]
        for node in nodes:
            print(node.logs())
    assert codes == [0] * len(nodes), f"nodes did not exit cleanly: {codes}"


async def connected(
    made: list[SignalingClient], node: Node, username: str, token: str | None = None
) -> SignalingClient:
    """A socket on ``node``: logged in there, or reusing a session ``token`` opened on another node."""
    client = SignalingClient(node.url)
    made.append(client)
    if token is None:
        await client.login(username, PASSWORD)
    else:
        client.token = token
    await client.connect()
    return client
