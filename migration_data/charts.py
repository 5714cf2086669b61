"""Regional charts as images (PNG or SVG) for the coordinator console and for reports sent on.

They draw published figures only (:mod:`migration_data.disclosure`): the caller passes what may leave the
service, never raw cells. A confidential cell is a gap, not a zero. Wherever Kosovo* appears, its
designation footnote is printed under the chart.

Matplotlib figures made directly (``Figure``, rendered by the Agg canvas), never through ``pyplot``: no
display, no global figure registry, so nothing is shared between requests and nothing needs closing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from matplotlib.figure import Figure

from migration_data.authorities import name_and_footnote

ImageFormat = Literal["png", "svg"]
Series = Mapping[str, Sequence[tuple[str, int | None]]]  # authority -> (period, value or None) in order
WIDTH_IN, HEIGHT_IN, DPI = 9.0, 4.8, 110


def trend_chart(title: str, series: Series, unit: str, image: ImageFormat) -> bytes:
    """One line per authority across periods (for example asylum applicants per month)."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.subplots()
    periods = sorted({period for points in series.values() for period, _ in points})
    position = {period: i for i, period in enumerate(periods)}
    for authority, points in sorted(series.items()):
        name, _ = name_and_footnote(authority)
        xs = [position[period] for period, _ in points]
        ys = [float("nan") if value is None else value for _, value in points]
        axes.plot(xs, ys, marker="o", markersize=3, label=name)
    axes.set_xticks(range(len(periods)), periods, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel(unit)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, ncols=2)
    return _finish(figure, title, series.keys(), image)


def comparison_chart(
    title: str, groups: Mapping[str, Sequence[tuple[str, int | None]]], unit: str, image: ImageFormat
) -> bytes:
    """Grouped bars: per authority, its top categories (for example applicants by citizenship)."""
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.subplots()
    authorities = sorted(groups)
    widest = max((len(bars) for bars in groups.values()), default=0)
    width = 0.8 / max(widest, 1)
    for slot in range(widest):
        xs, heights, labels = [], [], []
        for i, authority in enumerate(authorities):
            bars = groups[authority]
            if slot < len(bars):
                label, value = bars[slot]
                xs.append(i - 0.4 + width * (slot + 0.5))
                heights.append(0 if value is None else value)
                labels.append(label)
        drawn = axes.bar(xs, heights, width=width * 0.95)
        axes.bar_label(drawn, labels=labels, fontsize=6, rotation=90, padding=2)
    axes.set_xticks(range(len(authorities)), [name_and_footnote(a)[0] for a in authorities], fontsize=8)
    axes.set_ylabel(unit)
    axes.grid(axis="y", alpha=0.3)
    return _finish(figure, title, authorities, image)


def _finish(figure: Figure, title: str, authorities: Iterable[str], image: ImageFormat) -> bytes:
    figure.suptitle(title, fontsize=11)
    footnotes = sorted({note for a in authorities if (note := name_and_footnote(a)[1])})
    if footnotes:
        figure.text(0.01, 0.01, "* " + " ".join(footnotes), fontsize=6, wrap=True)
        figure.subplots_adjust(bottom=0.25)
    out = io.BytesIO()
    figure.savefig(out, format=image, bbox_inches="tight")
    return out.getvalue()
