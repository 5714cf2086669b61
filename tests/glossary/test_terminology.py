"""Terms, their versioned history, and the review states only reviewers may advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.ids import UserId
from glossary.errors import DuplicateTerm, ReviewerRequired, ReviewTransitionRefused, TermInvalid, UnknownTerm
from glossary.review import REVIEW_TRANSITIONS, Editor, ReviewStatus
from glossary.terminology import PartOfSpeech, Term, TermEntry, Terminology

COORDINATOR = Editor(UserId("coordinator"))
REVIEWER = Editor(UserId("reviewer"), may_review=True)


class FakeClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(minutes=1)
        return self.at


def status_of(terminology: Terminology, concept_id: str, language: str) -> ReviewStatus:
    entry = terminology.term(concept_id).entry(language)
    assert entry is not None
    return entry.status


def asylum() -> Term:
    return Term("asylum", "law", (TermEntry("en", "asylum", "RRIS", part_of_speech=PartOfSpeech.NOUN),))


@pytest.fixture
def book() -> Terminology:
    terminology = Terminology(FakeClock())
    terminology.add_term(COORDINATOR, asylum())
    return terminology


def test_every_change_is_a_new_version_with_author_time_and_what_changed(book: Terminology) -> None:
    book.set_entry(COORDINATOR, "asylum", "ps", "پناه", "RRIS draft")
    book.set_status(REVIEWER, "asylum", "ps", ReviewStatus.REVIEWED)
    history = book.history("asylum")
    assert [v.number for v in history] == [1, 2, 3]
    assert [v.author_id for v in history] == ["coordinator", "coordinator", "reviewer"]
    assert [v.change for v in history] == ["created", "ps added", "ps draft to reviewed"]
    assert history[0].at < history[1].at < history[2].at
    assert history[0].term.entry("ps") is None  # earlier versions keep what they were
    assert history[2].term.entry("ps") == TermEntry("ps", "پناه", "RRIS draft", ReviewStatus.REVIEWED)


def test_saving_the_same_text_again_makes_no_version(book: Terminology) -> None:
    book.set_entry(COORDINATOR, "asylum", "en", "asylum", "RRIS", PartOfSpeech.NOUN)
    assert len(book.history("asylum")) == 1


def test_a_reviewer_moves_a_translation_draft_to_reviewed_to_approved(book: Terminology) -> None:
    book.set_status(REVIEWER, "asylum", "en", ReviewStatus.REVIEWED)
    book.set_status(REVIEWER, "asylum", "en", ReviewStatus.APPROVED)
    assert status_of(book, "asylum", "en") is ReviewStatus.APPROVED


@pytest.mark.parametrize("target", [ReviewStatus.REVIEWED, ReviewStatus.APPROVED])
def test_only_a_reviewer_may_review_or_approve(book: Terminology, target: ReviewStatus) -> None:
    with pytest.raises(ReviewerRequired):
        book.set_status(COORDINATOR, "asylum", "en", target)
    assert len(book.history("asylum")) == 1


def test_review_states_follow_the_table_and_nothing_else() -> None:
    for current in ReviewStatus:
        for target in ReviewStatus:
            terminology = Terminology(FakeClock())
            entry = TermEntry("en", "asylum", "RRIS", current)
            terminology.import_terms(REVIEWER, [Term("asylum", "law", (entry,))])
            if target in REVIEW_TRANSITIONS[current]:
                terminology.set_status(REVIEWER, "asylum", "en", target)
                assert status_of(terminology, "asylum", "en") is target
            else:
                with pytest.raises(ReviewTransitionRefused):
                    terminology.set_status(REVIEWER, "asylum", "en", target)


def test_changing_an_approved_text_sends_it_back_to_draft(book: Terminology) -> None:
    book.set_status(REVIEWER, "asylum", "en", ReviewStatus.REVIEWED)
    book.set_status(REVIEWER, "asylum", "en", ReviewStatus.APPROVED)
    version = book.set_entry(COORDINATOR, "asylum", "en", "asylum (international protection)", "RRIS")
    assert version.change == "en edited, back to draft"
    assert status_of(book, "asylum", "en") is ReviewStatus.DRAFT


def test_an_import_of_approved_entries_needs_a_reviewer_and_adds_nothing_otherwise(book: Terminology) -> None:
    approved = Term("refugee", "law", (TermEntry("en", "refugee", "UNHCR", ReviewStatus.APPROVED),))
    fresh = Term("interpreter", "procedure", (TermEntry("en", "interpreter", "RRIS"),))
    with pytest.raises(ReviewerRequired):
        book.import_terms(COORDINATOR, [fresh, approved])
    with pytest.raises(DuplicateTerm):
        book.import_terms(REVIEWER, [fresh, asylum()])
    assert [term.concept_id for term in book.terms()] == ["asylum"]


def test_unknown_terms_and_malformed_entries_are_refused(book: Terminology) -> None:
    with pytest.raises(UnknownTerm):
        book.term("nope")
    with pytest.raises(UnknownTerm):
        book.set_status(REVIEWER, "asylum", "fr", ReviewStatus.REVIEWED)
    with pytest.raises(TermInvalid, match="unknown language tag"):
        book.set_entry(COORDINATOR, "asylum", "xx", "x", "RRIS")
    with pytest.raises(TermInvalid):
        Term("1 bad id", "law", (TermEntry("en", "asylum", "RRIS"),))
    with pytest.raises(TermInvalid):
        book.remove_entry(COORDINATOR, "asylum", "en")  # a term keeps at least one language
    assert len(book.history("asylum")) == 1
