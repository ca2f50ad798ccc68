"""Reads about the documents whose language is still to be detected: those that declare
none and that detection has not tried yet (``metadata`` has no ``language_detected``)."""

from __future__ import annotations

from django.db.models import QuerySet

from annotator.models import Document, ImportOutcome, ImportRun, Project

# The key of ``Document.metadata`` that says a language was detected (``{"code",
# "confidence"}``, as the importer records it) or tried and not told (``{"code": "",
# "confidence": None}``, written by the detection after import).
LANGUAGE_DETECTED = "language_detected"


def undetected_documents(*, project: Project) -> QuerySet[Document]:
    """The project's documents without a language that detection has not tried, in import
    order. A language a manager set, or cleared after a detection, is never among them."""
    return (
        Document.objects.filter(project=project, language="")
        .exclude(metadata__has_key=LANGUAGE_DETECTED)
        .order_by("pk")
    )


def undetected_document_count(*, project: Project) -> int:
    """How many documents ``undetected_documents`` holds: one query."""
    return undetected_documents(project=project).count()


def run_undetected_count(*, project: Project, run: ImportRun) -> int:
    """How many documents an import (of this project) brought in that are still to be
    detected: one query."""
    return (
        undetected_documents(project=project)
        .filter(pk__in=run.rows.filter(outcome=ImportOutcome.IMPORTED).values("document_id"))
        .count()
    )
