"""Logging in: repeated failures lock out one user name from one address (django-axes),
and a login lasts SESSION_HOURS of inactivity."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from annotator.services.tokens import api_token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery staple"  # the factories' password
HOME, AWAY = "198.51.100.7", "203.0.113.9"
MESSAGE = (
    "Too many failed logins for this account from this address; try again in 15 minutes or "
    "ask an administrator to run manage.py axes_reset_username alice."
)


@pytest.fixture
def alice():
    return UserFactory(username="alice")


def log_in(username: str, password: str = PASSWORD, address: str = HOME, url: str = LOGIN):
    """A fresh browser posting the login form from ``address`` (URL-encoded, as a browser
    sends a form without files)."""
    client = Client()
    response = client.post(
        url,
        urlencode({"username": username, "password": password}),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=address,
    )
    return client, response


def fail(username: str, times: int, address: str = HOME) -> list[int]:
    return [log_in(username, "wrong password", address)[1].status_code for _ in range(times)]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def text_of(response) -> str:
    """The page's words as a reader gets them: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_five_wrong_passwords_then_the_right_one_is_refused_with_429(alice):
    # Four failures show the form again; the fifth reaches the limit and locks.
    assert fail("alice", 5) == [200, 200, 200, 200, 429]
    client, response = log_in("alice")
    assert response.status_code == 429
    assert not logged_in(client), "the right password is refused while locked out"
    assert MESSAGE in text_of(response).replace(" .", ".")
    assert response["Retry-After"] == str(15 * 60)


def test_the_lockout_page_is_the_apps_own_accessible_page(alice):
    fail("alice", 5)
    _, response = log_in("alice")
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="en">' in page
    assert re.search(r"<h1[^>]*>Too many failed logins</h1>", page)
    assert 'role="alert"' in page
    assert "annotator/app.css" in page, "styled like every other page"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert f'href="{LOGIN}"' in page


def test_another_user_or_another_address_is_not_locked(alice):
    UserFactory(username="bob")
    fail("alice", 5)
    assert log_in("alice")[1].status_code == 429
    client, response = log_in("bob")
    assert response.status_code == 302, "another user, same address"
    assert logged_in(client)
    client, response = log_in("alice", address=AWAY)
    assert response.status_code == 302, "same user, another address"
    assert logged_in(client)


def test_failures_of_one_address_on_many_user_names_count_for_each_name(alice):
    # A stranger trying many names from one address is locked out of each in turn, and the
    # owner of an account they did not reach the limit on is not.
    for name in ("carol", "dave", "erin"):
        assert fail(name, 5)[-1] == 429
    assert log_in("alice")[1].status_code == 302


@pytest.mark.parametrize(
    "command", [("axes_reset_username", "alice"), ("axes_reset_ip", HOME), ("axes_reset",)]
)
def test_an_administrators_reset_command_lifts_the_lockout(alice, command):
    fail("alice", 5)
    assert log_in("alice")[1].status_code == 429
    call_command(*command)
    client, response = log_in("alice")
    assert response.status_code == 302
    assert logged_in(client)


def test_a_successful_login_before_the_limit_starts_the_count_again(alice):
    assert fail("alice", 4) == [200] * 4
    assert log_in("alice")[1].status_code == 302
    # Without the reset these four would make eight failures, past the limit.
    assert fail("alice", 4) == [200] * 4
    assert log_in("alice")[1].status_code == 302
    assert fail("alice", 5)[-1] == 429


def test_the_lockout_ends_after_the_cool_off(alice):
    fail("alice", 5)
    assert log_in("alice")[1].status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert log_in("alice")[1].status_code == 302


def test_the_limit_and_the_cool_off_come_from_the_settings(alice, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=45)
    assert fail("alice", 2) == [200, 429]
    _, response = log_in("alice")
    assert "try again in 45 minutes" in text_of(response)


def test_the_admins_login_is_throttled_too(alice):
    for _ in range(5):
        _, response = log_in("alice", "wrong password", url="/admin/login/?next=/admin/")
    assert response.status_code == 429
    assert "axes_reset_username alice" in text_of(response)


def test_api_tokens_are_not_counted_nor_locked_out(alice):
    _, secret = api_token_create(user=alice, name="script")
    fail("alice", 5)
    assert log_in("alice")[1].status_code == 429
    client = Client(REMOTE_ADDR=HOME)
    # The token still works for its user locked out of the login form...
    response = client.get(
        "/api/v1/projects/none/categories", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 404, "authenticated (no such project), not refused"
    # ...and wrong tokens, however many, are the API's 401 JSON, never a lockout.
    attempts = AccessAttempt.objects.count()
    for _ in range(10):
        response = client.get(
            "/api/v1/projects/none/categories", headers={"Authorization": "Bearer wrong"}
        )
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()
    assert AccessAttempt.objects.count() == attempts


def test_a_session_expires_after_session_hours_of_inactivity_and_slides_with_use(alice, settings):
    client, response = log_in("alice")
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 8 * 3600
    session = Session.objects.get()
    assert abs(
        session.expire_date - (timezone.now() + datetime.timedelta(hours=8))
    ) < datetime.timedelta(minutes=1)
    # A request soon after the last save writes nothing: reading a page is not a write.
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(hours=1))
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date < timezone.now() + datetime.timedelta(hours=2)
    # The first request after SESSION_REFRESH_SECONDS starts the time again.
    settings.SESSION_REFRESH_SECONDS = 0
    assert client.get("/").status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + datetime.timedelta(hours=7)
    # Once it has passed, the session is over.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/").status_code == 302
