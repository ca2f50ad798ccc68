"""spaCy's binary training format: a ``DocBin`` of the documents and their spans.

spaCy is optional (``pip install 'annotator[spacy]'``); nothing here imports it until a
DocBin is asked for, and then ``RuntimeError(SPACY_MISSING)`` says how to install it.

Each document becomes a ``Doc`` made by a blank pipeline (no model is downloaded): its
language's where spaCy has one needing nothing more for a script the multi-language
tokenizer cannot split (Chinese, ``spacy.blank("zh")``, which segments characters), else
``spacy.blank("xx")``, spaCy's multi-language tokenizer, whose tokens in scripts written
without spaces (Han, kana, Thai…) are split into characters, so that spans in them stay
exact (``pipeline_language``). spaCy's character offsets
are Python string indices, that is Unicode code points, the unit of this product's offsets.

- Every span goes into ``doc.spans["sc"]`` (the span group spaCy's ``spancat`` trains on by
  default), overlapping spans included, labelled with its category code. spaCy spans are
  made of whole tokens: a span whose boundaries fall inside a token (a word half marked, or
  a family emoji that the tokenizer splits into people and joiners) is widened to the
  tokens it touches (``alignment_mode="expand"``) and counted in ``expanded``; a span that
  no run of tokens covers (whitespace that belongs to no token, or only part of a
  whitespace token) is counted in ``not_aligned`` and left out.
- ``doc.ents`` (for ``ner``) cannot overlap, so it gets the longest spans first (in tokens;
  the earlier when two are as long), each span that shares a token with one already chosen
  left out and counted in ``not_in_entities``; ``entities`` counts those chosen.
- ``doc.user_data`` keeps the document's ``id``, ``title``, ``text_sha256`` and
  ``language``, and under ``spans`` every span as exported (exact code-point ``start`` and
  ``end``, ``category``, ``layer``, ``reviewer``, ``note``, ``attributes``), so the exact
  offsets survive the widening. The DocBin is written with ``store_user_data=True``.

Memory. A ``.spacy`` file is one DocBin serialised whole (msgpack, then zlib): it cannot be
appended to, and ``DocBin.from_bytes`` on two of them end to end silently reads the first
only. So one DocBin is built, and what it holds is kept as small as spaCy allows:

- A DocBin keeps arrays (token attributes, span groups and user data as bytes), not Docs:
  each Doc is added as soon as it is made, then released.
- The blank pipeline is made afresh every ``BATCH_SIZE`` documents: its vocabulary and its
  tokenizer's cache grow with every new word, and would otherwise hold the whole corpus's.
  Token attributes are stored as hashes of their strings, so the file is the same.
- ``DocBin.to_bytes`` stacks every document's arrays into one, copies that into bytes, packs
  everything into one msgpack buffer and compresses that buffer: some five times the
  DocBin's size at once. ``docbin_chunks`` writes the same bytes (a test holds them equal)
  field by field, each document's arrays and each list item in turn, into one zlib stream.

Peak memory is thus the DocBin's arrays, one batch's vocabulary and the compressed file
(twice while its pieces are joined); it still grows with the corpus, by about 100 bytes a
token (13 attributes of 8 bytes) and the spans' and user data's bytes, since the file can
only be written once everything is in.
"""

from __future__ import annotations

import importlib.util
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from annotator.formats.corpus import ExportDocument, ExportSpan, check_span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, DocBin, Span

SPACY_MISSING = (
    "spaCy is not installed: pip install 'annotator[spacy]' (or pip install 'spacy>=3.7')."
)
SPAN_KEY = "sc"
STATISTICS = ("documents", "spans", "entities", "expanded", "not_aligned", "not_in_entities")
# The statistics counted for each category as well.
SPAN_STATISTICS = ("spans", "entities", "expanded", "not_aligned", "not_in_entities")
# Documents made with one blank pipeline before the next is made (see "Memory" above).
BATCH_SIZE = 500
# List items (strings, user data) packed together before they are compressed.
_PACKED_ITEMS = 1000


def spacy_available() -> bool:
    """Whether spaCy can be imported."""
    return importlib.util.find_spec("spacy") is not None


def docbin_bytes(
    documents: Iterable[ExportDocument], *, language: str = "", batch_size: int = BATCH_SIZE
) -> tuple[bytes, dict[str, Any]]:
    """The documents as one serialised DocBin, with counts of what was done to the spans.

    The counts are ``documents``, ``spans`` (written to ``doc.spans["sc"]``), ``entities``
    (written to ``doc.ents``), ``expanded`` (widened to whole tokens), ``not_aligned`` (left
    out: no token) and ``not_in_entities`` (in the span group but not in ``doc.ents``,
    because they overlap a longer one); ``categories`` has the counts but ``documents`` for
    each category code. Each document is tokenized as ``pipeline_language`` says for its
    language (``language`` for every document, when given). Fresh blank pipelines tokenize
    each ``batch_size`` documents; the bytes do not depend on it.
    """
    _blank("xx")  # spaCy missing: say so before reading any document
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=True)
    statistics = _Statistics()
    pipelines: dict[str, Language] = {}
    for index, document in enumerate(documents):
        if index and index % batch_size == 0:
            pipelines.clear()
        code = pipeline_language(language or document.language)
        if code not in pipelines:
            pipelines[code] = _blank(code)
        split = None if code in NATIVE_PIPELINES else _SPLIT.get(code, _CONTINUOUS_SCRIPTS)
        docbin.add(_doc(pipelines[code], document, statistics, split))
    pipelines.clear()  # the last batch's vocabularies are not needed to write the file
    return b"".join(docbin_chunks(docbin)), statistics.as_dict()


# Languages whose text the multi-language tokenizer cannot split, because they are written
# without spaces between words, and the blank pipeline spaCy has for them without anything
# more to install: Chinese ("zh", which segments characters unless told to use jieba or
# pkuseg). Japanese needs SudachiPy and its dictionary, Thai PyThaiNLP, Korean mecab-ko,
# Vietnamese pyvi: none is a dependency here, so those documents get the multi-language
# tokenizer and the character-level fallback below.
NATIVE_PIPELINES = ("zh",)
# Scripts written without spaces between words: Han (with CJK Extension B and beyond), kana,
# Thai, Lao, Khmer and Myanmar. A token of the multi-language tokenizer holding them is split
# into characters (the runs of other characters kept whole), so that a span over part of a
# run is exact, not widened to the whole run. Hangul too, in Korean documents.
_CONTINUOUS = (
    "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # kana
    "\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f"  # Thai, Lao, Khmer, Myanmar
)
_CONTINUOUS_SCRIPTS = re.compile(f"[{_CONTINUOUS}]")
_SPLIT = {"xx-ko": re.compile(f"[{_CONTINUOUS}\uac00-\ud7af]")}


def pipeline_language(language: str) -> str:
    """The blank pipeline a document of ``language`` (a BCP 47 tag) is tokenized with: its
    own where spaCy has one that needs nothing more (``NATIVE_PIPELINES``), else the
    multi-language ``xx`` (with the character-level fallback for ``ko``: ``xx-ko``)."""
    primary = (language or "").split("-", 1)[0].lower()
    if primary in NATIVE_PIPELINES:
        return primary
    return "xx-ko" if primary == "ko" else "xx"


def docbin_chunks(docbin: DocBin) -> Iterator[bytes]:
    """The bytes of ``docbin.to_bytes()``, compressed piece by piece as they are packed.

    The msgpack map is the one ``DocBin.to_bytes`` packs (its keys, in its order; the layout
    DocBin's docstring documents), but each document's token and space arrays and each item
    of the long lists go into the zlib stream one at a time, instead of all of them stacked,
    copied and packed into one buffer first. A test holds the bytes equal to ``to_bytes()``'s
    with the installed spaCy, so that a release that changes the layout fails it rather than
    writing another file.
    """
    import srsly  # type: ignore[import-untyped]

    packer = srsly.msgpack.Packer(use_bin_type=True)  # as srsly.msgpack_dumps packs
    compressor = zlib.compressobj()
    fields: dict[str, Any] = {
        "version": docbin.version,
        "attrs": docbin.attrs,
        "tokens": docbin.tokens,
        "spaces": docbin.spaces,
        "lengths": np.asarray([len(tokens) for tokens in docbin.tokens], "int32").tobytes("C"),
        "strings": sorted(docbin.strings),
        "cats": docbin.cats,
        "flags": docbin.flags,
        "span_groups": docbin.span_groups,
    }
    if docbin.store_user_data:
        fields["user_data"] = docbin.user_data
    yield compressor.compress(packer.pack_map_header(len(fields)))
    for key, value in fields.items():
        yield compressor.compress(packer.pack(key))
        if key in ("tokens", "spaces"):
            # to_bytes writes numpy.vstack(arrays).tobytes("C"): the arrays' bytes in turn.
            yield compressor.compress(_bin_header(sum(array.nbytes for array in value)))
            for array in value:
                yield compressor.compress(array.tobytes("C"))
        elif key in ("strings", "cats", "flags", "span_groups", "user_data"):
            yield compressor.compress(packer.pack_array_header(len(value)))
            for start in range(0, len(value), _PACKED_ITEMS):
                items = value[start : start + _PACKED_ITEMS]
                yield compressor.compress(b"".join(map(packer.pack, items)))
        else:
            yield compressor.compress(packer.pack(value))
    yield compressor.flush()


def _bin_header(size: int) -> bytes:
    """The msgpack header of a byte string of ``size`` bytes (bin 8, bin 16 or bin 32)."""
    if size < 2**8:
        return b"\xc4" + size.to_bytes(1, "big")
    if size < 2**16:
        return b"\xc5" + size.to_bytes(2, "big")
    return b"\xc6" + size.to_bytes(4, "big")


class _Statistics:
    """The counts ``docbin_bytes`` returns, in all and for each category."""

    def __init__(self) -> None:
        self.totals = dict.fromkeys(STATISTICS, 0)
        self.categories: dict[str, dict[str, int]] = {}

    def count(self, category: str, key: str) -> None:
        self.totals[key] += 1
        if category not in self.categories:
            self.categories[category] = dict.fromkeys(SPAN_STATISTICS, 0)
        self.categories[category][key] += 1

    def as_dict(self) -> dict[str, Any]:
        return {**self.totals, "categories": self.categories}


def _blank(language: str) -> Language:
    try:
        import spacy
    except ImportError:
        raise RuntimeError(SPACY_MISSING) from None
    return spacy.blank(language.split("-", 1)[0])


def _make_doc(nlp: Language, text: str, pattern: re.Pattern[str] | None) -> Doc:
    """The document's tokens: the pipeline's, with the characters ``pattern`` matches (the
    scripts it does not split, ``_CONTINUOUS_SCRIPTS``) made tokens of their own."""
    doc = nlp.make_doc(text)
    if pattern is None or not pattern.search(text):
        return doc
    words: list[str] = []
    spaces: list[bool] = []
    for token in doc:
        if len(token.text) == 1 or not pattern.search(token.text):
            words.append(token.text)
            spaces.append(bool(token.whitespace_))
            continue
        pieces = [piece for piece in _pieces(token.text, pattern) if piece]
        words += pieces
        spaces += [False] * (len(pieces) - 1) + [bool(token.whitespace_)]
    from spacy.tokens import Doc

    return Doc(nlp.vocab, words=words, spaces=spaces)


def _pieces(text: str, pattern: re.Pattern[str]) -> list[str]:
    """``text`` cut before and after each character ``pattern`` matches."""
    pieces, start = [], 0
    for match in pattern.finditer(text):
        pieces += [text[start : match.start()], match.group()]
        start = match.end()
    return [*pieces, text[start:]]


def _doc(
    nlp: Language,
    document: ExportDocument,
    statistics: _Statistics,
    split: re.Pattern[str] | None = _CONTINUOUS_SCRIPTS,
) -> Doc:
    text = document.text
    doc = _make_doc(nlp, text, split)
    spans: list[Span] = []
    exported: list[dict[str, Any]] = []
    for span in document.spans:
        check_span(document, span)
        aligned = doc.char_span(span.start, span.end, label=span.category)
        if aligned is None:
            aligned = doc.char_span(
                span.start, span.end, label=span.category, alignment_mode="expand"
            )
            covers = aligned is not None and (
                aligned.start_char <= span.start and span.end <= aligned.end_char
            )
            if aligned is None or not covers:
                statistics.count(span.category, "not_aligned")
                continue
            statistics.count(span.category, "expanded")
        statistics.count(span.category, "spans")
        spans.append(aligned)
        exported.append(_exported(span))
    doc.spans[SPAN_KEY] = spans
    entities: list[Span] = []
    taken: set[int] = set()
    for aligned in sorted(spans, key=lambda s: (-len(s), s.start)):
        indices = set(range(aligned.start, aligned.end))
        if indices & taken:
            statistics.count(aligned.label_, "not_in_entities")
            continue
        taken |= indices
        statistics.count(aligned.label_, "entities")
        entities.append(aligned)
    doc.ents = sorted(entities, key=lambda s: s.start)
    doc.user_data.update(
        {
            "id": document.id,
            "title": document.title,
            "text_sha256": document.text_sha256,
            "language": document.language,
            "spans": exported,
        }
    )
    statistics.totals["documents"] += 1
    return doc


def _exported(span: ExportSpan) -> dict[str, Any]:
    return {
        "start": span.start,
        "end": span.end,
        "category": span.category,
        "layer": span.layer,
        "reviewer": span.reviewer,
        "note": span.note,
        "attributes": dict(span.attributes),
    }
