"""Writes on user accounts: making one for a project, its set-password link, setting the
password; deactivating one ends what it could still do.

No mail server can be assumed, so a new account gets no password and no e-mail: a
one-time *set-password link* (Django's password-reset token) is shown once to whoever made
the account, who passes it on. The link stops working once the password is set, once the
account logs in, and after ``PASSWORD_RESET_TIMEOUT`` (three days).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from annotator.models import Membership, Project, Role
from annotator.services.audit import audit_record, audited
from annotator.services.projects import membership_set
from annotator.services.tokens import api_tokens_revoke_for_user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None) -> int:
    """Deactivate ``user`` and revoke their API tokens for good (reactivating them brings
    no token back); return how many tokens were revoked.

    Only ``is_active`` is written, so that a caller holding other unsaved changes to the
    user (the admin's change form) saves them itself. Their sessions end by themselves:
    Django's authentication refuses inactive users on their next request.
    """
    was_active = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False) == 1
    user.is_active = False
    revoked = api_tokens_revoke_for_user(user=user, reason="user deactivated", actor=actor)
    if was_active:
        audit_record(
            actor=actor,
            action="user.deactivate",
            object_type="user",
            object_id=user.pk,
            before={"is_active": True},
            after={"is_active": False, "tokens_revoked": revoked},
        )
    return revoked


@dataclass(frozen=True)
class SetPasswordLink:
    """A one-time link that lets ``user`` choose their password."""

    user: User
    uidb64: str
    token: str

    @property
    def path(self) -> str:
        return reverse("set_password", kwargs={"uidb64": self.uidb64, "token": self.token})


def set_password_link(user: User) -> SetPasswordLink:
    """A new one-time set-password link for ``user`` (nothing is stored: the token is
    derived from the account's password hash and last login, so setting the password or
    logging in spends it)."""
    return SetPasswordLink(
        user=user,
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


def _checked_username(username: str) -> str:
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {
                "username": f"The user name {username!r} is taken (user names differ by more "
                "than case); add that account as a member instead."
            }
        )
    return username


@audited
def user_create(
    *,
    username: str,
    actor: User | None,
    email: str = "",
    project: Project | None = None,
    role: Role | str | None = None,
) -> SetPasswordLink:
    """Make an account without a password (it cannot log in until its owner sets one with
    the link returned), and with ``project`` make it a member with ``role``. Refused (on
    the field ``username``) for a user name that is invalid or taken, in any case."""
    user = User(username=_checked_username(username), email=email.strip())
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        project=project,
        after={"username": user.username, "email": user.email},
    )
    if project is not None:
        membership_set(project=project, user=user, role=role or Role.REVIEWER, actor=actor)
    return set_password_link(user)


@audited
def set_password_link_renew(*, project: Project, user: User, actor: User) -> SetPasswordLink:
    """A new set-password link for a member of ``project`` who has never set a password
    (the first was lost, or has expired). Refused for an account that has a password or
    has logged in, and for staff: a manager may hand out an account they made, never take
    one over."""
    if not Membership.objects.filter(project=project, user=user).exists():
        raise ValidationError({"user": f"{user} is not a member of this project."})
    if user.has_usable_password() or user.last_login is not None or user.is_staff:
        raise ValidationError(
            {
                "user": f"{user} has set a password already: only they can change it (or an "
                "administrator)."
            }
        )
    if not user.is_active:
        raise ValidationError({"user": f"The account {user} is deactivated."})
    audit_record(
        actor=actor,
        action="user.set_password_link",
        object_type="user",
        object_id=user.pk,
        project=project,
        after={"username": user.username},
    )
    return set_password_link(user)


@audited
def user_password_set(*, user: User, password: str) -> User:
    """The user chose their password through their link (already checked against the
    password validators by the form). Their API tokens stop working, as with any password
    change."""
    had_password = user.has_usable_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=user,
        action="user.set_password",
        object_type="user",
        object_id=user.pk,
        after={"first_password": not had_password},
    )
    return user


LARGEST_ID = 2**63 - 1


def set_password_link_user(*, uidb64: str, token: str) -> User | None:
    """The account a set-password link (its two parts) is for, if the link still works:
    not used, not expired, the account active and without a password it set since."""
    try:
        decoded = urlsafe_base64_decode(uidb64).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    if not decoded.isdecimal() or not 1 <= int(decoded) <= LARGEST_ID:
        return None
    user = User.objects.filter(pk=int(decoded), is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@audited
def user_password_set_with_link(*, uidb64: str, token: str, password: str) -> User:
    """Set a password with a set-password link (for scripts: the API's form of the page
    the link opens); refused (on ``token`` or ``password``) for a link that does not work
    or a password the validators refuse."""
    user = set_password_link_user(uidb64=uidb64, token=token)
    if user is None:
        raise ValidationError(
            {"token": "This set-password link does not work: used, expired or mistyped."}
        )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    return user_password_set(user=user, password=password)
