"""Domain errors become JSON error responses here, and only here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from core.errors import DomainError, InvalidInput

STATUS_BY_CODE = {
    "invalid_input": 400,
    "not_authenticated": 401,
    "invalid_credentials": 401,
    "forbidden": 403,
    "not_found": 404,
    "interpreter_unsuitable": 422,
    "conflict": 409,
    "slot_taken": 409,
    "workload_exceeded": 409,
    "idempotency_key_reused": 409,
    "too_many_attempts": 429,
    "recording_forbidden": 403,
    "unknown_term": 404,
    "duplicate_term": 409,
    "term_changed": 409,
    "review_transition_refused": 409,
    "reviewer_required": 403,
    "recording_deleted": 410,
    "audio_refused": 400,
    "no_phrase_audio": 404,
    "upload_refused": 400,
    "personal_data_refused": 400,
    "unknown_dataflow": 404,
    "unknown_authority": 404,
    "invalid_period": 400,
    "submission_transition_refused": 409,
    "submission_invalid": 409,
    "unknown_submission": 404,
    "submission_exists": 409,
    "submission_changed": 409,
    "no_reporting_authority": 403,
    # The server lacks the PDF font (glossary.answers_pdf): installing fonts-dejavu-core fixes it.
    "pdf_font_missing": 503,
    # Temporary: the node is at its limit; the client retries later.
    "precall_busy": 503,
    "recording_busy": 503,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(exc: DomainError) -> web.Response:
    return web.json_response(
        {"error": {"code": exc.code, "message": exc.message}}, status=STATUS_BY_CODE.get(exc.code, 400)
    )


@web.middleware
async def domain_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return error_response(InvalidInput(f"{where}: {first['msg']}"))
    except DomainError as exc:
        return error_response(exc)
