"""The agreement page: how far a project's reviewers agree, with charts and downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.charts import bar_chart, heat_map
from annotator.corpus_agreement import (
    FIGURE_COLUMNS,
    MATCHINGS,
    few_documents,
    figure_rows,
    figures_document,
    reading,
)
from annotator.formats.tabular import csv_lines
from annotator.forms.moderation import AgreementFilterForm
from annotator.models import AgreementReport, EvidenceStatus, Project, Role, SourceType
from annotator.responses import streamed_download
from annotator.selectors.agreement import (
    agreement_document_rows,
    agreement_document_values,
    agreement_documents,
    reviewer_names,
)
from annotator.selectors.projects import category_list, submitted_version_range
from annotator.services.agreement import AgreementFilters, agreement_report

AGREEMENT_DOCUMENTS_PER_PAGE = 25
ATTRIBUTE_LABELS = {
    "evidence_status": ("Status of the allegation", dict(EvidenceStatus.choices)),
    "source_type": ("Type of source", dict(SourceType.choices)),
}


def project_agreement(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponseBase:
    """How far the reviewers of a project agree: figures, charts, and CSV or JSON downloads."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MODERATOR, Role.MANAGER, to="measure agreement")
    project = access.project
    form = AgreementFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    filters = AgreementFilters(
        query=cleaned.get("q") or "",
        status=cleaned.get("status") or "",
        language=cleaned.get("language") or "",
    )
    report = agreement_report(project=project, filters=filters)
    figures = report.figures
    names = reviewer_names(project=project, reviewer_ids=figures["reviewers"])
    documents = agreement_document_rows(
        documents=agreement_documents(project=project, **filters.as_dict())
    )
    download = request.GET.get("download")
    if download in ("csv", "json"):
        return _agreement_download(
            project, report, names, agreement_document_values(documents=documents), download
        )

    page = Paginator(documents, AGREEMENT_DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    headline = figures["headline"]
    # The form's own field names, so that download and page links keep the filters.
    fields = (("q", filters.query), ("status", filters.status), ("language", filters.language))
    query = urlencode({key: value for key, value in fields if value})
    categories = {c.code: c for c in category_list(project=project)}

    def category_name(code: str, missing: str) -> str:
        return categories[code].name if code in categories else missing

    return render(
        request,
        "annotator/project_agreement.html",
        {
            "project": project,
            "form": form,
            "report": report,
            "figures": figures,
            "headline": headline,
            "readings": {
                key: reading(headline[key]["value"]) for key in ("unitizing_alpha", "token_alpha")
            },
            "category_rows": [
                {**row, "name": category_name(row["code"], "")} for row in figures["categories"]
            ],
            "category_chart": bar_chart(
                [
                    (category_name(row["code"], row["code"]), row["unitizing_alpha"])
                    for row in figures["categories"]
                ]
            ),
            "pair_rows": [
                {**row, "a_name": names.get(row["a"]), "b_name": names.get(row["b"])}
                for row in figures["pairs"]
            ],
            "pair_map": heat_map(
                figures["reviewers"],
                {(row["a"], row["b"]): row["kappa"] for row in figures["pairs"]},
                names=names,
            ),
            "gold_rows": [
                {**row, "reviewer_name": names.get(row["reviewer"])}
                for row in figures["gold"]["rows"]
            ],
            # A report stored before a figure existed is recomputed (services.agreement);
            # these defaults only keep such a report readable should one be shown.
            "rough": figures["bootstrap"].get("few_documents", few_documents(figures["documents"])),
            "confusions": [
                _confusion_table(
                    matching,
                    figures["confusion"][matching],
                    [row["code"] for row in figures["categories"]],
                    category_name,
                )
                for matching in MATCHINGS
                if matching in figures.get("confusion", {})
            ],
            "attribute_rows": [
                _attribute_row(key, figures["attributes"][key])
                for key in ATTRIBUTE_LABELS
                if key in figures.get("attributes", {})
            ],
            "relation_figures": _relation_figures(figures.get("relations")),
            "page": page,
            "filters": query,
            # Which guidelines and taxonomy the figures rest on ("taxonomy versions 3–5").
            "taxonomy_versions": submitted_version_range(
                project=project,
                documents=agreement_documents(project=project, **filters.as_dict()),
            ),
        },
    )


def _confusion_table(
    matching: str,
    confusion: dict[str, Any],
    order: list[str],
    category_name: Callable[[str, str], str],
) -> dict[str, Any]:
    """A confusion matrix as table rows: the categories that occur in a matched pair, in
    taxonomy order, each cell the number of matched pairs with those two categories (the
    stored cells are unordered pairs; the table shows each on both sides of the diagonal)."""
    counts: dict[tuple[str, str], int] = {}
    for cell in confusion["cells"]:
        counts[(cell["a"], cell["b"])] = counts[(cell["b"], cell["a"])] = cell["count"]
    used = {code for pair in counts for code in pair}
    codes = [code for code in order if code in used] + sorted(used - set(order))
    return {
        "matching": matching,
        "pairs": confusion["pairs"],
        "agreeing": confusion.get("agreeing"),
        "columns": [{"code": code, "name": category_name(code, code)} for code in codes],
        "rows": [
            {
                "code": code,
                "name": category_name(code, code),
                "cells": [
                    {"count": counts.get((code, other), 0), "diagonal": code == other}
                    for other in codes
                ],
            }
            for code in codes
        ],
    }


def _attribute_row(key: str, estimate: dict[str, Any]) -> dict[str, Any]:
    label, choices = ATTRIBUTE_LABELS[key]
    return {
        **estimate,
        "key": key,
        "label": label,
        "reading": reading(estimate["value"]),
        "given": [(choices.get(value, value), count) for value, count in estimate["given"].items()],
    }


def _relation_figures(relations: dict[str, Any] | None) -> dict[str, Any] | None:
    """The relation figures as the page shows them, with the reading of the type alpha;
    None when no submitted layer of these documents has a relation."""
    if not relations or not relations["relations"]:
        return None
    return {**relations, "reading": reading(relations["type_alpha"]["value"])}


def _agreement_download(
    project: Project,
    report: AgreementReport,
    names: dict[int, str],
    rows: list[dict[str, Any]],
    kind: str,
) -> HttpResponseBase:
    stamp = report.computed_at.strftime("%Y%m%dT%H%M%SZ")
    filename = f"{project.slug}-agreement-{stamp}.{kind}"
    response: HttpResponseBase
    if kind == "json":
        document = figures_document(
            project=project.slug,
            filters=report.filters,
            computed_at=report.computed_at.isoformat(),
            names=names,
            figures=report.figures,
            documents=rows,
            hide_ids=project.anonymous_moderation,
        )
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    else:
        lines = csv_lines(FIGURE_COLUMNS, figure_rows(report.figures, names=names, documents=rows))
        return streamed_download(lines, content_type="text/csv; charset=utf-8", filename=filename)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
