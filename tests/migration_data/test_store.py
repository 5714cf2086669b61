"""Stored submissions: every change through the state machine, corrections as new versions with the old
kept, compare-and-set against stale changes, late flags, compact cells, imports whole or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from core.clock import FakeClock
from core.models import (
    MIGRATION_SUBMISSION_STATES,
    MigrationSubmissionRow,
    MigrationSubmissionVersionRow,
)
from migration_data.authorities import AuthorityCode
from migration_data.cell_blob import StoredCells
from migration_data.errors import SubmissionTransitionRefused
from migration_data.periods import Period
from migration_data.readers import read_csv
from migration_data.store import MigrationDataStore
from migration_data.stored import ImportItem, NewFigures, SubmissionChanged, SubmissionExists
from migration_data.submission import SubmissionState
from migration_data.template import dataflow
from migration_data.validation import validate_upload
from rris.services import Services
from tests.migration_data.cells_fixture import present_csv, replace_value
from tests.support.migrated import BOTH_DATABASES, backend_of, migrated_services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

S = SubmissionState
FLOW = dataflow("ASY_PEND")  # monthly, citizen x sex x age: the fixture's shape
RS = AuthorityCode("RS")
NOVEMBER = Period.parse("2025-11", FLOW.frequency)  # due 2026-02-01; the clock starts 2026-01-05
OCTOBER = Period.parse("2025-10", FLOW.frequency)  # due 2026-01-01: already late


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Services]:
    async with migrated_services(backend_of(request), tmp_path, clock) as made:
        yield made


@pytest.fixture
async def world(services: Services) -> World:
    return await build_world(services.accounts, services.directory)


@pytest.fixture
def store(services: Services, clock: FakeClock) -> MigrationDataStore:
    return MigrationDataStore(services.db, clock)


def figures(text: str = present_csv()) -> NewFigures:
    cells, report = validate_upload(FLOW, read_csv(FLOW, text))
    return NewFigures(StoredCells.raw(cells), report, "csv")


async def rows(services: Services) -> tuple[int, int]:
    return (
        await count_rows(services.db, MigrationSubmissionRow),
        await count_rows(services.db, MigrationSubmissionVersionRow),
    )


def test_the_stored_states_are_the_state_machines() -> None:
    assert set(MIGRATION_SUBMISSION_STATES) == {s.value for s in SubmissionState}


@BOTH_DATABASES
async def test_a_valid_submission_is_validated_at_once_and_its_cells_come_back_exactly(
    store: MigrationDataStore, world: World, services: Services
) -> None:
    sent = figures()
    record = await store.create(world.id("coord"), RS, FLOW, NOVEMBER, sent)
    assert [(v.number, v.state) for v in record.versions] == [(1, S.VALIDATED)]
    assert record.current.cell_count == len(sent.cells.cells)
    back = await store.cells(record.id, 1)
    for dim in FLOW.dimension_ids:
        assert np.array_equal(back.cells.codes[dim], sent.cells.cells.codes[dim])
    assert np.array_equal(back.cells.values, sent.cells.cells.values)
    assert not back.confidential.any()
    # One row per submission and per version, never one per cell.
    assert await rows(services) == (1, 1)


async def test_a_submission_with_errors_stays_a_draft_with_its_report_and_cannot_be_submitted(
    store: MigrationDataStore, world: World
) -> None:
    text = replace_value(present_csv(), "SY,T,TOTAL,", "999")
    record = await store.create(world.id("coord"), RS, FLOW, NOVEMBER, figures(text))
    assert record.current.state is S.DRAFT
    assert not record.current.report.ok
    assert {i.rule for i in record.current.report.errors} >= {"sex_total"}
    with pytest.raises(SubmissionTransitionRefused):
        await store.transition(world.id("coord"), record.id, 1, S.SUBMITTED)
    assert (await store.get(record.id)).current.state is S.DRAFT


async def test_a_second_submission_for_the_same_period_is_refused(
    store: MigrationDataStore, world: World, services: Services
) -> None:
    await store.create(world.id("coord"), RS, FLOW, NOVEMBER, figures())
    with pytest.raises(SubmissionExists):
        await store.create(world.id("coord"), RS, FLOW, NOVEMBER, figures())
    assert await rows(services) == (1, 1)


@BOTH_DATABASES
async def test_a_correction_is_a_new_version_and_history_is_kept(
    store: MigrationDataStore, world: World, clock: FakeClock
) -> None:
    officer, hub = world.id("cw.b"), world.id("coord")
    record = await store.create(officer, RS, FLOW, NOVEMBER, figures())
    await store.transition(officer, record.id, 1, S.SUBMITTED)
    clock.advance(3600)
    accepted = await store.transition(hub, record.id, 1, S.ACCEPTED)
    assert accepted.current.decided_by == hub
    assert accepted.current.submitted_by == officer
    assert [a for a, _, _ in await store.accepted_cells(FLOW, lambda p: True)] == [RS]

    corrected = await store.correct(
        officer, record.id, 1, figures(replace_value(present_csv(), "AF,M,Y_GE65,", "0"))
    )
    assert [(v.number, v.state) for v in corrected.versions] == [(1, S.ACCEPTED), (2, S.VALIDATED)]
    assert corrected.accepted is not None
    assert corrected.accepted.number == 1

    await store.transition(officer, record.id, 2, S.SUBMITTED)
    done = await store.transition(hub, record.id, 2, S.ACCEPTED)
    assert [(v.number, v.state) for v in done.versions] == [(1, S.SUPERSEDED), (2, S.ACCEPTED)]
    old, new = await store.cells(record.id, 1), await store.cells(record.id, 2)
    assert len(old.cells) == len(new.cells)  # the first version's figures are still readable


@BOTH_DATABASES
async def test_a_transition_based_on_a_replaced_version_is_refused(
    store: MigrationDataStore, world: World
) -> None:
    officer, hub = world.id("cw.b"), world.id("coord")
    record = await store.create(officer, RS, FLOW, NOVEMBER, figures())
    await store.transition(officer, record.id, 1, S.SUBMITTED)
    await store.correct(officer, record.id, 1, figures())  # version 2 while the hub still reads 1
    with pytest.raises(SubmissionChanged):
        await store.transition(hub, record.id, 1, S.ACCEPTED)
    assert [v.state for v in (await store.get(record.id)).versions] == [S.SUBMITTED, S.VALIDATED]


@BOTH_DATABASES
async def test_of_two_concurrent_decisions_on_one_version_exactly_one_lands(
    store: MigrationDataStore, world: World
) -> None:
    officer, hub = world.id("cw.b"), world.id("coord")
    record = await store.create(officer, RS, FLOW, NOVEMBER, figures())
    await store.transition(officer, record.id, 1, S.SUBMITTED)
    results = await asyncio.gather(
        store.transition(hub, record.id, 1, S.ACCEPTED),
        store.transition(hub, record.id, 1, S.RETURNED),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], SubmissionTransitionRefused)
    assert (await store.get(record.id)).current.state in {S.ACCEPTED, S.RETURNED}


async def test_a_submission_after_the_deadline_is_flagged_late(
    store: MigrationDataStore, world: World
) -> None:
    officer = world.id("cw.b")
    on_time = await store.create(officer, RS, FLOW, NOVEMBER, figures())
    late = await store.create(officer, RS, FLOW, OCTOBER, figures())
    assert not (await store.transition(officer, on_time.id, 1, S.SUBMITTED)).current.late
    stored = await store.transition(officer, late.id, 1, S.SUBMITTED)
    assert stored.current.late
    assert stored.current.submitted_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@BOTH_DATABASES
async def test_an_import_is_written_whole_or_not_at_all(
    store: MigrationDataStore, world: World, services: Services
) -> None:
    officer, hub = world.id("cw.b"), world.id("coord")
    editing = await store.create(officer, RS, FLOW, NOVEMBER, figures())  # validated: being edited
    before = await rows(services)
    items = [
        ImportItem(AuthorityCode("AL"), FLOW, NOVEMBER, figures()),
        ImportItem(RS, FLOW, NOVEMBER, figures()),
    ]
    with pytest.raises(SubmissionChanged):
        await store.import_series(hub, items)
    assert await rows(services) == before
    assert (await store.get(editing.id)).current.state is S.VALIDATED

    await store.transition(officer, editing.id, 1, S.SUBMITTED)
    imported = await store.import_series(hub, items)
    assert [(r.authority, r.current.number, r.current.state) for r in imported] == [
        ("AL", 1, S.SUBMITTED),
        ("RS", 2, S.SUBMITTED),
    ]
    assert imported[1].versions[0].state is S.SUBMITTED  # the officer's own version is kept
