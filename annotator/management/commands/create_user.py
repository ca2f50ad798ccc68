"""Make an account without a password, optionally a member of a project, and print the
one-time link with which its owner sets their password."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.models import Role
from annotator.selectors.projects import project_by_slug
from annotator.services.accounts import user_create

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Create a user account without a password and print its one-time set-password link "
        "(valid three days, spent once the password is set); with --project, make it a member."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="Kept on the account; no mail is sent.")
        parser.add_argument("--project", help="The slug of a project to make the user a member of.")
        parser.add_argument(
            "--role",
            choices=Role.values,
            default=Role.REVIEWER,
            help="Their role in --project (default: reviewer).",
        )
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help=f"Where the application is served, for the link (default: {DEFAULT_BASE_URL}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = None
        if options["project"]:
            project = project_by_slug(slug=options["project"])
            if project is None:
                raise CommandError(f"No project with the slug {options['project']!r}.")
        try:
            link = user_create(
                username=options["username"],
                email=options["email"],
                project=project,
                role=options["role"],
                actor=None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        membership = f", {options['role']} of {project.slug}" if project else ""
        self.stdout.write(f"Created {link.user.get_username()}{membership}.")
        self.stdout.write(
            "Give them this link to set their password (once, within three days):\n"
            f"{options['base_url'].rstrip('/')}{link.path}"
        )
