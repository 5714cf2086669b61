"""The stored terminology: versions with who and when, compare-and-set edits, review only by granted
reviewers, imports written whole or not at all, and the same data back out as TBX and CSV."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.errors import Forbidden
from core.models import (
    PARTS_OF_SPEECH,
    TERM_STATUSES,
    TermEntryRow,
    TerminologyReviewerRow,
    TermRow,
    TermVersionRow,
)
from glossary.csv_io import export_csv, import_csv
from glossary.errors import DuplicateTerm, ReviewerRequired, ReviewTransitionRefused, UnknownTerm
from glossary.review import ReviewStatus
from glossary.reviewers import ReviewerGrants
from glossary.tbx import export_tbx, import_tbx, validate_tbx_basic
from glossary.term_store import StoredTerm, TermChanged, TermStore
from glossary.terminology import EntryText, PartOfSpeech, Term, TermEntry, new_term
from rris.services import Services
from tests.glossary.terms_fixture import TERMS
from tests.support.migrated import BOTH_DATABASES, backend_of, migrated_services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

TABLES = (TermRow, TermEntryRow, TermVersionRow)
ASYLUM_EN = EntryText("en", "asylum", "RRIS", PartOfSpeech.NOUN)
ASYLUM_PS = EntryText("ps", "پناه", "RRIS draft")


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
def store(services: Services) -> TermStore:
    return services.terms


@pytest.fixture
def grants(services: Services) -> ReviewerGrants:
    return services.reviewers


async def snapshot(services: Services, store: TermStore) -> tuple[list[int], bytes]:
    """Row counts and the whole terminology as TBX: what "nothing changed" is checked against."""
    counts = [await count_rows(services.db, table) for table in TABLES]
    return counts, export_tbx(stored.term for stored in await store.terms())


async def add_asylum(store: TermStore, world: World) -> None:
    await store.create(world.id("coord"), new_term("asylum", "law", None, [ASYLUM_EN]))


def test_the_stored_picklists_are_the_domains() -> None:
    assert tuple(status.value for status in ReviewStatus) == TERM_STATUSES
    assert tuple(part.value for part in PartOfSpeech) == PARTS_OF_SPEECH


@BOTH_DATABASES
async def test_every_change_is_a_version_with_its_author_time_and_the_whole_term(
    store: TermStore, grants: ReviewerGrants, world: World, clock: FakeClock
) -> None:
    created_at = clock.now()
    await add_asylum(store, world)
    clock.advance(60)
    await store.update(
        world.id("coord.a"), "asylum", 1, "asylum law", "see also refugee", [ASYLUM_EN, ASYLUM_PS]
    )
    clock.advance(60)
    await grants.grant(world.id("coord"), world.id("ps.female"))
    await store.set_status(world.id("ps.female"), "asylum", "ps", ReviewStatus.REVIEWED)

    history = await store.history("asylum")
    assert [(v.number, v.author_id, v.at) for v in history] == [
        (1, world.id("coord"), created_at),
        (2, world.id("coord.a"), created_at + timedelta(minutes=1)),
        (3, world.id("ps.female"), created_at + timedelta(minutes=2)),
    ]
    assert [v.change for v in history] == ["created", "concept described; ps added", "ps draft to reviewed"]
    first_en = TermEntry("en", "asylum", "RRIS", ReviewStatus.DRAFT, PartOfSpeech.NOUN)
    assert history[0].term == Term("asylum", "law", (first_en,))
    assert history[2].term.entry("ps") == TermEntry("ps", "پناه", "RRIS draft", ReviewStatus.REVIEWED)
    stored = await store.term("asylum")
    assert (stored.version, stored.updated_at, stored.term) == (
        3,
        created_at + timedelta(minutes=2),
        history[2].term,
    )


async def test_saving_a_term_unchanged_makes_no_version(store: TermStore, world: World) -> None:
    await add_asylum(store, world)
    stored = await store.update(world.id("coord"), "asylum", 1, "law", None, [ASYLUM_EN])
    assert stored.version == 1
    assert len(await store.history("asylum")) == 1


async def test_changing_an_approved_wording_sends_it_back_to_draft_and_keeps_the_others(
    store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await store.create(world.id("coord"), new_term("asylum", "law", None, [ASYLUM_EN, ASYLUM_PS]))
    await grants.grant(world.id("coord"), world.id("ps.female"))
    for language in ("en", "ps"):
        await store.set_status(world.id("ps.female"), "asylum", language, ReviewStatus.REVIEWED)
    await store.set_status(world.id("ps.female"), "asylum", "en", ReviewStatus.APPROVED)

    edited = EntryText("en", "asylum (international protection)", "RRIS", PartOfSpeech.NOUN)
    stored = await store.update(world.id("coord"), "asylum", 4, "law", None, [edited, ASYLUM_PS])

    assert [(e.language, e.status) for e in stored.term.entries] == [
        ("en", ReviewStatus.DRAFT),
        ("ps", ReviewStatus.REVIEWED),
    ]
    assert (await store.history("asylum"))[-1].change == "en edited, back to draft"


async def test_a_language_left_out_of_an_edit_is_removed(store: TermStore, world: World) -> None:
    await store.create(world.id("coord"), new_term("asylum", "law", None, [ASYLUM_EN, ASYLUM_PS]))
    stored = await store.update(world.id("coord"), "asylum", 1, "law", None, [ASYLUM_PS])
    assert [e.language for e in stored.term.entries] == ["ps"]
    assert (await store.history("asylum"))[-1].change == "en removed"


@BOTH_DATABASES
async def test_an_edit_based_on_an_old_version_is_refused_and_changes_nothing(
    services: Services, store: TermStore, world: World
) -> None:
    await add_asylum(store, world)
    await store.update(world.id("coord"), "asylum", 1, "asylum law", None, [ASYLUM_EN])
    before = await snapshot(services, store)

    with pytest.raises(TermChanged) as refused:
        await store.update(world.id("coord.a"), "asylum", 1, "law", "stale", [ASYLUM_EN, ASYLUM_PS])

    assert refused.value.current == 2
    assert await snapshot(services, store) == before


@BOTH_DATABASES
async def test_of_two_concurrent_edits_on_one_version_exactly_one_lands(
    services: Services, store: TermStore, world: World
) -> None:
    await add_asylum(store, world)
    results = await asyncio.gather(
        store.update(world.id("coord"), "asylum", 1, "law", "first", [ASYLUM_EN]),
        store.update(world.id("coord.a"), "asylum", 1, "law", "second", [ASYLUM_EN]),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["StoredTerm", "TermChanged"]
    history = await store.history("asylum")
    assert len(history) == 2
    assert (await store.term("asylum")).term.note == history[-1].term.note


@BOTH_DATABASES
async def test_only_a_granted_reviewer_moves_a_translation_through_review(
    services: Services, store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await add_asylum(store, world)
    before = await snapshot(services, store)
    for target in ReviewStatus:
        with pytest.raises(ReviewerRequired):
            await store.set_status(world.id("coord"), "asylum", "en", target)
    assert await snapshot(services, store) == before

    await grants.grant(world.id("coord.a"), world.id("coord"))
    await store.set_status(world.id("coord"), "asylum", "en", ReviewStatus.REVIEWED)
    stored = await store.set_status(world.id("coord"), "asylum", "en", ReviewStatus.APPROVED)
    assert stored.term.entries[0].status is ReviewStatus.APPROVED

    await grants.revoke(world.id("coord"))
    with pytest.raises(ReviewerRequired):
        await store.set_status(world.id("coord"), "asylum", "en", ReviewStatus.DRAFT)
    assert (await store.term("asylum")).version == 3


async def test_review_follows_the_transition_table(
    store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await add_asylum(store, world)
    await grants.grant(world.id("coord"), world.id("fa.iran"))
    with pytest.raises(ReviewTransitionRefused):
        await store.set_status(world.id("fa.iran"), "asylum", "en", ReviewStatus.APPROVED)
    with pytest.raises(UnknownTerm):
        await store.set_status(world.id("fa.iran"), "asylum", "fr", ReviewStatus.REVIEWED)
    with pytest.raises(UnknownTerm):
        await store.set_status(world.id("fa.iran"), "nope", "en", ReviewStatus.REVIEWED)
    assert (await store.term("asylum")).version == 1


async def test_a_review_based_on_an_old_version_is_refused(
    store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await add_asylum(store, world)
    await store.update(world.id("coord"), "asylum", 1, "law", None, [EntryText("en", "asylum (law)", "RRIS")])
    await grants.grant(world.id("coord"), world.id("fa.iran"))
    with pytest.raises(TermChanged):
        await store.set_status(world.id("fa.iran"), "asylum", "en", ReviewStatus.REVIEWED, base_version=1)
    assert (await store.term("asylum")).term.entries[0].status is ReviewStatus.DRAFT


@BOTH_DATABASES
async def test_an_import_is_written_whole_or_not_at_all(
    services: Services, store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await add_asylum(store, world)
    before = await snapshot(services, store)
    fresh = new_term("refugee", "law", None, [EntryText("en", "refugee", "UNHCR")])

    with pytest.raises(DuplicateTerm):
        await store.import_terms(world.id("coord"), [fresh, *TERMS], "imported")
    with pytest.raises(ReviewerRequired):  # TERMS bring approved entries; coord is no reviewer
        await store.import_terms(world.id("coord"), [fresh, TERMS[1]], "imported")
    assert await snapshot(services, store) == before

    await grants.grant(world.id("coord.a"), world.id("coord"))
    assert await store.import_terms(world.id("coord"), [fresh, TERMS[1]], "imported from CSV") == 2
    assert [s.term.concept_id for s in await store.terms()] == ["asylum", "interpreter", "refugee"]
    [version] = await store.history("interpreter")
    assert (version.number, version.author_id, version.change) == (1, world.id("coord"), "imported from CSV")


@BOTH_DATABASES
async def test_terms_stored_then_exported_as_tbx_and_csv_read_back_the_same(
    store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await grants.grant(world.id("coord.a"), world.id("coord"))
    await store.import_terms(world.id("coord"), TERMS, "imported")

    stored = [s.term for s in await store.terms()]
    assert stored == TERMS
    tbx = export_tbx(stored)
    assert validate_tbx_basic(tbx) == []
    assert import_tbx(tbx) == TERMS
    assert import_csv(export_csv(stored)) == TERMS
    assert [v.term for s in TERMS for v in await store.history(s.concept_id)] == TERMS


async def test_search_ignores_case_diacritics_and_arabic_script_variants(
    store: TermStore, grants: ReviewerGrants, world: World
) -> None:
    await grants.grant(world.id("coord.a"), world.id("coord"))
    await store.import_terms(world.id("coord"), TERMS, "imported")
    child = [EntryText("tr", "Çocuk", "RRIS"), EntryText("fa", "كودك", "RRIS")]  # Arabic kaf
    await store.create(world.id("coord"), new_term("child", "family", None, child))

    def ids(found: list[StoredTerm]) -> list[str]:
        return [s.term.concept_id for s in found]

    assert ids(await store.search("cocuk", None, 10)) == ["child"]
    assert ids(await store.search("کودک", "fa", 10)) == ["child"]  # Persian kaf
    assert ids(await store.search("کودک", "tr", 10)) == []
    assert ids(await store.search("پناه", None, 10)) == ["asylum"]
    assert ids(await store.search(None, "ti", 10)) == ["interpreter"]
    assert ids(await store.search(None, None, 2)) == ["asylum", "child"]


async def test_reviewer_grants_are_kept_with_who_and_when_and_never_self_given(
    services: Services, grants: ReviewerGrants, world: World, clock: FakeClock
) -> None:
    with pytest.raises(Forbidden):
        await grants.grant(world.id("coord"), world.id("coord"))
    assert await count_rows(services.db, TerminologyReviewerRow) == 0

    first = await grants.grant(world.id("coord"), world.id("ps.male"))
    clock.advance(60)
    again = await grants.grant(world.id("coord.a"), world.id("ps.male"))
    assert again == first
    assert (first.granted_by, first.granted_at) == (world.id("coord"), clock.now() - timedelta(minutes=1))
    assert await grants.grants() == [(first, "Test ps.male")]
    assert await grants.grants(world.office_a) == []  # ps.male is the pool's, not Office A's

    await grants.revoke(world.id("ps.male"))
    await grants.revoke(world.id("ps.male"))
    assert await grants.grant_of(world.id("ps.male")) is None
