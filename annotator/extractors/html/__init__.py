"""HTML files: the main content of a saved web page as paragraphs, faithful to the source.

Trafilatura decides *which* parts of the page are the main content (it is good at dropping
navigation, teasers and footers), but its text is not used as is: it folds non-breaking
spaces into spaces, deletes format characters such as the zero-width non-joiner (part of
Persian and Kurdish spelling), the joiner inside emoji sequences and the directional marks
of right-to-left text, and on pages made of several ``<article>`` elements it can return
paragraphs out of order. So the page is first read into blocks of its own text (a
paragraph, heading, list item or table row each), and a block is kept when trafilatura's
output covers it. The text is therefore always the page's own characters in the page's
order, with one blank line between paragraphs.

Nothing in a document is executed or fetched: the bytes are parsed here, and trafilatura
and htmldate only ever receive the parsed tree (htmldate downloads a *string* that looks
like a URL).

One module per stage, in the order ``extractor.extract_html`` runs them: ``decoding`` (the
bytes to text, as a browser chooses the encoding, and the parsed tree), ``blocks`` (the
page's own text as blocks), ``main_content`` (which blocks trafilatura's output covers) and
``metadata`` (title, author, date, canonical URL, language and direction).
"""

from annotator.extractors.html.blocks import TABLE_CELL_SEPARATOR
from annotator.extractors.html.extractor import CONTENT_TYPE, extract_html

__all__ = ["CONTENT_TYPE", "TABLE_CELL_SEPARATOR", "extract_html"]
