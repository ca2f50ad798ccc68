"""What the commands that work on one project share: the ``--project`` option, resolved."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.models import Project


class ProjectCommand(BaseCommand):
    """A command about one project, named by ``--project SLUG``.

    Commands run as the installation's operator, who may act on every project (with the
    rights of a manager); pages and the API resolve a user's access in ``annotator.access``.
    """

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="The project's slug.")

    def project(self, options: dict[str, Any]) -> Project:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with the slug {options['project']!r}.")
        return project
