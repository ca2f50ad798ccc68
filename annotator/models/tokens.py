"""API tokens for scripts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from annotator.models.documents import SHA256_HEX_LENGTH

FINGERPRINT_SALT = "annotator.tokens.password"


def api_token_default_expiry() -> datetime.datetime:
    """When a token made now stops working: ``API_TOKEN_DAYS`` from now."""
    return timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS)


def password_fingerprint(password_hash: str, secret: str | bytes | None = None) -> str:
    """An HMAC (keyed with the secret key) of a user's stored password hash.

    A token keeps the fingerprint of its user's password when it was made; any change of
    the password (the admin, ``changepassword``, a password-change page, ``set_password``
    anywhere) changes the hash and so the fingerprint, and the token stops working. The
    hash itself is never copied.
    """
    return salted_hmac(
        FINGERPRINT_SALT, password_hash, secret=secret, algorithm="sha256"
    ).hexdigest()


class ApiTokenStatus(models.TextChoices):
    ACTIVE = "active", "active"
    EXPIRED = "expired", "expired"
    REVOKED = "revoked", "revoked"
    PASSWORD_CHANGED = "password changed", "password changed since it was made"
    USER_INACTIVE = "user inactive", "its user is deactivated"


class ApiToken(models.Model):
    """A token for scripts calling the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=8, help_text="The token's first characters, to tell it apart."
    )
    key_sha256 = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        default=api_token_default_expiry,
        help_text="Empty: never (only when asked for with create_api_token --never-expires).",
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_reason = models.CharField(max_length=200, blank=True, editable=False)
    password_fingerprint = models.CharField(
        max_length=SHA256_HEX_LENGTH,
        editable=False,
        help_text="An HMAC of the user's password hash when the token was made.",
    )

    class Meta:
        ordering = ["user", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="api_token_revoked_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"
