"""The agreement page: how far a project's reviewers agree, with charts and downloads."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.charts import bar_chart, heat_map
from annotator.corpus_agreement import FIGURE_COLUMNS, figure_rows, figures_document, reading
from annotator.formats.tabular import csv_lines
from annotator.forms import AgreementFilterForm
from annotator.models import AgreementReport, Project, Role
from annotator.responses import streamed_download
from annotator.selectors.agreement import (
    agreement_document_rows,
    agreement_document_values,
    agreement_documents,
    reviewer_names,
)
from annotator.selectors.projects import category_list
from annotator.services.agreement import AgreementFilters, agreement_report

AGREEMENT_DOCUMENTS_PER_PAGE = 25


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
            "page": page,
            "filters": query,
        },
    )


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
