"""The answers of one first-contact session as a PDF in the officer's language: a title, the date, the
phrasebook's disclaimer, and a table of question, answer and time.

Stateless: the document is built from what the page sends and handed back; nothing is kept. The text is
set in DejaVu Sans, embedded (subset) so every reader shows the Latin and Cyrillic letters of the officer's
languages (English, Albanian, Bosnian/Croatian/Montenegrin/Serbian, Macedonian, Turkish). The font comes
from Debian's ``fonts-dejavu-core`` (or the same files elsewhere, see ``FONT_DIRS``); without it the export
is refused as unavailable rather than printed with missing letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from core.errors import DomainError

# Where DejaVu Sans is installed: Debian and Ubuntu (fonts-dejavu-core), Fedora, Arch, Alpine, macOS Homebrew.
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
    Path("/opt/homebrew/share/fonts"),
)
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu Sans"
OFFICER_LANGUAGES = ("en", "sq", "sr-Latn", "mk", "tr")
MAX_ANSWERS = 200
MAX_TEXT = 500  # a question or an answer; the longest phrase is under 100 characters
MAX_LABEL = 120  # a title or a column heading
MAX_TIME = 40


class PdfFontMissing(DomainError):
    """The PDF font (DejaVu Sans, Debian's fonts-dejavu-core) is not installed on this server."""

    code = "pdf_font_missing"


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path


@dataclass(frozen=True)
class AnsweredQuestion:
    question: str
    answer: str
    time: str  # local time on the officer's device, as the page writes it


@dataclass(frozen=True)
class AnswersDocument:
    """Everything printed; the labels are in the officer's language (``language``), as the page has them."""

    language: str
    title: str
    date_line: str
    disclaimer: str
    headings: tuple[str, str, str]  # question, answer, time
    answers: tuple[AnsweredQuestion, ...]

    def __post_init__(self) -> None:
        if self.language not in OFFICER_LANGUAGES:
            raise ValueError(f"the officer's language is one of {', '.join(OFFICER_LANGUAGES)}")
        if len(self.answers) > MAX_ANSWERS:
            raise ValueError(f"at most {MAX_ANSWERS} answers")


def find_font(dirs: tuple[Path, ...] = FONT_DIRS) -> FontFiles:
    for directory in dirs:
        regular, bold = directory / REGULAR, directory / BOLD
        if regular.is_file() and bold.is_file():
            return FontFiles(regular, bold)
    raise PdfFontMissing()


def answers_pdf(document: AnswersDocument, font: FontFiles) -> bytes:
    """The PDF's bytes: A4, one table that runs over as many pages as it needs, its heading repeated."""
    pdf = FPDF(format="A4")
    pdf.set_lang(document.language)
    pdf.set_title(document.title)
    pdf.set_creator("RRIS first-contact phrasebook")
    pdf.add_font(FAMILY, "", str(font.regular))
    pdf.add_font(FAMILY, "B", str(font.bold))
    # Map answers carry the country's name in the person's script too ("Afghanistan (أفغانستان)"): HarfBuzz
    # joins Arabic letters and orders right-to-left runs, which plain glyph placement would not.
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.multi_cell(0, 8, document.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(0, 6, document.date_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_fill_color(255, 244, 206)
    pdf.multi_cell(0, 5, document.disclaimer, fill=True, padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    with pdf.table(
        col_widths=(48, 34, 18),
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 243)),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=5.5,
        text_align="LEFT",
        padding=1.5,
    ) as table:
        table.row(document.headings)
        for line in document.answers:
            table.row((line.question, line.answer, line.time))
    return bytes(pdf.output())
