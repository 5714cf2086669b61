"""A whole call leaves no personal data in the logs: identifiers and states only."""

from __future__ import annotations

import logging

import pytest

from core.logging import JsonLineFormatter, log_event
from tests.support.domain import Domain


async def test_a_whole_call_logs_no_names_usernames_or_sdp(
    domain: Domain, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    calls, who = domain.services.calls, domain.who
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-i", on=True)
    view = await calls.request(await who("cw.a"), "sid-c", "ps", None)
    await calls.accept(await who("ps.male"), "sid-i", view["call_id"])
    await calls.relay(await who("cw.a"), view["call_id"], "signal:description", {"sdp": "v=0 SECRET-SDP"})
    await calls.hang_up(await who("cw.a"), view["call_id"])
    log_event(logging.getLogger("rris.test"), "done")
    lines = [JsonLineFormatter().format(r) for r in caplog.records]
    assert any('"call.ended"' in line for line in lines)
    text = "\n".join(lines)
    for secret in ("Test cw.a", "Test ps.male", "cw.a", "ps.male", "Test Office A", "SECRET-SDP"):
        assert secret not in text
