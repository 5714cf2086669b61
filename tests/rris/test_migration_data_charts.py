"""The regional view as images: trend and top-citizenship charts of published figures, written to files and
checked to be a real PNG and a parseable SVG; read by everyone in the exchange and nobody else; every bad
parameter refused with 400 before anything is drawn."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from defusedxml import ElementTree as ET

from tests.rris import test_migration_data_http as exchange_tests
from tests.rris.test_migration_data_http import BASE, LATE, MK_CELLS, ON_TIME, RS_CELLS, User, accepted, error

# The exchange's server on a fake clock and its users (data officers of MK, RS and of no authority, ...).
server = exchange_tests.server
users = exchange_tests.users

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TREND = f"{BASE}/charts/trend"
TOP = f"{BASE}/charts/top-citizenships"
RANGE = f"dataflow=ASY_PEND&from={LATE}&to={ON_TIME}"


@pytest.fixture
async def figures(users: dict[str, User]) -> dict[str, User]:
    """MK and RS accepted for two months of ASY_PEND."""
    for period in (LATE, ON_TIME):
        await accepted(users, "do.a", period, MK_CELLS)
        await accepted(users, "do.b", period, RS_CELLS)
    return users


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_a_trend_chart_is_written_as_a_non_empty_png_and_an_svg_that_parses(
    figures: dict[str, User], tmp_path: Path
) -> None:
    reader = figures["coord.a"]  # an authority's coordinator reads the regional view
    status, content_type, png = await reader.get_file(f"{TREND}.png?{RANGE}")
    assert (status, content_type) == (200, "image/png")
    written = tmp_path / "trend.png"
    written.write_bytes(png)
    data = written.read_bytes()
    width, height = png_size(data)
    assert width > 200
    assert height > 100
    assert len(data) > 5_000

    status, content_type, svg = await reader.get_file(f"{TREND}.svg?{RANGE}")
    assert (status, content_type) == (200, "image/svg+xml")
    (tmp_path / "trend.svg").write_bytes(svg)
    root = ET.fromstring((tmp_path / "trend.svg").read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(root.iter())) > 50


async def test_a_trend_chart_may_fix_one_dimension_to_one_code(figures: dict[str, User]) -> None:
    status, content_type, png = await figures["coord"].get_file(f"{TREND}.png?{RANGE}&CITIZEN=SY")
    assert (status, content_type) == (200, "image/png")
    png_size(png)
    # Nobody reported women separately: nothing to draw.
    status, _, body = await figures["coord"].get_file(f"{TREND}.png?{RANGE}&SEX=F")
    assert status == 404, body


async def test_a_top_citizenships_chart_is_written_as_a_png_and_an_svg(
    figures: dict[str, User], tmp_path: Path
) -> None:
    path = f"{TOP}.png?dataflow=ASY_PEND&period={ON_TIME}&n=3"
    status, content_type, png = await figures["do.b"].get_file(path)
    assert (status, content_type) == (200, "image/png")
    (tmp_path / "top.png").write_bytes(png)
    assert png_size((tmp_path / "top.png").read_bytes())[0] > 200
    status, content_type, svg = await figures["do.b"].get_file(path.replace(".png?", ".svg?"))
    assert (status, content_type) == (200, "image/svg+xml")
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"


async def test_charts_are_for_members_of_the_exchange_only(figures: dict[str, User]) -> None:
    for route in (f"{TREND}.png?{RANGE}", f"{TOP}.svg?dataflow=ASY_PEND&period={ON_TIME}"):
        for name, status in (
            ("do.a", 200),
            ("do.none", 200),
            ("coord", 200),
            ("coord.a", 200),
            ("cw.a", 403),
            ("ps.female", 403),
            ("anonymous", 401),
        ):
            got, _, _ = await figures[name].get_file(route)
            assert got == status, (route, name)


@pytest.mark.parametrize(
    "query",
    [
        f"{TREND}.png?from={LATE}&to={ON_TIME}",  # no dataflow
        f"{TREND}.png?dataflow=NOPE&from={LATE}&to={ON_TIME}",
        f"{TREND}.png?dataflow=asy_pend&from={LATE}&to={ON_TIME}",
        f"{TREND}.png?dataflow=ASY_PEND&from=2025-13&to={ON_TIME}",
        f"{TREND}.png?dataflow=ASY_PEND&from={ON_TIME}&to={LATE}",  # backwards
        f"{TREND}.png?dataflow=ASY_PEND&from=2000-01&to=2025-12",  # too long
        f"{TREND}.png?dataflow=ASY_PEND&from=yesterday&to={ON_TIME}",
        f"{TREND}.png?{RANGE}&GEO=MK",  # not a dimension
        f"{TREND}.png?{RANGE}&SEX=X",  # not a code
        f"{TREND}.png?{RANGE}&SEX=F&AGE=TOTAL",  # two filters
        f"{TREND}.png?{RANGE}&dataflow=ASY_APP",  # twice
        f"{TOP}.png?dataflow=ASY_PEND&period={ON_TIME}&n=0",
        f"{TOP}.png?dataflow=ASY_PEND&period={ON_TIME}&n=11",
        f"{TOP}.png?dataflow=ASY_PEND&period={ON_TIME}&n=three",
        f"{TOP}.png?dataflow=ASY_PEND&period=2025-Q4",  # not the dataflow's frequency
        f"{TOP}.png?dataflow=ASY_PEND",  # no period
        f"{TOP}.png?dataflow=ASY_PEND&period={ON_TIME}&SEX=F",
        f"{TOP}.png?dataflow=REG_RECEPTION&period={ON_TIME}",  # no citizenship
    ],
)
async def test_bad_chart_parameters_are_refused(figures: dict[str, User], query: str) -> None:
    status, content_type, _ = await figures["coord"].get_file(query)
    assert (status, content_type) == (400, "application/json"), query


async def test_a_chart_with_nothing_accepted_is_not_found_and_other_formats_do_not_exist(
    users: dict[str, User],
) -> None:
    status, _ = await users["coord"].get(f"{TREND}.png?{RANGE}")
    assert status == 404
    status, body = await users["coord"].get(f"{TOP}.svg?dataflow=ASY_PEND&period={ON_TIME}")
    assert (status, error(body)) == (404, "not_found")
    status, _, _ = await users["coord"].get_file(f"{TREND}.gif?{RANGE}")
    assert status == 404
