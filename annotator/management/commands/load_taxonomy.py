"""Load a project's taxonomy from a JSON or YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from annotator.management.commands._project import ProjectCommand
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import TaxonomyError
from annotator.taxonomy_relations import parse_taxonomy_file


class Command(ProjectCommand):
    help = (
        "Create or update a project's categories from a JSON or YAML taxonomy file. "
        "Categories are matched by code; none is deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", type=Path, help="A .json, .yaml or .yml taxonomy file.")
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="Only add categories that are missing; leave existing ones unchanged.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options)
        path: Path = options["file"]
        try:
            taxonomy = parse_taxonomy_file(path.read_bytes(), filename=path.name)
            report = taxonomy_load(
                project=project,
                specs=taxonomy.categories,
                relation_types=taxonomy.relation_types if taxonomy.lists_relation_types else None,
                incident_roles=taxonomy.incident_roles if taxonomy.lists_incident_roles else None,
                update_existing=not options["keep_existing"],
                source=path.name,
            )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except TaxonomyError as error:
            problems = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(f"{path} was not loaded:\n{problems}") from error
        self.stdout.write(f"Taxonomy of {project.slug}: {report.summary()}.")
