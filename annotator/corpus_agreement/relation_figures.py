"""Relation agreement of a corpus, for the agreement page: pairwise F1 of relations given
matched ends (micro-averaged over documents and pairs of reviewers) and nominal alpha on
their types with its bootstrap interval (resampling documents), from
``annotator.agreement.relations``. Plain data in, JSON-ready figures out; no Django.

A document's relations are, per submitted reviewer, ``(source, target, type)`` with each end
a span's ``(start, end)``; its spans are the reviewer's spans of ``DocumentLayers.layers``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from annotator.agreement import NominalCoincidences, bootstrap_ci
from annotator.agreement.relations import RelationLayer, relation_agreement
from annotator.corpus_agreement.figures import DocumentLayers, _estimate, _number, few_documents

Ends = tuple[tuple[int, int], tuple[int, int], str]


def relation_figures(
    documents: Iterable[DocumentLayers],
    relations: Mapping[int, Mapping[int, Sequence[Ends]]],
    *,
    symmetric: Collection[str] = (),
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The relation figures of the documents with two or more layers; ``relations`` by
    document id, then reviewer id (a reviewer without relations may be left out)."""
    documents = [document for document in documents if len(document.layers) >= 2]
    layered = [
        {
            reviewer: RelationLayer.of(
                ((s, e) for s, e, *_ in spans), relations.get(document.id, {}).get(reviewer, ())
            )
            for reviewer, spans in document.layers.items()
        }
        for document in documents
    ]
    result = relation_agreement(layered, symmetric)
    coincidences = NominalCoincidences(result.type_sections)
    n = len(documents)
    interval = bootstrap_ci(coincidences.alpha, n, n_resamples, confidence, seed) if n else None
    units = [unit for section in result.type_sections for unit in section]
    given = Counter(value for unit in units for value in unit)
    drawn = sum(len(layer.relations) for layers in layered for layer in layers.values())
    return {
        "relations": drawn,
        "documents": sum(
            1 for layers in layered if any(layer.relations for layer in layers.values())
        ),
        "matched": result.counts.matched,
        "with_matched_ends": result.counts.n_a + result.counts.n_b,
        "f1": _number(result.f1),
        "type_alpha": _estimate(coincidences.alpha(), interval),
        "type_units": len(units),
        "types_all_agree": sum(1 for unit in units if len(set(unit)) == 1),
        "types_given": dict(given.most_common()),
        "few_documents": few_documents(n),
    }
