"""Import files into a project from the command line, with a progress bar and a report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.urls import reverse
from tqdm import tqdm

from annotator.management.commands._project import ProjectCommand
from annotator.models import ImportVia
from annotator.services.importing import FileResult, Outcome, SourceFile, documents_import

MARKS = {
    Outcome.IMPORTED: "imported",
    Outcome.DUPLICATE: "duplicate",
    Outcome.FAILED: "FAILED",
    Outcome.NOTE: "note",
}


class Command(ProjectCommand):
    help = (
        "Import documents (text, Markdown, HTML, PDF, DOCX; corpora with their spans: JSONL, "
        "Label Studio JSON, W3C Web Annotation, brat .txt with .ann, CoNLL, WebAnno TSV, UIMA "
        "XMI with TypeSystem.xml; ZIP archives of these, this product's JSONL export bundles; "
        "folders are walked) into a project. "
        "The report is kept as an import run, whose id it prints. Exits with status 1 if "
        "any file failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("paths", nargs="+", help="Files or folders to import.")
        parser.add_argument(
            "--user", help="Record this user (a username) as the importer; default: nobody."
        )
        parser.add_argument(
            "--quiet-progress", action="store_true", help="No progress bar, only the report."
        )
        parser.add_argument(
            "--offsets",
            choices=("code-points", "utf-16"),
            default="",
            help="What the offsets of spans without a quote count (doccano's label): its "
            "editor's UTF-16 units (the default for doccano's JSONL) or code points (this "
            "product's JSONL, doccano's API). Spans with a quote are placed by it.",
        )
        parser.add_argument(
            "--load-taxonomy",
            action="store_true",
            help="Create the categories, relation types and incident roles of a bundle's "
            "taxonomy.json that the project lacks "
            "(before its corpus, so that its spans find them); existing ones are not changed.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options)
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

        offsets = options["offsets"]
        names = {str(path).lower(): path for path in files}

        def sources() -> Iterator[SourceFile]:
            for path in files:
                bar.update(1)
                companions = _companions(path, names)
                if companions is None:  # a brat .ann, read with its .txt
                    continue
                yield SourceFile(
                    name=path.name,
                    data=path.read_bytes(),
                    offset_unit=offsets,
                    companions=companions,
                )

        report = documents_import(
            project=project,
            sources=sources(),
            imported_by=user,
            progress=results.append,
            load_taxonomy=options["load_taxonomy"],
            via=ImportVia.COMMAND,
        )
        bar.close()
        offered = False
        for result in report.results:
            mark = MARKS[result.outcome]
            line = f"{mark:<9} {result.name}"
            if result.document_id is not None:
                line += f" (document {result.document_id})"
            if result.spans:
                line += f", {result.spans} imported spans"
            if result.reason:
                line += f": {result.reason}"
            self.stdout.write(line)
            taxonomy = result.taxonomy
            offered = offered or bool(taxonomy and taxonomy.lacking and not taxonomy.loaded)
        self.stdout.write(f"{report.summary()}.")
        self.stdout.write(
            f"Kept as import run {report.run_id}: its report is on the project's Imports page, "
            + reverse(
                "document_import_report",
                kwargs={"project_slug": project.slug, "token": report.run_id},
            )
        )
        if offered:
            self.stdout.write(
                "To add a bundle's missing categories, import it again with --load-taxonomy "
                "(its documents are then reported as duplicates)."
            )
        if report.failed:
            raise CommandError(f"{report.failed} file(s) failed; see the reasons above.")


def _companions(path: Path, named: dict[str, Path]) -> dict[str, bytes] | None:
    """The files read with ``path`` (a brat ``.txt``'s ``.ann`` beside it, an XMI's
    ``TypeSystem.xml`` in its folder or one above), or None for a file read only with another
    (a ``.ann`` whose ``.txt`` is imported too)."""
    suffix = path.suffix.lower()
    if suffix == ".ann" and str(path.with_suffix(".txt")).lower() in named:
        return None
    if suffix == ".txt":
        ann = named.get(str(path.with_suffix(".ann")).lower())
        return {"ann": ann.read_bytes()} if ann is not None else {}
    if suffix == ".xmi":
        for folder in list(path.parents)[:2]:
            for candidate in (folder / "TypeSystem.xml", folder / "typesystem.xml"):
                if candidate.is_file():
                    return {"typesystem.xml": candidate.read_bytes()}
    return {}


def _files(paths: list[Path]) -> Iterator[Path]:
    """The files named, and the files in the folders named (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.parts[-1:]):
                    yield child
        else:
            yield path
