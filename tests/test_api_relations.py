"""The relation API: a reviewer links their own spans; blind like spans; versions; refusals
with a reason; lists whose query count does not grow with their rows."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotator.models import AuditEvent, Relation, RelationType, Role
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

WORD = "Detained. "  # ten characters a span


@pytest.fixture
def world(project, reviewer):
    detention = CategoryFactory(project=project, code="detention")
    victim = CategoryFactory(project=project, code="victim", group="entity")
    other = UserFactory(username="other-reviewer")
    moderator = UserFactory(username="a-moderator")
    MembershipFactory(project=project, user=other, role=Role.REVIEWER)
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(project, WORD * 40)
    denies = RelationType.objects.create(project=project, code="denies", name="Denies", order=0)
    denies.source_categories.set([detention])
    denies.target_categories.set([detention])
    RelationType.objects.create(
        project=project, code="same_incident", name="Same incident", symmetric=True, order=1
    )
    spans = [make_annotation(document, reviewer, detention, n * 10, n * 10 + 8) for n in range(8)]
    return {
        "project": project,
        "detention": detention,
        "victim": victim,
        "reviewer": reviewer,
        "other": other,
        "moderator": moderator,
        "document": document,
        "spans": spans,
        "theirs": make_annotation(document, other, detention, 0, 8),
    }


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: dict):
    return client.patch(url, json.dumps(body), content_type="application/json")


def relations_url(world) -> str:
    return f"/api/v1/documents/{world['document'].pk}/relations"


def draw(client, world, source: int, target: int, kind: str = "denies", **extra):
    spans = world["spans"]
    body = {"source": spans[source].pk, "target": spans[target].pk, "type": kind, **extra}
    return post(client, relations_url(world), body)


def test_a_reviewer_draws_lists_changes_and_deletes_a_relation(reviewer_client, world):
    created = draw(reviewer_client, world, 0, 1, note="Denied by the spokesman.")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in ("source", "target", "type", "note", "version")} == {
        "source": world["spans"][0].pk,
        "target": world["spans"][1].pk,
        "type": "denies",
        "note": "Denied by the spokesman.",
        "version": 1,
    }
    listed = reviewer_client.get(relations_url(world)).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert reviewer_client.get(f"/api/v1/relations/{body['id']}").json() == listed[0]

    changed = patch(
        reviewer_client, f"/api/v1/relations/{body['id']}", {"version": 1, "type": "same_incident"}
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["type"], changed.json()["version"]) == ("same_incident", 2)

    stale = patch(reviewer_client, f"/api/v1/relations/{body['id']}", {"version": 1, "note": "x"})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2

    assert reviewer_client.delete(f"/api/v1/relations/{body['id']}?version=1").status_code == 409
    assert reviewer_client.delete(f"/api/v1/relations/{body['id']}?version=2").status_code == 204
    assert reviewer_client.get(f"/api/v1/relations/{body['id']}").status_code == 404
    actions = list(
        AuditEvent.objects.filter(object_type="relation").order_by("pk").values_list("action")
    )
    assert actions == [("relation.create",), ("relation.update",), ("relation.delete",)]


def test_a_symmetric_relation_comes_back_with_its_ends_in_one_order(reviewer_client, world):
    drawn = draw(reviewer_client, world, 3, 2, "same_incident").json()
    assert (drawn["source"], drawn["target"]) == (world["spans"][2].pk, world["spans"][3].pk)
    again = draw(reviewer_client, world, 2, 3, "same_incident")
    assert again.status_code == 400
    assert "already have a 'Same incident' relation" in again.json()["detail"]


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"type": "ghost"}, 400, "Relation type 'ghost' is not in this document's project."),
        ({"target": "theirs"}, 400, "is not one of your spans"),
        ({"target": "self"}, 400, "A relation links two different spans."),
        ({"target": "victim"}, 400, "cannot have a span of 'victim' as its target"),
        ({"note": "a\x00b"}, 400, "NUL character"),
        ({"target": 0}, 400, "Invalid input"),
    ],
)
def test_a_relation_is_refused_with_the_reason(reviewer_client, world, change, status, detail):
    spans = world["spans"]
    body = {"source": spans[0].pk, "target": spans[1].pk, "type": "denies"}
    target = change.get("target")
    if target == "theirs":
        change = {"target": world["theirs"].pk}
    elif target == "self":
        change = {"target": spans[0].pk}
    elif target == "victim":
        span = make_annotation(world["document"], world["reviewer"], world["victim"], 100, 108)
        change = {"target": span.pk}
    response = post(reviewer_client, relations_url(world), {**body, **change})
    assert response.status_code == status, response.json()
    assert detail in response.json()["detail"]
    assert not Relation.objects.exists()


def test_relations_are_blind_like_spans(reviewer_client, world):
    mine = draw(reviewer_client, world, 0, 1).json()
    for user in (world["other"], world["moderator"]):
        client = client_for(user)
        assert client.get(relations_url(world)).json() == [], f"{user} sees another's relations"
        assert client.get(f"/api/v1/relations/{mine['id']}").status_code == 404
        stolen = patch(client, f"/api/v1/relations/{mine['id']}", {"version": 1, "note": "x"})
        assert stolen.status_code == 404
    # Another reviewer cannot link the first reviewer's spans either.
    theirs = draw(client_for(world["other"]), world, 2, 3)
    assert theirs.status_code == 400
    refused = draw(client_for(world["moderator"]), world, 2, 3)
    assert refused.status_code == 403


def test_a_retired_type_is_offered_no_more_but_stays_on_its_relations(reviewer_client, world):
    drawn = draw(reviewer_client, world, 0, 1).json()
    RelationType.objects.filter(code="denies").update(retired=True)
    assert draw(reviewer_client, world, 2, 3).status_code == 400
    url = f"/api/v1/relations/{drawn['id']}"
    kept = patch(reviewer_client, url, {"version": 1, "type": "denies", "note": "Still."})
    assert kept.status_code == 200, kept.json()
    types = reviewer_client.get(f"/api/v1/projects/{world['project'].slug}/relation-types").json()
    assert [(t["code"], t["retired"]) for t in types] == [
        ("denies", True),
        ("same_incident", False),
    ]
    assert types[0]["source_categories"] == ["detention"]
    assert types[1]["symmetric"] is True


def test_deleting_a_span_through_the_api_deletes_its_relations(reviewer_client, world):
    draw(reviewer_client, world, 0, 1)
    span = world["spans"][1]
    response = reviewer_client.delete(f"/api/v1/annotations/{span.pk}?version={span.version}")
    assert response.status_code == 204
    assert reviewer_client.get(relations_url(world)).json() == []


def _queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(response.content)


def test_the_relation_list_costs_the_same_with_three_times_the_rows(reviewer_client, world):
    for n in range(2):
        draw(reviewer_client, world, n, n + 1)
    few, few_size = _queries(reviewer_client, relations_url(world))
    for n in range(2, 7):
        draw(reviewer_client, world, n, n + 1)
    many, many_size = _queries(reviewer_client, relations_url(world))
    assert many_size > few_size
    assert many == few, f"{few} queries for 2 relations, {many} for 7"


def test_the_relation_type_list_costs_the_same_with_three_times_the_rows(reviewer_client, world):
    url = f"/api/v1/projects/{world['project'].slug}/relation-types"
    few, few_size = _queries(reviewer_client, url)
    for n in range(4):
        extra = RelationType.objects.create(project=world["project"], code=f"x{n}", name="X")
        extra.source_categories.set([world["detention"], world["victim"]])
    many, many_size = _queries(reviewer_client, url)
    assert many_size > few_size
    assert many == few, f"{few} queries for 2 relation types, {many} for 6"
