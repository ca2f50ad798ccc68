"""CoNLL: one token a line with its IOB2 tag, for training sequence taggers.

The layout is CoNLL-2003's, with two tab-separated columns::

    -DOCSTART- -X- O O
    <blank line>
    Police<TAB>O
    detained<TAB>B-detention
    him<TAB>I-detention
    .<TAB>O
    <blank line>

Each document begins with the ``-DOCSTART- -X- O O`` line and a blank line (spaCy's
``convert`` splits documents on that exact line; flair and Hugging Face readers skip lines
that begin with ``-DOCSTART-``); each sentence ends with a blank line. Documents come in the
order given: their ids are not in the file (CoNLL has no place for them), so a caller who
needs them writes a manifest beside it.

Tokens. The agreement page's tokens (``annotator.corpus_agreement.tokens``: a run of letters,
digits and combining marks, or any other single non-space character), except that an emoji
sequence stays one token: a character is joined to the token before it when it is a
combining mark, a variation selector, a skin-tone modifier or a tag character, when it
follows a zero-width joiner (👨‍👩‍👧 is one token, not five), and a regional indicator joins
the one before it to make a flag (🇺🇳). No token contains whitespace, and together the
tokens are exactly the text's non-space characters.

Sentences end after ``.``, ``!``, ``?``, ``؟`` (Arabic question mark) or ``۔`` (Urdu full stop)
followed by whitespace or the end of the text, after ``。``, ``！`` or ``？`` (CJK, which puts no
space after them), and at a blank line, but never inside a span that is written, so that
every span's tags stay in one sentence.

Overlaps. IOB2 gives each token one tag, so overlapping spans cannot all be written. The
spans are taken in order of start, the longer first when two start together; a span that
covers no token (only whitespace) is dropped, and so is a span sharing a token with a span
already kept. A span's tokens are every token it overlaps, so a span that starts or ends
inside a token is widened to whole tokens (``spans_widened`` counts them). ``ConllReport``
says how many spans were written and how many were dropped for each reason, in all and for
each category: nothing is lost silently.

Category codes become tag labels as they are, except that whitespace, which separates
columns for most CoNLL readers, becomes ``_`` (``ConllReport.renamed`` lists such codes).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.corpus_agreement import tokens as agreement_tokens
from annotator.formats.corpus import ExportDocument, check_span

DOCSTART = "-DOCSTART- -X- O O"
SENTENCE_ENDS = frozenset(".!?؟۔")
SENTENCE_ENDS_WITHOUT_SPACE = frozenset("。！？")
ZWJ = "\u200d"
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n|\u2029")
_WHITESPACE = re.compile(r"\s+")

Tokenizer = Callable[[str], Sequence[tuple[int, int]]]
SPAN_OUTCOMES = ("spans_written", "spans_overlapping", "spans_without_tokens", "spans_widened")


@dataclass
class ConllReport:
    """What the export wrote and what it could not."""

    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    spans_written: int = 0
    spans_overlapping: int = 0
    """Dropped: they share a token with a span kept before them."""
    spans_without_tokens: int = 0
    """Dropped: they cover whitespace only."""
    spans_widened: int = 0
    """Written, but they start or end inside a token, so their tags cover whole tokens."""
    renamed: dict[str, str] = field(default_factory=dict)
    """Category codes whose tag label differs from them (whitespace replaced)."""
    categories: dict[str, dict[str, int]] = field(default_factory=dict)
    """The four span counts above for each category code (as the spans have it)."""

    def count(self, category: str, outcome: str) -> None:
        """Count one span of ``category`` under ``outcome``, one of the ``spans_`` fields."""
        setattr(self, outcome, getattr(self, outcome) + 1)
        if category not in self.categories:
            self.categories[category] = dict.fromkeys(SPAN_OUTCOMES, 0)
        self.categories[category][outcome] += 1

    @property
    def spans_dropped(self) -> int:
        """Spans not written, for either reason."""
        return self.spans_overlapping + self.spans_without_tokens

    def as_dict(self) -> dict[str, Any]:
        """The counts (and ``spans_dropped``, and the renamed codes) as JSON-ready data."""
        return {**asdict(self), "spans_dropped": self.spans_dropped}


def conll_tokens(text: str) -> list[tuple[int, int]]:
    """The (start, end) code-point offsets of the text's tokens, emoji sequences whole."""
    starts, ends = agreement_tokens(text)
    merged: list[tuple[int, int]] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if merged and merged[-1][1] == start and _continues(text, merged[-1], start):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _continues(text: str, previous: tuple[int, int], start: int) -> bool:
    """Whether the token at ``start`` continues the grapheme that ends ``previous``."""
    character, before = text[start], text[previous[1] - 1]
    if before == ZWJ or _extends(character):
        return True
    if _regional_indicator(character) and _regional_indicator(before):
        # Flags are pairs: join only if the indicators before this one are an odd run.
        run = 0
        for offset in range(previous[1] - 1, previous[0] - 1, -1):
            if not _regional_indicator(text[offset]):
                break
            run += 1
        return run % 2 == 1
    return False


def _extends(character: str) -> bool:
    point = ord(character)
    return (
        unicodedata.category(character).startswith("M")  # marks, variation selectors, keycap
        or character == ZWJ
        or 0x1F3FB <= point <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= point <= 0xE007F  # tag characters (subdivision flags)
    )


def _regional_indicator(character: str) -> bool:
    return 0x1F1E6 <= ord(character) <= 0x1F1FF


def conll_lines(
    documents: Iterable[ExportDocument],
    *,
    tokenizer: Tokenizer = conll_tokens,
    report: ConllReport | None = None,
) -> Iterator[str]:
    """The CoNLL text of the documents, one line (ending in ``\\n``) at a time.

    ``report``, when given, is filled in as the lines are produced.
    """
    report = report if report is not None else ConllReport()
    for document in documents:
        report.documents += 1
        yield DOCSTART + "\n"
        yield "\n"
        yield from _document_lines(document, tokenizer, report)


def _document_lines(
    document: ExportDocument, tokenizer: Tokenizer, report: ConllReport
) -> Iterator[str]:
    text = document.text
    token_offsets = list(tokenizer(text))
    if not token_offsets:
        for span in document.spans:
            check_span(document, span)
            report.count(span.category, "spans_without_tokens")
        return
    starts = [start for start, _ in token_offsets]
    ends = [end for _, end in token_offsets]
    tags = ["O"] * len(token_offsets)
    # span_of[i] is the index of the kept span tagging token i, so sentences do not split it.
    span_of: list[int | None] = [None] * len(token_offsets)
    ordered = sorted(document.spans, key=lambda span: (span.start, -span.end))
    for number, span in enumerate(ordered):
        check_span(document, span)
        first = bisect_right(ends, span.start)  # the first token ending after the start
        last = bisect_left(starts, span.end) - 1  # the last token starting before the end
        if first > last:
            report.count(span.category, "spans_without_tokens")
            continue
        if any(owner is not None for owner in span_of[first : last + 1]):
            report.count(span.category, "spans_overlapping")
            continue
        label = _label(span.category, report)
        tags[first] = f"B-{label}"
        for index in range(first + 1, last + 1):
            tags[index] = f"I-{label}"
        span_of[first : last + 1] = [number] * (last + 1 - first)
        report.count(span.category, "spans_written")
        if starts[first] != span.start or ends[last] != span.end:
            report.count(span.category, "spans_widened")
    for index, (start, end) in enumerate(token_offsets):
        yield f"{text[start:end]}\t{tags[index]}\n"
        report.tokens += 1
        following = index + 1
        if following == len(token_offsets) or (
            (span_of[index] is None or span_of[index] != span_of[following])
            and _sentence_ends(text, end, starts[following])
        ):
            yield "\n"
            report.sentences += 1


def _sentence_ends(text: str, end: int, next_start: int) -> bool:
    """Whether a sentence ends between the token ending at ``end`` and the next one."""
    last = text[end - 1]
    if last in SENTENCE_ENDS_WITHOUT_SPACE:
        return True
    gap = text[end:next_start]
    if last in SENTENCE_ENDS and gap:  # tokens hold no space: a gap is whitespace
        return True
    return bool(_BLANK_LINE.search(gap))


def _label(category: str, report: ConllReport) -> str:
    label = _WHITESPACE.sub("_", category.strip())
    if label != category:
        report.renamed[category] = label
    return label
