"""Regional charts come out as real images: a PNG that decodes to the drawn size, an SVG with the
authorities' names and, wherever Kosovo* is drawn, its designation footnote."""

from __future__ import annotations

import struct
from pathlib import Path

from defusedxml import ElementTree

from migration_data.authorities import KOSOVO_FOOTNOTE
from migration_data.charts import comparison_chart, trend_chart

SERIES = {
    "RS": [("2026-01", 120), ("2026-02", 95), ("2026-03", None)],  # March confidential: a gap
    "XK": [("2026-01", 15), ("2026-02", 20), ("2026-03", 25)],
    "MK": [("2026-01", 40), ("2026-02", 55), ("2026-03", 60)],
}


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def svg_text(svg: bytes) -> str:
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    return svg.decode()


def test_a_trend_chart_is_written_as_a_png_file_that_is_not_empty(tmp_path: Path) -> None:
    path = tmp_path / "applicants.png"
    path.write_bytes(trend_chart("Asylum applicants per month", SERIES, "persons", "png"))
    data = path.read_bytes()
    width, height = png_size(data)
    assert width > 400
    assert height > 200
    assert len(data) > 10_000  # lines, labels and legend, not a blank canvas


def test_the_svg_names_every_authority_and_carries_the_kosovo_footnote() -> None:
    text = svg_text(trend_chart("Asylum applicants per month", SERIES, "persons", "svg"))
    for name in ("Serbia", "Kosovo*", "North Macedonia"):
        assert name in text
    assert "UNSCR 1244/1999" in text
    assert KOSOVO_FOOTNOTE.split()[0] in text


def test_without_kosovo_there_is_no_footnote() -> None:
    text = svg_text(trend_chart("t", {"RS": SERIES["RS"]}, "persons", "svg"))
    assert "UNSCR" not in text


def test_a_comparison_chart_shows_each_authoritys_top_citizenships() -> None:
    groups = {"RS": [("AF", 300), ("SY", 120), ("PK", 45)], "AL": [("SY", 30), ("AF", None)]}
    text = svg_text(comparison_chart("Top citizenships, 2026-Q1", groups, "persons", "svg"))
    for label in ("Serbia", "Albania", "AF", "SY", "PK"):
        assert label in text
    assert png_size(comparison_chart("t", groups, "persons", "png"))[0] > 400
