"""A project's members: adding accounts, making them with a one-time set-password link (the
page, the command line, the API), roles, the last manager, and what becomes of a member's
open work when they leave or stop reviewing."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import ApiToken, Assignment, AuditEvent, DocumentStatus, Membership, Role
from annotator.services.accounts import user_create
from annotator.services.assignments import assignment_create, review_submit
from annotator.services.projects import membership_remove, membership_set, project_create
from annotator.services.tokens import api_token_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = UserFactory(username="manager")
    project = project_create(actor=manager, slug="team", name="Team", managers=[manager])
    reviewer = UserFactory(username="reviewer")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    return {"project": project, "manager": manager, "reviewer": reviewer}


def members_url(project, name="project_members", **kwargs) -> str:
    return reverse(name, kwargs={"project_slug": project.slug, **kwargs})


def membership(project, user) -> Membership:
    return Membership.objects.get(project=project, user=user)


def link_in(page: str) -> str:
    found = re.search(r'id="set-password-url" type="text" readonly value="([^"]+)"', page)
    assert found, "no set-password link on the page"
    return found.group(1)


# --- Adding and making accounts -------------------------------------------------------------


def test_an_existing_account_is_added_by_user_name(world):
    UserFactory(username="alice")
    client = client_for(world["manager"])
    response = client.post(
        members_url(world["project"]), {"username": "alice", "role": "moderator"}
    )
    assert response.status_code == 302
    assert membership(world["project"], User.objects.get(username="alice")).role == Role.MODERATOR
    for username, problem in [
        ("nobody", "There is no account"),
        ("alice", "already a member"),
    ]:
        response = client.post(
            members_url(world["project"]), {"username": username, "role": "reviewer"}
        )
        assert response.status_code == 200
        assert problem in str(response.context["add_form"].errors)


def test_a_new_account_gets_a_link_shown_once_that_sets_its_password_once(world):
    client = client_for(world["manager"])
    response = client.post(
        members_url(world["project"], "member_create"),
        {"username": "new-reviewer", "email": "", "role": "reviewer"},
    )
    assert response.status_code == 302
    page = client.get(members_url(world["project"]))
    assert page["Cache-Control"] == "no-store"
    link = link_in(page.content.decode())
    assert "set-password-url" not in client.get(members_url(world["project"])).content.decode()
    user = User.objects.get(username="new-reviewer")
    assert not user.has_usable_password()
    assert membership(world["project"], user).role == Role.REVIEWER

    # The owner opens it: Django's confirmation moves the token out of the address.
    visitor = Client()
    response = visitor.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("/set-password/")
    page = visitor.get(form_url)
    assert page.context["validlink"]
    response = visitor.post(
        form_url,
        {
            "new_password1": "a long enough passphrase 7",
            "new_password2": "a long enough passphrase 7",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.check_password("a long enough passphrase 7")
    login = Client().post(
        reverse("login"), {"username": "new-reviewer", "password": "a long enough passphrase 7"}
    )
    assert login.status_code == 302, "logged in"
    # Spent: the link works once.
    again = Client().get(link, follow=True)
    assert not again.context["validlink"]
    actions = list(
        AuditEvent.objects.filter(action__startswith="user.").values_list("action", flat=True)
    )
    assert actions == ["user.create", "user.set_password"]
    assert AuditEvent.objects.get(action="user.create").project == world["project"]


class _Labels(HTMLParser):
    """Each element's id and each label's ``for``, with the form (by its place) each is in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms = 0
        self.form: int | None = None
        self.ids: dict[str, list[int | None]] = {}
        self.labels: list[tuple[str, int | None]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag == "form":
            self.forms += 1
            self.form = self.forms
        if found.get("id"):
            self.ids.setdefault(found["id"], []).append(self.form)
        if tag == "label" and found.get("for"):
            self.labels.append((found["for"], self.form))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None


def assert_labels_name_their_own_fields(html: str) -> None:
    parsed = _Labels()
    parsed.feed(html)
    assert parsed.labels, "no label on the page"
    for target, form in parsed.labels:
        assert len(parsed.ids.get(target, [])) == 1, (
            f"{len(parsed.ids.get(target, []))} × #{target}"
        )
        assert parsed.ids[target] == [form], f"the label for #{target} is in another form"


def test_every_label_on_the_members_page_names_its_own_field(world):
    """The page has two forms with a "User name" and a "Role" (adding an account, making
    one) and a role form per member. With Django's default ids they shared id_username and
    id_role, and a label's ``for`` finds the first element with its id: the labels of
    "Make an account" named the fields of the form above it (a click on one focused the
    other form; a screen reader read the second form's fields without a name)."""
    client = client_for(world["manager"])
    assert_labels_name_their_own_fields(client.get(members_url(world["project"])).content.decode())
    # Refused (a name taken), the form comes back with its errors and its own ids.
    refused = client.post(
        members_url(world["project"], "member_create"),
        {"username": "reviewer", "email": "", "role": "reviewer"},
    )
    assert refused.status_code == 200
    assert refused.context["create_form"].errors
    assert_labels_name_their_own_fields(refused.content.decode())
    refused = client.post(members_url(world["project"]), {"username": "nobody", "role": "reviewer"})
    assert refused.status_code == 200
    assert refused.context["add_form"].errors
    assert_labels_name_their_own_fields(refused.content.decode())


def test_a_user_name_taken_in_any_case_is_refused(world):
    UserFactory(username="Alice")
    with pytest.raises(ValidationError, match="taken"):
        user_create(username="alice", actor=world["manager"], project=world["project"])
    with pytest.raises(ValidationError):
        user_create(username="no spaces allowed", actor=world["manager"])


def test_a_lost_link_is_made_anew_only_for_an_account_without_a_password(world):
    project, client = world["project"], client_for(world["manager"])
    user_create(username="late", actor=world["manager"], project=project)
    late = User.objects.get(username="late")
    response = client.post(members_url(project, "member_link", pk=membership(project, late).pk))
    assert response.status_code == 302
    assert "/accounts/set-password/" in link_in(client.get(members_url(project)).content.decode())
    # Someone with a password of their own cannot be taken over by a manager.
    reviewer = world["reviewer"]
    client.post(members_url(project, "member_link", pk=membership(project, reviewer).pk))
    assert "set-password-url" not in client.get(members_url(project)).content.decode()
    assert AuditEvent.objects.filter(action="user.set_password_link").count() == 1


def test_the_command_line_makes_an_account_and_prints_its_link(world):
    out = StringIO()
    call_command(
        "create_user",
        "cli-moderator",
        "--project",
        "team",
        "--role",
        "moderator",
        "--base-url",
        "https://annotator.example.org/",
        stdout=out,
    )
    text = out.getvalue()
    assert "Created cli-moderator, moderator of team." in text
    assert re.search(r"https://annotator\.example\.org/accounts/set-password/\S+/\S+/", text)
    user = User.objects.get(username="cli-moderator")
    assert membership(world["project"], user).role == Role.MODERATOR
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No project"):
        call_command("create_user", "x", "--project", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="taken"):
        call_command("create_user", "CLI-moderator", stdout=StringIO())


def test_the_api_sets_a_password_with_the_link_and_gives_a_token(world):
    link = user_create(username="script-user", actor=world["manager"], project=world["project"])
    body = {"uid": link.uidb64, "token": link.token, "password": "short"}
    response = Client().post(
        "/api/v1/account/password", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "password"
    body |= {"password": "a long enough passphrase 8", "api_token": "my script"}
    response = Client().post(
        "/api/v1/account/password", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    secret = response.json()["api_token"]
    projects = Client().get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"})
    assert [p["slug"] for p in projects.json()] == ["team"]
    response = Client().post(
        "/api/v1/account/password", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "token"
    for uid in ("", "!!", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "MA"):
        response = Client().post(
            "/api/v1/account/password",
            json.dumps({**body, "uid": uid or "x"}),
            content_type="application/json",
        )
        assert response.status_code == 400


# --- Roles, and a project's last manager -----------------------------------------------------


def test_roles_change_and_the_last_manager_stays(world):
    project, client = world["project"], client_for(world["manager"])
    reviewer = world["reviewer"]
    client.post(
        members_url(project, "member_role", pk=membership(project, reviewer).pk),
        {"role": "moderator"},
    )
    assert membership(project, reviewer).role == Role.MODERATOR
    mine = membership(project, world["manager"]).pk
    client.post(members_url(project, "member_role", pk=mine), {"role": "reviewer"})
    assert membership(project, world["manager"]).role == Role.MANAGER, "the last manager"
    client.post(members_url(project, "member_remove", pk=mine))
    assert Membership.objects.filter(pk=mine).exists()
    with pytest.raises(ValidationError, match="last manager"):
        membership_remove(project=project, user=world["manager"], actor=None)
    # With a second manager, the first may step down.
    membership_set(project=project, user=reviewer, role=Role.MANAGER, actor=world["manager"])
    client.post(members_url(project, "member_role", pk=mine), {"role": "moderator"})
    assert membership(project, world["manager"]).role == Role.MODERATOR


# --- A member's open work when they leave ----------------------------------------------------


@pytest.fixture
def work(world):
    """The reviewer on three documents: one not started, one started, one submitted; a
    second reviewer on each."""
    project, manager, reviewer = world["project"], world["manager"], world["reviewer"]
    second = UserFactory(username="second")
    MembershipFactory(project=project, user=second, role=Role.REVIEWER)
    category = CategoryFactory(project=project, code="detention")
    documents = {
        name: make_document(project, f"{name}: he was detained.", assign=False)
        for name in ("untouched", "started", "submitted", "deleted")
    }
    for document in documents.values():
        for user in (reviewer, second):
            assignment_create(document=document, reviewer=user, actor=manager)
    make_annotation(documents["started"], reviewer, category, 0, 7)
    make_annotation(documents["submitted"], reviewer, category, 0, 9)
    review_submit(document=documents["submitted"], reviewer=reviewer)
    # A span saved and deleted since: started all the same.
    from annotator.services.annotations import annotation_delete

    gone = make_annotation(documents["deleted"], reviewer, category, 0, 7)
    annotation_delete(annotation_id=gone.pk, actor=reviewer, version=1)
    api_token_create(user=reviewer, name="theirs")
    return {**world, "documents": documents, "second": second}


def test_removing_a_reviewer_unassigns_only_what_they_had_not_started(work):
    project, reviewer, documents = work["project"], work["reviewer"], work["documents"]
    client = client_for(work["manager"])
    response = client.post(
        members_url(project, "member_remove", pk=membership(project, reviewer).pk)
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(project=project, user=reviewer).exists()
    theirs = set(
        Assignment.objects.filter(reviewer=reviewer).values_list(
            "document__source_filename", "submitted_at"
        )
    )
    kept = {
        document.pk
        for document in documents.values()
        if Assignment.objects.filter(document=document, reviewer=reviewer).exists()
    }
    assert kept == {documents[n].pk for n in ("started", "submitted", "deleted")}, theirs
    assert Assignment.objects.filter(document=documents["untouched"]).count() == 1
    assert (
        Assignment.objects.filter(document=documents["started"], reviewer=reviewer)
        .get()
        .submitted_at
        is None
    )
    # Their spans stay, submitted or not.
    assert reviewer.annotations.count() == 2
    [deleted] = AuditEvent.objects.filter(action="assignment.delete")
    assert deleted.before == {"document": documents["untouched"].pk, "reviewer": reviewer.pk}
    assert not ApiToken.objects.filter(user=reviewer, revoked_at=None).exists()
    documents["untouched"].refresh_from_db()
    assert documents["untouched"].status == DocumentStatus.IN_ANNOTATION
    # Re-added, their started work is theirs again.
    membership_set(project=project, user=reviewer, role=Role.REVIEWER, actor=work["manager"])
    assert reviewer.annotations.filter(document=documents["started"]).count() == 1


def test_a_reviewer_given_another_role_is_released_the_same_way(work):
    project, reviewer, documents = work["project"], work["reviewer"], work["documents"]
    membership_set(project=project, user=reviewer, role=Role.MODERATOR, actor=work["manager"])
    assert not Assignment.objects.filter(
        document=documents["untouched"], reviewer=reviewer
    ).exists()
    assert Assignment.objects.filter(reviewer=reviewer).count() == 3


def test_the_members_page_costs_the_same_with_more_members(world, django_assert_num_queries):
    client = client_for(world["manager"])
    page = members_url(world["project"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    before = len(captured.captured_queries)
    for number in range(15):
        user = UserFactory(username=f"member-{number}")
        MembershipFactory(project=world["project"], user=user, role=Role.REVIEWER)
        document = make_document(world["project"], f"Document {number}.", assign=False)
        assignment_create(document=document, reviewer=user, actor=world["manager"])
    with django_assert_num_queries(before):
        client.get(page)
