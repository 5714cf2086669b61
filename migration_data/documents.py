"""The JSON shapes of the regional exchange, as its HTTP API answers them.

Raw cells are only ever shaped for the reporting authority (``SubmissionView.raw``); issue messages quote
raw figures, so everyone else gets a report's counts without them.
"""

from __future__ import annotations

from typing import Any

from migration_data import activity, codelists
from migration_data.authorities import AUTHORITIES, display_name, name_and_footnote
from migration_data.exchange import SubmissionView, VersionCells
from migration_data.publication import ActivityRow, PublishedFigure, RegionalRow
from migration_data.stored import VersionRecord, report_json
from migration_data.template import DATAFLOWS, MEASURE, Dataflow


def authority_json(code: str) -> dict[str, Any]:
    name, footnote = name_and_footnote(code)
    return {"code": code, "name": name, "display_name": display_name(code), "footnote": footnote}


def dataflow_json(flow: Dataflow) -> dict[str, Any]:
    return {
        "id": flow.id,
        "title": flow.title,
        "legal_reference": flow.legal_reference,
        "frequency": flow.frequency.value,
        "deadline_months_after_period": flow.deadline.months,
        "eurostat_dataset": flow.eurostat_dataset,
        "regional_extension": flow.regional,
        "version": flow.version,
        "dimensions": [
            {"id": d.id, "codelist": d.codelist.id, "codes": list(d.codelist.codes)} for d in flow.dimensions
        ],
        "totals_rules": [
            {"name": r.name, "dimension": r.dimension, "total": r.total, "parts": list(r.parts)}
            for r in flow.sum_rules
        ],
    }


def codelist_json(codelist: codelists.CodeList) -> dict[str, Any]:
    return {
        "id": codelist.id,
        "source": codelist.source,
        "regional": codelist.regional,
        "codes": [{"code": code, "label": label} for code, label in codelist.labels.items()],
    }


def version_json(version: VersionRecord, details: bool) -> dict[str, Any]:
    report = report_json(version.report)
    if not details:  # issue messages quote raw figures: for the reporting authority only
        report = {
            "ok": report["ok"],
            "error_counts": report["error_counts"],
            "warning_count": len(report["warnings"]),
        }
    return {
        "version": version.number,
        "state": version.state.value,
        "source": version.source,
        "late": version.late,
        "created_by": version.created_by,
        "created_at": version.created_at.isoformat(),
        "submitted_by": version.submitted_by,
        "submitted_at": version.submitted_at.isoformat() if version.submitted_at else None,
        "decided_by": version.decided_by,
        "decided_at": version.decided_at.isoformat() if version.decided_at else None,
        "cell_count": version.cell_count,
        "report": report,
    }


def submission_json(view: SubmissionView) -> dict[str, Any]:
    record, newest = view.record, view.versions[-1]
    return {
        "id": record.id,
        "authority": authority_json(record.authority),
        "dataflow": record.flow.id,
        "period": str(record.period),
        "version": newest.number,
        "state": newest.state.value,
        "late": newest.late,
        "report": version_json(newest, view.raw)["report"],
        "versions": [version_json(v, view.raw) for v in view.versions],
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
    }


def cells_json(flow: Dataflow, cells: VersionCells) -> dict[str, Any]:
    if cells.raw is not None:
        return {"version": cells.number, "figures": "raw", "cells": cells.raw.records(flow)}
    assert cells.published is not None
    out = cells.published
    labels = {d: flow.codelist(d).codes for d in flow.dimension_ids}
    columns = {d: out.codes[d].tolist() for d in flow.dimension_ids}
    values, secret = out.values.tolist(), out.confidential.tolist()
    records = []
    for i, value in enumerate(values):
        record: dict[str, Any] = {d: labels[d][columns[d][i]] for d in flow.dimension_ids}
        record[MEASURE] = None if secret[i] else value
        record["CONF_STATUS"] = "C" if secret[i] else "F"
        records.append(record)
    return {"version": cells.number, "figures": "published", "cells": records}


def figure_json(figure: PublishedFigure) -> dict[str, Any]:
    return {"value": figure.value, "confidential": figure.confidential}


def regional_json(rows: list[RegionalRow], by: str | None) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item: dict[str, Any] = {"geo": row.geo, "time_period": str(row.period)}
        if row.geo in AUTHORITIES:
            item["geo_name"] = display_name(row.geo)
        if by is not None:
            item[by] = row.code
        out.append({**item, **figure_json(row.figure)})
    return out


def activity_json(rows: list[ActivityRow]) -> dict[str, Any]:
    return {
        "dataflow": activity.FLOW_ID,
        "title": activity.TITLE,
        "legal_reference": activity.LEGAL_REFERENCE,
        "regional_extension": True,
        "rows": [
            {
                "geo": row.geo,
                "geo_name": display_name(row.geo),
                "time_period": str(row.month),
                "language": row.language,
                "sessions": figure_json(row.sessions),
                "minutes": figure_json(row.minutes),
            }
            for row in rows
        ],
    }


def template_json() -> dict[str, Any]:
    """The whole template: dataflows, the computed activity flow, code lists and authorities."""
    lists = {d.codelist.id: d.codelist for flow in DATAFLOWS.values() for d in flow.dimensions}
    return {
        "dataflows": [dataflow_json(flow) for flow in DATAFLOWS.values()],
        "computed": [
            {
                "id": activity.FLOW_ID,
                "title": activity.TITLE,
                "legal_reference": activity.LEGAL_REFERENCE,
                "frequency": "M",
                "regional_extension": True,
                "dimensions": ["GEO", "TIME_PERIOD", "LANGUAGE"],
                "measures": list(activity.MEASURES),
            }
        ],
        "codelists": [codelist_json(c) for c in lists.values()],
        "authorities": [authority_json(code) for code in AUTHORITIES],
    }
