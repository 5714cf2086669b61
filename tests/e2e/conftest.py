"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from signaling.client import SignalingClient


@pytest.fixture
async def clients() -> AsyncIterator[list[SignalingClient]]:
    """Clients made by a test go here, to be closed (before the nodes stop)."""
    made: list[SignalingClient] = []
    yield made
    for c in made:
        await c.close()
