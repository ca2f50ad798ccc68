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
    "category_b",
    "ci_few_documents",
)


def _row(
    figure: str,
    value: Any,
    n: Any,
    *,
    category: str = "",
    reviewer_a: Any = "",
    reviewer_b: Any = "",
    document_id: Any = "",
    document_title: str = "",
    low: Any = None,
    high: Any = None,
    category_b: str = "",
    rough: bool | None = None,
) -> tuple:
    flag = "" if rough is None else str(rough).lower()
    return (
        figure,
        category,
        reviewer_a,
        reviewer_b,
        document_id,
        document_title,
        value,
        low,
        high,
        n,
        category_b,
        flag,
    )


def _rough(estimate: Mapping[str, Any], few: bool | None) -> bool | None:
    """The few-documents flag of an estimate that has an interval (None for the others)."""
    return None if estimate.get("low") is None or few is None else few


def figure_rows(
    figures: Mapping[str, Any],
    *,
    names: Mapping[int, str],
    documents: Iterable[Mapping[str, Any]] = (),
) -> Iterator[tuple]:
    """Every figure as one row of ``FIGURE_COLUMNS`` (a tidy table for CSV).

    ``names`` shows reviewers (by name or pseudonym); ``documents`` are the per-document rows
    (``id``, ``title``, ``agreement``, ``open_items``). ``n`` is what the figure counts:
    documents for the headline and pairs, spans for categories and for category groups
    (``group_unitizing_alpha``, ``group_f1_exact``, ``group_f1_overlap``, the group's name,
    ``violation`` or ``entity``, in ``category``), gold spans for reviewers
    against gold, matched span pairs for the confusion cells (``category`` and
    ``category_b``, each unordered pair once, only cells that are not zero), matched units for
    the attributes' alphas, open moderation items for documents. ``ci_few_documents`` is
    ``true`` beside an interval resting on fewer documents than the figures'
    ``bootstrap.few_documents_below``.
    """
    count = figures["documents"]
    few = figures["bootstrap"].get("few_documents")
    for key, estimate in figures["headline"].items():
        yield _row(
            key,
            estimate["value"],
            count,
            low=estimate["low"],
            high=estimate["high"],
            rough=_rough(estimate, few),
        )
    for row in figures["categories"]:
        for key in ("unitizing_alpha", "f1_exact", "f1_overlap"):
            yield _row(key, row[key], row["spans"], category=row["code"])
    # Figures stored before there were groups (schema 3) have none.
    for row in figures.get("groups", []):
        for key in ("unitizing_alpha", "f1_exact", "f1_overlap"):
            yield _row(f"group_{key}", row[key], row["spans"], category=row["group"])
    for row in figures["pairs"]:
        a, b = names.get(row["a"], row["a"]), names.get(row["b"], row["b"])
        for key in ("kappa", "f1_exact", "f1_overlap"):
            yield _row(f"pair_{key}", row[key], row["documents"], reviewer_a=a, reviewer_b=b)
    for matching, confusion in figures.get("confusion", {}).items():
        for cell in confusion["cells"]:
            yield _row(
                f"confusion_{matching}",
                cell["count"],
                confusion["pairs"],
                category=cell["a"],
                category_b=cell["b"],
            )
    for key, estimate in figures.get("attributes", {}).items():
        yield _row(
            f"{key}_alpha",
            estimate["value"],
            estimate["units"],
            low=estimate["low"],
            high=estimate["high"],
            rough=_rough(estimate, estimate.get("few_documents")),
        )
    for row in figures["gold"]["rows"]:
        reviewer = names.get(row["reviewer"], row["reviewer"])
        for key in ("precision", "recall", "f1", "f1_overlap"):
            yield _row(
                f"gold_{key}",
                row[key],
                row["reference_spans"],
                category=row["category"],
                reviewer_a=reviewer,
            )
    for row in documents:
        yield _row(
            "document_unitizing_alpha",
            row["agreement"],
            row["open_items"],
            document_id=row["id"],
            document_title=row["title"],
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
