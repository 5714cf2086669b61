"""The regional data exchange as the service offers it: who submits, reads, accepts and exchanges what.

Each operation takes the acting principal, decides with :mod:`access`, reads or validates with the pure
modules and stores through :mod:`store`. Readers outside the submitting authority only ever get published
figures (:mod:`publication`); a version they may not see is as absent as one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.accounts import Principal
from core.errors import Forbidden, InvalidInput
from migration_data import access
from migration_data.access import Reader
from migration_data.activity import ActivitySource, activity_cells
from migration_data.authorities import AuthorityCode
from migration_data.cell_blob import StoredCells
from migration_data.cells import EncodedCells, RawCells
from migration_data.cross_checks import returns_against_orders
from migration_data.disclosure import DisclosurePolicy, PublishedCells
from migration_data.errors import UploadRefused
from migration_data.issues import ValidationReport
from migration_data.periods import Period
from migration_data.publication import (
    ActivityRow,
    PeriodRange,
    RegionalRow,
    activity_table,
    published,
    regional_table,
)
from migration_data.sdmx_csv import ImportedSeries, export_sdmx_csv, import_sdmx_csv
from migration_data.store import MigrationDataStore
from migration_data.stored import (
    ImportItem,
    NewFigures,
    SubmissionRecord,
    UnknownSubmission,
    VersionRecord,
)
from migration_data.submission import SubmissionState
from migration_data.template import DATAFLOWS, MEASURE, Dataflow, dataflow
from migration_data.validation import validate_cells, validate_upload
from migration_data.xlsx_export import export_xlsx

# Rules whose breach makes an imported file unusable; the totals rules only warn there, because a file of
# published figures is rounded and its totals need not add up.
_STRUCTURAL = frozenset({"unique_cell", "non_negative_integer", "period_matches_frequency"})


@dataclass(frozen=True)
class SubmissionView:
    """A submission as one reader may see it: only the versions visible to them, raw figures or not."""

    record: SubmissionRecord
    versions: tuple[VersionRecord, ...]
    raw: bool


@dataclass(frozen=True)
class VersionCells:
    number: int
    raw: EncodedCells | None  # for the reporting authority itself
    published: PublishedCells | None  # for everyone else


RETURNED, ORDERED = "EI_RETURNED", "EI_ORDERED"
COUNTERPARTS = {RETURNED: ORDERED, ORDERED: RETURNED}


class MigrationDataExchange:
    def __init__(
        self, store: MigrationDataStore, activity: ActivitySource, policy: DisclosurePolicy | None = None
    ) -> None:
        self._store = store
        self._activity = activity
        self.policy = policy or DisclosurePolicy()

    async def member(self, who: Principal) -> Reader:
        return access.reader(who, await self._store.country_of(who.organisation_id))

    async def create(
        self, who: Principal, flow_id: str, period_text: str, raw: RawCells, source: str
    ) -> SubmissionView:
        """A data officer's new submission, validated at once (``validated`` when it has no errors)."""
        member = await self.member(who)
        authority = access.require_submitter(member)
        flow = dataflow(flow_id)
        period = Period.parse(period_text, flow.frequency)
        figures = await self._cross_checked(authority, flow, period, _validated(flow, period, raw, source))
        return self._view(member, await self._store.create(who.user_id, authority, flow, period, figures))

    async def correct(
        self, who: Principal, submission_id: str, version: int, raw: RawCells, source: str
    ) -> SubmissionView:
        member = await self.member(who)
        authority = access.require_submitter(member)
        record = await self._visible(member, submission_id)
        if record.authority != authority:
            raise Forbidden("only the reporting authority corrects its figures")
        figures = _validated(record.flow, record.period, raw, source)
        figures = await self._cross_checked(authority, record.flow, record.period, figures)
        return self._view(member, await self._store.correct(who.user_id, submission_id, version, figures))

    async def move(
        self, who: Principal, submission_id: str, version: int, to: SubmissionState
    ) -> SubmissionView:
        """``submitted`` by the authority's data officer; ``accepted`` or ``returned`` by the hub."""
        member = await self.member(who)
        record = await self._visible(member, submission_id)
        if to is SubmissionState.SUBMITTED:
            if access.require_submitter(member) != record.authority:
                raise Forbidden("only the reporting authority submits its figures")
        elif to in {SubmissionState.ACCEPTED, SubmissionState.RETURNED}:
            access.require_hub(member)
        else:
            raise Forbidden(f"nobody moves a submission to {to} by hand")
        return self._view(member, await self._store.transition(who.user_id, submission_id, version, to))

    async def submissions(
        self, who: Principal, authority: str | None, flow: str | None, period: str | None
    ) -> list[SubmissionView]:
        member = await self.member(who)
        found = await self._store.submissions(authority, flow, period)
        views = [self._view(member, record) for record in found]
        return [view for view in views if view.versions]

    async def submission(self, who: Principal, submission_id: str) -> SubmissionView:
        member = await self.member(who)
        return self._view(member, await self._visible(member, submission_id))

    async def cells(self, who: Principal, submission_id: str, number: int | None) -> VersionCells:
        """A visible version's cells (the newest visible one by default): raw for the reporting authority,
        published for everyone else."""
        member = await self.member(who)
        view = self._view(member, await self._visible(member, submission_id))
        numbers = [v.number for v in view.versions]
        number = numbers[-1] if number is None else number
        if number not in numbers:
            raise UnknownSubmission(f"no version {number} of submission {submission_id}")
        stored = await self._store.cells(submission_id, number)
        if view.raw:
            return VersionCells(number, stored.cells, None)
        return VersionCells(number, None, published(stored, self.policy))

    async def regional(
        self, who: Principal, flow_id: str, periods: PeriodRange, by: str | None
    ) -> list[RegionalRow]:
        await self.member(who)
        flow = dataflow(flow_id)
        if by is not None and by not in flow.dimension_ids:
            raise InvalidInput(f"{flow.id} has no dimension {by}; it has {', '.join(flow.dimension_ids)}")
        accepted = await self._store.accepted_cells(flow, periods)
        return regional_table(flow, accepted, by, self.policy)

    async def activity(self, who: Principal, periods: PeriodRange) -> list[ActivityRow]:
        member = await self.member(who)
        first, last = periods.months()
        cells = activity_cells(await self._activity.sessions(first, last))
        return activity_table(cells, None if member.hub else self.policy)

    async def export_sdmx(self, who: Principal, flow_id: str, periods: PeriodRange) -> str:
        await self.member(who)
        flow = dataflow(flow_id)
        return export_sdmx_csv(flow, await self._published(flow, periods))

    async def export_xlsx(self, who: Principal, flow_id: str | None, periods: PeriodRange) -> bytes:
        await self.member(who)
        flows = [dataflow(flow_id)] if flow_id else list(DATAFLOWS.values())
        sheets = [(flow, await self._published(flow, periods)) for flow in flows]
        return export_xlsx([(flow, series) for flow, series in sheets if series or flow_id], self.policy)

    async def import_sdmx(self, who: Principal, text: str) -> list[SubmissionView]:
        """Another authority's system's file, by the hub: every series becomes a submitted version (a new
        submission, or a correction of one already sent), all of them or none."""
        member = await self.member(who)
        access.require_hub(member)
        items = [_imported(series) for series in import_sdmx_csv(text)]
        records = await self._store.import_series(who.user_id, items)
        return [self._view(member, record) for record in records]

    async def _published(
        self, flow: Dataflow, periods: PeriodRange
    ) -> list[tuple[AuthorityCode, Period, PublishedCells]]:
        accepted = await self._store.accepted_cells(flow, periods)
        return [(authority, period, published(stored, self.policy)) for authority, period, stored in accepted]

    async def _cross_checked(
        self, authority: str, flow: Dataflow, period: Period, figures: NewFigures
    ) -> NewFigures:
        """Add the warnings that need another of the authority's submissions: returns against orders to
        leave for the same period (either may arrive first; the later one carries the warning)."""
        counterpart = COUNTERPARTS.get(flow.id)
        if counterpart is None or not figures.report.ok:
            return figures
        other = await self._latest_cells(authority, counterpart, str(period))
        if other is None:
            return figures
        mine = figures.cells.cells
        returned, ordered = (mine, other) if flow.id == RETURNED else (other, mine)
        extra = returns_against_orders(returned, ordered)
        report = replace(figures.report, warnings=(*figures.report.warnings, *extra))
        return replace(figures, report=report)

    async def _latest_cells(self, authority: str, flow_id: str, period: str) -> EncodedCells | None:
        found = await self._store.submissions(authority, flow_id, period)
        if not found or not found[0].versions:
            return None
        return (await self._store.cells(found[0].id, found[0].versions[-1].number)).cells

    async def _visible(self, member: Reader, submission_id: str) -> SubmissionRecord:
        if not 1 <= len(submission_id) <= 32:
            raise UnknownSubmission("no such submission")
        record = await self._store.get(submission_id)
        if not self._view(member, record).versions:
            raise UnknownSubmission(f"no submission {submission_id}")
        return record

    @staticmethod
    def _view(member: Reader, record: SubmissionRecord) -> SubmissionView:
        versions = tuple(v for v in record.versions if member.sees_state(record.authority, v.state))
        return SubmissionView(record, versions, member.sees_raw(record.authority))


def _validated(flow: Dataflow, period: Period, raw: RawCells, source: str) -> NewFigures:
    cells, report = validate_upload(flow, raw, str(period))
    return NewFigures(StoredCells.raw(cells), report, source)


def _imported(series: ImportedSeries) -> ImportItem:
    flow = series.flow
    texts = series.cells.columns[MEASURE]
    for text, secret, row in zip(texts, series.confidential, series.cells.rows, strict=True):
        if not secret and not text.isdigit():
            raise UploadRefused(row, MEASURE, f"{text!r} is not a non-negative whole number")
    figures = series.published()
    rows = np.asarray(series.cells.rows, dtype=np.int64)
    cells = EncodedCells(flow.id, figures.codes, figures.values, rows)
    report = validate_cells(flow, cells, str(series.period))
    structural = [issue for issue in report.errors if issue.rule in _STRUCTURAL]
    if structural:
        first = structural[0]
        raise UploadRefused(first.row, first.column, f"{first.rule}: {first.message}")
    note = ValidationReport(warnings=(*report.errors, *report.warnings))
    return ImportItem(
        series.authority,
        flow,
        series.period,
        NewFigures(StoredCells(cells, figures.confidential), note, "sdmx"),
    )
