"""Reports over HTTP: usage and coverage, each as JSON or as CSV (RFC 4180, UTF-8) for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from aiohttp import web

from core.errors import InvalidInput
from rris.http.auth import require_session
from rris.http.keys import services
from scheduler.coverage import CoverageRow, CoverageWindow, coverage_report
from scheduler.reports import MonthRange, UsageRow, report_scope, usage_report

USAGE_COLUMNS = (
    "organisation_id",
    "organisation",
    "language",
    "month",
    "on_demand_minutes",
    "booked_minutes",
    "total_minutes",
)
COVERAGE_COLUMNS = ("hour", "language", "available", "rostered", "booked", "on_demand", "gap")
FORMATS = ("json", "csv")


def usage_json(row: UsageRow) -> dict[str, object]:
    return {
        "organisation_id": row.organisation_id,
        "organisation": row.organisation,
        "language": row.language,
        "month": str(row.month),
        "on_demand_minutes": row.on_demand_minutes,
        "booked_minutes": row.booked_minutes,
        "total_minutes": row.total_minutes,
    }


def coverage_json(row: CoverageRow) -> dict[str, object]:
    return {
        "hour": row.hour.isoformat(),
        "language": row.language,
        "available": row.available,
        "rostered": row.rostered,
        "booked": row.booked,
        "on_demand": row.on_demand,
        "gap": row.gap,
    }


def as_csv(columns: tuple[str, ...], rows: Iterable[dict[str, object]]) -> str:
    """A header row, then one line per row; fields quoted where they hold a comma, quote or line break."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    return out.getvalue()


def usage_csv(rows: list[UsageRow]) -> str:
    return as_csv(USAGE_COLUMNS, (usage_json(row) for row in rows))


def _format(request: web.Request) -> str:
    kind = request.query.get("format", "json")
    if kind not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}")
    return kind


def _csv_response(text: str, filename: str) -> web.Response:
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _query(request: web.Request, name: str) -> str:
    value = request.query.get(name)
    if value is None:
        raise InvalidInput(f"{name} is required (YYYY-MM)")
    return value


async def usage(request: web.Request) -> web.Response:
    scope = report_scope(require_session(request).principal)
    months = MonthRange.parse(_query(request, "from"), _query(request, "to"))
    kind = _format(request)
    rows = await usage_report(services(request).db, months, scope)
    if kind == "json":
        return web.json_response({"rows": [usage_json(row) for row in rows]})
    return _csv_response(usage_csv(rows), f"usage-{months.first}-to-{months.last}.csv")


async def coverage(request: web.Request) -> web.Response:
    scope = report_scope(require_session(request).principal)
    window = CoverageWindow.parse(request.query.get("from"), request.query.get("to"))
    kind = _format(request)
    svc = services(request)
    rows = await coverage_report(svc.db, svc.availability, window, scope)
    if kind == "json":
        return web.json_response({"rows": [coverage_json(row) for row in rows]})
    stamp = "%Y%m%dT%H%MZ"
    first, last = window.interval.start_utc.strftime(stamp), window.interval.end_utc.strftime(stamp)
    return _csv_response(
        as_csv(COVERAGE_COLUMNS, map(coverage_json, rows)), f"coverage-{first}-to-{last}.csv"
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/api/reports/usage", usage), web.get("/api/reports/coverage", coverage)]
