"""Every page and API endpoint, with every kind of user: who gets what.

Later issues add their endpoints here. Columns: anonymous, a member of another project
only, a reviewer of the project not assigned to the document, the assigned reviewer, a
moderator, a manager, and staff (a superuser who is not a member).
"""

import json

import pytest
from django.test import Client

from annotator.models import ModerationItem, Role
from annotator.services.assignments import review_submit
from annotator.services.moderation import item_resolve, moderation_start
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    assign_reviewer,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

USERS = ("anonymous", "outsider", "unassigned", "assigned", "moderator", "manager", "staff")


@pytest.fixture
def world():
    project = ProjectFactory(slug="walk")
    category = CategoryFactory(project=project, code="detention")
    users = {
        "outsider": UserFactory(username="outsider"),
        "unassigned": UserFactory(username="unassigned"),
        "assigned": UserFactory(username="assigned"),
        "second": UserFactory(username="second"),
        "moderator": UserFactory(username="moderator"),
        "manager": UserFactory(username="manager"),
        "staff": UserFactory(username="staff", is_staff=True, is_superuser=True),
    }
    MembershipFactory(project=ProjectFactory(), user=users["outsider"], role=Role.REVIEWER)
    for name, role in [
        ("unassigned", Role.REVIEWER),
        ("assigned", Role.REVIEWER),
        ("second", Role.REVIEWER),
        ("moderator", Role.MODERATOR),
        ("manager", Role.MANAGER),
    ]:
        MembershipFactory(project=project, user=users[name], role=role)

    def document(text):
        made = make_document(project, text, assign=False)
        for name in ("assigned", "second"):
            assign_reviewer(made, users[name])
        return made

    open_doc = document("He was detained in 2017 and held for a year.")
    annotation = make_annotation(open_doc, users["assigned"], category, 7, 15)
    moderated = document("She was detained. He was beaten.")
    make_annotation(moderated, users["assigned"], category, 8, 16)
    for name in ("assigned", "second"):
        review_submit(document=moderated, reviewer=users[name])
    moderation_start(document=moderated, actor=users["moderator"])
    reconciled = document("They were detained without trial.")
    make_annotation(reconciled, users["assigned"], category, 10, 18)
    for name in ("assigned", "second"):
        review_submit(document=reconciled, reviewer=users[name])
    moderation_start(document=reconciled, actor=users["moderator"])
    for item in ModerationItem.objects.filter(document=reconciled):
        item_resolve(
            item_id=item.pk, moderator=users["moderator"], version=1, resolution="reject", spans=[]
        )
    return {
        "project": project,
        "users": users,
        "open": open_doc,
        "moderated": moderated,
        "reconciled": reconciled,
        "annotation": annotation,
        "item": ModerationItem.objects.get(document=moderated),
    }


def doc_url(world, key, suffix=""):
    return f"/projects/{world['project'].slug}/documents/{world[key].pk}/{suffix}"


# (method, url builder, body or None, expected statuses in the order of USERS)
CASES = {
    "project list": ("get", lambda w: "/", None, (302, 200, 200, 200, 200, 200, 200)),
    "document list": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/",
        None,
        (302, 404, 200, 200, 200, 200, 404),
    ),
    "auto assign": (
        "post",
        lambda w: f"/projects/{w['project'].slug}/assign/",
        {},
        (302, 404, 403, 403, 403, 302, 404),
    ),
    "next document": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/next/",
        None,
        (302, 404, 302, 302, 403, 403, 404),
    ),
    "document": ("get", lambda w: doc_url(w, "open"), None, (302, 404, 404, 200, 200, 200, 404)),
    "editor": (
        "get",
        lambda w: doc_url(w, "open", "annotate/"),
        None,
        (302, 404, 404, 200, 403, 403, 404),
    ),
    "original file": (
        "get",
        lambda w: doc_url(w, "open", "original"),
        None,
        (302, 404, 404, 200, 200, 200, 404),
    ),
    "submit": (
        "post",
        lambda w: doc_url(w, "open", "submit/"),
        {},
        (302, 404, 404, 302, 403, 403, 404),
    ),
    "assign one": (
        "post",
        lambda w: doc_url(w, "open", "assign/"),
        {"reviewer": "0"},
        (302, 404, 404, 403, 403, 302, 404),
    ),
    "retitle": (
        "post",
        lambda w: doc_url(w, "open", "title/"),
        {"title": "A corrected title"},
        (302, 404, 404, 403, 403, 302, 404),
    ),
    "reopen": (
        "post",
        lambda w: doc_url(w, "moderated", f"reviewers/{w['users']['assigned'].pk}/reopen/"),
        {},
        (302, 404, 404, 403, 302, 302, 404),
    ),
    "start moderation": (
        "post",
        lambda w: doc_url(w, "open", "moderate/"),
        {},
        (302, 404, 404, 403, 302, 302, 404),
    ),
    "feedback": (
        "get",
        lambda w: doc_url(w, "reconciled", "feedback/"),
        None,
        (302, 404, 404, 200, 403, 403, 404),
    ),
    "history": (
        "get",
        lambda w: doc_url(w, "open", "history/"),
        None,
        (302, 404, 404, 403, 200, 200, 404),
    ),
    "category colours": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/categories.css",
        None,
        (302, 404, 200, 200, 200, 200, 404),
    ),
    "import form": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/import/",
        None,
        (302, 404, 403, 403, 403, 200, 404),
    ),
    "import": (
        "post",
        lambda w: f"/projects/{w['project'].slug}/import/",
        {},
        (302, 404, 403, 403, 403, 200, 404),
    ),
    "api import": (
        "post",
        lambda w: f"/api/v1/projects/{w['project'].slug}/documents",
        {"files": "not a file"},
        (401, 404, 403, 403, 403, 400, 404),
    ),
    "export form": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/export/",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "export download": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/export/?format=csv&layer=reviewers&download=1",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "api export": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/export?format=csv&layer=reviewers",
        None,
        (401, 404, 403, 403, 200, 200, 404),
    ),
    "agreement": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/agreement/",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "agreement csv": (
        "get",
        lambda w: f"/projects/{w['project'].slug}/agreement/?download=csv",
        None,
        (302, 404, 403, 403, 200, 200, 404),
    ),
    "moderation queue": (
        "get",
        lambda w: "/moderation/",
        None,
        (302, 403, 403, 403, 200, 200, 403),
    ),
    "moderation item": (
        "get",
        lambda w: f"/moderation/items/{w['item'].pk}/",
        None,
        (302, 404, 404, 404, 200, 200, 404),
    ),
    "resolve item": (
        "post",
        lambda w: f"/moderation/items/{w['item'].pk}/",
        {"version": 1, "decision": "reject"},
        (302, 404, 404, 404, 302, 302, 404),
    ),
    "admin": ("get", lambda w: "/admin/", None, (302, 302, 302, 302, 302, 302, 200)),
    "api docs": ("get", lambda w: "/api/v1/docs", None, (302, 200, 200, 200, 200, 200, 200)),
    "api categories": (
        "get",
        lambda w: f"/api/v1/projects/{w['project'].slug}/categories",
        None,
        (401, 404, 200, 200, 200, 200, 404),
    ),
    "api document": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api list annotations": (
        "get",
        lambda w: f"/api/v1/documents/{w['open'].pk}/annotations",
        None,
        (401, 404, 404, 200, 200, 200, 404),
    ),
    "api create annotation": (
        "post_json",
        lambda w: f"/api/v1/documents/{w['open'].pk}/annotations",
        {"start": 0, "end": 2, "quote": "He", "category": "detention"},
        (401, 404, 404, 201, 403, 403, 404),
    ),
    "api change annotation": (
        "patch_json",
        lambda w: f"/api/v1/annotations/{w['annotation'].pk}",
        {"version": 1, "note": "changed"},
        (401, 404, 404, 200, 404, 404, 404),
    ),
    "api delete annotation": (
        "delete",
        lambda w: f"/api/v1/annotations/{w['annotation'].pk}?version=1",
        None,
        (401, 404, 404, 204, 404, 404, 404),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("who", USERS)
def test_who_gets_what(world, case, who):
    method, url_of, body, expected = CASES[case]
    client = Client()
    if who != "anonymous":
        client.force_login(world["users"][who])
    url = url_of(world)
    if method == "get":
        response = client.get(url)
    elif method == "post":
        response = client.post(url, body)
    elif method == "delete":
        response = client.delete(url)
    else:
        verb = getattr(client, method.removesuffix("_json"))
        response = verb(url, json.dumps(body), content_type="application/json")
    assert response.status_code == expected[USERS.index(who)], (
        f"{case}: {who} got {response.status_code}"
    )
