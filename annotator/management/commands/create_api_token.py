"""Make an API token for a user; it is printed once and stored only as a hash."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.services.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user (printed once; send it as 'Authorization: Bearer …')."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        token, secret = api_token_create(user=user, name=options["name"])
        self.stderr.write(
            f"Token {token.name!r} for {user.get_username()} (shown only now; keep it secret):"
        )
        self.stdout.write(secret)
