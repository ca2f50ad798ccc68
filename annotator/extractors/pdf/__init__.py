"""PDF files: the text layer, rebuilt into lines and paragraphs from pdfium's characters.

pdfium (through pypdfium2) gives every character of a page with its box. Its own line
breaking follows the content stream, which interleaves running heads, margin notes and body
text, and it joins the halves of a hyphenated word. So the layout is rebuilt here from the
character boxes; the rules, in order:

1. **Lines.** Characters on one baseline that follow each other in pdfium's order (in either
   direction, so right-to-left text stays in logical order) form a *segment*; a horizontal
   gap of three text heights ends it (a running head's halves are two segments), and so does
   a gap of 0.7 where the text size changes (a line, then the margin note beside it).
   Rotated characters form segments of their own. Where pdfium breaks the line at the end of
   a text object but the next character carries on the same line, a space is only where a
   gap is. A note reference, digits or a note symbol set at most 0.8 of the line's height
   and raised by 0.2 of it ("communities¹", "2018.⁷"), is marked as one, within its segment
   or as a piece of its own beside the line, and does not make the line taller.
2. **Running heads and footers** are left out: a segment in the top or bottom 15 % of the
   page whose text, digits normalised, recurs on at least half of the pages and on at least
   three (or, set smaller than the body text, on both pages of two); rotated text (a
   printer's slug up the margin) that recurs the same way; and, among the two outermost
   lines of a page, a segment that is only a page number ("12", "- 12 -", "Page 12",
   "12 of 45", "xiv") and stands apart from the rest of its line. A number recurring as page
   numbers do is furniture only where it stands apart too (a footnote's number beside its
   text is not), and a recurring text set much larger than it usually is stays: a report's
   title on page 1 that the running head of the other pages repeats. A footnote is never
   furniture, however often it recurs ("9 Ibid."): a line starting with a number that a
   reference in the body of its page carries, and the small lines set tightly under it.
3. **Contents, charts and footnotes** come out of the page before its reading order. A table
   of contents' entry (a line ending in a page number after dot leaders, with the lines of
   its title that wrapped above it) becomes one line, "Introduction — 3"
   (``pdf:table-of-contents``). A chart, found by its numeric axis (evenly stepping bare
   numbers in a column or a row, spread out, beside something drawn and alone on their lines,
   no table's cells beside them in what is drawn around them), loses the bare numbers
   and short labels in the region drawn around it (``pdf:drop-figure-text``; they are kept
   in ``metadata["figures"]``). A page's footnotes, the small lines at its foot under the
   body text that start with a note's number (raised, or on the line after the previous
   note's, under a rule), leave the running text (rule 7).
4. **Reading order** by recursive XY-cut: a vertical gutter splits a block into columns, read
   left to right (right to left on a mostly right-to-left page); otherwise the widest
   horizontal gaps split it, read top to bottom. A narrow, sparse column beside a wide one
   (margin notes) is read just before the paragraph it stands beside.
5. **Paragraphs.** A line starts a new paragraph when
   - the gap above it exceeds the document's usual gap between lines by 0.4 line heights;
   - its text height differs from the previous line's by more than 15 % (a heading);
   - its first word would have fitted at the end of the previous line (which thus ended on
     purpose), or the previous line ends in punctuation short of a justified column's end;
   - it is indented from the previous line (which ends in punctuation) and the next line is
     not level with it: a first-line indent, where a hanging indent would continue;
   - it starts further out than the previous line, itself not a paragraph's first line:
     the next item of a hanging list;
   - it is level with the previous line but the next line starts further out than any line
     of the paragraph so far: this line is an indented first line (nested legal clauses);
   - it is, or follows, a table of contents' entry.
6. **Line ends.** Lines of a paragraph are joined with a space (none between Chinese or
   Japanese characters). A line ending with a hyphen after a letter or digit is joined
   without a space; the hyphen is dropped (``pdf:dehyphenate``) when the next line starts
   with a lower-case letter, unless the document spells the word with its hyphen at least
   as often as without ("self-" and "determination" stay "self-determination"), or, where
   the document spells it neither way, the halves make a compound: a second half such as
   "level", "based", "related", "led" or one that ends another compound of the document
   ("county-level" keeps "provincial-" "level"), two words of the document's language whose
   join is no word of it (wordfreq's lists: "Uyghur-" "majority", "forced-" "labour"; a
   name's syllables "Tur-" "sun" are too short to count), a first half "self", "non",
   "quasi" or one that starts another compound and is followed by no suffix. pdfium's
   hyphen markers (U+0002, U+FFFE) and visible soft hyphens count as hyphens
   (``pdf:hyphen-markers`` when one stays).
7. **Pages** are joined with a blank line, or with a single ``"\\n"`` when the page's last
   paragraph runs on: it does not end a sentence, and the next page starts in lower case, or
   with a digit after a lower-case word or a comma, or in upper case when the last line runs
   to its column's end without ending a sentence and the next page's first line is the same
   size and not indented. A word hyphenated across the page break is completed on the page
   where it began. Each page start is thus 0 or follows a ``"\\n"``; an empty page starts
   where the next page begins (a last empty page, at the end of the text, which then ends
   with ``"\\n"``). The footnotes follow the body, under a heading "Notes", each one
   paragraph starting with its number ("8 OHCHR, …"; ``pdf:footnotes-to-end``), and every
   note reference is written as its number in brackets right after what it follows
   ("communities[8]", "2018.[7]"; ``pdf:note-references``), so that it is never taken for
   part of a word or a number and tokenises on its own. ``metadata["notes"]`` links each
   note to its reference: ``{"number": "8", "page": 3, "reference": [start, end], "note":
   [start, end]}``, offsets into the text (the importer maps them to the canonical text as it
   maps the page starts); a reference without a note has ``"note": None``.

Ligatures (U+FB00 to U+FB06) are spelled out (``pdf:ligatures``). pdfium is not thread-safe,
so every call into it holds one module-level lock; the layout work runs outside it.

The title is the metadata's, unless ``is_placeholder_title`` says it is a placeholder or a
file name; then it is the largest text on page 1 (``metadata.title_from_largest_text``);
failing that, the document takes its first line. ``metadata["title_source"]`` says which.
The file's own dates are ``metadata["pdf_created"]`` and ``metadata["pdf_modified"]``: when
the file was made, not when the document was published.

One module per stage, in the order ``extractor.extract_pdf`` runs them: ``reading`` (pdfium's
characters into segments, rule 1), ``furniture`` (rule 2), ``contents``, ``figures`` and
``notes`` (rule 3), ``layout`` (rule 4), ``paragraphs`` (rule 5), ``assembly`` (rules 6 and
7) and ``metadata`` (the title, author and the file's dates); ``model`` holds the pieces
they pass on.
"""

from annotator.extractors.pdf.extractor import EXTRACTOR, expand_ligatures, extract_pdf
from annotator.extractors.pdf.metadata import (
    TITLE_FROM_FIRST_LINE,
    TITLE_FROM_LARGEST_TEXT,
    TITLE_FROM_METADATA,
    is_placeholder_title,
)
from annotator.extractors.pdf.model import (
    STEP_DEHYPHENATE,
    STEP_DROP_CONTROL_CHARACTERS,
    STEP_DROP_FIGURE_TEXT,
    STEP_DROP_PAGE_NUMBERS,
    STEP_DROP_RUNNING_HEADERS,
    STEP_FOOTNOTES_TO_END,
    STEP_HYPHEN_MARKERS,
    STEP_LIGATURES,
    STEP_NOTE_REFERENCES,
    STEP_TABLE_OF_CONTENTS,
)

__all__ = [
    "EXTRACTOR",
    "STEP_DEHYPHENATE",
    "STEP_DROP_CONTROL_CHARACTERS",
    "STEP_DROP_FIGURE_TEXT",
    "STEP_DROP_PAGE_NUMBERS",
    "STEP_DROP_RUNNING_HEADERS",
    "STEP_FOOTNOTES_TO_END",
    "STEP_HYPHEN_MARKERS",
    "STEP_LIGATURES",
    "STEP_NOTE_REFERENCES",
    "STEP_TABLE_OF_CONTENTS",
    "TITLE_FROM_FIRST_LINE",
    "TITLE_FROM_LARGEST_TEXT",
    "TITLE_FROM_METADATA",
    "expand_ligatures",
    "extract_pdf",
    "is_placeholder_title",
]
