"""API tokens for scripts: shown once when made, stored only as a SHA-256.

A token works until it expires (``API_TOKEN_DAYS`` after it is made unless asked
otherwise), is revoked (by its user, an administrator, or when its user is deactivated or
taken out of a project), or its user's password changes.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotator.models import ApiToken
from annotator.models.tokens import ApiTokenStatus, password_fingerprint
from annotator.selectors.tokens import api_token_by_secret, api_token_status
from annotator.services.audit import audit_record
from annotator.text import sha256_hex

TOKEN_BYTES = 32
MAX_TOKEN_DAYS = 3650


def _described(token: ApiToken) -> dict[str, object]:
    """What the audit log says about a token: its prefix, never the rest of its secret
    nor its hash."""
    return {
        "user": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    actor: User | None = None,
    days: int | None = None,
    never_expires: bool = False,
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; return it and the secret, which is never stored.

    It expires ``days`` from now (``API_TOKEN_DAYS`` by default), or never if asked.
    """
    if never_expires and days is not None:
        raise ValidationError("A token either expires after some days or never, not both.")
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(f"A token lasts from 1 to {MAX_TOKEN_DAYS} days, not {days}.")
    now = timezone.now()
    expires_at = (
        None
        if never_expires
        else now + datetime.timedelta(days=days if days is not None else settings.API_TOKEN_DAYS)
    )
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    # A prefix that starts with "-" reads as an option on the command line
    # (`revoke_api_token -Ziu9XVp`); one secret in 64 would, so draw again (which costs
    # log2(64/63), about 0.02 of the secret's 256 bits).
    while secret.startswith("-"):
        secret = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:8],
        key_sha256=sha256_hex(secret.encode()),
        created_at=now,
        expires_at=expires_at,
        password_fingerprint=password_fingerprint(user.password),
    )
    token.full_clean(exclude=["user"])
    token.save()
    audit_record(
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.pk,
        after=_described(token),
    )
    return token, secret


def api_token_authenticate(secret: str) -> User | None:
    """The user a working token belongs to, or None; records when it was last used.

    Refused: unknown, expired and revoked tokens, those of deactivated users, and those
    made before their user's password last changed.
    """
    if not secret or len(secret) > 200:
        return None
    token = api_token_by_secret(sha256_hex(secret.encode()))
    if token is None:
        return None
    now = timezone.now()
    if api_token_status(token, now=now) != ApiTokenStatus.ACTIVE:
        return None
    # At most one write a minute per token: authentication stays a read on busy scripts.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _record_revocation(token: ApiToken, *, actor: User | None, reason: str) -> None:
    audit_record(
        actor=actor,
        action="token.revoke",
        object_type="api_token",
        object_id=token.pk,
        before=_described(token),
        after={"revoked_reason": reason},
    )


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the token is revoked.")
    max_length = ApiToken._meta.get_field("revoked_reason").max_length or 200
    return reason[:max_length]


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None, reason: str) -> bool:
    """Revoke ``token`` for good; False if it was revoked already (nothing changes)."""
    reason = _checked_reason(reason)
    current = ApiToken.objects.select_for_update().get(pk=token.pk)
    if current.revoked_at is not None:
        return False
    current.revoked_at, current.revoked_reason = timezone.now(), reason
    current.save(update_fields=["revoked_at", "revoked_reason"])
    _record_revocation(current, actor=actor, reason=reason)
    token.revoked_at, token.revoked_reason = current.revoked_at, current.revoked_reason
    return True


@transaction.atomic
def api_tokens_revoke_for_user(*, user: User, reason: str, actor: User | None = None) -> int:
    """Revoke every token of ``user`` that could still work; how many were revoked."""
    reason = _checked_reason(reason)
    now = timezone.now()
    tokens = list(
        ApiToken.objects.select_for_update()
        .filter(user=user, revoked_at__isnull=True)
        .exclude(expires_at__lte=now)
        .order_by("pk")
    )
    if not tokens:
        return 0
    ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).update(
        revoked_at=now, revoked_reason=reason
    )
    # The audit log last, after every row the change locks (the audit chain's rule).
    for token in tokens:
        _record_revocation(token, actor=actor, reason=reason)
    return len(tokens)
