"""Stored agreement figures."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from annotator.models.documents import SHA256_HEX_LENGTH
from annotator.models.projects import Project


class AgreementReport(models.Model):
    """Agreement figures of a project (for one set of document filters), kept until stale.

    ``revision`` is the project's ``layers_revision`` the figures were computed at; a report
    whose revision is older is recomputed before it is shown.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreement_reports")
    filters_key = models.CharField(max_length=SHA256_HEX_LENGTH)
    filters = models.JSONField(default=dict)
    revision = models.PositiveBigIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(help_text="How long the computation took.")
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "filters_key"], name="agreement_report_unique_filters"
            )
        ]

    def __str__(self) -> str:
        return f"agreement of {self.project} at revision {self.revision}"
