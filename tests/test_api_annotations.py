"""The annotation API: exact offsets, validation, optimistic concurrency, who may do what."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from annotator.models import Annotation, AuditEvent, Role
from annotator.services.tokens import api_token_create
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

TEXT = "💩 detained in a camp\n𠮷 Wei was beaten.\nئاكام تۇتقۇن قىلىندى."


@pytest.fixture
def category(project):
    return CategoryFactory(project=project, code="detention", shortcut="1")


@pytest.fixture
def document(project):
    return make_document(project, TEXT, title="Exactness")


def post(client: Client, url: str, body: dict, **extra) -> object:
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def patch(client: Client, url: str, body: dict) -> object:
    return client.patch(url, json.dumps(body), content_type="application/json")


def annotations_url(document) -> str:
    return f"/api/v1/documents/{document.pk}/annotations"


def test_span_after_an_emoji_is_stored_in_code_points(reviewer_client, document, category):
    response = post(
        reviewer_client,
        annotations_url(document),
        {"start": 2, "end": 10, "quote": "detained", "category": "detention"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["start"], body["end"], body["quote"]) == (2, 10, "detained")
    assert body["version"] == 1
    assert body["evidence_status"] == "unknown"
    assert body["source_type"] == "other"
    stored = Annotation.objects.get(pk=body["id"])
    assert document.text[stored.start : stored.end] == "detained"


def test_utf16_offsets_are_refused_with_a_clear_message(reviewer_client, document, category):
    # doccano's editor stores 3-11 for "detained" here: UTF-16 units, one too far.
    response = post(
        reviewer_client,
        annotations_url(document),
        {"start": 3, "end": 11, "quote": "detained", "category": "detention"},
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "quote does not match the text at 3-11" in detail
    assert "'etained '" in detail
    assert "code points" in detail
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 5, "must not be empty"),
        (9, 4, "must not be empty"),
        (0, 10_000, f"ends beyond the text, which has {len(TEXT)} characters"),
    ],
)
def test_empty_and_out_of_range_spans_are_refused(
    reviewer_client, document, category, start, end, message
):
    response = post(
        reviewer_client,
        annotations_url(document),
        {"start": start, "end": end, "quote": "x", "category": "detention"},
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_malformed_input_is_a_400_naming_the_field(reviewer_client, document, category):
    response = post(
        reviewer_client,
        annotations_url(document),
        {
            "start": -1,
            "end": "ten",
            "quote": "",
            "category": "detention",
            "evidence_status": "sure",
        },
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    for field in ("start", "end", "quote", "evidence_status"):
        assert field in detail
    response = reviewer_client.post(
        annotations_url(document), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_category_of_another_project_is_refused(reviewer_client, document, category):
    CategoryFactory(project=ProjectFactory(), code="elsewhere")
    response = post(
        reviewer_client,
        annotations_url(document),
        {"start": 2, "end": 10, "quote": "detained", "category": "elsewhere"},
    )
    assert response.status_code == 400
    assert "not in this document's project" in response.json()["detail"]


def test_overlapping_nested_and_double_tagged_spans_are_all_kept(
    reviewer, reviewer_client, document, category, project
):
    torture = CategoryFactory(project=project, code="torture")
    spans = [(2, 10, "detention"), (2, 10, "torture"), (0, 21, "detention"), (5, 16, "detention")]
    for start, end, code in spans:
        response = post(
            reviewer_client,
            annotations_url(document),
            {"start": start, "end": end, "quote": TEXT[start:end], "category": code},
        )
        assert response.status_code == 201
    listed = reviewer_client.get(annotations_url(document)).json()
    assert [(a["start"], a["end"], a["category"]) for a in listed] == [
        (0, 21, "detention"),
        (2, 10, "detention"),
        (2, 10, "torture"),
        (5, 16, "detention"),
    ]
    assert torture.annotations.count() == 1


def test_update_moves_boundaries_and_changes_category_with_versions(
    reviewer, reviewer_client, document, category, project
):
    CategoryFactory(project=project, code="torture")
    annotation = make_annotation(document, reviewer, category, 2, 10)
    url = f"/api/v1/annotations/{annotation.pk}"
    response = patch(reviewer_client, url, {"version": 1, "category": "torture", "note": "beaten"})
    assert response.status_code == 200, response.json()
    assert response.json()["category"] == "torture"
    assert response.json()["version"] == 2

    response = patch(
        reviewer_client, url, {"version": 2, "start": 2, "end": 20, "quote": TEXT[2:20]}
    )
    assert response.status_code == 200
    assert response.json()["quote"] == "detained in a camp"
    assert response.json()["version"] == 3

    response = patch(reviewer_client, url, {"version": 3, "end": 22})
    assert response.status_code == 400
    assert "needs the new quote" in response.json()["detail"]


def test_stale_version_gets_409_with_the_current_annotation(
    reviewer, reviewer_client, document, category
):
    annotation = make_annotation(document, reviewer, category, 2, 10)
    url = f"/api/v1/annotations/{annotation.pk}"
    assert patch(reviewer_client, url, {"version": 1, "note": "first tab"}).status_code == 200
    response = patch(reviewer_client, url, {"version": 1, "note": "second tab"})
    assert response.status_code == 409
    assert response.json()["current"]["note"] == "first tab"
    assert response.json()["current"]["version"] == 2
    assert "has changed since you loaded it" in response.json()["detail"]
    response = reviewer_client.delete(f"{url}?version=1")
    assert response.status_code == 409
    annotation.refresh_from_db()
    assert annotation.note == "first tab"


def test_delete_with_current_version(reviewer, reviewer_client, document, category):
    annotation = make_annotation(document, reviewer, category, 2, 10)
    response = reviewer_client.delete(f"/api/v1/annotations/{annotation.pk}?version=1")
    assert response.status_code == 204
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_every_change_is_audited_with_before_and_after(
    reviewer, reviewer_client, document, category
):
    response = post(
        reviewer_client,
        annotations_url(document),
        {"start": 2, "end": 10, "quote": "detained", "category": "detention"},
    )
    annotation_id = response.json()["id"]
    url = f"/api/v1/annotations/{annotation_id}"
    patch(reviewer_client, url, {"version": 1, "note": "from a testimony"})
    reviewer_client.delete(f"{url}?version=2")
    events = list(AuditEvent.objects.filter(object_type="annotation").order_by("pk"))
    assert [event.action for event in events] == [
        "annotation.create",
        "annotation.update",
        "annotation.delete",
    ]
    assert all(event.actor == reviewer and event.document == document for event in events)
    assert (events[0].before, events[0].after["quote"]) == (None, "detained")
    assert (events[1].before["note"], events[1].after["note"]) == ("", "from a testimony")
    assert (events[2].before["version"], events[2].after) == (2, None)


def test_a_refused_change_writes_nothing(reviewer_client, document, category):
    post(
        reviewer_client,
        annotations_url(document),
        {"start": 3, "end": 11, "quote": "detained", "category": "detention"},
    )
    assert not AuditEvent.objects.filter(object_type="annotation").exists()


def test_token_auth_for_scripts(reviewer, document, category):
    _, secret = api_token_create(user=reviewer, name="analysis script")
    # As a script calls it: no cookie, no CSRF token, CSRF checks enforced.
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        annotations_url(document),
        json.dumps({"start": 2, "end": 10, "quote": "detained", "category": "detention"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201
    response = client.get(annotations_url(document), headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_session_writes_need_the_csrf_token(reviewer, document, category):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    body = {"start": 2, "end": 10, "quote": "detained", "category": "detention"}
    assert post(client, annotations_url(document), body).status_code == 403
    client.get(f"/projects/{document.project.slug}/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post(client, annotations_url(document), body, headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_list_queries_do_not_grow_with_annotations(
    reviewer, reviewer_client, document, category, django_assert_num_queries
):
    make_annotation(document, reviewer, category, 2, 10)
    # session, user, the document with its project and the user's role and assignment there,
    # annotations
    with django_assert_num_queries(4):
        reviewer_client.get(annotations_url(document))
    for start in range(0, 20):
        make_annotation(document, reviewer, category, start, start + 1)
    with django_assert_num_queries(4):
        response = reviewer_client.get(annotations_url(document))
    assert len(response.json()) == 21


def test_openapi_schema_describes_the_annotation_endpoints(reviewer_client):
    schema = reviewer_client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert set(paths["/api/v1/documents/{document_id}/annotations"]) == {"get", "post"}
    assert set(paths["/api/v1/annotations/{annotation_id}"]) == {"get", "patch", "delete"}
    assert "409" in paths["/api/v1/annotations/{annotation_id}"]["patch"]["responses"]
    components = schema["components"]["schemas"]
    assert {"start", "end", "quote", "category"} <= set(components["AnnotationIn"]["properties"])
    docs = reviewer_client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"//cdn" not in docs.content


# The permission matrix -------------------------------------------------------------------


@pytest.fixture
def cast(project, document, category):
    """One user of every kind, and an annotation by the project's reviewer."""
    owner = UserFactory(username="owner")
    MembershipFactory(project=project, user=owner, role=Role.REVIEWER)
    other_reviewer = UserFactory(username="other-reviewer")
    MembershipFactory(project=project, user=other_reviewer, role=Role.REVIEWER)
    assign_reviewer(document, other_reviewer)
    unassigned = UserFactory(username="unassigned-reviewer")
    MembershipFactory(project=project, user=unassigned, role=Role.REVIEWER)
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    manager = UserFactory(username="manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    outsider = UserFactory(username="outsider")
    MembershipFactory(project=ProjectFactory(), user=outsider, role=Role.REVIEWER)
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    return {
        "anonymous": None,
        "outsider": outsider,
        "staff": staff,
        "other_reviewer": other_reviewer,
        "unassigned_reviewer": unassigned,
        "moderator": moderator,
        "manager": manager,
        "owner": owner,
        "annotation": make_annotation(document, owner, category, 2, 10),
    }


# Expected status for: list, create, read one, change, delete.
MATRIX = {
    "anonymous": (401, 401, 401, 401, 401),
    "outsider": (404, 404, 404, 404, 404),
    "staff": (404, 404, 404, 404, 404),  # the admin is for staff; annotating is for members
    "unassigned_reviewer": (404, 404, 404, 404, 404),  # blind: not their document
    "other_reviewer": (200, 201, 404, 404, 404),
    "moderator": (200, 403, 404, 404, 404),
    "manager": (200, 403, 404, 404, 404),
    "owner": (200, 201, 200, 200, 204),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_permission_matrix(cast, document, who):
    client = Client()
    if cast[who] is not None:
        client.force_login(cast[who])
    annotation = cast["annotation"]
    url = f"/api/v1/annotations/{annotation.pk}"
    body = {"start": 12, "end": 16, "quote": TEXT[12:16], "category": "detention"}
    outcomes = (
        client.get(annotations_url(document)).status_code,
        post(client, annotations_url(document), body).status_code,
        client.get(url).status_code,
        patch(client, url, {"version": 1, "note": f"edited by {who}"}).status_code,
        client.delete(f"{url}?version={2 if who == 'owner' else 1}").status_code,
    )
    assert outcomes == MATRIX[who]
    listed = client.get(annotations_url(document))
    if listed.status_code == 200 and who != "owner":
        assert all(item["id"] != annotation.pk for item in listed.json()), (
            "a reviewer's spans must never be listed to anyone else"
        )
    if who != "owner":
        annotation.refresh_from_db()
        assert annotation.note == ""
