"""spaCy's binary training format: a ``DocBin`` of the documents and their spans.

spaCy is optional (``pip install 'annotator[spacy]'``); nothing here imports it until a
DocBin is asked for, and then ``RuntimeError(SPACY_MISSING)`` says how to install it.

Each document becomes a ``Doc`` made by a blank pipeline (``spacy.blank("xx")``, spaCy's
multi-language tokenizer, by default: no model is downloaded). spaCy's character offsets
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

A DocBin is one binary object, built in memory: ``docbin_batches`` cuts a large corpus into
several, which spaCy reads as a directory of ``.spacy`` files.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from annotator.formats.corpus import ExportDocument, ExportSpan, check_span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

SPACY_MISSING = (
    "spaCy is not installed: pip install 'annotator[spacy]' (or pip install 'spacy>=3.7')."
)
SPAN_KEY = "sc"
STATISTICS = ("documents", "spans", "entities", "expanded", "not_aligned", "not_in_entities")
# The statistics counted for each category as well.
SPAN_STATISTICS = ("spans", "entities", "expanded", "not_aligned", "not_in_entities")


def spacy_available() -> bool:
    """Whether spaCy can be imported."""
    return importlib.util.find_spec("spacy") is not None


def docbin_bytes(
    documents: Iterable[ExportDocument], *, language: str = "xx"
) -> tuple[bytes, dict[str, Any]]:
    """The documents as one serialised DocBin, with counts of what was done to the spans.

    The counts are ``documents``, ``spans`` (written to ``doc.spans["sc"]``), ``entities``
    (written to ``doc.ents``), ``expanded`` (widened to whole tokens), ``not_aligned`` (left
    out: no token) and ``not_in_entities`` (in the span group but not in ``doc.ents``,
    because they overlap a longer one); ``categories`` has the counts but ``documents`` for
    each category code.
    """
    nlp = _blank(language)
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=True)
    statistics = _Statistics()
    for document in documents:
        docbin.add(_doc(nlp, document, statistics))
    return docbin.to_bytes(), statistics.as_dict()


def docbin_batches(
    documents: Iterable[ExportDocument], *, language: str = "xx", batch_size: int = 1000
) -> Iterator[tuple[bytes, dict[str, Any]]]:
    """``docbin_bytes`` of successive batches of ``batch_size`` documents, so that memory
    holds one batch at a time. Raises ``RuntimeError`` at once if spaCy is missing."""
    _blank(language)  # fail before the first batch is asked for, not after
    iterator = iter(documents)
    while batch := list(islice(iterator, batch_size)):
        yield docbin_bytes(batch, language=language)


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
    return spacy.blank(language)


def _doc(nlp: Language, document: ExportDocument, statistics: _Statistics) -> Doc:
    text = document.text
    doc = nlp.make_doc(text)
    spans, exported = [], []
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
            if not covers:
                statistics.count(span.category, "not_aligned")
                continue
            statistics.count(span.category, "expanded")
        statistics.count(span.category, "spans")
        spans.append(aligned)
        exported.append(_exported(span))
    doc.spans[SPAN_KEY] = spans
    entities, taken = [], set()
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
