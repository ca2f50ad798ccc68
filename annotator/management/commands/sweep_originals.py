"""Remove the original files no document refers to: what killed imports leave behind."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.services.originals import originals_sweep

WHAT = {
    "staged": "staged by an import that did not finish",
    "unreferenced": "no document refers to it",
    "restored": "put back under its name from a staged copy (a document refers to it)",
}


class Command(BaseCommand):
    help = (
        "Remove files under the originals folder that no document refers to: the staged files "
        "of imports that were killed, and originals left without a document. A file a document "
        "refers to is never removed. Only files unchanged for --older-than hours are touched, "
        "so that imports still running keep theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list what would be removed."
        )
        parser.add_argument(
            "--older-than",
            type=float,
            default=24.0,
            metavar="HOURS",
            help="Leave alone files changed in the last HOURS hours (default 24); longer than "
            "any import runs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than"]
        if hours < 0:
            raise CommandError("--older-than takes a number of hours, 0 or more.")
        try:
            swept = originals_sweep(
                older_than=datetime.timedelta(hours=hours), dry_run=options["dry_run"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "would remove" if options["dry_run"] else "removed"
        removed = [item for item in swept if item.kind != "restored"]
        for item in swept:
            done = "would restore" if options["dry_run"] else "restored"
            action = done if item.kind == "restored" else verb
            self.stdout.write(f"{action:<13} {item.name} ({_size(item.size)}): {WHAT[item.kind]}")
        freed = sum(item.freed for item in removed)
        self.stdout.write(
            f"{verb.capitalize()} {len(removed)} file{'' if len(removed) == 1 else 's'}: "
            f"{_size(freed)} {'would be ' if options['dry_run'] else ''}freed."
        )


def _size(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size:,} bytes"
