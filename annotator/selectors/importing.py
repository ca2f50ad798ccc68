"""Reads about imports: a project's import runs and a run's rows."""

from __future__ import annotations

from django.db.models import QuerySet

from annotator.models import ImportRow, ImportRun, Project


def import_run_list(*, project: Project) -> QuerySet[ImportRun]:
    """A project's runs, the newest first, with who started each."""
    return (
        ImportRun.objects.filter(project=project)
        .select_related("started_by")
        .order_by("-started_at", "-pk")
    )


def import_run_get(*, project: Project, run_id: int) -> ImportRun | None:
    """The project's run with this id, or None (another project's is none of its own)."""
    return ImportRun.objects.filter(project=project, pk=run_id).select_related("started_by").first()


def import_row_list(*, run: ImportRun, outcome: str = "") -> QuerySet[ImportRow]:
    """A run's rows in the order the files were given, of one outcome if asked."""
    rows = ImportRow.objects.filter(run=run)
    if outcome:
        rows = rows.filter(outcome=outcome)
    return rows.order_by("index")
