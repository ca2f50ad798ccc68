"""PDF extraction: PDFs made here with fpdf2, laid out line by line as a typesetter would.

Each test builds its own PDF in memory, so the expected text is known exactly: lines are
justified to the column (so only a paragraph's last line is short), paragraphs are set apart
by a blank line or a first-line indent, and running heads, page numbers, margin notes and a
rotated slug sit where real reports put them.
"""

from __future__ import annotations

import bisect
import datetime
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2
import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image

from annotator.extractors import ExtractionError, extract
from annotator.extractors.pdf import expand_ligatures, extract_pdf, is_placeholder_title
from tests.fonts import build_box_font, covered_code_points

LEFT = 72.0
WIDTH = 451.0
TOP = 110.0
SIZE = 11
LEADING = 14.0


@pytest.fixture(scope="session")
def unicode_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TrueType font made here, with Latin ligatures, Greek, Cyrillic and Arabic letters."""
    return build_box_font(tmp_path_factory.mktemp("fonts") / "boxes.ttf")


# A word's footnote reference, written "communities^{1}": drawn smaller and raised.
SUPERSCRIPT = re.compile(r"\^\{([^}]*)\}")
NOTE_SIZE = 8
NOTE_LEADING = 10.0
NOTE_BOTTOM = 770.0  # the baseline of a page's last footnote line, above the page number


class Writer:
    """Lays out pages by hand: justified lines, chosen breaks, heads and feet per page.

    A word may carry a footnote reference (``"communities^{1}"``), drawn at 60 % of the text
    size and raised by a third of it, as word processors set them.
    """

    def __init__(self, *, font: Path | None = None) -> None:
        self.pdf = FPDF(unit="pt", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_creation_date(datetime.datetime(2022, 12, 23, tzinfo=datetime.UTC))
        self.family = "Helvetica"
        if font is not None:
            self.pdf.add_font("Body", "", str(font))
            self.family = "Body"
        self.y = TOP
        self.left = LEFT
        self.width = WIDTH
        self.size: float = SIZE
        self.decorate: Callable[[int], None] | None = None

    def page(self) -> None:
        self.pdf.add_page()
        self.y = TOP
        if self.decorate is not None:
            self.decorate(self.pdf.page_no())
        self.font(SIZE)

    def font(self, size: float) -> None:
        self.size = size
        self.pdf.set_font(self.family, size=size)

    def measure(self, text: str) -> float:
        """The width of ``text`` as drawn, its references at their smaller size."""
        width = 0.0
        for number, piece in enumerate(SUPERSCRIPT.split(text)):
            if number % 2:
                self.pdf.set_font(self.family, size=0.6 * self.size)
                width += self.pdf.get_string_width(piece)
                self.pdf.set_font(self.family, size=self.size)
            else:
                width += self.pdf.get_string_width(piece)
        return width

    def draw(self, x: float, y: float, text: str) -> float:
        """Draw ``text`` at ``x``, its references raised; return its width."""
        start = x
        for number, piece in enumerate(SUPERSCRIPT.split(text)):
            if not piece:
                continue
            if number % 2:
                self.pdf.set_font(self.family, size=0.6 * self.size)
                self.pdf.text(x, y - self.size / 3, piece)
                x += self.pdf.get_string_width(piece)
                self.pdf.set_font(self.family, size=self.size)
            else:
                self.pdf.text(x, y, piece)
                x += self.pdf.get_string_width(piece)
        return x - start

    def wrap(self, text: str, *, indent: float = 0.0, width: float | None = None) -> list[str]:
        """Greedy line breaking at the column width (the first line shortened by indent)."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            room = (width or self.width) - (indent if not lines else 0.0)
            if current and self.measure(candidate) > room:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
        return lines

    def line(self, text: str, *, justify: bool, indent: float = 0.0) -> None:
        x = self.left + indent
        words = text.split(" ")
        if justify and len(words) > 1:
            natural = sum(self.measure(word) for word in words)
            space = (self.width - indent - natural) / (len(words) - 1)
            for word in words:
                x += self.draw(x, self.y, word) + space
        else:
            self.draw(x, self.y, text)
        self.y += LEADING

    def lines(self, lines: list[str], *, indent: float = 0.0, gap: float = LEADING) -> None:
        """One paragraph's lines: all justified but the last, the first one indented."""
        for number, text in enumerate(lines):
            last = number == len(lines) - 1
            self.line(text, justify=not last, indent=indent if number == 0 else 0.0)
        self.y += gap

    def paragraph(self, text: str, *, indent: float = 0.0, gap: float = LEADING) -> list[str]:
        lines = self.wrap(text, indent=indent)
        self.lines(lines, indent=indent, gap=gap)
        return lines

    def footnotes(self, notes: list[tuple[str, str]], *, raised: bool = True) -> None:
        """A page's footnotes at its foot under a short rule, in small type: each note's
        number (raised, or on the line) and its text, wrapped with a hanging indent."""
        body = self.size
        self.font(NOTE_SIZE)
        hang = 14.0
        laid = [(number, self.wrap(text, width=self.width - hang)) for number, text in notes]
        count = sum(len(lines) for _number, lines in laid)
        y = NOTE_BOTTOM - (count - 1) * NOTE_LEADING
        self.pdf.set_line_width(0.5)
        self.pdf.line(self.left, y - NOTE_LEADING, self.left + 144, y - NOTE_LEADING)
        for number, lines in laid:
            if raised:
                self.pdf.set_font(self.family, size=0.6 * NOTE_SIZE)
                self.pdf.text(self.left, y - NOTE_SIZE / 3, number)
                self.pdf.set_font(self.family, size=NOTE_SIZE)
            else:
                self.pdf.text(self.left, y, number)
            for text in lines:
                self.pdf.text(self.left + hang, y, text)
                y += NOTE_LEADING
        self.font(body)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


PARAGRAPHS = [
    "The Office received credible reports of arbitrary detention in facilities that the "
    "authorities describe as vocational education and training centres. Former detainees "
    "said they were held for months without any legal process or contact with their families.",
    "Interviewees described being made to sing political songs, to renounce their religious "
    "practice and to speak only the national language. Several said that those who refused "
    "were punished, and that punishments included solitary confinement and the denial of food.",
    "The Government stated that attendance at the centres was voluntary and that all trainees "
    "had graduated by the end of 2019. The Office was not able to verify these statements, and "
    "requests for access to the facilities were not granted during the period under review.",
    "Families abroad reported that relatives had disappeared after being summoned by the "
    "police. Many learnt of the detention only through intermediaries, and some have received "
    "no information about the whereabouts or the health of their relatives to this day.",
    "Satellite imagery reviewed by the Office shows the construction of perimeter walls, "
    "watchtowers and internal fencing at a number of sites between 2017 and 2019, followed in "
    "some cases by the removal of security features after international reporting.",
    "The Office recommends that the Government release all individuals arbitrarily deprived of "
    "their liberty, clarify the fate and whereabouts of those whose families are seeking "
    "information, and review its legal framework governing national security and counterterrorism.",
]


def running_heads(pdf: FPDF, style: str, total: int) -> Callable[[int], None]:
    """Draws a report's running head and a page number in the given style on a page."""

    def decorate(number: int) -> None:
        pdf.set_font("Helvetica", size=8)
        pdf.text(LEFT, 50, "Assessment of human rights concerns in the region")
        pdf.text(LEFT + WIDTH - pdf.get_string_width("A/HRC/51/CRP.3"), 50, "A/HRC/51/CRP.3")
        footer = {
            "plain": str(number),
            "dashes": f"- {number} -",
            "word": f"Page {number}",
            "of": f"{number} of {total}",
            "roman": ["i", "ii", "iii", "iv", "v"][number - 1],
        }[style]
        pdf.text(LEFT + (WIDTH - pdf.get_string_width(footer)) / 2, 800, footer)

    return decorate


# ---------------------------------------------------------------------------------------
# Paragraphs, pages and reading order
# ---------------------------------------------------------------------------------------


def test_paragraphs_across_pages_read_exactly_as_written():
    writer = Writer()
    pages = [PARAGRAPHS[0:2], PARAGRAPHS[2:4], PARAGRAPHS[4:6]]
    for paragraphs in pages:
        writer.page()
        for paragraph in paragraphs:
            writer.paragraph(paragraph)

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(PARAGRAPHS)
    assert extraction.content_type == "application/pdf"
    assert extraction.extractor == "pdf (pypdfium2)"
    assert extraction.metadata["pages"] == 3


def test_first_line_indents_without_spacing_start_paragraphs():
    writer = Writer()
    writer.page()
    for paragraph in PARAGRAPHS[:4]:
        writer.paragraph(paragraph, indent=24.0, gap=0.0)

    assert extract_pdf(writer.output()).text == "\n\n".join(PARAGRAPHS[:4])


def test_page_starts_point_at_each_page_and_empty_pages_share_the_next_start():
    writer = Writer()
    for paragraphs in ([PARAGRAPHS[0]], [PARAGRAPHS[1], PARAGRAPHS[2]], [], [PARAGRAPHS[3]], []):
        writer.page()
        for paragraph in paragraphs:
            writer.paragraph(paragraph)

    extraction = extract_pdf(writer.output())
    text, starts = extraction.text, extraction.page_starts

    assert len(starts) == 5
    assert text[starts[0] :].startswith(PARAGRAPHS[0])
    assert text[starts[1] :].startswith(PARAGRAPHS[1])
    assert starts[2] == starts[3]  # the blank page starts where the next one does
    assert text[starts[3] :].startswith(PARAGRAPHS[3])
    assert starts[4] == len(text)  # a blank last page starts at the very end
    assert all(start == 0 or text[start - 1] == "\n" for start in starts)
    assert extraction.metadata["pages_without_text"] == [3, 5]


def test_a_paragraph_running_on_to_the_next_page_is_joined_by_one_newline():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    lines = writer.wrap(PARAGRAPHS[1])
    assert lines[2][0].islower(), "the test needs a page break before a lower-case word"
    for text in lines[:2]:
        writer.line(text, justify=True)
    writer.page()
    writer.lines(lines[2:])
    writer.paragraph(PARAGRAPHS[2])

    extraction = extract_pdf(writer.output())

    first = " ".join(lines[:2])
    rest = " ".join(lines[2:])
    assert extraction.text == f"{PARAGRAPHS[0]}\n\n{first}\n{rest}\n\n{PARAGRAPHS[2]}"
    assert extraction.text[extraction.page_starts[1] :].startswith(rest)


def test_two_columns_are_read_left_then_right_and_a_paragraph_flows_between_them():
    writer = Writer()
    writer.page()
    writer.width = 210.0
    title = "Situation of human rights in the region"
    writer.pdf.set_font("Helvetica", size=16)
    writer.pdf.text(LEFT, 80, title)
    writer.pdf.set_font("Helvetica", size=SIZE)
    writer.paragraph(PARAGRAPHS[0])
    lines = writer.wrap(PARAGRAPHS[1])
    assert lines[4][0].islower(), "the test needs a column break before a lower-case word"
    for text in lines[:4]:
        writer.line(text, justify=True)
    writer.left, writer.y = LEFT + 241.0, TOP
    writer.lines(lines[4:])
    writer.paragraph(PARAGRAPHS[2])

    expected = [title, PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[2]]
    assert extract_pdf(writer.output()).text == "\n\n".join(expected)


def test_margin_note_comes_before_the_paragraph_it_stands_beside():
    writer = Writer()
    writer.width = 330.0
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    note_y = writer.y + LEADING
    writer.paragraph(PARAGRAPHS[1])
    writer.paragraph(PARAGRAPHS[2])
    writer.pdf.set_font("Helvetica", size=7)
    writer.pdf.text(LEFT + 345, note_y, "Forced")
    writer.pdf.text(LEFT + 345, note_y + 9, "labour.")

    text = extract_pdf(writer.output()).text

    assert text == "\n\n".join([PARAGRAPHS[0], "Forced labour.", PARAGRAPHS[1], PARAGRAPHS[2]])


# ---------------------------------------------------------------------------------------
# Running heads, footers, page numbers
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["plain", "dashes", "word", "of", "roman"])
def test_running_heads_and_page_numbers_are_left_out(style):
    writer = Writer()
    writer.decorate = running_heads(writer.pdf, style, total=4)
    for paragraphs in ([PARAGRAPHS[0]], [PARAGRAPHS[1]], [PARAGRAPHS[2]], [PARAGRAPHS[3]]):
        writer.page()
        for paragraph in paragraphs:
            writer.paragraph(paragraph)

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(PARAGRAPHS[:4])
    assert "A/HRC" not in extraction.text
    assert "pdf:drop-running-headers" in extraction.steps


def test_a_running_head_does_not_cut_a_sentence_that_runs_on():
    writer = Writer()
    writer.decorate = running_heads(writer.pdf, "plain", total=3)
    writer.page()
    lines = writer.wrap(PARAGRAPHS[1])
    assert lines[2][0].islower()
    for text in lines[:2]:
        writer.line(text, justify=True)
    writer.page()
    writer.lines(lines[2:])
    writer.page()
    writer.paragraph(PARAGRAPHS[2])

    text = extract_pdf(writer.output()).text

    assert text == " ".join(lines[:2]) + "\n" + " ".join(lines[2:]) + "\n\n" + PARAGRAPHS[2]


def test_repeated_or_numeric_lines_in_the_body_are_kept():
    writer = Writer()
    for number in range(3):
        writer.page()
        writer.paragraph(PARAGRAPHS[number])
        writer.paragraph("Recommendations")  # the same heading on every page, mid-page
        writer.paragraph(f"{2017 + number}")  # a year standing alone
        writer.paragraph(PARAGRAPHS[number + 3])

    text = extract_pdf(writer.output()).text

    for number in range(3):
        expected = [PARAGRAPHS[number], "Recommendations", f"{2017 + number}"]
        assert "\n\n".join([*expected, PARAGRAPHS[number + 3]]) in text


def test_pages_turned_by_rotate_read_the_same():
    writer = Writer()
    writer.decorate = running_heads(writer.pdf, "word", total=3)
    for paragraphs in ([PARAGRAPHS[0]], [PARAGRAPHS[1]], [PARAGRAPHS[2]]):
        writer.page()
        for paragraph in paragraphs:
            writer.paragraph(paragraph)
    document = pypdfium2.PdfDocument(writer.output())
    for page in document:
        page.set_rotation(90)
    turned = io.BytesIO()
    document.save(turned)
    document.close()

    assert extract_pdf(turned.getvalue()).text == "\n\n".join(PARAGRAPHS[:3])


def test_rotated_slug_repeated_up_the_margin_is_left_out():
    writer = Writer()
    for number in range(3):
        writer.page()
        writer.paragraph(PARAGRAPHS[number])
        with writer.pdf.rotation(90, 30, 500):
            writer.pdf.text(
                30, 500, f"Downloaded from https://example.org on {number + 1} May 2024"
            )

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(PARAGRAPHS[:3])


# ---------------------------------------------------------------------------------------
# Line ends, hyphens, ligatures, scripts
# ---------------------------------------------------------------------------------------


def test_words_hyphenated_at_line_ends_are_rejoined_and_real_hyphens_kept():
    writer = Writer()
    writer.page()
    lines = [
        "Witnesses told the Office that the number of detain-",
        "ees held at the site had grown, and that the Uyghur-",
        "Muslim community was watched; the right to self-",
        "determination was denied, they said, as was the right",
        "to education, and self-determination was not discussed.",
    ]
    writer.lines(lines)

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        "Witnesses told the Office that the number of detainees held at the site had grown, "
        "and that the Uyghur-Muslim community was watched; the right to self-determination "
        "was denied, they said, as was the right to education, and self-determination was "
        "not discussed."
    )
    assert "pdf:dehyphenate" in extraction.steps


def test_a_hyphen_between_numbers_at_a_line_end_is_kept_without_a_space():
    writer = Writer()
    writer.page()
    writer.lines(
        [
            "Satellite imagery shows new walls and watchtowers built over the years 2017-",
            "2019 at a number of sites that had been described as schools by officials.",
        ]
    )

    assert extract_pdf(writer.output()).text == (
        "Satellite imagery shows new walls and watchtowers built over the years 2017-2019 "
        "at a number of sites that had been described as schools by officials."
    )


def test_a_word_hyphenated_across_a_page_break_is_completed_on_its_first_page():
    writer = Writer()
    writer.page()
    writer.lines(["The authorities continued to hold the former detain-"], gap=0.0)
    writer.page()
    writer.lines(["ees in the facility throughout the period under review."])

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        "The authorities continued to hold the former detainees\n"
        "in the facility throughout the period under review."
    )
    assert extraction.text[extraction.page_starts[1] :].startswith("in the facility")


def test_ligature_characters_are_spelled_out(unicode_font):
    writer = Writer(font=unicode_font)
    writer.page()
    writer.paragraph("The ﬁrst ﬂoor oﬃce was searched; oﬃcials took the ﬁles and staﬀ.")

    text = extract_pdf(writer.output()).text

    assert text == "The first floor office was searched; officials took the files and staff."


def test_ligature_mapping():
    assert expand_ligatures("ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ") == "ff fi fl ffi ffl st st"
    assert expand_ligatures("no ligature") == "no ligature"


def test_right_to_left_text_survives_in_logical_order(unicode_font):
    writer = Writer(font=unicode_font)
    writer.page()
    uyghur = "ئۇيغۇر ئاپتونوم رايونىدىكى تۇتۇپ تۇرۇش ئورۇنلىرى"
    arabic = "حقوق الإنسان في الإقليم"
    for sentence in (uyghur, arabic):
        # Without a shaping engine fpdf2 draws characters left to right in the order given;
        # drawn reversed, they stand right to left as in a real right-to-left PDF.
        visual = sentence[::-1]
        x = LEFT + WIDTH - writer.pdf.get_string_width(visual)
        writer.pdf.text(x, writer.y, visual)
        writer.y += 2 * LEADING

    text = extract_pdf(writer.output()).text

    assert text == f"{uyghur}\n\n{arabic}"


def test_latin_text_with_diacritics_and_other_scripts_survives(unicode_font):
    writer = Writer(font=unicode_font)
    writer.page()
    paragraph = (
        "Ürümqi, Kaşgar and Ğulja are named in the report; the Russian summary speaks of "
        "«права человека» and the Greek of «ανθρώπινα δικαιώματα» in the same terms."
    )
    writer.paragraph(paragraph)

    assert extract_pdf(writer.output()).text == paragraph


def test_the_generated_font_has_a_glyph_and_a_width_for_every_character_written(unicode_font):
    font = TTFont(unicode_font)
    cmap = font.getBestCmap()
    widths = font["hmtx"].metrics
    written = (
        "ﬀﬁﬂﬃﬄﬅﬆ Ürümqi Kaşgar Ğulja «права человека» «ανθρώπινα δικαιώματα» "
        "ئۇيغۇر ئاپتونوم رايونىدىكى حقوق الإنسان ﻻ ﷲ “quoted” – — …"
    )

    missing = sorted({c for c in written if ord(c) not in cmap})
    assert not missing, f"the generated font has no glyph for {missing}"
    assert set(covered_code_points()) <= set(cmap)
    assert all(widths[cmap[ord(c)]][0] > 0 for c in written), "every glyph needs an advance"
    assert len({widths[cmap[ord(c)]][0] for c in "ilmwae"}) > 2, "widths must vary as in a font"


# ---------------------------------------------------------------------------------------
# Reports: footnotes and their references, charts, tables of contents, compounds
# ---------------------------------------------------------------------------------------

RUNS_ON = (
    "Further to the 'do no harm' principle,^{3} additional measures were taken to protect "
    "the people who spoke to the Office, their families and their communities^{4} from "
    "reprisals, and the authorities were informed of the Office's concerns in 2018.^{5} "
    "Interviews were held in safe locations and with the informed consent of every person."
)
NOTES = {
    "1": "The methodology is described in the Office's annual report, A/HRC/49/20.",
    "2": "Statement of the Government of 18 August 2022.",
    "3": "On the principle, see the Office's guidance on the protection of victims and "
    "witnesses, which sets out the precautions taken before, during and after interviews.",
    "4": "Interviews conducted between 2019 and 2022.",
    "5": "See A/HRC/41/G/17.",
    "6": "Accounts of 26 former detainees.",
}


def _report_with_footnotes(*, raised: bool = True, rule: bool = True) -> tuple[bytes, list[str]]:
    """Three pages of a report: footnotes at the foot of each, a paragraph that runs from
    the first page on to the second with the first page's notes between its halves."""
    writer = Writer()
    writer.decorate = running_heads(writer.pdf, "plain", total=3)
    writer.page()
    writer.paragraph(PARAGRAPHS[0].replace("centres.", "centres.^{1}"))
    writer.paragraph(PARAGRAPHS[2].replace("2019.", "2019.^{2}"))
    lines = writer.wrap(RUNS_ON)
    assert lines[2][0].islower(), "the test needs a page break before a lower-case word"
    for text in lines[:2]:
        writer.line(text, justify=True)
    # Each note at the foot of the page its reference is on.
    first = ["1", "2", *SUPERSCRIPT.findall(" ".join(lines[:2]))]
    writer.footnotes([(n, NOTES[n]) for n in first], raised=raised)
    writer.page()
    writer.lines(lines[2:])
    writer.paragraph(PARAGRAPHS[3])
    writer.footnotes([(n, NOTES[n]) for n in ("3", "4", "5") if n not in first], raised=raised)
    writer.page()
    writer.paragraph(PARAGRAPHS[1].replace("food.", "food.^{6}"))
    writer.footnotes([("6", NOTES["6"])], raised=raised)
    data = writer.output()
    if not rule:
        assert raised, "a page's notes need a sign that they are notes"
    return data, lines


def _bracketed(text: str) -> str:
    return SUPERSCRIPT.sub(r"[\1]", text)


def test_footnotes_go_after_the_body_which_runs_on_across_the_page_break():
    data, lines = _report_with_footnotes()

    extraction = extract_pdf(data)

    first = _bracketed(" ".join(lines[:2]))
    rest = _bracketed(" ".join(lines[2:]))
    body = [
        _bracketed(PARAGRAPHS[0].replace("centres.", "centres.^{1}")),
        _bracketed(PARAGRAPHS[2].replace("2019.", "2019.^{2}")),
        f"{first}\n{rest}",
        PARAGRAPHS[3],
        _bracketed(PARAGRAPHS[1].replace("food.", "food.^{6}")),
    ]
    notes = [f"{number} {text}" for number, text in NOTES.items()]
    assert extraction.text == "\n\n".join([*body, "Notes", *notes])
    assert "principle,[3] additional" in extraction.text
    assert "communities[4] from" in extraction.text
    assert "in 2018.[5] Interviews" in extraction.text
    assert extraction.steps == (
        "pdf:drop-running-headers",
        "pdf:drop-page-numbers",
        "pdf:footnotes-to-end",
        "pdf:note-references",
    )


def test_each_reference_is_linked_to_its_note_by_offsets():
    data, _lines = _report_with_footnotes()

    extraction = extract_pdf(data)
    text, links = extraction.text, extraction.metadata["notes"]

    assert [link["number"] for link in links] == ["1", "2", "3", "4", "5", "6"]
    assert [link["page"] for link in links] == [1, 1, 1, 1, 2, 3]
    starts = extraction.page_starts
    notes_start = text.index("\n\nNotes\n\n")
    for link in links:
        start, end = link["reference"]
        assert text[start:end] == f"[{link['number']}]"
        assert bisect.bisect_right(starts, start) == link["page"]  # the note's page
        start, end = link["note"]
        assert text[start:end] == f"{link['number']} {NOTES[link['number']]}"
        assert start > notes_start


def test_footnotes_numbered_on_the_line_under_a_rule_are_notes_too():
    data, _lines = _report_with_footnotes(raised=False)

    extraction = extract_pdf(data)

    notes = [f"{number} {text}" for number, text in NOTES.items()]
    assert extraction.text.endswith("\n\n".join(["Notes", *notes]))
    assert [link["number"] for link in extraction.metadata["notes"]] == list(NOTES)


def test_a_footnote_running_on_to_the_next_page_stays_one_note():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0].replace("families.", "families.^{1}"))
    long_note = (
        "The accounts were collected by the Office in interviews held in several countries "
        "between 2019 and 2022, each with the informed consent of the person interviewed"
    )
    writer.footnotes([("1", long_note)])
    writer.page()
    writer.paragraph(PARAGRAPHS[1].replace("food.", "food.^{2}"))
    writer.font(NOTE_SIZE)  # the rest of note 1, then note 2, at the foot of page 2
    writer.pdf.line(
        LEFT, NOTE_BOTTOM - 2 * NOTE_LEADING, LEFT + 144, NOTE_BOTTOM - 2 * NOTE_LEADING
    )
    writer.pdf.text(LEFT + 14, NOTE_BOTTOM - NOTE_LEADING, "and recorded in writing.")
    writer.pdf.set_font("Helvetica", size=0.6 * NOTE_SIZE)
    writer.pdf.text(LEFT, NOTE_BOTTOM - NOTE_SIZE / 3, "2")
    writer.pdf.set_font("Helvetica", size=NOTE_SIZE)
    writer.pdf.text(LEFT + 14, NOTE_BOTTOM, "Statement of the Government.")

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(
        [
            PARAGRAPHS[0].replace("families.", "families.[1]"),
            PARAGRAPHS[1].replace("food.", "food.[2]"),
            "Notes",
            f"1 {long_note} and recorded in writing.",
            "2 Statement of the Government.",
        ]
    )


@pytest.mark.parametrize("raised", [True, False])
def test_a_note_that_recurs_at_the_foot_of_both_pages_is_no_footer(raised):
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0].replace("centres.", "centres.^{1}"))
    writer.paragraph(PARAGRAPHS[2].replace("2019.", "2019.^{2}"))
    writer.footnotes([("1", NOTES["1"]), ("2", "Ibid.")], raised=raised)
    writer.page()
    writer.paragraph(PARAGRAPHS[3].replace("police.", "police.^{3}"))
    writer.paragraph(PARAGRAPHS[1].replace("food.", "food.^{4}"))
    writer.footnotes([("3", NOTES["2"]), ("4", "Ibid.")], raised=raised)

    extraction = extract_pdf(writer.output())

    assert extraction.text.endswith(
        "\n\n".join(["Notes", f"1 {NOTES['1']}", "2 Ibid.", f"3 {NOTES['2']}", "4 Ibid."])
    )
    notes = extraction.metadata["notes"]
    assert [link["number"] for link in notes] == ["1", "2", "3", "4"]
    assert all(link["note"] is not None for link in notes)
    assert "pdf:drop-running-headers" not in extraction.steps


def test_ibid_at_the_foot_of_most_pages_of_a_longer_report_is_kept():
    writer = Writer()
    expected = []
    for page in range(5):
        writer.page()
        first, second = str(2 * page + 1), str(2 * page + 2)
        writer.paragraph(PARAGRAPHS[page].replace(".", f".^{{{first}}}", 1))
        writer.paragraph(PARAGRAPHS[page + 1].replace(".", f".^{{{second}}}", 1))
        last = "Ibid." if page != 2 else NOTES["5"]
        writer.footnotes([(first, NOTES["4"]), (second, last)])
        expected += [f"{first} {NOTES['4']}", f"{second} {last}"]

    extraction = extract_pdf(writer.output())

    assert extraction.text.endswith("\n\n".join(["Notes", *expected]))
    assert all(link["note"] is not None for link in extraction.metadata["notes"])


def test_references_set_with_a_text_rise_are_bracketed_and_notes_glued_to_numbers_split():
    writer = Writer()
    writer.page()
    writer.pdf.set_xy(LEFT, TOP)
    for piece, raised in (
        ("Relatives abroad were summoned by the police in 2018.", False),
        ("7", True),
        (" The", False),
        (" communities", False),
        ("8", True),
        (" were watched.", False),
    ):
        writer.pdf.char_vpos = "SUP" if raised else "LINE"
        writer.pdf.write(LEADING, piece)
    writer.pdf.char_vpos = "LINE"
    writer.font(NOTE_SIZE)
    writer.pdf.line(
        LEFT, NOTE_BOTTOM - 2 * NOTE_LEADING, LEFT + 144, NOTE_BOTTOM - 2 * NOTE_LEADING
    )
    for y, number, note in (
        (NOTE_BOTTOM - NOTE_LEADING, "7", "The Office's interviews."),
        (NOTE_BOTTOM, "8", "See A/HRC/41/G/17."),
    ):
        # The note's number raised and its text straight after it: "⁷The Office's …".
        writer.pdf.set_font("Helvetica", size=0.6 * NOTE_SIZE)
        writer.pdf.text(LEFT, y - NOTE_SIZE / 3, number)
        x = LEFT + writer.pdf.get_string_width(number)
        writer.pdf.set_font("Helvetica", size=NOTE_SIZE)
        writer.pdf.text(x, y, note)

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        "Relatives abroad were summoned by the police in 2018.[7] The communities[8] were "
        "watched.\n\nNotes\n\n7 The Office's interviews.\n\n8 See A/HRC/41/G/17."
    )


def test_a_reference_to_two_notes_is_linked_to_both():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[3].replace("police.", "police.^{8,9}"))
    writer.footnotes([("8", NOTES["5"]), ("9", NOTES["6"])])

    extraction = extract_pdf(writer.output())
    text = extraction.text

    assert text == "\n\n".join(
        [
            PARAGRAPHS[3].replace("police.", "police.[8,9]"),
            "Notes",
            f"8 {NOTES['5']}",
            f"9 {NOTES['6']}",
        ]
    )
    links = extraction.metadata["notes"]
    assert [link["number"] for link in links] == ["8", "9"]
    assert {text[slice(*link["reference"])] for link in links} == {"[8,9]"}


def test_a_raised_number_without_a_note_is_still_set_apart():
    writer = Writer()
    writer.page()
    writer.paragraph("The facilities held communities^{1} from 12 counties in 2019.^{2}")

    extraction = extract_pdf(writer.output())

    assert extraction.text == "The facilities held communities[1] from 12 counties in 2019.[2]"
    assert "notes" not in extraction.metadata
    assert "pdf:note-references" in extraction.steps


def test_small_print_at_the_foot_without_numbers_stays_in_the_body():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    writer.font(NOTE_SIZE)
    writer.pdf.text(LEFT, NOTE_BOTTOM, "Source: the Office's own figures, 2022.")
    writer.pdf.text(LEFT, NOTE_BOTTOM + NOTE_LEADING, "12 of the sites were visited in 2019.")

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        f"{PARAGRAPHS[0]}\n\nSource: the Office's own figures, 2022.\n\n"
        "12 of the sites were visited in 2019."
    )
    assert "notes" not in extraction.metadata


def test_a_page_of_endnotes_under_its_heading_stays_where_it_is():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0].replace("families.", "families.^{1}"))
    writer.paragraph(PARAGRAPHS[1].replace("food.", "food.^{2}"))
    writer.page()
    heading(writer, "Notes", size=16)
    writer.font(NOTE_SIZE)
    for number, note in (("1", NOTES["1"]), ("2", NOTES["2"])):
        writer.pdf.text(LEFT, writer.y, number)
        writer.pdf.text(LEFT + 14, writer.y, note)
        writer.y += NOTE_LEADING

    extraction = extract_pdf(writer.output())

    body = [
        PARAGRAPHS[0].replace("families.", "families.[1]"),
        PARAGRAPHS[1].replace("food.", "food.[2]"),
    ]
    assert extraction.text.startswith("\n\n".join([*body, "Notes", "1 The methodology"]))
    assert extraction.text.count("Notes") == 1
    assert extraction.text.endswith(f"2 {NOTES['2']}")
    assert "pdf:footnotes-to-end" not in extraction.steps
    assert "notes" not in extraction.metadata


def test_small_print_above_the_rule_is_no_part_of_the_notes():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0].replace("families.", "families.^{1}"))
    writer.footnotes([("1", NOTES["1"])])
    writer.page()
    writer.paragraph(PARAGRAPHS[1].replace("food.", "food.^{2}"))
    writer.font(NOTE_SIZE)
    source = "Source: the Office's own figures."
    writer.pdf.text(LEFT, NOTE_BOTTOM - 4 * NOTE_LEADING, source)
    writer.footnotes([("2", NOTES["2"])])

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(
        [
            PARAGRAPHS[0].replace("families.", "families.[1]"),
            PARAGRAPHS[1].replace("food.", "food.[2]"),
            source,
            "Notes",
            f"1 {NOTES['1']}",
            f"2 {NOTES['2']}",
        ]
    )


def test_the_importer_maps_note_offsets_to_the_canonical_text(unicode_font):
    from annotator.services.importing.report import SourceFile
    from annotator.services.importing.sources import document_of

    writer = Writer(font=unicode_font)
    writer.page()
    # An Arabic presentation form (U+FEFB, lam-alef) becomes two letters in the canonical
    # text, so every offset after it moves by one.
    writer.paragraph("The sign read \ufefb and the detainees were held in the centres.^{1}")
    writer.footnotes([("1", "Witness testimony of a former detainee, \ufefb.")])

    ready = document_of(SourceFile("report.pdf", writer.output()))

    extraction, canonical = ready.new.extraction, ready.new.canonical
    [link] = extraction.metadata["notes"]
    assert canonical.text[slice(*link["reference"])] == "[1]"
    assert canonical.text[slice(*link["note"])] == (
        "1 Witness testimony of a former detainee, \u0644\u0627."
    )


def _chart(writer: Writer, *, top: float, bars: list[tuple[str, int]]) -> float:
    """A bar chart: a vertical axis 0 to 10 with its labels, bars, labels under them."""
    base = top + 150
    writer.pdf.set_line_width(0.7)
    writer.pdf.line(LEFT + 40, top, LEFT + 40, base)
    writer.pdf.line(LEFT + 40, base, LEFT + 340, base)
    writer.pdf.set_font("Helvetica", size=8)
    for step, value in enumerate(range(0, 11, 2)):
        label = str(value)
        writer.pdf.text(LEFT + 32 - writer.pdf.get_string_width(label), base - step * 30 + 3, label)
    for index, (label, value) in enumerate(bars):
        x = LEFT + 70 + index * 90
        writer.pdf.rect(x, base - value * 15, 40, value * 15, style="F")
        writer.pdf.text(x + 8, base + 12, label)
    writer.font(SIZE)
    return base + 40


def test_a_charts_labels_are_left_out_of_the_text_and_kept_in_the_metadata():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[4])
    writer.y = _chart(writer, top=writer.y + 10, bars=[("2017", 4), ("2018", 9), ("Kashgar", 7)])
    caption = "Figure 1. Sites with new perimeter walls, by year of construction."
    writer.paragraph(caption)
    writer.paragraph(PARAGRAPHS[5])

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join([PARAGRAPHS[4], caption, PARAGRAPHS[5]])
    assert extraction.metadata["figures"] == [{"page": 1, "text": "10 8 6 4 2 0 2017 2018 Kashgar"}]
    assert "pdf:drop-figure-text" in extraction.steps


def test_a_charts_rotated_axis_title_is_left_out_with_its_labels():
    """A vertical axis's title, set rotated beside its labels, is the chart's too: it used
    to come out as a paragraph of its own after the page's text."""
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[4])
    top = writer.y + 10
    writer.y = _chart(writer, top=top, bars=[("2017", 4), ("2018", 9), ("Kashgar", 7)])
    writer.pdf.set_font("Helvetica", size=8)
    with writer.pdf.rotation(90, LEFT + 12, top + 140):
        writer.pdf.text(LEFT + 12, top + 140, "Number of sites with new walls")
    writer.font(SIZE)
    caption = "Figure 1. Sites with new perimeter walls, by year of construction."
    writer.paragraph(caption)
    writer.paragraph(PARAGRAPHS[5])

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join([PARAGRAPHS[4], caption, PARAGRAPHS[5]])
    assert extraction.metadata["figures"] == [
        {"page": 1, "text": "10 8 6 4 2 0 2017 2018 Kashgar Number of sites with new walls"}
    ]


def test_a_table_of_numbers_is_not_taken_for_a_chart():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[4])
    rows = [
        ("Year", "Sites", "Walls"),
        ("2017", "4", "12"),
        ("2018", "9", "30"),
        ("2019", "7", "21"),
    ]
    writer.pdf.set_line_width(0.5)
    for row in rows:
        writer.pdf.line(LEFT, writer.y - 11, LEFT + 300, writer.y - 11)
        for column, cell in enumerate(row):
            writer.pdf.text(LEFT + 4 + 100 * column, writer.y, cell)
        writer.y += 2 * LEADING
    writer.y += LEADING
    writer.paragraph(PARAGRAPHS[5])

    extraction = extract_pdf(writer.output())

    table = "\n\n".join(" ".join(row) for row in rows)
    assert extraction.text == "\n\n".join([PARAGRAPHS[4], table, PARAGRAPHS[5]])
    assert "figures" not in extraction.metadata


TABLE = [
    ("Year", "Sites with walls", "Watchtowers"),
    ("2017", "4", "12"),
    ("2018", "9", "30"),
    ("2019", "7", "21"),
    ("2020", "5", "14"),
]


def _table(writer: Writer, *, spacing: float, row_gap: float, ruled: bool) -> None:
    """``TABLE`` drawn cell by cell, its columns ``spacing`` apart, with rules between rows
    across its width if ``ruled``."""
    writer.pdf.set_line_width(0.5)
    for row in TABLE:
        if ruled:
            writer.pdf.line(LEFT, writer.y - 11, LEFT + 2 * spacing + 80, writer.y - 11)
        for column, cell in enumerate(row):
            writer.pdf.text(LEFT + 4 + spacing * column, writer.y, cell)
        writer.y += row_gap
    writer.y += LEADING


@pytest.mark.parametrize(
    ("spacing", "row_gap", "ruled"),
    [
        (160, 28, True),
        (120, 22, False),
        (130, 22, False),
        (140, 22, False),
        (140, 22, True),
        (130, 16, False),
        (130, 16, True),
    ],
)
def test_table_columns_far_apart_are_no_chart_axis_nor_run_into_the_next_paragraph(
    spacing, row_gap, ruled
):
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[4])
    _table(writer, spacing=spacing, row_gap=row_gap, ruled=ruled)
    writer.paragraph(PARAGRAPHS[5])

    extraction = extract_pdf(writer.output())

    # Read row by row, or column by column where the gutters between columns are wide:
    # every cell in the text, and the table a paragraph apart from the text after it.
    by_rows = "\n\n".join(" ".join(row) for row in TABLE)
    by_columns = "\n\n".join(" ".join(column) for column in zip(*TABLE, strict=True))
    assert extraction.text in {
        "\n\n".join([PARAGRAPHS[4], table, PARAGRAPHS[5]]) for table in (by_rows, by_columns)
    }
    assert "figures" not in extraction.metadata


def _contents(writer: Writer, entries: list[tuple[str, str, str | None]]) -> None:
    """A table of contents: number, title, dot leaders and page number, drawn apart."""
    for number, title, page in entries:
        if number:
            writer.pdf.text(LEFT, writer.y, number)
        writer.pdf.text(LEFT + 30, writer.y, title)
        if page is not None:
            start = LEFT + 34 + writer.pdf.get_string_width(title)
            dots = ""
            while writer.pdf.get_string_width(dots + " .") < LEFT + WIDTH - 24 - start:
                dots += " ."
            writer.pdf.text(start, writer.y, dots)
            writer.pdf.text(LEFT + WIDTH - writer.pdf.get_string_width(page), writer.y, page)
        writer.y += LEADING


def test_a_table_of_contents_is_one_clean_line_per_entry():
    writer = Writer()
    writer.page()
    heading(writer, "Contents", size=16)
    writer.font(SIZE)
    _contents(
        writer,
        [
            ("", "Executive summary", "iii"),
            ("I.", "Introduction", "1"),
            ("II.", "Legal framework governing national security, counter-terrorism and", None),
            ("", "the rights of persons belonging to minorities", "4"),
            ("III.", "Findings", "12"),
        ],
    )
    writer.y += LEADING
    writer.paragraph(PARAGRAPHS[0])

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        "Contents\n\n"
        "Executive summary — iii\n"
        "I. Introduction — 1\n"
        "II. Legal framework governing national security, counter-terrorism and the rights "
        "of persons belonging to minorities — 4\n"
        "III. Findings — 12\n\n" + PARAGRAPHS[0]
    )
    assert "pdf:table-of-contents" in extraction.steps


def test_compound_hyphens_at_line_ends_are_kept_and_hyphenation_undone():
    writer = Writer()
    writer.page()
    writer.lines(
        [
            "The Office reviewed documents issued by county-level bodies and by the provincial-",
            "level authorities, by state-run media and by the community-",
            "led groups; some self-",
            "censorship was reported, and the re-education of former detain-",
            "ees was re-",
            "ported, as was the non-",
            "payment of wages in the evidence-",
            "based review of the facili-",
            "ties.",
        ]
    )

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        "The Office reviewed documents issued by county-level bodies and by the "
        "provincial-level authorities, by state-run media and by the community-led groups; "
        "some self-censorship was reported, and the re-education of former detainees was "
        "reported, as was the non-payment of wages in the evidence-based review of the "
        "facilities."
    )


def test_a_compound_of_two_words_the_document_never_spells_keeps_its_hyphen_at_a_line_end():
    """Neither "Uyghur-majority" nor "forced-labour" is spelled elsewhere in the document,
    and neither half is a compound's half it uses: the language's word list decides that
    the halves are two words and the joined string is none. A name broken into syllables
    ("Tur-" "sun") and a word hyphenated by the word processor ("deten-" "tion") are joined."""
    writer = Writer()
    writer.page()
    writer.lines(
        [
            "Witnesses from the Uyghur-",
            "majority prefectures described forced-",
            "labour transfers; one of them, Tur-",
            "sun, spoke of her deten-",
            "tion in a camp in the region and of the transfers of the workers of her",
            "village to factories in other provinces, which the authorities denied.",
        ]
    )

    extraction = extract_pdf(writer.output())

    assert extraction.text == (
        "Witnesses from the Uyghur-majority prefectures described forced-labour transfers; "
        "one of them, Tursun, spoke of her detention in a camp in the region and of the "
        "transfers of the workers of her village to factories in other provinces, which the "
        "authorities denied."
    )


def test_a_large_title_on_page_one_stays_though_the_running_head_repeats_it():
    writer = Writer()

    def decorate(number: int) -> None:
        if number > 1:
            writer.pdf.set_font("Helvetica", size=8)
            writer.pdf.text(LEFT, 50, "China Primer: Uyghurs")

    writer.decorate = decorate
    writer.page()
    writer.pdf.set_font("Helvetica", size=22)
    writer.pdf.text(LEFT, 60, "China Primer: Uyghurs")
    writer.font(SIZE)
    for paragraph in PARAGRAPHS[:4]:
        if paragraph is not PARAGRAPHS[0]:
            writer.page()
        writer.paragraph(paragraph)

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(["China Primer: Uyghurs", *PARAGRAPHS[:4]])
    assert extraction.metadata["title"] == "China Primer: Uyghurs"


def test_a_two_page_brief_keeps_its_title_and_leaves_out_its_small_footer():
    writer = Writer()

    def decorate(number: int) -> None:
        writer.pdf.set_font("Helvetica", size=8)
        writer.pdf.text(LEFT, 815, "https://crsreports.congress.gov")

    writer.decorate = decorate
    writer.page()
    writer.pdf.set_font("Helvetica", size=8)
    writer.pdf.text(LEFT, 50, "Updated December 2022")
    writer.pdf.set_font("Helvetica", size=22)
    writer.pdf.text(LEFT, 80, "China Primer: Uyghurs")
    writer.font(SIZE)
    writer.paragraph(PARAGRAPHS[0])
    writer.page()
    writer.paragraph(PARAGRAPHS[1])

    extraction = extract_pdf(writer.output())

    assert extraction.text == "\n\n".join(
        ["Updated December 2022", "China Primer: Uyghurs", PARAGRAPHS[0], PARAGRAPHS[1]]
    )


def test_a_sentence_runs_on_across_a_page_break_before_a_capital():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    first = "Detainees were moved between facilities in the prefectures of the"
    writer.line(first, justify=True)
    writer.page()
    rest = "Xinjiang Uyghur Autonomous Region and to other provinces of the country."
    writer.lines([rest])
    writer.paragraph(PARAGRAPHS[1])

    extraction = extract_pdf(writer.output())

    assert extraction.text == f"{PARAGRAPHS[0]}\n\n{first}\n{rest}\n\n{PARAGRAPHS[1]}"


def test_a_heading_atop_the_next_page_is_a_paragraph_of_its_own():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    first = "Detainees were moved between facilities in the prefectures of the"
    writer.line(first, justify=True)
    writer.page()
    heading(writer, "Xinjiang Uyghur Autonomous Region", size=15)
    writer.font(SIZE)
    writer.paragraph(PARAGRAPHS[1])

    text = extract_pdf(writer.output()).text

    assert text == "\n\n".join(
        [PARAGRAPHS[0], first, "Xinjiang Uyghur Autonomous Region", PARAGRAPHS[1]]
    )


def test_a_page_ending_a_sentence_or_short_does_not_run_on_before_a_capital():
    writer = Writer()
    writer.page()
    writer.lines(["The Office's findings are set out below, region by region, in the order of"])
    writer.page()
    writer.paragraph("Xinjiang Uyghur Autonomous Region")
    writer.paragraph(PARAGRAPHS[1])

    text = extract_pdf(writer.output()).text

    assert text.startswith(
        "The Office's findings are set out below, region by region, in the order of\n\nXinjiang"
    )


# ---------------------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------------------


def _with_modification_date(data: bytes, producer: bytes, date: bytes) -> bytes:
    """The PDF with its /Producer entry made a /ModDate (fpdf2 writes none), the bytes
    padded so that every offset in the file stays where it was."""
    entry = b"/Producer (" + producer + b")"
    replacement = b"/ModDate (" + date + b")"
    assert data.count(entry) == 1
    return data.replace(entry, replacement.ljust(len(entry)))


def test_metadata_title_author_file_dates_and_versions():
    writer = Writer()
    producer = "p" * 40
    writer.pdf.set_producer(producer)
    writer.pdf.set_title("Assessment of human rights concerns")
    writer.pdf.set_author("Office of the High Commissioner")
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    data = _with_modification_date(writer.output(), producer.encode(), b"D:20230105093000Z")

    extraction = extract_pdf(data)

    assert extraction.metadata == {
        "pages": 1,
        "title": "Assessment of human rights concerns",
        "title_source": "metadata",
        "author": "Office of the High Commissioner",
        # When the file was made and changed, not when the report was published.
        "pdf_created": "2022-12-23",
        "pdf_modified": "2023-01-05",
    }
    assert "published_on" not in extraction.metadata
    assert "pypdfium2" in extraction.extractor_version
    assert "pdfium" in extraction.extractor_version
    assert len(extraction.extractor_version) <= 50  # Document.extractor_version


@pytest.mark.parametrize(
    "title",
    [
        "Microsoft Word - draft.docx",
        "Microsoft Word - draft_v3.docx",
        "PUBL078.PS",
        "untitled",
        "xxxxxx",
        "PowerPoint Presentation",
    ],
)
def test_a_title_that_is_only_a_file_name_or_placeholder_is_ignored(title):
    writer = Writer()
    writer.pdf.set_title(title)
    writer.page()
    writer.paragraph(PARAGRAPHS[0])

    metadata = extract_pdf(writer.output()).metadata

    assert "title" not in metadata, f"{title!r} was taken for the document's title"
    assert metadata["title_source"] == "first line"


@pytest.mark.parametrize(
    "title",
    [
        "",
        "   ",
        "xxxxxx",
        "XXXXXXXX",
        "x x x x",
        "aaaa",
        "Report on XXXX",
        "untitled",
        "Untitled-1",
        "Untitled document",
        "title",
        "No title",
        "None",
        "null",
        "N/A",
        "Microsoft Word - report.docx",
        "Microsoft PowerPoint - slides for the briefing",
        "Word - minutes",
        "Document1",
        "document",
        "Doc1",
        "New document 3",
        "PowerPoint Presentation",
        "Presentation1",
        "Microsoft Word Document",
        "PUBL078.PS",
        "report.doc",
        "report.docx",
        "report final.pdf",
        "Annual report 2022.indd",
        "cover.qxd",
        "notes.rtf",
        "minutes.odt",
        "C:\\Users\\staff\\Desktop\\report",
        "report_final_v2",
        "12345",
        "2022",
        "--- ---",
        "AB",
        "x",
    ],
)
def test_placeholder_and_file_name_titles_are_recognised(title):
    assert is_placeholder_title(title), f"{title!r} should not be taken for a title"


@pytest.mark.parametrize(
    "title",
    [
        "Assessment of human rights concerns in the Xinjiang Uyghur Autonomous Region",
        "Uyghur Forced Labor Prevention Act",
        "Public Law 117–78",
        "A/HRC/51/CRP.3",
        "Iran",
        "1984 revisited",
        "Report of the Special Rapporteur, 2022",
        "Doctrine of necessity",
        "Untitled lives: migrant workers in the Gulf",
        "Exxon and the XXX Olympic Games",
        "حقوق الإنسان في الإقليم",
        "Права человека",
        "حقـــــوق الإنسان",  # stretched by tatweel, not a run of one letter
        "人权",
    ],
)
def test_real_titles_are_not_taken_for_placeholders(title):
    assert not is_placeholder_title(title), f"{title!r} is a real title"


def heading(writer: Writer, text: str, *, size: float, centred: bool = False) -> list[str]:
    """Set ``text`` as a heading, wrapped to the column, and leave the body font at 10 pt."""
    writer.pdf.set_font(writer.family, size=size)
    lines = writer.wrap(text)
    for line in lines:
        width = writer.pdf.get_string_width(line)
        x = writer.left + ((writer.width - width) / 2 if centred else 0.0)
        writer.pdf.text(x, writer.y, line)
        writer.y += 1.2 * size
    writer.y += size
    writer.pdf.set_font(writer.family, size=10)
    return lines


TITLE = (
    "Assessment of human rights concerns in the Xinjiang Uyghur Autonomous Region, "
    "People’s Republic of China"
)
SHORTER_TITLE = "Assessment of human rights concerns in the Xinjiang Uyghur Autonomous Region"


def test_a_placeholder_title_gives_way_to_the_largest_text_on_page_one(unicode_font):
    writer = Writer(font=unicode_font)
    writer.pdf.set_title("xxxxxx")
    writer.page()
    lines = heading(writer, SHORTER_TITLE, size=20)
    writer.paragraph(PARAGRAPHS[0])
    writer.paragraph(PARAGRAPHS[1])
    writer.page()
    writer.paragraph(PARAGRAPHS[2])

    extraction = extract_pdf(writer.output())

    assert len(lines) == 2, "the test needs a heading that wraps over two lines"
    assert extraction.metadata["title"] == SHORTER_TITLE
    assert extraction.metadata["title_source"] == "largest text on page 1"


def test_a_centred_heading_wrapping_over_three_lines_is_joined(unicode_font):
    writer = Writer(font=unicode_font)
    writer.width = 380.0
    writer.page()
    lines = heading(writer, TITLE, size=18, centred=True)
    writer.width = WIDTH
    writer.paragraph(PARAGRAPHS[0])

    metadata = extract_pdf(writer.output()).metadata

    assert len(lines) == 3, "the test needs a heading that wraps over three lines"
    assert metadata["title"] == TITLE
    assert metadata["title_source"] == "largest text on page 1"


def test_lines_broken_by_hand_after_a_comma_or_before_lower_case_are_one_title(unicode_font):
    writer = Writer(font=unicode_font)
    writer.page()
    writer.pdf.set_font(writer.family, size=18)
    for line in (
        "Assessment of human rights concerns",
        "in the Xinjiang Uyghur Autonomous Region,",
        "People’s Republic of China",
    ):
        width = writer.pdf.get_string_width(line)
        writer.pdf.text(LEFT + (WIDTH - width) / 2, writer.y, line)
        writer.y += 22
    writer.y += 20
    writer.pdf.set_font(writer.family, size=10)
    writer.paragraph(PARAGRAPHS[0])

    extraction = extract_pdf(writer.output())

    assert extraction.metadata["title"] == TITLE
    # In the text too the title is one paragraph: its second line started one, in lower
    # case, mid-sentence.
    assert extraction.text == f"{TITLE}\n\n{PARAGRAPHS[0]}"


def test_centred_lines_that_each_end_a_phrase_stay_paragraphs_of_their_own(unicode_font):
    writer = Writer(font=unicode_font)
    writer.page()
    writer.pdf.set_font(writer.family, size=18)
    for line in ("Xinjiang", "Assessment of human rights concerns"):
        width = writer.pdf.get_string_width(line)
        writer.pdf.text(LEFT + (WIDTH - width) / 2, writer.y, line)
        writer.y += 22
    writer.y += 20
    writer.pdf.set_font(writer.family, size=10)
    writer.paragraph(PARAGRAPHS[0])

    text = extract_pdf(writer.output()).text

    assert text == f"Xinjiang\n\nAssessment of human rights concerns\n\n{PARAGRAPHS[0]}"


def test_a_heading_hyphenated_at_a_line_end_keeps_its_hyphen_without_a_space():
    writer = Writer()
    writer.page()
    writer.pdf.set_font("Helvetica", size=18)
    writer.pdf.text(LEFT, writer.y, "The right of peoples to self-")
    writer.pdf.text(LEFT, writer.y + 22, "determination in the region")
    writer.y += 50
    writer.pdf.set_font("Helvetica", size=10)
    writer.paragraph(PARAGRAPHS[0])

    title = extract_pdf(writer.output()).metadata["title"]

    assert title == "The right of peoples to self-determination in the region"


def test_separate_short_lines_of_the_largest_size_are_not_run_together(unicode_font):
    writer = Writer(font=unicode_font)
    writer.page()
    writer.pdf.set_font(writer.family, size=12)
    writer.pdf.text(LEFT, writer.y, "Public Law 117–78")
    writer.pdf.text(LEFT, writer.y + 13, "117th Congress")
    writer.pdf.text(LEFT + 180, writer.y + 26, "An Act")
    writer.y += 50
    writer.pdf.set_font(writer.family, size=10)
    writer.paragraph(PARAGRAPHS[0])

    metadata = extract_pdf(writer.output()).metadata

    assert metadata["title"] == "Public Law 117–78"
    assert metadata["title_source"] == "largest text on page 1"


def test_the_heading_wins_over_running_heads_page_numbers_and_single_characters():
    writer = Writer()

    def decorate(number: int) -> None:
        writer.pdf.set_font("Helvetica", size=18)  # a running head larger than the heading
        writer.pdf.text(LEFT, 50, "Assessment of human rights concerns")
        writer.pdf.text(LEFT + WIDTH / 2, 800, str(number))

    writer.decorate = decorate
    writer.page()
    writer.pdf.set_font("Helvetica", size=40)
    writer.pdf.text(LEFT, writer.y + 20, "1")  # a chapter numeral
    writer.pdf.set_font("Helvetica", size=36)
    writer.pdf.text(LEFT + WIDTH - 20, writer.y + 20, "*")  # an ornament
    writer.y += 50
    heading(writer, "Findings of the Office", size=15)
    writer.paragraph(PARAGRAPHS[0])
    for paragraph in PARAGRAPHS[1:3]:
        writer.page()
        writer.paragraph(paragraph)

    metadata = extract_pdf(writer.output()).metadata

    assert metadata["title"] == "Findings of the Office"
    assert metadata["title_source"] == "largest text on page 1"


def test_a_good_metadata_title_is_kept_whatever_page_one_shows():
    writer = Writer()
    writer.pdf.set_title("OHCHR Assessment of human rights concerns")
    writer.page()
    heading(writer, "Executive summary", size=24)
    writer.paragraph(PARAGRAPHS[0])

    metadata = extract_pdf(writer.output()).metadata

    assert metadata["title"] == "OHCHR Assessment of human rights concerns"
    assert metadata["title_source"] == "metadata"


@pytest.mark.parametrize("size", [SIZE, 11.5])
def test_without_larger_text_the_first_line_stays_the_title(size):
    writer = Writer()
    writer.pdf.set_title("Document1")
    writer.page()
    heading(writer, "Findings of the Office", size=size)
    writer.pdf.set_font("Helvetica", size=SIZE)
    writer.paragraph(PARAGRAPHS[0])

    metadata = extract_pdf(writer.output()).metadata

    assert "title" not in metadata, "text hardly larger than the body is not a title"
    assert metadata["title_source"] == "first line"


def test_a_page_of_text_all_in_large_type_is_not_taken_for_a_title():
    writer = Writer()
    writer.page()
    writer.pdf.set_font("Helvetica", size=20)
    for paragraph in PARAGRAPHS[:2]:
        writer.paragraph(paragraph)
    writer.pdf.set_font("Helvetica", size=8)
    writer.paragraph("Footnote: the figures are the Office's own.")

    metadata = extract_pdf(writer.output()).metadata

    assert "title" not in metadata
    assert metadata["title_source"] == "first line"


def test_registry_routes_pdf_files_here():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])

    assert extract("Report.PDF", writer.output()).text == PARAGRAPHS[0]


# ---------------------------------------------------------------------------------------
# Files that cannot become text
# ---------------------------------------------------------------------------------------


def _one_page_pdf() -> bytes:
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    return writer.output()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a pdf at all",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj garbage\n%%EOF\n",
        bytes(range(256)) * 16,
    ],
    ids=["empty", "text", "damaged", "binary"],
)
def test_what_is_not_a_pdf_is_refused_with_a_reason(data):
    with pytest.raises(ExtractionError, match=r"^The file is not a readable PDF: "):
        extract_pdf(data)


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_pdf_is_refused(keep):
    data = _one_page_pdf()
    with pytest.raises(ExtractionError, match=r"^The file is not a readable PDF: "):
        extract_pdf(data[: int(len(data) * keep)])


def test_a_password_protected_pdf_is_refused():
    writer = Writer()
    writer.pdf.set_encryption(owner_password="owner-secret", user_password="reader-secret")
    writer.page()
    writer.paragraph(PARAGRAPHS[0])

    with pytest.raises(ExtractionError, match="password-protected; remove the password"):
        extract_pdf(writer.output())


def _scanned_page(writer: Writer) -> None:
    image = Image.new("L", (600, 800), color=255)
    for y in range(100, 700, 20):  # dark bands, like lines of print in a scan
        image.paste(0, (60, y, 540, y + 6))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    writer.page()
    writer.pdf.image(buffer, x=0, y=0, w=595, h=842)


def test_a_scan_without_text_layer_is_refused_and_ocr_named():
    writer = Writer()
    for _ in range(2):
        _scanned_page(writer)

    with pytest.raises(ExtractionError, match=r"no text layer .* OCR is not supported"):
        extract_pdf(writer.output())


def test_a_scan_with_a_few_stamped_words_is_refused_too():
    writer = Writer()
    for number in range(4):
        _scanned_page(writer)
        writer.pdf.set_font("Helvetica", size=8)
        writer.pdf.text(500, 820, f"p. {number + 1}")

    with pytest.raises(ExtractionError, match=r"almost no text layer .* OCR"):
        extract_pdf(writer.output())


def test_a_mostly_scanned_pdf_with_a_typed_cover_page_is_refused():
    writer = Writer()
    writer.page()
    writer.paragraph(PARAGRAPHS[0])
    for _ in range(3):
        _scanned_page(writer)

    with pytest.raises(ExtractionError, match=r"text on 1 of 4 pages"):
        extract_pdf(writer.output())


# ---------------------------------------------------------------------------------------
# Concurrency
# ---------------------------------------------------------------------------------------


def test_concurrent_extractions_agree():
    writer = Writer()
    for paragraph in PARAGRAPHS:
        writer.page()
        writer.paragraph(paragraph)
    data = writer.output()

    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(lambda _: extract_pdf(data).text, range(8)))

    assert texts == ["\n\n".join(PARAGRAPHS)] * 8
