"""API tokens: what ends one (expiry, revocation, a password change, deactivation, leaving
a project), the commands, the user's own tokens page, and the audit log."""

from __future__ import annotations

import datetime
import importlib
import io
import re

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from annotator.models import ApiToken, AuditEvent, Role
from annotator.models.tokens import ApiTokenStatus
from annotator.selectors.tokens import api_token_status
from annotator.services.accounts import user_deactivate
from annotator.services.projects import membership_remove, membership_set
from annotator.services.tokens import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_tokens_revoke_for_user,
)
from tests.factories import ProjectFactory, UserFactory, client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/projects/{slug}/categories"
TOKENS = "/account/tokens/"


@pytest.fixture
def member():
    user = UserFactory(username="rana")
    membership_set(project=ProjectFactory(slug="walk"), user=user, role=Role.REVIEWER)
    return user


def call_api(secret: str):
    return Client().get(API.format(slug="walk"), headers={"Authorization": f"Bearer {secret}"})


def works(secret: str) -> bool:
    response = call_api(secret)
    if response.status_code == 401:
        assert response.json()["detail"], "the API's own 401, in JSON"
        return False
    assert response.status_code == 200, response.content
    return True


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- What ends a token ----------------------------------------------------------------


def test_a_new_token_works_and_expires_after_api_token_days(member):
    token, secret = api_token_create(user=member, name="script")
    assert works(secret)
    expected = timezone.now() + datetime.timedelta(days=90)
    assert abs(token.expires_at - expected) < datetime.timedelta(minutes=1)
    assert api_token_status(token) == ApiTokenStatus.ACTIVE


def test_api_token_days_sets_the_default_lifetime(member, settings):
    settings.API_TOKEN_DAYS = 10
    token, _ = api_token_create(user=member, name="script")
    assert (token.expires_at - token.created_at) == datetime.timedelta(days=10)


def test_an_expired_token_is_refused(member):
    token, secret = api_token_create(user=member, name="script", days=1)
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=past - datetime.timedelta(days=1), expires_at=past
    )
    assert not works(secret)
    assert api_token_authenticate(secret) is None
    token.refresh_from_db()
    assert api_token_status(token) == ApiTokenStatus.EXPIRED


def test_a_token_that_never_expires_only_when_asked(member):
    token, secret = api_token_create(user=member, name="script", never_expires=True)
    assert token.expires_at is None
    assert works(secret)


def test_a_revoked_token_gets_the_apis_401(member):
    token, secret = api_token_create(user=member, name="script")
    assert api_token_revoke(token=token, actor=member, reason="leaked in a log") is True
    response = call_api(secret)
    assert response.status_code == 401
    assert "detail" in response.json()
    token.refresh_from_db()
    assert token.revoked_reason == "leaked in a log"
    assert api_token_revoke(token=token, actor=member, reason="again") is False, "once only"


def test_a_password_change_ends_every_token_made_before_it(member):
    _, secret = api_token_create(user=member, name="script")
    assert works(secret)
    member.set_password("a quite different passphrase")
    member.save()
    assert not works(secret)
    # A token made after the change works.
    _, fresh = api_token_create(user=member, name="after")
    assert works(fresh)


def test_a_password_changed_in_the_admin_ends_tokens_too(member):
    _, secret = api_token_create(user=member, name="script")
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/auth/user/{member.pk}/password/",
        {"password1": "another fine passphrase", "password2": "another fine passphrase"},
    )
    assert response.status_code == 302, response.content
    assert not works(secret)


def test_a_password_saved_unchanged_keeps_tokens(member):
    _, secret = api_token_create(user=member, name="script")
    member.first_name = "Rana"
    member.save()
    assert works(secret)


def test_a_rotated_secret_key_in_the_fallbacks_keeps_tokens(member, settings):
    _, secret = api_token_create(user=member, name="script")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    assert works(secret)
    settings.SECRET_KEY_FALLBACKS = []
    assert not works(secret)


def test_an_inactive_users_token_is_refused(member):
    _, secret = api_token_create(user=member, name="script")
    member.is_active = False
    member.save()
    assert not works(secret)


def test_deactivating_a_user_revokes_their_tokens_for_good(member):
    _, secret = api_token_create(user=member, name="script")
    assert user_deactivate(user=member, actor=None) == 1
    member.is_active = True  # reactivated: the token stays revoked
    member.save()
    assert not works(secret)
    assert ApiToken.objects.get().revoked_reason == "user deactivated"
    assert AuditEvent.objects.filter(action="user.deactivate").count() == 1


def test_the_admins_deactivate_action_revokes_tokens(member):
    _, secret = api_token_create(user=member, name="script")
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = admin.post(
        "/admin/auth/user/",
        {"action": "deactivate", "_selected_action": [member.pk]},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert ApiToken.objects.get().revoked_at is not None
    assert not works(secret)


def test_unticking_active_in_the_admins_user_form_revokes_tokens(member):
    _, secret = api_token_create(user=member, name="script")
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    joined = timezone.localtime(member.date_joined)
    response = admin.post(
        f"/admin/auth/user/{member.pk}/change/",
        {
            "username": member.username,
            "first_name": "Rana",
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            # "is_active" left out: the box unticked
        },
    )
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    assert (member.is_active, member.first_name) == (False, "Rana"), "the form's changes saved"
    token = ApiToken.objects.get()
    assert token.revoked_reason == "user deactivated"
    assert not works(secret)
    assert AuditEvent.objects.filter(action="user.deactivate", actor__username="root").exists()


def test_removing_a_member_from_a_project_revokes_their_tokens(member):
    _, secret = api_token_create(user=member, name="script")
    other = UserFactory(username="other")
    _, others = api_token_create(user=other, name="theirs")
    project = member.memberships.get().project
    membership_set(project=project, user=other, role=Role.REVIEWER)
    manager = UserFactory(username="manager")
    membership_remove(project=project, user=member, actor=manager)
    assert not works(secret)
    assert works(others), "only the removed member's tokens"
    token = ApiToken.objects.get(user=member)
    assert token.revoked_reason == "removed from project walk"
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == manager


def test_revoking_a_users_tokens_leaves_expired_and_revoked_ones_as_they_were(member):
    live, _ = api_token_create(user=member, name="live")
    gone, _ = api_token_create(user=member, name="gone")
    expired, _ = api_token_create(user=member, name="expired", days=1)
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=past - datetime.timedelta(days=1), expires_at=past
    )
    api_token_revoke(token=gone, actor=None, reason="first reason")
    assert api_tokens_revoke_for_user(user=member, reason="second reason") == 1
    reasons = dict(ApiToken.objects.values_list("name", "revoked_reason"))
    assert reasons == {"live": "second reason", "gone": "first reason", "expired": ""}
    assert live.pk in {int(e.object_id) for e in AuditEvent.objects.filter(action="token.revoke")}


def test_the_audit_log_records_creation_and_revocation_without_the_secret(member):
    token, secret = api_token_create(user=member, name="script", actor=member)
    api_token_revoke(token=token, actor=member, reason="done with it")
    events = list(AuditEvent.objects.filter(object_type="api_token").order_by("pk"))
    assert [event.action for event in events] == ["token.create", "token.revoke"]
    assert all(event.actor == member and event.object_id == str(token.pk) for event in events)
    assert events[0].after["prefix"] == token.prefix
    assert events[1].after == {"revoked_reason": "done with it"}
    for event in events:
        assert secret not in str(event.before) + str(event.after)
        assert token.key_sha256 not in str(event.before) + str(event.after)


def test_tokens_made_before_the_migration_are_tied_to_the_current_password(member):
    token, secret = api_token_create(user=member, name="old")
    ApiToken.objects.filter(pk=token.pk).update(password_fingerprint="")
    assert not works(secret)
    migration = importlib.import_module("annotator.migrations.0010_api_token_expiry")
    migration.fingerprint_existing_tokens(apps, None)
    assert works(secret)


def test_the_admin_lists_tokens_with_their_status_and_revokes_them(member):
    token, secret = api_token_create(user=member, name="script")
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = admin.get("/admin/annotator/apitoken/")
    assert page.status_code == 200
    assert ">active<" in page.content.decode()
    response = admin.post(
        "/admin/annotator/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    assert not works(secret)
    token.refresh_from_db()
    assert token.revoked_reason == "revoked in the admin"
    assert AuditEvent.objects.get(action="token.revoke").actor.username == "root"
    # Kept for the audit log: the admin cannot delete tokens.
    assert admin.get(f"/admin/annotator/apitoken/{token.pk}/delete/").status_code == 403


# --- Commands -------------------------------------------------------------------------


def test_create_api_token_takes_days_or_never_expires(member):
    secret = run("create_api_token", "rana", "--name", "nightly", "--days", "7").strip()
    token = ApiToken.objects.get(name="nightly")
    assert token.expires_at - token.created_at == datetime.timedelta(days=7)
    assert works(secret)
    run("create_api_token", "rana", "--name", "forever", "--never-expires")
    assert ApiToken.objects.get(name="forever").expires_at is None
    with pytest.raises(CommandError):
        call_command("create_api_token", "rana", "--days", "7", "--never-expires")
    with pytest.raises(CommandError, match="from 1 to"):
        call_command("create_api_token", "rana", "--days", "0")


def test_list_api_tokens_shows_each_tokens_status(member):
    active, _ = api_token_create(user=member, name="active one")
    revoked, _ = api_token_create(user=member, name="revoked one")
    api_token_revoke(token=revoked, actor=None, reason="leaked")
    other = UserFactory(username="other")
    api_token_create(user=other, name="someone else's")
    listing = run("list_api_tokens", "rana")
    lines = listing.splitlines()
    assert lines[0].split() == [
        "user",
        "name",
        "prefix",
        "created",
        "last",
        "used",
        "expires",
        "status",
    ]
    assert len(lines) == 3
    assert re.search(
        rf"active one\s+{re.escape(active.prefix)}.*\bnever\b.*\bactive$", listing, re.M
    )
    assert re.search(r"revoked one.*revoked \(leaked\)$", listing, re.M)
    assert "someone else's" not in listing
    assert "someone else's" in run("list_api_tokens")
    with pytest.raises(CommandError, match="No user"):
        call_command("list_api_tokens", "nobody")


def test_revoke_api_token_by_prefix_or_all_of_a_user(member):
    first, first_secret = api_token_create(user=member, name="first")
    _, second_secret = api_token_create(user=member, name="second")
    _, third_secret = api_token_create(user=member, name="third")
    assert "Revoked token" in run("revoke_api_token", first.prefix)
    assert not works(first_secret)
    assert works(second_secret)
    assert "was revoked already" in run("revoke_api_token", first.prefix)
    assert "Revoked 2 token(s) of rana" in run("revoke_api_token", "--user", "rana", "--all")
    assert not works(second_secret)
    assert not works(third_secret)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
    with pytest.raises(CommandError, match="No token"):
        call_command("revoke_api_token", "nothere")
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "--all")
    with pytest.raises(CommandError):
        call_command("revoke_api_token")
    with pytest.raises(CommandError, match="Say why"):
        call_command("revoke_api_token", first.prefix, "--reason", " ")


# --- The user's own tokens page -------------------------------------------------------


def test_the_page_makes_a_token_and_shows_its_secret_only_once(member):
    client = client_for(member)
    response = client.post(TOKENS, {"name": "my notebook", "days": "30"})
    assert response.status_code == 302
    assert response["Location"] == TOKENS
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (member, "my notebook")
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)
    page = client.get(TOKENS)
    assert page["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token-secret"[^>]*value="([^"]+)"', page.content.decode())[1]
    assert secret.startswith(token.prefix)
    assert works(secret)
    again = client.get(TOKENS).content.decode()
    assert secret not in again, "shown once, never again"
    assert "my notebook" in again
    assert token.prefix in again


def test_the_page_lists_a_users_tokens_with_their_status(member):
    api_token_create(user=member, name="in use")
    revoked, _ = api_token_create(user=member, name="old laptop")
    api_token_revoke(token=revoked, actor=member, reason="laptop lost")
    page = client_for(member).get(TOKENS).content.decode()
    for shown in ("in use", "old laptop", ">active<", ">revoked<", "(laptop lost)"):
        assert shown in page
    assert page.count("Revoke</button>") + page.count('value="Revoke"') == 1, "only live ones"


def test_the_page_revokes_a_users_own_token_with_a_post(member):
    token, secret = api_token_create(user=member, name="script")
    client = client_for(member)
    assert client.get(f"{TOKENS}{token.pk}/revoke/").status_code == 405
    response = client.post(f"{TOKENS}{token.pk}/revoke/")
    assert response.status_code == 302
    assert not works(secret)
    token.refresh_from_db()
    assert token.revoked_reason == "revoked by its user"
    assert "Revoked the token" in client.get(TOKENS).content.decode()


def test_the_page_needs_the_csrf_token(member):
    token, secret = api_token_create(user=member, name="script")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(TOKENS, {"name": "forged"}).status_code == 403
    assert client.post(f"{TOKENS}{token.pk}/revoke/").status_code == 403
    assert works(secret)
    assert ApiToken.objects.count() == 1


def test_a_name_is_needed(member):
    response = client_for(member).post(TOKENS, {"name": ""})
    assert response.status_code == 200
    assert ApiToken.objects.count() == 0


def test_the_tokens_page_asks_the_same_queries_whatever_the_number_of_tokens(
    member, django_assert_num_queries
):
    client = client_for(member)
    api_token_create(user=member, name="first")
    # The session, the user, the tokens with their user (for each one's status), and whether
    # the user moderates (the navigation's link to the queue).
    with django_assert_num_queries(4):
        client.get(TOKENS)
    for number in range(8):
        token, _ = api_token_create(user=member, name=f"token {number}")
        if number % 2:
            api_token_revoke(token=token, actor=None, reason="test")
    with django_assert_num_queries(4):
        page = client.get(TOKENS)
    assert page.content.decode().count("<tr") == 1 + 9


def test_the_navbar_links_to_the_tokens_page(member):
    page = client_for(member).get("/").content.decode()
    assert f'href="{TOKENS}"' in page


def test_no_token_prefix_reads_as_a_command_line_option(member, monkeypatch):
    drawn = iter(["-Ziu9XVp" + "a" * 35, "Qiu9XVp" + "b" * 36])
    monkeypatch.setattr("annotator.services.tokens.secrets.token_urlsafe", lambda n: next(drawn))
    token, secret = api_token_create(user=member, name="script")
    assert not token.prefix.startswith("-"), "a prefix with a dash cannot be revoked by name"
    assert secret.startswith("Qiu9XVp")
    assert "Revoked token" in run("revoke_api_token", token.prefix)
