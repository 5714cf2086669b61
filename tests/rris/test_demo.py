"""The demo a newcomer runs: fictional data loads (twice, idempotently) and `rris demo-call` connects."""

from __future__ import annotations

import pytest

from core.demo import DEMO_ACCOUNTS, load_demo
from rris.democall import run_demo_call
from tests.support.server import RunningServer

pytestmark = pytest.mark.media


async def test_demo_data_loads_twice_and_a_demo_call_connects_with_media(server: RunningServer) -> None:
    svc = server.services
    await load_demo(svc.accounts, svc.directory, "first demo password")
    await load_demo(svc.accounts, svc.directory, "second demo password")
    for account in DEMO_ACCOUNTS:
        assert await svc.accounts.find_user(account.username) is not None
        assert "DEMO" in account.display_name.upper()
    assert await run_demo_call(server.url, "second demo password", "ps", seconds=0)
    assert not await run_demo_call(server.url, "second demo password", "xx", seconds=0)
