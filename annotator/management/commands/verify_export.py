"""Check an export bundle against its manifest."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.formats.bundle import verify_bundle


class Command(BaseCommand):
    help = (
        "Check that an export bundle (ZIP) is exactly what its manifest.json says: every "
        "file's SHA-256 and every document text's SHA-256."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", help="The bundle's ZIP file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["bundle"], "rb") as stream:
                result = verify_bundle(stream)
        except OSError as error:
            raise CommandError(f"Cannot read {options['bundle']}: {error.strerror}.") from None
        if not result.intact:
            for problem in result.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"The bundle does not match its manifest ({len(result.problems)} problems)."
            )
        self.stdout.write(
            f"The bundle matches its manifest: {result.files} files and "
            f"{result.documents} document texts checked."
        )
