"""JSONL corpora: one document a line, its spans in a layer named after the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from annotator import __version__
from annotator.extractors import Extraction
from annotator.formats.jsonl import CorpusLine, read_jsonl
from annotator.services.documents import NewDocument, NewSpan
from annotator.services.importing.report import FileResult, Ready, SourceFile, failed
from annotator.text import canonical_offsets, canonicalize


def corpus(source: SourceFile) -> Iterator[FileResult | Ready]:
    layer = f"import: {PurePath(source.name).name}"
    lines = 0
    for line in read_jsonl(source.data):
        lines += 1
        name = f"{source.name}, line {line.number}"
        if line.error:
            yield failed(name, line.error)
            continue
        try:
            yield Ready(name, corpus_document(source, line, layer))
        except ValueError as error:
            yield failed(name, f"Line {line.number}: {error}")
    if not lines:
        yield failed(source.name, "The corpus holds no line with a document.")


def corpus_document(source: SourceFile, line: CorpusLine, layer: str) -> NewDocument:
    """One line of a corpus as a document, its spans moved to the canonical text's offsets."""
    canonical = canonicalize(line.text)
    if line.text_sha256 and line.text_sha256 != canonical.sha256:
        raise ValueError(
            "its text_sha256 does not match its text: the text changed since it was exported."
        )
    bounds = [offset for span in line.spans for offset in (span.start, span.end)]
    mapped = canonical_offsets(line.text, bounds) if canonical.steps else bounds
    spans = []
    for index, span in enumerate(line.spans):
        start, end = mapped[2 * index], mapped[2 * index + 1]
        if end <= start:
            raise ValueError(
                f"span {index + 1} ({span.start}-{span.end}) covers only characters that "
                "normalisation removes (a byte-order mark or NUL), so nothing is left of it."
            )
        if canonicalize(line.text[span.start : span.end]).text != canonical.text[start:end]:
            raise ValueError(
                f"span {index + 1} ({span.start}-{span.end}) splits a character from its "
                "accents or a line ending, so it cannot be placed exactly in the normalised text."
            )
        spans.append(NewSpan(start, end, span.category, span.note, span.attributes))
    extraction = Extraction(
        text=line.text,
        extractor="jsonl",
        extractor_version=f"annotator {__version__}",
        content_type="application/jsonl",
        metadata={"title": line.metadata.get("title", "")},
    )
    return NewDocument(
        filename=source.name,
        data=line.raw,
        extraction=extraction,
        canonical=canonical,
        metadata={**source.metadata, **line.metadata, "source_line": line.number},
        spans=tuple(spans),
        layer=layer,
    )
