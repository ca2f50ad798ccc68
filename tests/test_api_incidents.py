"""The incident API: a reviewer records incidents from their own spans and fills their
roles; blind like spans; versions; refusals with a reason; lists whose query count does
not grow with their rows."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotator.models import AuditEvent, Incident, IncidentRole, Role
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
    perpetrator = CategoryFactory(project=project, code="perpetrator", group="entity")
    other = UserFactory(username="other-reviewer")
    moderator = UserFactory(username="a-moderator")
    MembershipFactory(project=project, user=other, role=Role.REVIEWER)
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(project, WORD * 40)
    victims = IncidentRole.objects.create(
        project=project, code="victims", name="Victims", multiple=True, order=0
    )
    victims.categories.set([victim])
    perpetrators = IncidentRole.objects.create(
        project=project,
        code="perpetrators",
        name="Perpetrators",
        multiple=True,
        involvements=[{"code": "direct", "name": "Direct"}, {"code": "alleged", "name": "Alleged"}],
        order=1,
    )
    perpetrators.categories.set([perpetrator])
    acts = [make_annotation(document, reviewer, detention, n * 10, n * 10 + 8) for n in range(8)]
    victim_spans = [
        make_annotation(document, reviewer, victim, n * 10, n * 10 + 8) for n in range(8, 16)
    ]
    return {
        "project": project,
        "detention": detention,
        "victim": victim,
        "perpetrator": perpetrator,
        "reviewer": reviewer,
        "other": other,
        "moderator": moderator,
        "document": document,
        "acts": acts,
        "victims": victim_spans,
        "police": make_annotation(document, reviewer, perpetrator, 160, 168),
        "theirs": make_annotation(document, other, detention, 0, 8),
    }


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: dict):
    return client.patch(url, json.dumps(body), content_type="application/json")


def incidents_url(world) -> str:
    return f"/api/v1/documents/{world['document'].pk}/incidents"


def record(client, world, act: int = 0, **extra):
    return post(client, incidents_url(world), {"act": world["acts"][act].pk, **extra})


def fill(client, incident_id: int, role: str, annotation: int, involvement: str = ""):
    body = {"role": role, "annotation": annotation, "involvement": involvement}
    return post(client, f"/api/v1/incidents/{incident_id}/slots", body)


def test_a_reviewer_records_fills_changes_and_deletes_an_incident(reviewer_client, world):
    created = record(reviewer_client, world, note="Arrest.", evidence_status="likely")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert {key: body[key] for key in ("act", "note", "evidence_status", "version", "slots")} == {
        "act": world["acts"][0].pk,
        "note": "Arrest.",
        "evidence_status": "likely",
        "version": 1,
        "slots": [],
    }
    url = f"/api/v1/incidents/{body['id']}"
    slot = fill(reviewer_client, body["id"], "perpetrators", world["police"].pk, "direct")
    assert slot.status_code == 201, slot.json()
    assert slot.json() == {
        "id": slot.json()["id"],
        "incident": body["id"],
        "role": "perpetrators",
        "annotation": world["police"].pk,
        "involvement": "direct",
    }
    assert fill(reviewer_client, body["id"], "victims", world["victims"][0].pk).status_code == 201
    listed = reviewer_client.get(incidents_url(world)).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert [s["role"] for s in listed[0]["slots"]] == ["victims", "perpetrators"], "roles' order"
    assert reviewer_client.get(url).json() == listed[0]

    changed = patch(reviewer_client, url, {"version": 1, "act": world["acts"][1].pk})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["act"], changed.json()["version"]) == (world["acts"][1].pk, 2)
    stale = patch(reviewer_client, url, {"version": 1, "note": "x"})
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2

    removed = reviewer_client.delete(f"{url}/slots/{slot.json()['id']}")
    assert removed.status_code == 204
    assert reviewer_client.delete(f"{url}/slots/{slot.json()['id']}").status_code == 404
    assert reviewer_client.delete(f"{url}?version=1").status_code == 409
    assert reviewer_client.delete(f"{url}?version=2").status_code == 204
    assert reviewer_client.get(url).status_code == 404
    actions = [
        action
        for (action,) in AuditEvent.objects.filter(object_type="incident")
        .order_by("pk")
        .values_list("action")
    ]
    assert actions == [
        "incident.create",
        "incident.slot_add",
        "incident.slot_add",
        "incident.update",
        "incident.slot_remove",
        "incident.delete",
    ]


@pytest.mark.parametrize(
    ("role", "span", "involvement", "detail"),
    [
        ("ghost", "victim", "", "Incident role 'ghost' is not in this document's project."),
        ("victims", "police", "", "cannot be filled by a span of 'perpetrator'"),
        ("victims", "theirs", "", "is not one of your spans"),
        ("perpetrators", "police", "indirect", "no involvement 'indirect'"),
        ("victims", "victim", "a\x00b", "NUL character"),
    ],
)
def test_a_slot_is_refused_with_the_reason(reviewer_client, world, role, span, involvement, detail):
    incident = record(reviewer_client, world).json()
    annotation = {"victim": world["victims"][0], "police": world["police"]}.get(span)
    annotation = annotation or world["theirs"]
    response = fill(reviewer_client, incident["id"], role, annotation.pk, involvement)
    assert response.status_code == 400, response.json()
    assert detail in response.json()["detail"]


def test_an_incident_is_refused_with_the_reason(reviewer_client, world):
    victim = post(reviewer_client, incidents_url(world), {"act": world["victims"][0].pk})
    assert victim.status_code == 400
    assert "violation category" in victim.json()["detail"]
    bad = record(reviewer_client, world, evidence_status="rumoured")
    assert bad.status_code == 400
    assert "Invalid input" in bad.json()["detail"]
    assert not Incident.objects.exists()


def test_incidents_are_blind_like_spans(reviewer_client, world):
    mine = record(reviewer_client, world).json()
    for user in (world["other"], world["moderator"]):
        client = client_for(user)
        assert client.get(incidents_url(world)).json() == [], f"{user} sees another's incidents"
        assert client.get(f"/api/v1/incidents/{mine['id']}").status_code == 404
        stolen = patch(client, f"/api/v1/incidents/{mine['id']}", {"version": 1, "note": "x"})
        assert stolen.status_code == 404
        assert fill(client, mine["id"], "victims", world["victims"][0].pk).status_code == 404
    assert record(client_for(world["other"]), world).status_code == 400
    assert record(client_for(world["moderator"]), world).status_code == 403


def test_deleting_spans_through_the_api_keeps_incidents_right(reviewer_client, world):
    incident = record(reviewer_client, world).json()
    fill(reviewer_client, incident["id"], "victims", world["victims"][0].pk)
    act, victim = world["acts"][0], world["victims"][0]
    refused = reviewer_client.delete(f"/api/v1/annotations/{act.pk}?version={act.version}")
    assert refused.status_code == 400
    assert f"act of incident {incident['id']}" in refused.json()["detail"]
    gone = reviewer_client.delete(f"/api/v1/annotations/{victim.pk}?version={victim.version}")
    assert gone.status_code == 204
    assert reviewer_client.get(incidents_url(world)).json()[0]["slots"] == []


def test_the_roles_are_listed_with_their_categories_and_involvements(reviewer_client, world):
    IncidentRole.objects.filter(code="victims").update(retired=True)
    roles = reviewer_client.get(f"/api/v1/projects/{world['project'].slug}/incident-roles").json()
    assert [(r["code"], r["retired"], r["multiple"]) for r in roles] == [
        ("victims", True, True),
        ("perpetrators", False, True),
    ]
    assert roles[0]["categories"] == ["victim"]
    assert roles[1]["involvements"] == [
        {"code": "direct", "name": "Direct"},
        {"code": "alleged", "name": "Alleged"},
    ]


def _queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), len(response.content)


def test_the_incident_list_costs_the_same_with_three_times_the_rows(reviewer_client, world):
    def add(n):
        incident = record(reviewer_client, world, n).json()
        fill(reviewer_client, incident["id"], "victims", world["victims"][n].pk)
        fill(reviewer_client, incident["id"], "perpetrators", world["police"].pk, "alleged")

    for n in range(2):
        add(n)
    few, few_size = _queries(reviewer_client, incidents_url(world))
    for n in range(2, 7):
        add(n)
    many, many_size = _queries(reviewer_client, incidents_url(world))
    assert many_size > few_size
    assert many == few, f"{few} queries for 2 incidents, {many} for 7"


def test_the_role_list_costs_the_same_with_three_times_the_rows(reviewer_client, world):
    url = f"/api/v1/projects/{world['project'].slug}/incident-roles"
    few, few_size = _queries(reviewer_client, url)
    for n in range(4):
        extra = IncidentRole.objects.create(project=world["project"], code=f"x{n}", name="X")
        extra.categories.set([world["detention"], world["victim"]])
    many, many_size = _queries(reviewer_client, url)
    assert many_size > few_size
    assert many == few, f"{few} queries for 2 roles, {many} for 6"
