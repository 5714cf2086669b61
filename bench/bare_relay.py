"""The baseline for ``bench/signalling.py``: a bare python-socketio relay with no auth and no validation.

Same stack as RRIS (aiohttp + ``socketio.AsyncServer``, same server options), but every event is
forwarded as is to the socket id in ``data["to"]``. Run as a subprocess:
``python bench/bare_relay.py --port N``; prints ``BARE RELAY listening on ...`` once ready.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any

import socketio
from aiohttp import web

READY = "BARE RELAY listening on"


def create_app() -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        max_http_buffer_size=256 * 1024,
        ping_interval=10,
        ping_timeout=10,
        logger=False,
        engineio_logger=False,
    )

    async def relay(event: str, sid: str, data: Any = None) -> None:
        await sio.emit(event, data, to=data["to"])

    sio.on("*", relay)

    app = web.Application()
    sio.attach(app)
    return app


async def serve(host: str, port: int) -> None:
    runner = web.AppRunner(create_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    print(f"{READY} http://{host}:{port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
