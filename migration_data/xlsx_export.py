"""Published figures as an XLSX workbook: a sheet per dataflow, one observation per row, and the notes.

Each sheet opens with the dataflow's title, legal reference and the disclosure rule, then a header row
(GEO, the authority's name, the dimensions, TIME_PERIOD, OBS_VALUE, CONF_STATUS). Confidential cells have
no value and ``C``. Kosovo* carries its designation footnote under every sheet that names it, and the
Notes sheet always states it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from migration_data.authorities import KOSOVO_FOOTNOTE, AuthorityCode, name_and_footnote
from migration_data.disclosure import CONFIDENTIAL, FREE, DisclosurePolicy, PublishedCells
from migration_data.periods import Period
from migration_data.template import MEASURE, Dataflow

Series = Sequence[tuple[AuthorityCode, Period, PublishedCells]]


def export_xlsx(sheets: Sequence[tuple[Dataflow, Series]], policy: DisclosurePolicy) -> bytes:
    book = Workbook(write_only=True)
    rule = (
        f"Figures rounded to the nearest {policy.rounding_base}; figures from 1 to "
        f"{policy.confidential_below - 1} are confidential (CONF_STATUS C, no value)."
    )
    for flow, series in sheets:
        sheet = book.create_sheet(flow.id[:31])
        sheet.append([flow.title])
        sheet.append(
            [f"Legal reference: {flow.legal_reference}" + (" (regional extension)" if flow.regional else "")]
        )
        sheet.append([rule])
        sheet.append(["GEO", "AUTHORITY", *flow.dimension_ids, "TIME_PERIOD", MEASURE, "CONF_STATUS"])
        footnotes: set[str] = set()
        labels = [flow.codelist(d).codes for d in flow.dimension_ids]
        for geo, period, cells in series:
            name, footnote = name_and_footnote(geo)
            if footnote:
                footnotes.add(f"{name} {footnote}".replace("* ", "*: ", 1))
            columns = [cells.codes[d].tolist() for d in flow.dimension_ids]
            values, secret = cells.values.tolist(), cells.confidential.tolist()
            for i, value in enumerate(values):
                sheet.append(
                    [
                        geo,
                        name,
                        *(lab[col[i]] for lab, col in zip(labels, columns, strict=True)),
                        str(period),
                        None if secret[i] else value,
                        CONFIDENTIAL if secret[i] else FREE,
                    ]
                )
        for note in sorted(footnotes):
            sheet.append([])
            sheet.append([note])
    notes = book.create_sheet("Notes")
    notes.append(
        ["Regional template for the exchange of non-personal migration data (Regulation (EC) 862/2007)"]
    )
    notes.append([rule])
    notes.append([f"Kosovo*: {KOSOVO_FOOTNOTE}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
