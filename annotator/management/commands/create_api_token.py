"""Make an API token for a user; it is printed once and stored only as a hash."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.services.tokens import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a user (printed once; send it as 'Authorization: Bearer …'). "
        "It expires after API_TOKEN_DAYS days (90 by default) unless --days or "
        "--never-expires says otherwise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="What the token is for.")
        lifetime = parser.add_mutually_exclusive_group()
        lifetime.add_argument(
            "--days", type=int, help="Days until it expires (default: API_TOKEN_DAYS)."
        )
        lifetime.add_argument(
            "--never-expires",
            action="store_true",
            help="A token that never expires (it still ends when revoked, when its user "
            "is deactivated or their password changes).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            token, secret = api_token_create(
                user=user,
                name=options["name"],
                days=options["days"],
                never_expires=options["never_expires"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        expiry = (
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC"
            if token.expires_at
            else "never expires"
        )
        self.stderr.write(
            f"Token {token.name!r} for {user.get_username()}, {expiry} "
            "(shown only now; keep it secret):"
        )
        self.stdout.write(secret)
