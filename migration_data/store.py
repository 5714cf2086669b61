"""The regional template's submissions in the database, every change through :mod:`submission`'s table.

A submission is one authority's figures for one dataflow and period; each change of state and each
correction happens inside one transaction that first claims the submission's row (compare-and-set on the
version the caller read, so a transition based on a version that a correction has since replaced is
refused with :class:`SubmissionChanged`). Corrections are new versions; the old ones stay, readable.
Each version's cells are one compressed blob (:mod:`cell_blob`), never a row per cell; the values handed
out are :mod:`stored`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.ids import UserId, new_id
from core.models import MigrationSubmissionRow, MigrationSubmissionVersionRow, OrganisationRow
from migration_data import cell_blob
from migration_data.authorities import AuthorityCode
from migration_data.cell_blob import StoredCells
from migration_data.cells import EncodedCells
from migration_data.periods import Period
from migration_data.stored import (
    SOURCES,
    ImportItem,
    NewFigures,
    SubmissionChanged,
    SubmissionExists,
    SubmissionId,
    SubmissionRecord,
    UnknownSubmission,
    VersionRecord,
    report_from_json,
    report_json,
)
from migration_data.submission import (
    Submission,
    SubmissionState,
    SubmissionVersion,
    attach_report,
    correct,
    move,
    start,
)
from migration_data.template import Dataflow, dataflow

S = SubmissionState


class Now(Protocol):
    def now(self) -> datetime: ...


_NO_CELLS: dict[str, EncodedCells] = {}


def _placeholder(flow: Dataflow) -> EncodedCells:
    """The state machine never reads a version's cells; versions loaded without them carry none."""
    if flow.id not in _NO_CELLS:
        empty = np.zeros(0, dtype=np.int16)
        _NO_CELLS[flow.id] = EncodedCells(
            flow.id, {d: empty for d in flow.dimension_ids}, np.zeros(0, np.int64), np.zeros(0, np.int64)
        )
    return _NO_CELLS[flow.id]


class MigrationDataStore:
    def __init__(self, db: Database, clock: Now) -> None:
        self._db = db
        self._clock = clock

    async def country_of(self, organisation_id: str) -> str | None:
        async with self._db.sessions() as session:
            return await session.scalar(
                select(OrganisationRow.country_code).where(OrganisationRow.id == organisation_id)
            )

    async def create(
        self, actor: UserId, authority: AuthorityCode, flow: Dataflow, period: Period, figures: NewFigures
    ) -> SubmissionRecord:
        """A new submission: its first version, validated at once when its report has no errors."""
        try:
            async with self._writing() as session:
                submission_id = await self._insert(session, actor, authority, flow, period, figures)
        except IntegrityError:
            raise SubmissionExists(
                f"{authority} already has a {flow.id} submission for {period}: correct that one"
            ) from None
        return await self.get(submission_id)

    async def transition(
        self, actor: UserId, submission_id: str, version: int, to: SubmissionState
    ) -> SubmissionRecord:
        """Move version ``version`` (which must still be the newest) to ``to``, if the table allows it."""
        async with self._writing() as session:
            record = await self._claim(session, submission_id, version)
            before = _pure(record)
            after = move(before, to, self._clock.now())
            await self._save(session, record, before, after, actor)
        return await self.get(submission_id)

    async def correct(
        self, actor: UserId, submission_id: str, version: int, figures: NewFigures
    ) -> SubmissionRecord:
        """New figures for a submission: a draft or validated version is revised in place (nothing was
        sent yet); after that, a correction is a new version and the earlier ones are kept."""
        async with self._writing() as session:
            record = await self._claim(session, submission_id, version)
            before = _pure(record)
            after = self._revised(before, figures)
            await self._save(session, record, before, after, actor, figures)
        return await self.get(submission_id)

    async def import_series(self, actor: UserId, items: Sequence[ImportItem]) -> list[SubmissionRecord]:
        """Every series as a submitted version, in one transaction: all of them or, on any refusal, none."""
        ids: list[str] = []
        async with self._writing() as session:
            for item in items:
                existing = await session.scalar(
                    select(MigrationSubmissionRow.id).where(
                        MigrationSubmissionRow.authority == item.authority,
                        MigrationSubmissionRow.dataflow == item.flow.id,
                        MigrationSubmissionRow.period == str(item.period),
                    )
                )
                if existing is None:
                    submission_id = await self._insert(
                        session, actor, item.authority, item.flow, item.period, item.figures
                    )
                    record = await _load_one(session, submission_id)
                    before = _pure(record)
                    after = move(before, S.SUBMITTED, self._clock.now())
                    await self._save(session, record, before, after, actor)
                else:
                    record = await self._claim(session, existing, None)
                    before = _pure(record)
                    if before.current.state not in {S.SUBMITTED, S.RETURNED, S.ACCEPTED}:
                        raise SubmissionChanged(
                            f"{item.authority} {item.flow.id} {item.period} is being edited "
                            f"({before.current.state}); nothing was imported"
                        )
                    after = move(self._revised(before, item.figures), S.SUBMITTED, self._clock.now())
                    await self._save(session, record, before, after, actor, item.figures)
                    submission_id = existing
                ids.append(submission_id)
        return [await self.get(i) for i in ids]

    async def get(self, submission_id: str) -> SubmissionRecord:
        async with self._db.sessions() as session:
            return await _load_one(session, submission_id)

    async def submissions(
        self, authority: str | None = None, flow: str | None = None, period: str | None = None
    ) -> list[SubmissionRecord]:
        """Submissions matching the filters, with their versions (not their cells)."""
        query = select(MigrationSubmissionRow)
        if authority is not None:
            query = query.where(MigrationSubmissionRow.authority == authority)
        if flow is not None:
            query = query.where(MigrationSubmissionRow.dataflow == flow)
        if period is not None:
            query = query.where(MigrationSubmissionRow.period == period)
        query = query.order_by(
            MigrationSubmissionRow.dataflow, MigrationSubmissionRow.period, MigrationSubmissionRow.authority
        )
        async with self._db.sessions() as session:
            return await _load(session, list(await session.scalars(query)))

    async def cells(self, submission_id: str, number: int) -> StoredCells:
        async with self._db.sessions() as session:
            row = await session.get(MigrationSubmissionVersionRow, (submission_id, number))
            flow_id = await session.scalar(
                select(MigrationSubmissionRow.dataflow).where(MigrationSubmissionRow.id == submission_id)
            )
        if row is None or flow_id is None:
            raise UnknownSubmission(f"no version {number} of submission {submission_id}")
        return cell_blob.decode(dataflow(flow_id), row.cells)

    async def accepted_cells(
        self, flow: Dataflow, wanted: Callable[[Period], bool]
    ) -> list[tuple[AuthorityCode, Period, StoredCells]]:
        """The accepted version's cells of every submission of ``flow`` whose period is ``wanted``."""
        query = (
            select(
                MigrationSubmissionRow.authority, MigrationSubmissionRow.period, MigrationSubmissionVersionRow
            )
            .join(
                MigrationSubmissionVersionRow,
                (MigrationSubmissionVersionRow.submission_id == MigrationSubmissionRow.id)
                & (MigrationSubmissionVersionRow.number == MigrationSubmissionRow.accepted_version),
            )
            .where(MigrationSubmissionRow.dataflow == flow.id)
            .order_by(MigrationSubmissionRow.period, MigrationSubmissionRow.authority)
        )
        found: list[tuple[AuthorityCode, Period, StoredCells]] = []
        async with self._db.sessions() as session:
            for authority, period_text, row in (await session.execute(query)).all():
                period = Period.parse(period_text, flow.frequency)
                if wanted(period):
                    found.append((AuthorityCode(authority), period, cell_blob.decode(flow, row.cells)))
        return found

    def _revised(self, before: Submission, figures: NewFigures) -> Submission:
        now = self._clock.now()
        if before.current.state in {S.DRAFT, S.VALIDATED}:
            draft = move(before, S.DRAFT, now) if before.current.state is S.VALIDATED else before
            version = replace(draft.current, cells=figures.cells.cells, created_at=now, report=None)
            revised = replace(draft, versions=(*draft.versions[:-1], version))
        else:
            revised = correct(before, figures.cells.cells, now)
        revised = attach_report(revised, figures.report)
        return move(revised, S.VALIDATED, now) if figures.report.ok else revised

    async def _insert(
        self,
        session: AsyncSession,
        actor: UserId,
        authority: AuthorityCode,
        flow: Dataflow,
        period: Period,
        figures: NewFigures,
    ) -> str:
        now = self._clock.now()
        pure = attach_report(start(authority, flow, str(period), figures.cells.cells, now), figures.report)
        if figures.report.ok:
            pure = move(pure, S.VALIDATED, now)
        submission_id = new_id()
        session.add(
            MigrationSubmissionRow(
                id=submission_id,
                authority=authority,
                dataflow=flow.id,
                period=str(period),
                version=1,
                revision=1,
                state=pure.current.state.value,
                accepted_version=None,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        await session.execute(
            insert(MigrationSubmissionVersionRow), [_new_version(submission_id, pure.current, actor, figures)]
        )
        return submission_id

    async def _claim(
        self, session: AsyncSession, submission_id: str, version: int | None
    ) -> SubmissionRecord:
        """Move the submission's revision on before reading it (its row is then held on PostgreSQL until the
        transaction ends); with ``version``, only if that is still its newest version."""
        condition = MigrationSubmissionRow.id == submission_id
        if version is not None:
            condition &= MigrationSubmissionRow.version == version
        moved = await session.execute(
            update(MigrationSubmissionRow)
            .where(condition)
            .values(revision=MigrationSubmissionRow.revision + 1)
        )
        if getattr(moved, "rowcount", 0) != 1:
            current = await session.scalar(
                select(MigrationSubmissionRow.version).where(MigrationSubmissionRow.id == submission_id)
            )
            if current is None:
                raise UnknownSubmission(f"no submission {submission_id}")
            raise SubmissionChanged(f"the submission is at version {current}, not {version}: read it again")
        return await _load_one(session, submission_id)

    async def _save(
        self,
        session: AsyncSession,
        record: SubmissionRecord,
        before: Submission,
        after: Submission,
        actor: UserId,
        figures: NewFigures | None = None,
    ) -> None:
        now = self._clock.now()
        known = {v.number: v for v in before.versions}
        for version in after.versions:
            old = known.get(version.number)
            if old is None:
                assert figures is not None
                await session.execute(
                    insert(MigrationSubmissionVersionRow), [_new_version(record.id, version, actor, figures)]
                )
                continue
            if old == version:
                continue
            values: dict[str, Any] = {"state": version.state.value}
            if version.state is S.SUBMITTED and old.state is not S.SUBMITTED:
                values.update(submitted_by=actor, submitted_at=version.submitted_at, late=version.late)
            if version.state in {S.ACCEPTED, S.RETURNED} and old.state is S.SUBMITTED:
                values.update(decided_by=actor, decided_at=now)
            if version.cells is not old.cells:
                assert figures is not None
                values.update(_figures(figures), created_by=actor, created_at=version.created_at)
            if version.report is not old.report and version.report is not None:
                values["report"] = json.dumps(report_json(version.report))
            await session.execute(
                update(MigrationSubmissionVersionRow)
                .where(
                    MigrationSubmissionVersionRow.submission_id == record.id,
                    MigrationSubmissionVersionRow.number == version.number,
                )
                .values(**values)
            )
        accepted = after.accepted
        await session.execute(
            update(MigrationSubmissionRow)
            .where(MigrationSubmissionRow.id == record.id)
            .values(
                version=after.current.number,
                state=after.current.state.value,
                accepted_version=accepted.number if accepted else None,
                updated_at=now,
            )
        )

    def _writing(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._db.write_transaction()  # SQLite's write lock first; PostgreSQL's row locks do the rest


def _figures(figures: NewFigures) -> dict[str, Any]:
    if figures.source not in SOURCES:
        raise ValueError(f"unknown source {figures.source!r}")
    return {
        "source": figures.source,
        "cell_count": len(figures.cells.cells),
        "cells": cell_blob.encode(figures.cells),
    }


def _new_version(
    submission_id: str, version: SubmissionVersion, actor: UserId, figures: NewFigures
) -> dict[str, Any]:
    report = version.report or figures.report
    return {
        "submission_id": submission_id,
        "number": version.number,
        "state": version.state.value,
        "late": version.late,
        "created_by": actor,
        "created_at": version.created_at,
        "submitted_by": None,
        "submitted_at": None,
        "decided_by": None,
        "decided_at": None,
        "report": json.dumps(report_json(report)),
        **_figures(figures),
    }


def _pure(record: SubmissionRecord) -> Submission:
    """The stored submission as :mod:`submission`'s value, for its table to decide the next step."""
    cells = _placeholder(record.flow)
    versions = tuple(
        SubmissionVersion(v.number, v.state, cells, v.created_at, v.report, v.submitted_at, v.late)
        for v in record.versions
    )
    return Submission(record.authority, record.flow, record.period, versions)


async def _load_one(session: AsyncSession, submission_id: str) -> SubmissionRecord:
    row = await session.get(MigrationSubmissionRow, submission_id, populate_existing=True)
    if row is None:
        raise UnknownSubmission(f"no submission {submission_id}")
    return (await _load(session, [row]))[0]


async def _load(session: AsyncSession, rows: Sequence[MigrationSubmissionRow]) -> list[SubmissionRecord]:
    if not rows:
        return []
    columns = [c for c in MigrationSubmissionVersionRow.__table__.columns if c.name != "cells"]
    found = await session.execute(
        select(*columns)
        .where(MigrationSubmissionVersionRow.submission_id.in_([r.id for r in rows]))
        .order_by(MigrationSubmissionVersionRow.submission_id, MigrationSubmissionVersionRow.number)
    )
    versions: dict[str, list[VersionRecord]] = {}
    for v in found.mappings():
        versions.setdefault(v["submission_id"], []).append(
            VersionRecord(
                v["number"],
                SubmissionState(v["state"]),
                v["source"],
                v["late"],
                UserId(v["created_by"]),
                v["created_at"],
                UserId(v["submitted_by"]) if v["submitted_by"] else None,
                v["submitted_at"],
                UserId(v["decided_by"]) if v["decided_by"] else None,
                v["decided_at"],
                v["cell_count"],
                report_from_json(json.loads(v["report"])),
            )
        )
    records = []
    for row in rows:
        flow = dataflow(row.dataflow)
        records.append(
            SubmissionRecord(
                SubmissionId(row.id),
                AuthorityCode(row.authority),
                flow,
                Period.parse(row.period, flow.frequency),
                tuple(versions.get(row.id, ())),
                row.created_at,
                row.updated_at,
            )
        )
    return records
