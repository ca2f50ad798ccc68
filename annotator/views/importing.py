"""Pages for importing: the upload form, the report of what became of each file, and
loading an imported bundle's taxonomy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_POST

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.forms import ActionForm, ImportForm
from annotator.models import Project, Role
from annotator.services.importing import (
    bundle_taxonomy_load,
    documents_import,
    taxonomy_note,
    uploaded_sources,
)
from annotator.taxonomy import TaxonomyError

IMPORT_REPORTS_KEPT = 5


def document_import(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Managers upload files; the report of each import is kept in their session to show."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="import documents")
    project = access.project
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        report = documents_import(
            project=project,
            sources=uploaded_sources(form.cleaned_data["files"]),
            imported_by=request.user,
        )
        token = get_random_string(12)
        reports = request.session.get("import_reports", {})
        reports[token] = {
            "project": project.slug,
            "summary": report.summary(),
            "failed": report.failed,
            "results": [
                [r.name, str(r.outcome), r.reason, r.document_id, r.spans] for r in report.results
            ],
            # A bundle's taxonomy the project lacks some of, kept for the button that loads it.
            "taxonomies": {
                str(index): {
                    "categories": list(r.taxonomy.categories),
                    "missing": list(r.taxonomy.missing),
                }
                for index, r in enumerate(report.results)
                if r.taxonomy and r.taxonomy.missing and not r.taxonomy.loaded
            },
        }
        request.session["import_reports"] = dict(list(reports.items())[-IMPORT_REPORTS_KEPT:])
        return redirect("document_import_report", project_slug=project.slug, token=token)
    return render(request, "annotator/document_import.html", {"project": project, "form": form})


def document_import_report(
    request: AuthenticatedHttpRequest, project_slug: str, token: str
) -> HttpResponse:
    """What became of each file of an import: imported, duplicate, failed or a note, and why;
    a bundle's taxonomy with categories the project lacks has a button to load them."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="import documents")
    project = access.project
    report = _import_report(request, project, token)
    offers = report.get("taxonomies", {})
    rows = []
    for index, (name, outcome, reason, pk, spans) in enumerate(report["results"]):
        offer = offers.get(str(index))
        rows.append(
            {
                "name": name,
                "outcome": outcome,
                "reason": reason,
                "document_id": pk,
                "spans": spans,
                "load_form": ActionForm(
                    label=f"Load the {len(offer['missing'])} missing "
                    f"categor{'y' if len(offer['missing']) == 1 else 'ies'}",
                    style="btn-sm btn-outline-primary",
                    action=reverse(
                        "document_import_taxonomy",
                        kwargs={"project_slug": project.slug, "token": token, "row": index},
                    ),
                )
                if offer
                else None,
            }
        )
    return render(
        request,
        "annotator/document_import_report.html",
        {"project": project, "report": report, "rows": rows},
    )


def _import_report(
    request: AuthenticatedHttpRequest, project: Project, token: str
) -> dict[str, Any]:
    report = request.session.get("import_reports", {}).get(token)
    if report is None or report["project"] != project.slug:
        raise Http404("This import report is no longer kept; the documents list shows the result.")
    return report


@require_POST
def document_import_taxonomy(
    request: AuthenticatedHttpRequest, project_slug: str, token: str, row: int
) -> HttpResponse:
    """Load the categories of an imported bundle's taxonomy that the project lacks."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="import documents")
    project = access.project
    report = _import_report(request, project, token)
    offer = report.get("taxonomies", {}).get(str(row))
    back = redirect("document_import_report", project_slug=project.slug, token=token)
    if offer is None:
        messages.info(request, "This taxonomy has been loaded already.")
        return back
    name = report["results"][row][0]
    try:
        created = bundle_taxonomy_load(
            project=project, categories=offer["categories"], actor=request.user, source=name
        )
    except TaxonomyError as error:
        messages.error(request, f"The categories of {name} could not be loaded: {error}")
        return back
    report["results"][row][2] = taxonomy_note(len(offer["categories"]), created, loaded=True)
    del report["taxonomies"][str(row)]
    request.session.modified = True
    messages.success(
        request,
        f"Loaded {len(created)} categor{'y' if len(created) == 1 else 'ies'}"
        f"{': ' + ', '.join(created) if created else ''}.",
    )
    return back
