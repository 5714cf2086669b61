"""The ``Idempotency-Key`` header the create routes require: a retried request makes nothing twice."""

from __future__ import annotations

from aiohttp import web

from core.errors import InvalidInput

IDEMPOTENCY_HEADER = "Idempotency-Key"
MIN_KEY_LENGTH, MAX_KEY_LENGTH = 8, 100


def idempotency_key(request: web.Request) -> str:
    """The request's key: :data:`MIN_KEY_LENGTH` to :data:`MAX_KEY_LENGTH` printable ASCII characters."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        raise InvalidInput(f"the {IDEMPOTENCY_HEADER} header is required")
    if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise InvalidInput(
            f"{IDEMPOTENCY_HEADER} must be {MIN_KEY_LENGTH} to {MAX_KEY_LENGTH} printable ASCII characters"
        )
    return key
