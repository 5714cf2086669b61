"""ICE servers handed to clients: nothing by default, TURN only with ephemeral coturn credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from core.clock import FakeClock
from signaling.ice import IceConfig, turn_credential


def test_no_ice_server_at_all_by_default() -> None:
    assert IceConfig(FakeClock(), [], [], None, 3600).servers_for("u1") == []


def test_turn_credentials_follow_coturn_use_auth_secret() -> None:
    clock = FakeClock()
    ice = IceConfig(
        clock, ["stun:turn.example.test:3478"], ["turn:turn.example.test:3478?transport=udp"], "s3cret", 600
    )
    stun, turn = ice.servers_for("user42")
    assert stun.as_dict() == {"urls": ["stun:turn.example.test:3478"]}
    expiry = int(clock.now().timestamp()) + 600
    assert turn.username == f"{expiry}:user42"
    expected = base64.b64encode(hmac.new(b"s3cret", turn.username.encode(), hashlib.sha1).digest()).decode()
    assert turn.credential == expected == turn_credential("s3cret", turn.username)


def test_credentials_are_fresh_per_call_of_servers_for() -> None:
    clock = FakeClock()
    ice = IceConfig(clock, [], ["turn:t.example.test"], "k", 60)
    first = ice.servers_for("u")[0]
    clock.advance(30)
    second = ice.servers_for("u")[0]
    assert first.username != second.username
    assert first.credential != second.credential


def test_turn_without_a_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="RRIS_TURN_SECRET"):
        IceConfig(FakeClock(), [], ["turn:t.example.test"], None, 60)
