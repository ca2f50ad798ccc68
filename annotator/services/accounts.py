"""Writes on user accounts: deactivating one ends what it could still do."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from annotator.services.audit import audit_record
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
