"""List API tokens: whose, what for, when made, last used and expiring, and whether they
still work. Secrets are never shown (only their first characters, the prefix)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from annotator.selectors.tokens import api_token_list, api_token_status

COLUMNS = ("user", "name", "prefix", "created", "last used", "expires", "status")


def _when(moment: datetime.datetime | None, empty: str) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else empty


class Command(BaseCommand):
    help = "List API tokens (of USER, or everyone's) with their status. Times are UTC."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="Only this user's tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["username"]:
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"No user {options['username']!r}.")
        now = timezone.now()
        rows = [
            (
                token.user.get_username(),
                token.name,
                token.prefix,
                _when(token.created_at, ""),
                _when(token.last_used_at, "never"),
                _when(token.expires_at, "never"),
                str(api_token_status(token, now=now))
                + (f" ({token.revoked_reason})" if token.revoked_at else ""),
            )
            for token in api_token_list(user=user)
        ]
        if not rows:
            self.stderr.write("No tokens.")
            return
        widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
