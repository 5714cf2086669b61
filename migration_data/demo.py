"""Fictional demo submissions for the regional exchange: invented figures, consistent with every rule.

Office A's data officer reports three months of registered arrivals (a regional extension); the hub
accepts the first two and the third waits as submitted. Nothing here describes real arrivals.
"""

from __future__ import annotations

from core.accounts import Principal
from migration_data.cells import RawCells
from migration_data.exchange import MigrationDataExchange
from migration_data.stored import SubmissionExists
from migration_data.submission import SubmissionState
from migration_data.template import MEASURE

DEMO_FLOW = "REG_ARRIVALS"
DEMO_PERIODS = ("2026-01", "2026-02", "2026-03")
_AGES = {"Y_LT14": 2, "Y14-17": 1, "Y18-34": 6, "Y35-64": 3, "Y_GE65": 0, "UNK": 1}
_SEXES = {"M": 3, "F": 2, "UNK": 0}
_CITIZENS = {"SY": 3, "AF": 2, "MA": 1}


def demo_cells(month: int) -> RawCells:
    """Invented figures for one month: citizenships x sex x age with every total adding up."""
    cells: dict[tuple[str, str, str], int] = {}
    for citizen, weight in _CITIZENS.items():
        for sex, share in _SEXES.items():
            for age, n in _AGES.items():
                cells[(citizen, sex, age)] = n * share * (weight + month)
            cells[(citizen, sex, "Y_LT18")] = (
                cells[(citizen, sex, "Y_LT14")] + cells[(citizen, sex, "Y14-17")]
            )
            cells[(citizen, sex, "TOTAL")] = sum(cells[(citizen, sex, a)] for a in _AGES)
        for age in (*_AGES, "Y_LT18", "TOTAL"):
            cells[(citizen, "T", age)] = sum(cells[(citizen, s, age)] for s in _SEXES)
    for sex in (*_SEXES, "T"):
        for age in (*_AGES, "Y_LT18", "TOTAL"):
            cells[("TOTAL", sex, age)] = sum(cells[(c, sex, age)] for c in _CITIZENS)
    keys = list(cells)
    columns = {
        "CITIZEN": [k[0] for k in keys],
        "SEX": [k[1] for k in keys],
        "AGE": [k[2] for k in keys],
        MEASURE: [str(cells[k]) for k in keys],
    }
    return RawCells(columns, list(range(2, len(keys) + 2)))


async def load_demo_submissions(exchange: MigrationDataExchange, officer: Principal, hub: Principal) -> int:
    """Submit (and partly accept) the demo months; idempotent: months already there are left alone."""
    made = 0
    for n, period in enumerate(DEMO_PERIODS, start=1):
        try:
            view = await exchange.create(officer, DEMO_FLOW, period, demo_cells(n), "csv")
        except SubmissionExists:
            continue
        submission = view.record.id
        await exchange.move(officer, submission, 1, SubmissionState.SUBMITTED)
        if n < len(DEMO_PERIODS):
            await exchange.move(hub, submission, 1, SubmissionState.ACCEPTED)
        made += 1
    return made
