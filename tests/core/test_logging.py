"""Logs are one JSON object per line, and a whole call leaves no personal data in them."""

from __future__ import annotations

import json
import logging

from core.logging import JsonLineFormatter


def test_an_event_is_one_json_line_with_its_fields() -> None:
    record = logging.LogRecord("rris.x", logging.INFO, __file__, 1, "call.ended", None, None)
    record.__dict__.update(call_id="abc", outcome="completed")
    line = JsonLineFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) | {"ts": None} == {
        "ts": None,
        "level": "info",
        "logger": "rris.x",
        "event": "call.ended",
        "call_id": "abc",
        "outcome": "completed",
    }
