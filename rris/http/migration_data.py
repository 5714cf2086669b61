"""The regional template for non-personal migration data over HTTP: the template, submissions (JSON, CSV or
XLSX), the hub's acceptance, the regional view, the service's own activity, and exchange as SDMX-CSV and
XLSX.

Parse and check here, let ``migration_data.exchange`` decide, serialise the answer. Who may do what is
``migration_data.access``; raw figures are only ever serialised for the authority that reported them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from core.errors import InvalidInput
from migration_data.documents import (
    activity_json,
    cells_json,
    dataflow_json,
    regional_json,
    submission_json,
    template_json,
)
from migration_data.errors import UploadRefused
from migration_data.publication import PeriodRange
from migration_data.readers import read_csv, read_json, read_xlsx
from migration_data.submission import SubmissionState
from migration_data.template import dataflow
from rris.http.auth import require_session
from rris.http.errors import STATUS_BY_CODE
from rris.http.keys import services

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_JSON_CELLS = 500_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_TYPES = {"text/csv": "csv", XLSX: "xlsx"}
FlowId = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Z][A-Z0-9_]*$")]
PeriodText = Annotated[
    str, StringConstraints(min_length=4, max_length=7, pattern=r"^[0-9]{4}(-(Q[1-4]|[0-9]{2}))?$")
]
Authority = Annotated[str, StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
Code = Annotated[str, StringConstraints(min_length=1, max_length=16)]
VersionNumber = Annotated[StrictInt, Field(ge=1, le=10_000)]


class NewSubmissionBody(BaseModel):
    """The JSON API: one cell per object, the dataflow's dimension ids and ``OBS_VALUE``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    dataflow: FlowId
    period: PeriodText
    cells: Annotated[list[dict[Code, Code | StrictInt]], Field(min_length=1, max_length=MAX_JSON_CELLS)]


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    version: VersionNumber
    cells: Annotated[list[dict[Code, Code | StrictInt]], Field(min_length=1, max_length=MAX_JSON_CELLS)]


class TransitionBody(BaseModel):
    """The version the move applies to, as read (compare-and-set)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    version: VersionNumber


class UploadQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataflow: FlowId
    period: PeriodText


class CorrectionUploadQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Annotated[int, Field(ge=1, le=10_000)]


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    authority: Authority | None = None
    dataflow: FlowId | None = None
    period: PeriodText | None = None


class DetailQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cells: bool = False
    version: Annotated[int, Field(ge=1, le=10_000)] | None = None


class RangeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    first: Annotated[PeriodText, Field(alias="from")]
    last: Annotated[PeriodText, Field(alias="to")]

    def periods(self) -> PeriodRange:
        return PeriodRange.parse(self.first, self.last)


class FlowRangeQuery(RangeQuery):
    dataflow: FlowId


class RegionalQuery(FlowRangeQuery):
    by: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None


class XlsxQuery(RangeQuery):
    dataflow: FlowId | None = None


def _query(model: type[BaseModel], request: web.Request) -> Any:
    return model.model_validate(dict(request.query))


async def list_dataflows(request: web.Request) -> web.Response:
    require_session(request)
    return web.json_response(template_json())


async def create_submission(request: web.Request) -> web.Response:
    who = require_session(request).principal
    body = NewSubmissionBody.model_validate(_json(await _read_body(request, ("application/json",))))
    flow = dataflow(body.dataflow)
    raw = read_json(flow, body.cells)
    view = await services(request).migration_data.create(who, flow.id, body.period, raw, "json")
    return web.json_response(submission_json(view), status=201)


async def upload_submission(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(UploadQuery, request)
    flow = dataflow(query.dataflow)
    kind, data = await _upload(request)
    raw = read_csv(flow, _utf8(data)) if kind == "csv" else read_xlsx(flow, data)
    view = await services(request).migration_data.create(who, flow.id, query.period, raw, kind)
    return web.json_response(submission_json(view), status=201)


async def correct_submission(request: web.Request) -> web.Response:
    """JSON ``{"version", "cells"}``, or a CSV/XLSX body with ``?version=``."""
    who = require_session(request).principal
    exchange = services(request).migration_data
    submission_id = request.match_info["id"]
    flow = (await exchange.submission(who, submission_id)).record.flow
    if request.content_type == "application/json":
        body = CorrectionBody.model_validate(_json(await _read_body(request, ("application/json",))))
        raw, version, kind = read_json(flow, body.cells), body.version, "json"
    else:
        version = _query(CorrectionUploadQuery, request).version
        kind, data = await _upload(request)
        raw = read_csv(flow, _utf8(data)) if kind == "csv" else read_xlsx(flow, data)
    view = await exchange.correct(who, submission_id, version, raw, kind)
    return web.json_response(submission_json(view))


def _transition(to: SubmissionState) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        who = require_session(request).principal
        body = TransitionBody.model_validate(_json(await _read_body(request, ("application/json",))))
        view = await services(request).migration_data.move(who, request.match_info["id"], body.version, to)
        return web.json_response(submission_json(view))

    return handler


async def list_submissions(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(ListQuery, request)
    views = await services(request).migration_data.submissions(
        who, query.authority, query.dataflow, query.period
    )
    return web.json_response({"submissions": [submission_json(v) for v in views]})


async def get_submission(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(DetailQuery, request)
    exchange = services(request).migration_data
    view = await exchange.submission(who, request.match_info["id"])
    answer = submission_json(view)
    if query.cells:
        answer["cells"] = cells_json(
            view.record.flow, await exchange.cells(who, view.record.id, query.version)
        )
    return web.json_response(answer)


async def regional(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(RegionalQuery, request)
    exchange = services(request).migration_data
    periods = query.periods()
    rows = await exchange.regional(who, query.dataflow, periods, query.by)
    flow = dataflow(query.dataflow)
    return web.json_response(
        {
            "dataflow": dataflow_json(flow),
            "published": {
                "rounding_base": exchange.policy.rounding_base,
                "confidential_below": exchange.policy.confidential_below,
            },
            "rows": regional_json(rows, query.by),
            "activity": activity_json(await exchange.activity(who, periods)),
        }
    )


async def get_activity(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(RangeQuery, request)
    return web.json_response(
        activity_json(await services(request).migration_data.activity(who, query.periods()))
    )


async def export_sdmx(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(FlowRangeQuery, request)
    text = await services(request).migration_data.export_sdmx(who, query.dataflow, query.periods())
    disposition = {"Content-Disposition": f'attachment; filename="rris-{query.dataflow}.sdmx.csv"'}
    return web.Response(text=text, content_type="text/csv", charset="utf-8", headers=disposition)


async def export_xlsx(request: web.Request) -> web.Response:
    who = require_session(request).principal
    query = _query(XlsxQuery, request)
    data = await services(request).migration_data.export_xlsx(who, query.dataflow, query.periods())
    disposition = {"Content-Disposition": 'attachment; filename="rris-migration-data.xlsx"'}
    return web.Response(body=data, content_type=XLSX, headers=disposition)


async def import_sdmx(request: web.Request) -> web.Response:
    who = require_session(request).principal
    data = await _read_body(request, ("text/csv",))
    views = await services(request).migration_data.import_sdmx(who, _utf8(data))
    return web.json_response({"imported": [submission_json(v) for v in views]}, status=201)


async def _upload(request: web.Request) -> tuple[str, bytes]:
    kind = UPLOAD_TYPES.get(request.content_type)
    if kind is None:
        raise InvalidInput(f"an upload is sent as {' or '.join(UPLOAD_TYPES)}")
    return kind, await _read_body(request, (request.content_type,))


async def _read_body(request: web.Request, types: tuple[str, ...]) -> bytes:
    # Past the application's small JSON limit (client_max_size applies to request.read()), with our own.
    if request.content_type not in types:
        raise InvalidInput(f"expected a {' or '.join(types)} body")
    limit = f"a body is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB"
    if (request.content_length or 0) > MAX_UPLOAD_BYTES:
        raise InvalidInput(limit)
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput(limit)
    return bytes(data)


def _json(data: bytes) -> object:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise InvalidInput("body is not valid JSON") from exc


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UploadRefused(data[: error.start].count(b"\n") + 1, None, "the file is not UTF-8") from None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _refusing(handler: Handler) -> Handler:
    """A refused upload names its row, column and reason as fields too, not only in the message."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except UploadRefused as refused:
            error = {
                "code": refused.code,
                "message": refused.message,
                "row": refused.row,
                "column": refused.column,
                "reason": refused.reason,
            }
            return web.json_response({"error": error}, status=STATUS_BY_CODE.get(refused.code, 400))

    return wrapped


def routes() -> list[web.RouteDef]:
    base = "/api/migration-data"
    return [
        web.get(f"{base}/dataflows", list_dataflows),
        web.post(f"{base}/submissions/upload", _refusing(upload_submission)),
        web.post(f"{base}/submissions", _refusing(create_submission)),
        web.get(f"{base}/submissions", list_submissions),
        web.get(f"{base}/submissions/{{id}}", get_submission),
        web.post(f"{base}/submissions/{{id}}/submit", _transition(SubmissionState.SUBMITTED)),
        web.post(f"{base}/submissions/{{id}}/accept", _transition(SubmissionState.ACCEPTED)),
        web.post(f"{base}/submissions/{{id}}/return", _transition(SubmissionState.RETURNED)),
        web.post(f"{base}/submissions/{{id}}/correct", _refusing(correct_submission)),
        web.get(f"{base}/regional", regional),
        web.get(f"{base}/activity", get_activity),
        web.get(f"{base}/export.sdmx.csv", export_sdmx),
        web.get(f"{base}/export.xlsx", export_xlsx),
        web.post(f"{base}/import.sdmx.csv", _refusing(import_sdmx)),
    ]
