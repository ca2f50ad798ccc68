"""Imports as they ran: who started one, when, and what became of each file, kept as it goes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from annotator.models.documents import Document
from annotator.models.projects import Project

# A run that has written nothing for this long while it says it is running is taken for
# interrupted: its process died (killed, out of memory, a worker timeout) without a word.
# Every batch, and every file read, touches it at least once a minute.
RUN_SILENT_AFTER = datetime.timedelta(minutes=15)


class ImportState(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    INTERRUPTED = "interrupted", "Interrupted"


class ImportVia(models.TextChoices):
    WEB = "web", "Import page"
    COMMAND = "command", "Command line"
    API = "api", "API"


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DUPLICATE = "duplicate", "Duplicate"
    FAILED = "failed", "Failed"
    NOTE = "note", "Note"


class ImportRun(models.Model):
    """One import into a project: its report, written as each batch of files commits.

    A process that dies leaves the run as far as it got: its rows say what was committed.
    ``state`` is what the process last wrote; ``shown_state`` is what the run is.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="import_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_runs",
    )
    via = models.CharField(max_length=10, choices=ImportVia.choices)
    started_at = models.DateTimeField(default=timezone.now, editable=False)
    touched_at = models.DateTimeField(
        default=timezone.now, help_text="When the run last wrote anything: rows, or a sign of life."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=12, choices=ImportState.choices, default=ImportState.RUNNING
    )
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    notes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values), name="import_run_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(via__in=ImportVia.values), name="import_run_via_valid"
            ),
        ]
        indexes = [models.Index(fields=["project", "-started_at"], name="import_run_project")]

    def __str__(self) -> str:
        return f"import {self.pk} into {self.project_id}"

    def get_absolute_url(self) -> str:
        return reverse(
            "document_import_report",
            kwargs={"project_slug": self.project.slug, "token": str(self.pk)},
        )

    @property
    def total(self) -> int:
        return self.imported + self.duplicates + self.failed + self.notes

    @property
    def shown_state(self) -> ImportState:
        """Interrupted also when it says it is running but has been silent too long."""
        if self.state == ImportState.RUNNING and (
            timezone.now() - self.touched_at > RUN_SILENT_AFTER
        ):
            return ImportState.INTERRUPTED
        return ImportState(self.state)

    def summary(self) -> str:
        summary = f"{self.imported} imported, {self.duplicates} duplicate, {self.failed} failed"
        if self.notes:
            summary += f", {self.notes} note{'s' if self.notes > 1 else ''}"
        return summary


class ImportRow(models.Model):
    """What became of one file of an import (an archive member, a corpus line): in the
    order they were given, ``index`` from 0."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    index = models.PositiveIntegerField()
    name = models.TextField()
    outcome = models.CharField(max_length=10, choices=ImportOutcome.choices)
    reason = models.TextField(blank=True)
    document = models.ForeignKey(
        Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    spans = models.PositiveIntegerField(default=0)
    taxonomy = models.JSONField(
        null=True,
        blank=True,
        help_text="A bundle's taxonomy offered: its categories, the codes the project lacked, "
        "and whether they were loaded.",
    )

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="import_row_unique_index"),
            models.CheckConstraint(
                condition=Q(outcome__in=ImportOutcome.values), name="import_row_outcome_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["run", "outcome", "index"], name="import_row_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"

    @property
    def taxonomy_offered(self) -> bool:
        """A bundle's taxonomy whose missing categories, relation types or incident roles
        have not been loaded yet."""
        taxonomy = self.taxonomy
        if not taxonomy or taxonomy.get("loaded"):
            return False
        return any(
            taxonomy.get(key)
            for key in ("missing", "missing_relation_types", "missing_incident_roles")
        )
