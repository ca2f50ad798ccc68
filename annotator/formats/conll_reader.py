"""Reading CoNLL-2003 / IOB files: a token a line, its tag in the last column.

The layout (https://www.clips.uantwerpen.be/conll2003/ner/, and this product's own CoNLL
export): one token a line, its columns separated by spaces or tabs, the named-entity tag
last; a blank line between sentences; ``-DOCSTART-`` lines between documents. Tags are
IOB2 (``B-X`` begins a span of category ``X``, ``I-X`` continues it, ``O`` is outside); an
``I-X`` that continues nothing begins a span (IOB1, CoNLL-2003's original scheme), and so
do BIOES/BILOU's ``S-``/``U-`` (single) and ``E-``/``L-`` (last), which are read too.

CoNLL keeps tokens, not the text. The text is made by joining a sentence's tokens with
single spaces, one sentence a line (``STEPS`` records this rule with the document); each
token's code-point offsets into that text are kept in the document's metadata
(``token_offsets``), and a span runs from the start of its first token to the end of its
last. Lines beginning with ``#`` whose last column is no tag are comments (CoNLL-U style).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.formats.reading import CorpusLine, CorpusSpan, plural

STEPS = ("conll-tokens-joined-by-single-spaces", "conll-sentences-one-per-line")
DOCSTART = "-DOCSTART-"
_TAG = re.compile(r"^(?:O|[BIESLU]-\S+)$")


class ConllError(ValueError):
    """A file that is not CoNLL; the message says why."""


def _fields(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else line.split()


def is_tag(value: str) -> bool:
    """Whether ``value`` is an IOB (or BIOES) tag: ``O``, ``B-X``, ``I-X``…"""
    return bool(_TAG.match(value))


def looks_like_conll(data: bytes) -> bool:
    """Whether a file (a ``.txt``, say) is CoNLL rather than prose: most of its non-blank
    lines are a token and more columns ending in an IOB tag, or ``-DOCSTART-``."""
    try:
        text = data[:200_000].decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lines = [line for line in text.splitlines() if line.strip()][:2000]
    if len(lines) < 3:
        return False
    tagged = 0
    for line in lines:
        fields = [f for f in _fields(line.strip()) if f]
        if (fields and fields[0] == DOCSTART) or (len(fields) >= 2 and is_tag(fields[-1])):
            tagged += 1
    return tagged >= 0.8 * len(lines)


@dataclass
class _Document:
    first_line: int
    sentences: list[list[tuple[str, str]]] = field(default_factory=list)
    current: list[tuple[str, str]] = field(default_factory=list)
    columns: int = 0
    lines: list[str] = field(default_factory=list)
    """The file's lines of this document, kept as its original."""

    def close_sentence(self) -> None:
        if self.current:
            self.sentences.append(self.current)
            self.current = []


def read_conll(data: bytes) -> Iterator[CorpusLine]:
    """Every document of a CoNLL file, in order, its text made of its tokens (see the module).

    A line that is neither a token with a tag, a blank line, ``-DOCSTART-`` nor a comment
    refuses its document, naming the line.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConllError(f"It is not UTF-8 (byte {error.start}).") from None
    number = 0
    document: _Document | None = None
    problem = ""
    for line_number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        fields = [part for part in _fields(line.strip()) if part]
        if fields and fields[0] == DOCSTART:
            if document is not None:
                number += 1
                yield _finish(number, document, problem)
            document, problem = _Document(line_number + 1), ""
            document.lines.append(line)
            continue
        if document is None:
            document = _Document(line_number)
        document.lines.append(line)
        if not fields:
            document.close_sentence()
            continue
        if len(fields) < 2 or not is_tag(fields[-1]):
            if line.lstrip().startswith("#"):
                continue
            problem = problem or (
                f"line {line_number}: {line.strip()[:60]!r} is not a token followed by its "
                "tag (O, B-…, I-…) in the last column."
            )
            continue
        document.columns = max(document.columns, len(fields))
        document.current.append((fields[0], fields[-1]))
    if document is not None:
        number += 1
        yield _finish(number, document, problem)


def _finish(number: int, document: _Document, problem: str) -> CorpusLine:
    document.close_sentence()
    place = f"document {number} (from line {document.first_line})"
    raw = "\n".join(document.lines).strip("\n").encode("utf-8") + b"\n"
    if problem:
        return CorpusLine(number, raw, place=place, error=f"Document {number}: {problem}")
    if not document.sentences:
        return CorpusLine(number, raw, place=place, error=f"Document {number}: it has no tokens.")
    parts: list[str] = []
    offsets: list[list[int]] = []
    spans: list[CorpusSpan] = []
    iob1 = 0
    position = 0
    for sentence in document.sentences:
        if parts:
            parts.append("\n")
            position += 1
        open_span: list[Any] | None = None  # [start, end, category]
        for index, (token, tag) in enumerate(sentence):
            if index:
                parts.append(" ")
                position += 1
            start, end = position, position + len(token)
            parts.append(token)
            position = end
            offsets.append([start, end])
            prefix, _, category = tag.partition("-")
            continues = (
                open_span is not None and prefix in ("I", "E", "L") and open_span[2] == category
            )
            if continues and open_span is not None:
                open_span[1] = end
            else:
                if open_span is not None:
                    spans.append(CorpusSpan(open_span[0], open_span[1], open_span[2]))
                    open_span = None
                if prefix != "O" or category:
                    if prefix == "I":
                        iob1 += 1
                    open_span = [start, end, category]
            if open_span is not None and prefix in ("E", "L", "S", "U"):
                spans.append(CorpusSpan(open_span[0], open_span[1], open_span[2]))
                open_span = None
        if open_span is not None:
            spans.append(CorpusSpan(open_span[0], open_span[1], open_span[2]))
    text = "".join(parts)
    notes = [f"{plural(len(offsets), 'token')} in {plural(len(document.sentences), 'sentence')}"]
    if iob1:
        notes.append(f"{plural(iob1, 'span')} began with I- (IOB1)")
    return CorpusLine(
        number=number,
        raw=raw,
        text=text,
        metadata={"token_offsets": offsets, "conll_columns": document.columns},
        spans=tuple(
            CorpusSpan(s.start, s.end, s.category, quote=text[s.start : s.end]) for s in spans
        ),
        place=place,
        notes=tuple(notes),
        extractor="conll",
        content_type="text/x-conll",
        steps=STEPS,
    )
