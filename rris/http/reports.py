"""Reports over HTTP: the usage report as JSON, or as CSV (RFC 4180, UTF-8) for a spreadsheet."""

from __future__ import annotations

import csv
import io

from aiohttp import web

from core.errors import InvalidInput
from rris.http.auth import require_session
from rris.http.keys import services
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


def usage_csv(rows: list[UsageRow]) -> str:
    """A header row, then one line per row; fields quoted where they hold a comma, quote or line break."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(USAGE_COLUMNS)
    for row in rows:
        as_json = usage_json(row)
        writer.writerow([as_json[column] for column in USAGE_COLUMNS])
    return out.getvalue()


def _query(request: web.Request, name: str) -> str:
    value = request.query.get(name)
    if value is None:
        raise InvalidInput(f"{name} is required (YYYY-MM)")
    return value


async def usage(request: web.Request) -> web.Response:
    scope = report_scope(require_session(request).principal)
    months = MonthRange.parse(_query(request, "from"), _query(request, "to"))
    kind = request.query.get("format", "json")
    if kind not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}")
    rows = await usage_report(services(request).db, months, scope)
    if kind == "json":
        return web.json_response({"rows": [usage_json(row) for row in rows]})
    filename = f"usage-{months.first}-to-{months.last}.csv"
    return web.Response(
        text=usage_csv(rows),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/api/reports/usage", usage)]
