"""Reads of API tokens: a user's tokens, and whether a token may be used now."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from annotator.models import ApiToken
from annotator.models.tokens import ApiTokenStatus, password_fingerprint
from annotator.queries import first


def password_unchanged(token: ApiToken) -> bool:
    """Whether the token's user has the password they had when it was made.

    Fingerprints made with a key since rotated into ``SECRET_KEY_FALLBACKS`` still count,
    as Django's own sessions do.
    """
    password = token.user.password
    return any(
        constant_time_compare(token.password_fingerprint, password_fingerprint(password, key))
        for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    )


def api_token_status(token: ApiToken, *, now: datetime.datetime | None = None) -> ApiTokenStatus:
    """Whether the token works now, or the first reason it does not (with ``token.user``
    loaded, this asks nothing of the database)."""
    now = now or timezone.now()
    if token.revoked_at is not None:
        return ApiTokenStatus.REVOKED
    if token.expires_at is not None and token.expires_at <= now:
        return ApiTokenStatus.EXPIRED
    if not token.user.is_active:
        return ApiTokenStatus.USER_INACTIVE
    if not password_unchanged(token):
        return ApiTokenStatus.PASSWORD_CHANGED
    return ApiTokenStatus.ACTIVE


def api_token_list(*, user: User | None = None) -> QuerySet[ApiToken]:
    """Every token (of ``user`` if given), newest first, each with its user: one query."""
    tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
    return tokens if user is None else tokens.filter(user=user)


def api_token_of(*, user: User, pk: int) -> ApiToken | None:
    """The user's own token ``pk``, or None (another user's token is not theirs to see)."""
    return ApiToken.objects.select_related("user").filter(user=user, pk=pk).first()


def api_token_by_secret(secret_sha256: str) -> ApiToken | None:
    """The token with this hash (unique), with its user: read on every API call."""
    return first(ApiToken.objects.select_related("user").filter(key_sha256=secret_sha256))


def api_tokens_by_prefix(prefix: str, *, user: User | None = None) -> list[ApiToken]:
    """The tokens whose secret starts with ``prefix`` (of ``user`` if given)."""
    return list(api_token_list(user=user).filter(prefix=prefix))
