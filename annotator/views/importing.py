"""Pages for importing: the upload form, the project's imports, the report of what became of
each file of one, and loading an imported bundle's taxonomy from it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.forms.base import LARGEST_ID, ActionForm
from annotator.forms.documents import ImportForm
from annotator.models import ImportOutcome, ImportRun, ImportVia, Project, Role
from annotator.selectors.document_languages import run_undetected_count
from annotator.selectors.importing import import_row_list, import_run_get, import_run_list
from annotator.services.importing import (
    documents_import,
    import_row_taxonomy_load,
    uploaded_sources,
)
from annotator.taxonomy import TaxonomyError

RUNS_PER_PAGE = 50
ROWS_PER_PAGE = 100


def document_import(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Managers upload files; the import is kept as a run, whose report they are shown."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="import documents")
    project = access.project
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        report = documents_import(
            project=project,
            sources=uploaded_sources(
                form.cleaned_data["files"], offset_unit=form.cleaned_data["offsets"]
            ),
            imported_by=request.user,
            via=ImportVia.WEB,
        )
        return redirect("document_import_report", project_slug=project.slug, token=report.run_id)
    return render(request, "annotator/document_import.html", {"project": project, "form": form})


def import_runs(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The project's imports, the newest first: who ran each, when, what came of its files,
    and whether it finished (managers)."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="see the imports")
    page = Paginator(import_run_list(project=access.project), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "annotator/import_runs.html", {"project": access.project, "page": page})


def document_import_report(
    request: AuthenticatedHttpRequest, project_slug: str, token: str
) -> HttpResponse:
    """What became of each file of an import (``token`` is the run's id): imported,
    duplicate, failed or a note, and why, a page at a time and of one outcome if asked; a
    bundle's taxonomy with categories the project lacks has a button to load them."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="see the imports")
    project = access.project
    run = _run(project, token)
    outcome = request.GET.get("outcome", "")
    if outcome not in ImportOutcome.values:
        outcome = ""
    page = Paginator(import_row_list(run=run, outcome=outcome), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "row": row,
            "load_form": _load_form(project, run, row.index, row.taxonomy)
            if row.taxonomy_offered
            else None,
        }
        for row in page.object_list
    ]
    return render(
        request,
        "annotator/document_import_report.html",
        {
            "project": project,
            "run": run,
            "state": run.shown_state,
            "page": page,
            "rows": rows,
            "outcome": outcome,
            # Its corpora's documents still without a language, to detect from the list.
            "undetected": run_undetected_count(project=project, run=run) if run.imported else 0,
            "outcomes": [
                ("", "All", run.total),
                (ImportOutcome.IMPORTED, "Imported", run.imported),
                (ImportOutcome.DUPLICATE, "Duplicates", run.duplicates),
                (ImportOutcome.FAILED, "Failed", run.failed),
                (ImportOutcome.NOTE, "Notes", run.notes),
            ],
        },
    )


def _load_form(project: Project, run: ImportRun, index: int, taxonomy: Any) -> ActionForm:
    missing = len(taxonomy["missing"])
    others = [
        (len(taxonomy.get(key) or ()), noun)
        for key, noun in (
            ("missing_relation_types", "relation type"),
            ("missing_incident_roles", "incident role"),
        )
    ]
    if any(number for number, _ in others):
        parts = [f"{missing} categor{'y' if missing == 1 else 'ies'}"] if missing else []
        parts += [
            f"{number} {noun}{'' if number == 1 else 's'}" for number, noun in others if number
        ]
        label = f"Load what this project lacks: {', '.join(parts)}"
    else:
        label = f"Load the {missing} missing categor{'y' if missing == 1 else 'ies'}"
    return ActionForm(
        label=label,
        style="btn-sm btn-outline-primary",
        action=reverse(
            "document_import_taxonomy",
            kwargs={"project_slug": project.slug, "token": str(run.pk), "row": index},
        ),
    )


# Ids and row numbers beyond what the database holds are no import's (and SQLite could not
# even bind them).
LARGEST_ROW = 2**31 - 1


def _run(project: Project, token: str) -> ImportRun:
    number = int(token) if token.isascii() and token.isdigit() else 0
    run = import_run_get(project=project, run_id=number) if 0 < number <= LARGEST_ID else None
    if run is None:
        raise Http404("No such import in this project.")
    return run


@require_POST
def document_import_taxonomy(
    request: AuthenticatedHttpRequest, project_slug: str, token: str, row: int
) -> HttpResponse:
    """Load the categories, relation types and incident roles of an imported bundle's
    taxonomy that the project lacks."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to="import documents")
    project = access.project
    run = _run(project, token)
    if row > LARGEST_ROW:
        raise Http404("No such row in this import.")
    back = redirect("document_import_report", project_slug=project.slug, token=run.pk)
    try:
        loaded = import_row_taxonomy_load(run=run, index=row, actor=request.user)
    except TaxonomyError as error:
        messages.error(request, f"The categories could not be loaded: {error}")
        return back
    if loaded is None:
        messages.info(request, "This taxonomy has been loaded already.")
        return back
    created = loaded.created
    others = [
        (codes, noun)
        for codes, noun in (
            (loaded.created_relation_types, "relation type"),
            (loaded.created_incident_roles, "incident role"),
        )
        if codes
    ]
    messages.success(
        request,
        f"Loaded {len(created)} categor{'y' if len(created) == 1 else 'ies'}"
        f"{': ' + ', '.join(created) if created else ''}"
        + "".join(
            f"; {len(codes)} {noun}{'' if len(codes) == 1 else 's'}: {', '.join(codes)}"
            for codes, noun in others
        )
        + ".",
    )
    return back
