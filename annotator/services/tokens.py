"""API tokens for scripts: shown once when made, stored only as a SHA-256."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from annotator.models import ApiToken
from annotator.text import sha256_hex

TOKEN_BYTES = 32


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``user``; return it and the secret, which is never stored."""
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        user=user, name=name, prefix=secret[:8], key_sha256=sha256_hex(secret.encode())
    )
    token.full_clean(exclude=["user"])
    token.save()
    return token, secret


def api_token_authenticate(secret: str) -> User | None:
    """The active user a token belongs to, or None; records when the token was last used."""
    if not secret or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_sha256=sha256_hex(secret.encode()), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # At most one write a minute per token: authentication stays a read on busy scripts.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
