"""Regional charts over HTTP: PNG or SVG images of the published figures (``migration_data.charts``), with
the regional view's permissions (``migration_data.exchange.regional``): what a chart draws is already
disclosure-controlled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import InvalidInput, NotFound
from migration_data.charts import ImageFormat, comparison_chart, trend_chart
from migration_data.periods import Period
from migration_data.publication import REGION, PeriodRange, RegionalRow
from migration_data.template import DATAFLOWS, Dataflow, dataflow
from rris.http.auth import require_session
from rris.http.keys import services
from rris.http.migration_data import FlowId, PeriodText

IMAGE_TYPES: dict[str, ImageFormat] = {"png": "png", "svg": "svg"}
IMAGE_CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
CHART_UNIT = "persons (published: rounded to 5)"


class ChartFlow(BaseModel):
    """A chart's dataflow: one of the template's (an unknown one is bad input here, not a missing page)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    dataflow: FlowId

    @field_validator("dataflow")
    @classmethod
    def in_template(cls, value: str) -> str:
        if value not in DATAFLOWS:
            raise ValueError(f"no dataflow {value!r} in the template")
        return value

    @property
    def flow(self) -> Dataflow:
        return dataflow(self.dataflow)


class TrendQuery(ChartFlow):
    first: Annotated[PeriodText, Field(alias="from")]
    last: Annotated[PeriodText, Field(alias="to")]


class TopQuery(ChartFlow):
    period: PeriodText
    n: Annotated[int, Field(ge=1, le=10)] = 5


async def trend_image(request: web.Request) -> web.Response:
    """One line per authority: the published total per period, every dimension at its total or at the one
    code given as a filter (``?SEX=F``)."""
    who = require_session(request).principal
    query, filters = _chart_query(TrendQuery, request)
    flow = query.flow
    by, code = _one_filter(flow, filters)
    periods = PeriodRange.parse(query.first, query.last)
    rows = await services(request).migration_data.regional(who, flow.id, periods, by)
    series: dict[str, list[tuple[str, int | None]]] = {}
    for row in rows:
        if row.geo != REGION and row.code == code:
            series.setdefault(row.geo, []).append((str(row.period), row.figure.value))
    if not series:
        raise NotFound("no accepted figures to draw for that choice")
    title = flow.title + (f" ({by} {code})" if by else "")
    return await _image(request, trend_chart, title, series)


async def top_citizenships_image(request: web.Request) -> web.Response:
    """Per authority, its ``n`` citizenships with the highest published totals in one period."""
    who = require_session(request).principal
    query, filters = _chart_query(TopQuery, request)
    flow = query.flow
    if filters:
        raise InvalidInput(f"unexpected parameters: {', '.join(sorted(filters))}")
    if "CITIZEN" not in flow.dimension_ids:
        raise InvalidInput(f"{flow.id} has no CITIZEN dimension")
    period = Period.parse(query.period, flow.frequency)
    within = PeriodRange(period, period)
    rows = await services(request).migration_data.regional(who, flow.id, within, "CITIZEN")
    groups = _top(rows, query.n)
    if not groups:
        raise NotFound("no accepted figures to draw for that period")
    title = f"{flow.title}, {period}: top {query.n} citizenships"
    return await _image(request, comparison_chart, title, groups)


def _top(rows: list[RegionalRow], n: int) -> dict[str, list[tuple[str, int | None]]]:
    # Ranked on published figures (never on raw ones); a confidential figure ranks last.
    ranked: dict[str, list[tuple[str, int | None]]] = {}
    for row in rows:
        if row.geo != REGION and row.code not in (None, "TOTAL"):
            ranked.setdefault(row.geo, []).append((str(row.code), row.figure.value))
    return {
        geo: sorted(bars, key=lambda bar: (-(bar[1] if bar[1] is not None else -1), bar[0]))[:n]
        for geo, bars in ranked.items()
    }


def _chart_query(model: type[ChartFlow], request: web.Request) -> tuple[Any, dict[str, str]]:
    """The chart's own parameters, and the rest (dimension filters) apart."""
    own = {f.alias or name for name, f in model.model_fields.items()}
    known = {k: v for k, v in request.query.items() if k in own}
    rest = {k: v for k, v in request.query.items() if k not in own}
    if len(request.query) != len(set(request.query)):
        raise InvalidInput("a parameter is given twice")
    return model.model_validate(known), rest


def _one_filter(flow: Dataflow, filters: dict[str, str]) -> tuple[str | None, str | None]:
    """At most one dimension fixed to a code (the published regional totals hold one breakdown)."""
    if not filters:
        return None, None
    if len(filters) > 1:
        raise InvalidInput("a chart filters on at most one dimension")
    ((dim, code),) = filters.items()
    if dim not in flow.dimension_ids:
        raise InvalidInput(f"{flow.id} has no dimension {dim}; it has {', '.join(flow.dimension_ids)}")
    if code not in flow.codelist(dim).codes:
        raise InvalidInput(f"{code!r} is not a code of {flow.codelist(dim).id}")
    return dim, code


ChartMaker = Callable[[str, dict[str, list[tuple[str, int | None]]], str, ImageFormat], bytes]


async def _image(
    request: web.Request, draw: ChartMaker, title: str, data: dict[str, list[tuple[str, int | None]]]
) -> web.Response:
    image = IMAGE_TYPES[request.match_info["image"]]
    # Matplotlib's drawing is CPU work: off the event loop.
    body = await asyncio.to_thread(draw, title, data, CHART_UNIT, image)
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return web.Response(body=body, content_type=IMAGE_CONTENT_TYPES[image], headers=headers)


def routes() -> list[web.RouteDef]:
    base = "/api/migration-data/charts"
    return [
        web.get(f"{base}/trend.{{image:png|svg}}", trend_image),
        web.get(f"{base}/top-citizenships.{{image:png|svg}}", top_citizenships_image),
    ]
