"""The session's answers as a PDF: a PDF reader finds the title, the date, the disclaimer and every question
and answer in it, in the officer's language and script (Latin with Albanian and Turkish letters, Cyrillic),
over as many pages as the answers need."""

# ruff: noqa: RUF001  (Cyrillic and Turkish letters that look Latin are what the test is about)
from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from glossary.answers_pdf import (
    MAX_ANSWERS,
    AnsweredQuestion,
    AnswersDocument,
    PdfFontMissing,
    answers_pdf,
    find_font,
)
from glossary.phrases import load_phrasebook

BOOK = load_phrasebook()
# Each officer's language with a question and an answer that use its own letters.
SAMPLES = {
    "en": ("Do you need a doctor?", "Yes"),
    "sq": ("A keni nevojë për mjek? Çfarë ndodhi?", "Po, në këmbë"),
    "sr-Latn": ("Trebate li ljekara? Đorđe, čačkalica, šećer", "Da, žuri"),
    "mk": ("Дали ви треба лекар? Ѓорѓи, Ќерка, Ѕвезда, Џеб, Љубов, Њива", "Да"),
    "tr": ("Doktora ihtiyacınız var mı? İstanbul, Şişli, Ağrı, Göğüs, Üşüme", "Evet, öğleden önce"),
}


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Text without its line breaks and spaces: a table cell may wrap anywhere."""
    return "".join(text.split())


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_a_reader_finds_every_question_and_answer_in_the_officers_script(language: str) -> None:
    question, answer = SAMPLES[language]
    phrases = [p for p in BOOK.phrases if p.answer == "yes_no"][:3]
    answers = [AnsweredQuestion(question, answer, "2026-11-29 14:05:09")] + [
        AnsweredQuestion(p.text[language].text, BOOK.answers["no"][language].text, f"2026-11-29 14:0{i}:00")
        for i, p in enumerate(phrases)
    ]
    document = AnswersDocument(
        language=language,
        title=f"Title {language}",
        date_line="2026-11-29 14:10",
        disclaimer=BOOK.disclaimer[language].text,
        headings=("Q", "A", "T"),
        answers=tuple(answers),
    )
    pdf = answers_pdf(document, find_font())
    assert pdf.startswith(b"%PDF-")
    found = squeezed(text_of(pdf))
    for expected in (document.title, document.date_line, document.disclaimer, *document.headings):
        assert squeezed(expected) in found
    for line in answers:
        assert squeezed(line.question) in found
        assert squeezed(line.answer) in found
        assert squeezed(line.time) in found


def test_two_hundred_answers_run_over_pages_and_none_is_lost() -> None:
    answers = tuple(
        AnsweredQuestion(f"Питање број {i}: Треба ли лекар?", f"Одговор {i}", f"14:{i % 60:02d}")
        for i in range(MAX_ANSWERS)
    )
    document = AnswersDocument(
        "sr-Latn", "Odgovori", "2026-11-29", "Samo za prvi kontakt.", ("P", "O", "V"), answers
    )
    reader = PdfReader(io.BytesIO(answers_pdf(document, find_font())))
    assert len(reader.pages) > 3
    found = squeezed("\n".join(page.extract_text() for page in reader.pages))
    assert all(squeezed(f"Одговор {i}") in found for i in range(MAX_ANSWERS))


def test_the_document_holds_only_the_officers_languages_and_at_most_two_hundred_answers() -> None:
    one = (AnsweredQuestion("q", "a", "t"),)
    with pytest.raises(ValueError, match="officer's language"):
        AnswersDocument("ar", "t", "d", "x", ("q", "a", "t"), one)
    with pytest.raises(ValueError, match="at most 200"):
        AnswersDocument("en", "t", "d", "x", ("q", "a", "t"), one * (MAX_ANSWERS + 1))


def test_without_the_font_the_export_is_refused_not_printed_with_missing_letters(tmp_path: Path) -> None:
    with pytest.raises(PdfFontMissing):
        find_font((tmp_path,))


def test_a_map_answer_keeps_the_countrys_name_in_the_persons_script_in_reading_order() -> None:
    """Map answers name the country in both languages. Shaped (HarfBuzz), the Arabic run is laid out right to
    left with joined letters, so a reader gets the word back as written; placed glyph by glyph, it came
    back reversed."""
    document = AnswersDocument(
        "en",
        "Answers",
        "2026-11-29",
        "First contact only.",
        ("Q", "A", "T"),
        (AnsweredQuestion("Which country are you from?", "Afghanistan (أفغانستان)", "14:05"),),
    )
    found = text_of(answers_pdf(document, find_font()))
    assert "Afghanistan" in found
    assert "أفغانستان" in found, found
