"""Import files into a project from the command line, with a progress bar and a report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from annotator.models import Project
from annotator.services.importing import FileResult, Outcome, SourceFile, documents_import


class Command(BaseCommand):
    help = (
        "Import documents (text, Markdown, HTML, PDF, DOCX, JSONL corpora, ZIP archives of "
        "these; folders are walked) into a project. Exits with status 1 if any file failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("paths", nargs="+", help="Files or folders to import.")
        parser.add_argument(
            "--user", help="Record this user (a username) as the importer; default: nobody."
        )
        parser.add_argument(
            "--quiet-progress", action="store_true", help="No progress bar, only the report."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            project = Project.objects.get(slug=options["project"])
        except Project.DoesNotExist:
            raise CommandError(f"No project with the slug {options['project']!r}.") from None
        user = None
        if options["user"]:
            users = get_user_model().objects
            user = users.filter(**{users.model.USERNAME_FIELD: options["user"]}).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        files = list(_files([Path(p) for p in options["paths"]]))
        missing = [path for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {missing[0]}")

        bar = tqdm(
            total=len(files),
            unit="file",
            disable=options["quiet_progress"] or None,
            file=sys.stderr,
        )
        results: list[FileResult] = []

        def sources() -> Iterator[SourceFile]:
            for path in files:
                yield SourceFile(name=path.name, data=path.read_bytes())
                bar.update(1)

        report = documents_import(
            project=project, sources=sources(), imported_by=user, progress=results.append
        )
        bar.close()
        for result in report.results:
            mark = {Outcome.IMPORTED: "imported", Outcome.DUPLICATE: "duplicate"}.get(
                result.outcome, "FAILED"
            )
            line = f"{mark:<9} {result.name}"
            if result.document_id is not None:
                line += f" (document {result.document_id})"
            if result.spans:
                line += f", {result.spans} imported spans"
            if result.reason and result.outcome is not Outcome.IMPORTED:
                line += f": {result.reason}"
            self.stdout.write(line)
        self.stdout.write(f"{report.summary()}.")
        if report.failed:
            raise CommandError(f"{report.failed} file(s) failed; see the reasons above.")


def _files(paths: list[Path]) -> Iterator[Path]:
    """The files named, and the files in the folders named (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.parts[-1:]):
                    yield child
        else:
            yield path
