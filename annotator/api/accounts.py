"""API: a new account's owner sets their password with their one-time link, and may take
an API token at once (scripts, and people who will not use the pages)."""

from __future__ import annotations

from typing import Any

from ninja import Router

from annotator.api.schemas.base import responses
from annotator.api.schemas.projects import PasswordSetIn, PasswordSetOut
from annotator.services.accounts import user_password_set_with_link
from annotator.services.tokens import api_token_create

router = Router(tags=["accounts"])


@router.post(
    "/account/password",
    auth=None,
    response=responses({200: PasswordSetOut}, forbidden=True, too_large=True),
)
def set_password(request: Any, payload: PasswordSetIn) -> dict[str, Any]:
    """Set the password of a new account with its set-password link (the two last parts of
    its path, ``uid`` and ``token``), which it spends; no login or token is needed, the
    link is the proof. With ``api_token`` (a name), the answer carries a new API token of
    the account, shown only there. A link that does not work, or a password the password
    rules refuse, gets 400."""
    user = user_password_set_with_link(
        uidb64=payload.uid, token=payload.token, password=payload.password
    )
    secret = None
    if payload.api_token:
        _, secret = api_token_create(user=user, name=payload.api_token, actor=user)
    return {"username": user.get_username(), "api_token": secret}
