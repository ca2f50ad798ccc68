"""PDF extraction: PDFs made here with fpdf2, laid out line by line as a typesetter would.

Each test builds its own PDF in memory, so the expected text is known exactly: lines are
justified to the column (so only a paragraph's last line is short), paragraphs are set apart
by a blank line or a first-line indent, and running heads, page numbers, margin notes and a
rotated slug sit where real reports put them.
"""

from __future__ import annotations

import datetime
import io
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


class Writer:
    """Lays out pages by hand: justified lines, chosen breaks, heads and feet per page."""

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
        self.decorate: Callable[[int], None] | None = None

    def page(self) -> None:
        self.pdf.add_page()
        self.y = TOP
        if self.decorate is not None:
            self.decorate(self.pdf.page_no())
        self.pdf.set_font(self.family, size=SIZE)

    def wrap(self, text: str, *, indent: float = 0.0) -> list[str]:
        """Greedy line breaking at the column width (the first line shortened by indent)."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            room = self.width - (indent if not lines else 0.0)
            if current and self.pdf.get_string_width(candidate) > room:
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
            natural = sum(self.pdf.get_string_width(word) for word in words)
            space = (self.width - indent - natural) / (len(words) - 1)
            for word in words:
                self.pdf.text(x, self.y, word)
                x += self.pdf.get_string_width(word) + space
        else:
            self.pdf.text(x, self.y, text)
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
# Metadata
# ---------------------------------------------------------------------------------------


def test_metadata_title_author_date_and_versions():
    writer = Writer()
    writer.pdf.set_title("Assessment of human rights concerns")
    writer.pdf.set_author("Office of the High Commissioner")
    writer.page()
    writer.paragraph(PARAGRAPHS[0])

    extraction = extract_pdf(writer.output())

    assert extraction.metadata == {
        "pages": 1,
        "title": "Assessment of human rights concerns",
        "title_source": "metadata",
        "author": "Office of the High Commissioner",
        "published_on": "2022-12-23",
    }
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

    assert extract_pdf(writer.output()).metadata["title"] == TITLE


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
