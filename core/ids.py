"""Typed identifiers, so an organisation id is never passed where a user id belongs."""

from __future__ import annotations

import uuid
from typing import NewType

OrganisationId = NewType("OrganisationId", str)
UserId = NewType("UserId", str)
CallId = NewType("CallId", str)


def new_id() -> str:
    """A random, unguessable identifier (UUID4 hex)."""
    return uuid.uuid4().hex
