"""Corpora from the tools researchers use: each document with its spans in layers named after
the file, whatever the format.

The readers (``annotator.formats``: jsonl, labelstudio, brat_reader, conll_reader,
webanno, xmi, w3c_reader) give ``CorpusLine`` records; here each becomes a ``NewDocument``,
its spans mapped through canonicalisation (``canonical_offsets``) and checked against their
quote, grouped in imported layers: ``import: <file>``, and ``import: <file> (annotator 3)``
for each of a file's own layers (Label Studio's annotators), each layer with the relations
between its spans (``services.importing.relations``). Which reader reads a file is
decided by its suffix and, where a suffix says too little (``.json``, ``.txt``), by its
content.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any

from django.db.models import Q

from annotator import __version__
from annotator.extractors import Extraction
from annotator.formats.brat_reader import BratError, annotation_conf_categories, read_brat
from annotator.formats.companions import TYPESYSTEM
from annotator.formats.conll_reader import ConllError, looks_like_conll, read_conll
from annotator.formats.jsonl import read_jsonl
from annotator.formats.labelstudio import label_studio_shape, read_label_studio
from annotator.formats.reading import (
    CODE_POINTS,
    LONE_SURROGATE,
    AnchorError,
    CorpusLine,
    anchor,
    anchoring_notes,
)
from annotator.formats.w3c_reader import W3CTarget, is_w3c, read_w3c
from annotator.formats.webanno import is_webanno_tsv, read_webanno_tsv
from annotator.formats.xmi import read_xmi
from annotator.models import Document
from annotator.services.documents import NewDocument, NewSpan, file_name
from annotator.services.importing.relations import layer_relations
from annotator.services.importing.report import (
    Context,
    FileResult,
    ImportedLayer,
    Outcome,
    Ready,
    SourceFile,
    failed,
)
from annotator.text import canonical_offsets, canonicalize, has_astral, sha256_hex

JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSON_SUFFIXES = (".json", ".jsonld")
CONLL_SUFFIXES = (".conll", ".conll03", ".iob", ".bio")
BRAT_CONFIGURATION = "annotation.conf"
BRAT_DISPLAY = ("visual.conf", "tools.conf", "kb_shortcuts.conf")
# Where a W3C target names a document of this product: urn:annotator:<project>:document:<id>.
_OWN_IRI = "urn:annotator:{slug}:document:"
_HASH_IRI = "urn:sha256:"


def corpus(source: SourceFile, context: Context | None = None) -> Iterator[FileResult | Ready]:
    """What a corpus file (or a file read with its companions) holds: a row per document."""
    name = PurePath(source.name).name
    lowered = name.lower()
    suffix = PurePath(lowered).suffix
    if lowered == BRAT_CONFIGURATION:
        yield from _brat_configuration(source, context)
    elif lowered in BRAT_DISPLAY:
        yield FileResult(
            source.name, Outcome.NOTE, "brat's display settings: nothing in it to import."
        )
    elif lowered == TYPESYSTEM:
        yield FileResult(
            source.name,
            Outcome.NOTE,
            "A UIMA type system: read with the XMI files beside it, nothing to import alone.",
        )
    elif "ann" in source.companions:
        ann = _ann_name(source)
        line = read_brat(
            source.data, source.companions["ann"], name=ann, offset_unit=source.offset_unit
        )
        yield from documents(source, [line], layer_file=PurePath(ann).name, single=True)
    elif suffix == ".ann":
        yield failed(
            source.name,
            f"brat annotations without their text: import {PurePath(name).stem}.txt with it "
            "(in one upload, or in one ZIP).",
        )
    elif suffix == ".xmi":
        typesystem = source.companions.get(TYPESYSTEM)
        if typesystem is None:
            yield failed(
                source.name,
                "UIMA XMI is read with the type system it was written with: import it with its "
                "TypeSystem.xml (INCEpTION's export ZIP holds both).",
            )
        else:
            line = read_xmi(source.data, typesystem, name=name)
            yield from documents(source, [line], single=True)
    elif suffix == ".tsv":
        if not is_webanno_tsv(source.data):
            yield failed(
                source.name,
                'Of tab-separated files only WebAnno TSV 3 (first line "#FORMAT=WebAnno TSV '
                '3.x") can be imported.',
            )
        else:
            line = read_webanno_tsv(source.data, name=name, offset_unit=source.offset_unit)
            yield from documents(source, [line], single=True)
    elif suffix in CONLL_SUFFIXES or suffix == ".txt":
        try:
            yield from documents(source, read_conll(source.data))
        except ConllError as error:
            yield failed(source.name, str(error))
    elif suffix in JSON_SUFFIXES:
        yield from _json(source, context)
    else:
        yield from documents(source, read_jsonl(source.data, offset_unit=source.offset_unit))


@functools.lru_cache(maxsize=4)
def _file_sha256(data: bytes) -> str:
    """The SHA-256 of a corpus file: hashed once for all the documents it holds."""
    return sha256_hex(data)


def is_conll_text(source: SourceFile) -> bool:
    """Whether a ``.txt`` is CoNLL (a token and its tag a line), to be read as such."""
    return PurePath(source.name).suffix.lower() == ".txt" and looks_like_conll(source.data)


def _ann_name(source: SourceFile) -> str:
    return str(PurePath(source.name).with_suffix(".ann"))


def documents(
    source: SourceFile,
    lines: Iterable[CorpusLine],
    *,
    layer_file: str = "",
    single: bool = False,
) -> Iterator[FileResult | Ready]:
    """The documents of a corpus file's lines, or why each is refused, in order.

    ``single`` for formats of one document a file (brat, WebAnno TSV, XMI): its row is the
    file's. Layers are named after ``layer_file`` (the file's name by default).
    """
    layer = f"import: {layer_file or PurePath(source.name).name}"
    count = 0
    for line in lines:
        count += 1
        name = source.name if single else f"{source.name}, {line.place or f'line {line.number}'}"
        if line.error:
            yield failed(name, line.error)
            continue
        try:
            yield corpus_document(source, line, layer, name=name)
        except ValueError as error:
            where = line.place or f"line {line.number}"
            prefix = "" if single else f"{where[:1].upper()}{where[1:]}: "
            yield failed(name, f"{prefix}{error}")
    if not count:
        yield failed(source.name, "The corpus holds no line with a document.")


def corpus_document(source: SourceFile, line: CorpusLine, layer: str, *, name: str = "") -> Ready:
    """One document of a corpus, its spans moved to the canonical text's offsets and grouped
    into layers (``layer``, and ``layer (sub-layer)`` for each of the file's own)."""
    try:  # hashing the text encodes it, and a lone surrogate cannot be encoded
        canonical = canonicalize(line.text)
    except UnicodeEncodeError:
        raise ValueError(f"its text contains {LONE_SURROGATE}.") from None
    if line.text_sha256 and line.text_sha256 != canonical.sha256:
        raise ValueError(
            "its text_sha256 does not match its text: the text changed since it was exported."
        )
    bounds = [offset for span in line.spans for offset in (span.start, span.end)]
    mapped = canonical_offsets(line.text, bounds) if canonical.steps else bounds
    layers: dict[str, list[NewSpan]] = {}
    places: list[tuple[str, int]] = []  # each span's layer, and its index there
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
        named = f"{layer} ({span.layer})" if span.layer else layer
        layers.setdefault(named, []).append(
            NewSpan(start, end, span.category, span.note, span.attributes)
        )
        places.append((named, len(layers[named]) - 1))
    relations, relation_notes = layer_relations(line.relations, places, layers)
    extraction = Extraction(
        text=line.text,
        extractor=line.extractor,
        extractor_version=f"annotator {__version__}",
        content_type=line.content_type,
        steps=line.steps,
        metadata={"title": line.metadata.get("title", "")},
    )
    metadata: dict[str, Any] = {**source.metadata, **line.metadata}
    if line.number:
        metadata["source_line" if line.extractor == "jsonl" else "source_item"] = line.number
    if line.bytes_at is not None:
        metadata["source_bytes"] = list(line.bytes_at)
    if line.offset_unit:
        metadata["offset_unit"] = line.offset_unit
        metadata["offset_unit_source"] = line.offset_unit_source
    for key, value in source.companions.items():
        metadata.setdefault("read_with", {})[key] = sha256_hex(value)
    groups = [(named, tuple(spans)) for named, spans in layers.items()] or [(layer, ())]
    (first, first_spans), *rest = groups
    # The original of each document is the file it came from, kept once for all of them:
    # its bytes exactly as they came, where a reader's record (a Label Studio task) is
    # written anew; which part of it is the document's, its metadata says.
    new = NewDocument(
        filename=file_name(source.name),
        data=source.data,
        data_sha256=_file_sha256(source.data),
        extraction=extraction,
        canonical=canonical,
        metadata=metadata,
        spans=first_spans,
        layer=first,
    )
    return Ready(
        name or source.name,
        new,
        more_layers=tuple(
            ImportedLayer(named, spans, relations.get(named, ())) for named, spans in rest
        ),
        notes=(*line.notes, *relation_notes),
        relations=relations.get(first, ()),
    )


# --- .json: Label Studio or W3C Web Annotation ------------------------------------------


def _json(source: SourceFile, context: Context | None) -> Iterator[FileResult | Ready]:
    try:
        value = json.loads(source.data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        yield failed(source.name, f"It is not UTF-8 (byte {error.start}).")
        return
    except json.JSONDecodeError as error:
        yield failed(
            source.name,
            f"It is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}).",
        )
        return
    if label_studio_shape(value):
        yield from documents(source, read_label_studio(value, offset_unit=source.offset_unit))
    elif is_w3c(value):
        yield from _w3c(source, value, context)
    else:
        yield failed(
            source.name,
            "This JSON file cannot be imported: it is neither a Label Studio export (a list of "
            'tasks with "data" and "annotations" or "predictions", or JSON-MIN rows with '
            "labelled regions) nor W3C "
            "Web Annotations (an AnnotationCollection, AnnotationPage or Annotation): nothing "
            "of it was imported. A corpus of one document a line is JSON Lines (.jsonl).",
        )


def _w3c(source: SourceFile, value: Any, context: Context | None) -> Iterator[FileResult | Ready]:
    targets = read_w3c(value)
    known = _w3c_documents(targets, context)
    layer = f"import: {PurePath(source.name).name}"
    for target in targets:
        for error in target.errors:
            yield failed(f"{source.name}, {error.split(':', 1)[0].lower()}", error)
        if not target.spans:
            continue
        name = f"{source.name}, the annotations of {target.source}"
        text = target.text
        document = known.get(target.source)
        if text is None and document is not None:
            text = document.text
        if text is None:
            yield failed(
                name,
                f"No document of this project is {target.source}, and the file does not hold "
                "its text: Web Annotations point at a text, so import the document first. "
                "A target is matched by this product's IRI (urn:annotator:<project>:document:"
                "<id>), the document's source URL, or urn:sha256:<its text's SHA-256>.",
            )
            continue
        try:
            anchored = anchor(text, target.spans, default=CODE_POINTS)
        except AnchorError as error:
            yield failed(name, str(error))
            continue
        metadata: dict[str, Any] = {"source_iri": target.source}
        if target.language:
            metadata["language"] = target.language
        if target.direction in ("ltr", "rtl", "auto"):
            metadata["direction"] = target.direction
        try:
            raw = (
                json.dumps({"source": target.source, "text": text}, ensure_ascii=False).encode()
                if document is None
                else source.data
            )
        except UnicodeEncodeError:  # JSON's escapes can make a lone surrogate, not text
            yield failed(name, f"Its text contains {LONE_SURROGATE}.")
            continue
        line = CorpusLine(
            number=0,
            raw=raw,
            text=text,
            metadata=metadata if document is None else {},
            spans=anchored.spans,
            offset_unit=anchored.unit,
            offset_unit_source=anchored.unit_source,
            notes=anchoring_notes(anchored, has_astral(text)),
            extractor="w3c-web-annotation",
            content_type="application/ld+json",
        )
        try:
            yield corpus_document(source, line, layer, name=name)
        except ValueError as error:
            yield failed(name, str(error))


def _w3c_documents(targets: list[W3CTarget], context: Context | None) -> dict[str, Document]:
    """The project's documents the targets without a text of their own name, by source."""
    if context is None:
        return {}
    project = context.project
    own = _OWN_IRI.format(slug=project.slug)
    ids: dict[int, str] = {}
    hashes: dict[str, str] = {}
    urls: list[str] = []
    for target in targets:
        if target.text is not None or not target.source:
            continue
        if target.source.startswith(own) and target.source[len(own) :].isdigit():
            ids[int(target.source[len(own) :])] = target.source
        elif target.source.startswith(_HASH_IRI):
            hashes[target.source[len(_HASH_IRI) :].lower()] = target.source
        else:
            urls.append(target.source)
    if not (ids or hashes or urls):
        return {}
    found: dict[str, Document] = {}
    rows = (
        Document.objects.filter(project=project)
        .filter(
            Q(pk__in=[i for i in ids if i < 2**63])
            | Q(text_sha256__in=hashes)
            | Q(source_url__in=urls)
        )
        .only("pk", "text", "text_sha256", "source_url")
    )
    for document in rows:
        for key in (ids.get(document.pk), hashes.get(document.text_sha256)):
            if key:
                found[key] = document
        if document.source_url in urls:
            found.setdefault(document.source_url, document)
    return found


# --- brat's annotation.conf ---------------------------------------------------------------


def _brat_configuration(
    source: SourceFile, context: Context | None
) -> Iterator[FileResult | Ready]:
    from annotator.services.importing.bundles import taxonomy_offer

    try:
        categories = annotation_conf_categories(source.data)
    except BratError as error:
        yield failed(source.name, f"It is not a brat configuration that can be read: {error}")
        return
    if context is None:
        yield FileResult(source.name, Outcome.NOTE, "brat's configuration.")
        return
    yield taxonomy_offer(source.name, {"categories": categories}, context)
