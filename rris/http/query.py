"""Query-string parameters shared by the listing routes."""

from __future__ import annotations

from aiohttp import web

from core.errors import InvalidInput

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def limit_param(request: web.Request) -> int:
    """``?limit=`` as 1 to :data:`MAX_LIMIT` (default :data:`DEFAULT_LIMIT`); anything else is a 400."""
    raw = request.query.get("limit", str(DEFAULT_LIMIT))
    # ASCII digits only, and few of them: str.isdigit() also accepts "²", which int() refuses, and
    # int() refuses more than 4300 digits; either would escape as a 500 instead of a 400.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}")
    return value
