"""Detect the language of a project's documents that declare none, batch after batch."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from annotator.management.commands._project import ProjectCommand
from annotator.services.document_languages import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    LanguageDetection,
    languages_detect,
)


class Command(ProjectCommand):
    help = (
        "Detect the language of the project's documents that declare none and were not tried "
        "yet (a corpus's documents are not detected at import, to keep it fast), in batches "
        "of --limit documents until none remain. Each batch is one transaction and one event "
        "in the audit log; a language set by hand is never changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"Documents a batch (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options)
        limit = options["limit"]
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit takes a number of documents from 1 to {MAX_LIMIT}.")
        detected = undetermined = batches = remaining = 0
        while True:
            batch = languages_detect(project=project, actor=None, limit=limit)
            if not batch.detected + batch.undetermined:
                break
            batches += 1
            detected += batch.detected
            undetermined += batch.undetermined
            remaining = batch.remaining
            self.stdout.write(
                f"Batch {batches}: detected {batch.detected}, could not tell "
                f"{batch.undetermined}; {batch.remaining} remaining."
            )
            if not batch.remaining:
                break
        if not batches:
            self.stdout.write("No document without a language is left to try.")
            return
        self.stdout.write(LanguageDetection(detected, undetermined, remaining).summary())
