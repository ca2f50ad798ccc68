"""PDF files: the text layer, rebuilt into lines and paragraphs from pdfium's characters.

pdfium (through pypdfium2) gives every character of a page with its box. Its own line
breaking follows the content stream, which interleaves running heads, margin notes and body
text, and it joins the halves of a hyphenated word. So the layout is rebuilt here from the
character boxes; the rules, in order:

1. **Lines.** Characters on one baseline that follow each other in pdfium's order (in either
   direction, so right-to-left text stays in logical order) form a *segment*; a horizontal
   gap of three text heights ends it (a running head's halves are two segments), and so does
   a gap of 0.7 where the text size changes (a line, then the margin note beside it).
   Rotated characters form segments of their own.
2. **Running heads and footers** are left out: a segment in the top or bottom 15 % of the
   page whose text, digits normalised, recurs on at least half of the pages and on at least
   three; rotated text (a printer's slug up the margin) that recurs the same way; and, among
   the two outermost lines of a page, a segment that is only a page number ("12", "- 12 -",
   "Page 12", "12 of 45", "xiv").
3. **Reading order** by recursive XY-cut: a vertical gutter splits a block into columns, read
   left to right (right to left on a mostly right-to-left page); otherwise the widest
   horizontal gaps split it, read top to bottom. A narrow, sparse column beside a wide one
   (margin notes) is read just before the paragraph it stands beside.
4. **Paragraphs.** A line starts a new paragraph when
   - the gap above it exceeds the document's usual gap between lines by 0.4 line heights;
   - its text height differs from the previous line's by more than 15 % (a heading);
   - its first word would have fitted at the end of the previous line (which thus ended on
     purpose), or the previous line ends in punctuation short of a justified column's end;
   - it is indented from the previous line (which ends in punctuation) and the next line is
     not level with it: a first-line indent, where a hanging indent would continue;
   - it starts further out than the previous line, itself not a paragraph's first line:
     the next item of a hanging list;
   - it is level with the previous line but the next line starts further out than any line
     of the paragraph so far: this line is an indented first line (nested legal clauses).
5. **Line ends.** Lines of a paragraph are joined with a space (none between Chinese or
   Japanese characters). A line ending with a hyphen after a letter or digit is joined
   without a space; the hyphen is dropped (``pdf:dehyphenate``) when the next line starts
   with a lower-case letter, unless the hyphenated form occurs elsewhere in the document
   more often than the joined one ("self-" and "determination" stay "self-determination").
   pdfium's hyphen markers (U+0002, U+FFFE) and visible soft hyphens count as hyphens
   (``pdf:hyphen-markers`` when one stays).
6. **Pages** are joined with a blank line, or with a single ``"\\n"`` when the page's last
   paragraph runs on: it does not end a sentence, and the next page starts in lower case, or
   with a digit after a lower-case word or a comma. A word hyphenated across the page break
   is completed on the page where it began. Each page start is thus 0 or follows a
   ``"\\n"``; an empty page starts where the next page begins (a last empty page, at the
   end of the text, which then ends with ``"\\n"``).

Ligatures (U+FB00 to U+FB06) are spelled out (``pdf:ligatures``). pdfium is not thread-safe,
so every call into it holds one module-level lock; the layout work runs outside it.

The title is the metadata's, unless ``is_placeholder_title`` says it is a placeholder or a
file name; then it is the largest text on page 1 (``metadata.title_from_largest_text``);
failing that, the document takes its first line. ``metadata["title_source"]`` says which.

One module per stage, in the order ``extractor.extract_pdf`` runs them: ``reading`` (pdfium's
characters into segments, rule 1), ``furniture`` (rule 2), ``layout`` (rule 3),
``paragraphs`` (rule 4), ``assembly`` (rules 5 and 6) and ``metadata`` (the title, author and
date); ``model`` holds the pieces they pass on.
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
    STEP_DROP_PAGE_NUMBERS,
    STEP_DROP_RUNNING_HEADERS,
    STEP_HYPHEN_MARKERS,
    STEP_LIGATURES,
)

__all__ = [
    "EXTRACTOR",
    "STEP_DEHYPHENATE",
    "STEP_DROP_CONTROL_CHARACTERS",
    "STEP_DROP_PAGE_NUMBERS",
    "STEP_DROP_RUNNING_HEADERS",
    "STEP_HYPHEN_MARKERS",
    "STEP_LIGATURES",
    "TITLE_FROM_FIRST_LINE",
    "TITLE_FROM_LARGEST_TEXT",
    "TITLE_FROM_METADATA",
    "expand_ligatures",
    "extract_pdf",
    "is_placeholder_title",
]
