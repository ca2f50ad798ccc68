"""The figures laid out: as rows of a tidy table (CSV) and as one JSON document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

FIGURE_COLUMNS = (
    "figure",
    "category",
    "reviewer_a",
    "reviewer_b",
    "document_id",
    "document_title",
    "value",
    "ci_low",
    "ci_high",
    "n",
)


def figure_rows(
    figures: Mapping[str, Any],
    *,
    names: Mapping[int, str],
    documents: Iterable[Mapping[str, Any]] = (),
) -> Iterator[tuple]:
    """Every figure as one row of ``FIGURE_COLUMNS`` (a tidy table for CSV).

    ``names`` shows reviewers (by name or pseudonym); ``documents`` are the per-document rows
    (``id``, ``title``, ``agreement``, ``open_items``). ``n`` is what the figure counts:
    documents for the headline and pairs, spans for categories, gold spans for reviewers
    against gold, open moderation items for documents.
    """
    count = figures["documents"]
    for key, estimate in figures["headline"].items():
        yield (key, "", "", "", "", "", estimate["value"], estimate["low"], estimate["high"], count)
    for row in figures["categories"]:
        for key in ("unitizing_alpha", "f1_exact", "f1_overlap"):
            yield (key, row["code"], "", "", "", "", row[key], None, None, row["spans"])
    for row in figures["pairs"]:
        a, b = names.get(row["a"], row["a"]), names.get(row["b"], row["b"])
        for key in ("kappa", "f1_exact", "f1_overlap"):
            yield (f"pair_{key}", "", a, b, "", "", row[key], None, None, row["documents"])
    for row in figures["gold"]["rows"]:
        reviewer = names.get(row["reviewer"], row["reviewer"])
        for key in ("precision", "recall", "f1", "f1_overlap"):
            value = row[key]
            yield (
                f"gold_{key}",
                row["category"],
                reviewer,
                "",
                "",
                "",
                value,
                None,
                None,
                row["reference_spans"],
            )
    for row in documents:
        yield (
            "document_unitizing_alpha",
            "",
            "",
            "",
            row["id"],
            row["title"],
            row["agreement"],
            None,
            None,
            row["open_items"],
        )


def figures_document(
    *,
    project: str,
    filters: Mapping[str, str],
    computed_at: str,
    names: Mapping[int, str],
    figures: Mapping[str, Any],
    documents: Iterable[Mapping[str, Any]],
    hide_ids: bool = False,
) -> dict[str, Any]:
    """The figures as one JSON document, with reviewers shown by ``names``.

    Reviewers are keyed by their account ids, or, with ``hide_ids`` (a project moderated
    anonymously), by their pseudonyms: an account id would tell who a pseudonym is.
    """
    keys = names if hide_ids else {reviewer: str(reviewer) for reviewer in names}
    if hide_ids:
        figures = relabel_reviewers(figures, names)
    return {
        "project": project,
        "filters": dict(filters),
        "computed_at": computed_at,
        "reviewers": {keys[reviewer]: name for reviewer, name in names.items()},
        "figures": figures,
        "documents": list(documents),
    }


def relabel_reviewers(figures: Mapping[str, Any], labels: Mapping[int, str]) -> dict[str, Any]:
    """A copy of the figures with every reviewer id (the reviewer list, each pair's ``a`` and
    ``b``, each gold row's ``reviewer``) replaced by its label."""
    relabelled = dict(figures)
    relabelled["reviewers"] = [labels.get(r, str(r)) for r in figures["reviewers"]]
    relabelled["pairs"] = [
        {**row, "a": labels.get(row["a"], str(row["a"])), "b": labels.get(row["b"], str(row["b"]))}
        for row in figures["pairs"]
    ]
    gold = dict(figures["gold"])
    gold["rows"] = [
        {**row, "reviewer": labels.get(row["reviewer"], str(row["reviewer"]))}
        for row in figures["gold"]["rows"]
    ]
    relabelled["gold"] = gold
    return relabelled
