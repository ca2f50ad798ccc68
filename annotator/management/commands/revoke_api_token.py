"""Revoke API tokens for good: one by its prefix, or all of a user's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotator.selectors.tokens import api_tokens_by_prefix
from annotator.services.tokens import api_token_revoke, api_tokens_revoke_for_user


class Command(BaseCommand):
    help = (
        "Revoke an API token by its prefix (see list_api_tokens), or every token of a user "
        "with --user USER --all. A revoked token never works again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", nargs="?", help="The token's prefix, as listed.")
        parser.add_argument("--user", help="Whose token(s).")
        parser.add_argument("--all", action="store_true", help="Every token of --user.")
        parser.add_argument(
            "--reason", default="revoked with manage.py revoke_api_token", help="Why."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.revoke(options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

    def revoke(self, options: dict[str, Any]) -> None:
        prefix, username, every = options["prefix"], options["user"], options["all"]
        if every == bool(prefix):
            raise CommandError("Give a token's PREFIX, or --user USER --all (not both).")
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user {username!r}.")
        if every:
            if user is None:
                raise CommandError("--all needs --user USER.")
            count = api_tokens_revoke_for_user(user=user, reason=options["reason"])
            self.stdout.write(f"Revoked {count} token(s) of {user.get_username()}.")
            return
        tokens = api_tokens_by_prefix(prefix, user=user)
        if not tokens:
            raise CommandError(f"No token with the prefix {prefix!r}.")
        if len(tokens) > 1:
            owners = ", ".join(sorted({token.user.get_username() for token in tokens}))
            raise CommandError(
                f"{len(tokens)} tokens have the prefix {prefix!r} (of {owners}): "
                "say whose with --user."
            )
        token = tokens[0]
        if not api_token_revoke(token=token, actor=None, reason=options["reason"]):
            self.stdout.write(f"Token {token.prefix} was revoked already.")
            return
        self.stdout.write(
            f"Revoked token {token.prefix} ({token.name!r}) of {token.user.get_username()}."
        )
