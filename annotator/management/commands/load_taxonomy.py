"""Load a project's taxonomy from a JSON or YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.models import Project
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import TaxonomyError, parse_taxonomy


class Command(BaseCommand):
    help = (
        "Create or update a project's categories from a JSON or YAML taxonomy file. "
        "Categories are matched by code; none is deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="The project's slug.")
        parser.add_argument("file", type=Path, help="A .json, .yaml or .yml taxonomy file.")
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="Only add categories that are missing; leave existing ones unchanged.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        path: Path = options["file"]
        try:
            specs = parse_taxonomy(path.read_bytes(), filename=path.name)
            report = taxonomy_load(
                project=project, specs=specs, update_existing=not options["keep_existing"]
            )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except TaxonomyError as error:
            problems = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"{path} was not loaded:\n{problems}") from error
        self.stdout.write(f"Taxonomy of {project.slug}: {report.summary()}.")
