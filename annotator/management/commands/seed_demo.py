"""Load seeds/ into the demo project and create the demo accounts (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.services.demo import demo_seed
from annotator.services.importing import Outcome
from annotator.taxonomy import TaxonomyError


class Command(BaseCommand):
    help = "Load seeds/ into the demo project and create one demo account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seeds",
            type=Path,
            default=Path(settings.BASE_DIR) / "seeds",
            help="Folder with demo.yaml, the taxonomy and the documents (default: seeds/).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo account a new generated password and print it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = demo_seed(
                seeds_dir=options["seeds"], reset_passwords=options["reset_passwords"]
            )
        except (OSError, ValueError, KeyError, TaxonomyError) as error:
            raise CommandError(f"Could not load the demo: {error}") from error

        project = report.project
        verb = "Created" if report.project_created else "Found"
        self.stdout.write(f"{verb} the demo project {project.name!r} ({project.slug}).")
        self.stdout.write(f"Taxonomy: {report.taxonomy.summary()}.")
        self.stdout.write(f"Documents: {report.imports.summary()}.")
        if report.assignments is not None:
            self.stdout.write(f"Assignments: {report.assignments.summary()}.")
        self.stdout.write(f"Demo annotations made: {report.annotations_made}.")
        for result in report.imports.results:
            if result.outcome is Outcome.FAILED:
                self.stderr.write(f"  {result.name}: {result.reason}")

        new_passwords = [account for account in report.accounts if account.password]
        if new_passwords:
            self.stdout.write(
                self.style.WARNING(
                    "Demo accounts (passwords are shown only now; keep them or reset them "
                    "with `make reset-demo-passwords`):"
                )
            )
            for account in new_passwords:
                self.stdout.write(
                    f"  {account.username:<18} {account.role.label:<10} {account.password}"
                )
        else:
            names = ", ".join(account.username for account in report.accounts)
            self.stdout.write(
                f"Demo accounts exist ({names}); to get new passwords run "
                "`make reset-demo-passwords`."
            )
        if report.imports.failed:
            raise CommandError(f"{report.imports.failed} seed document(s) failed to import.")
