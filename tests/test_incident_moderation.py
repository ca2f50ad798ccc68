"""Moderation of incident records: aligned by their act, unanimous ones into gold with
their slots, contested ones as incident items where a moderator keeps one reviewer's
record or none; provenance, waiting for spans, undo and audit."""

import pytest

from annotator.incident_alignment import Record, align_incidents
from annotator.models import (
    AuditEvent,
    DocumentStatus,
    GoldIncident,
    GoldIncidentSlot,
    GoldOrigin,
    GoldSpan,
    IncidentItem,
    IncidentRole,
    ItemStatus,
    Role,
)
from annotator.services.assignments import review_submit
from annotator.services.audit import audit_verify
from annotator.services.gold import gold_delete
from annotator.services.incident_moderation import (
    IncidentItemConflict,
    incident_item_reopen,
    incident_item_resolve,
)
from annotator.services.incidents import incident_create, incident_slot_add
from annotator.services.moderation_start import moderation_start
from annotator.services.relation_moderation import RelationModerationError
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TEXT = "On 3 May police detained Ablikim 𠀋 in Kashgar. Guards beat him."


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


# --- the alignment itself (pure) -----------------------------------------------------


def record(**changes):
    base = {
        "act": (10, 18),
        "category": "detention",
        "evidence_status": "likely",
        "slots": frozenset({("victims", (19, 26), "")}),
        "note": "",
    }
    return Record(**{**base, **changes})


def test_alike_records_are_unanimous_whatever_their_notes():
    (cluster,) = align_incidents({1: [record(note="one")], 2: [record(note="two")]})
    assert cluster.unanimous


@pytest.mark.parametrize(
    ("other", "kinds"),
    [
        (None, {"missing"}),
        (record(category="torture"), {"act"}),
        (record(slots=frozenset()), {"roles"}),
        (record(slots=frozenset({("victims", (19, 26), "direct")})), {"roles"}),
        (record(evidence_status="confirmed"), {"evidence"}),
    ],
    ids=["missing", "act category", "slots", "involvement", "evidence"],
)
def test_what_makes_an_incident_contested(other, kinds):
    (cluster,) = align_incidents({1: [record()], 2: [other] if other else []})
    assert cluster.kinds == kinds


def test_a_record_round_trips_through_plain_data():
    assert Record.from_dict(record(note="n").as_dict()) == record(note="n")


# --- the services ----------------------------------------------------------------------


@pytest.fixture
def world(project):
    c = {
        code: CategoryFactory(project=project, code=code, group=group)
        for code, group in (
            ("detention", "violation"),
            ("victim", "entity"),
            ("perpetrator", "entity"),
            ("place", "entity"),
            ("date", "entity"),
        )
    }
    roles = {}
    for code, allowed in (
        ("victims", "victim"),
        ("perpetrators", "perpetrator"),
        ("place", "place"),
        ("date", "date"),
    ):
        roles[code] = IncidentRole.objects.create(
            project=project,
            code=code,
            name=code.title(),
            multiple=code.endswith("s"),
            involvements=[{"code": "direct", "name": "Direct"}] if code == "perpetrators" else [],
        )
        roles[code].categories.set([c[allowed]])
    alice, bob = UserFactory(username="im-alice"), UserFactory(username="im-bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="im-moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(project, TEXT)
    spans = {}
    for user in (alice, bob):
        spans[user.pk] = {
            "detained": make_annotation(document, user, c["detention"], *at("detained")),
            "ablikim": make_annotation(document, user, c["victim"], *at("Ablikim 𠀋")),
            "police": make_annotation(document, user, c["perpetrator"], *at("police")),
            "kashgar": make_annotation(document, user, c["place"], *at("Kashgar")),
            "date": make_annotation(document, user, c["date"], *at("3 May")),
        }
    return {
        "project": project,
        "document": document,
        "alice": alice,
        "bob": bob,
        "moderator": moderator,
        "spans": spans,
        "roles": roles,
    }


def record_incident(world, user, fill, *, involvement="direct"):
    spans = world["spans"][user.pk]
    incident = incident_create(
        document=world["document"], reviewer=user, act_id=spans["detained"].pk
    )
    for role, name in fill:
        incident_slot_add(
            incident_id=incident.pk,
            actor=user,
            role=world["roles"][role],
            annotation_id=spans[name].pk,
            involvement=involvement if role == "perpetrators" else "",
        )
    return incident


FULL = [("victims", "ablikim"), ("perpetrators", "police"), ("place", "kashgar"), ("date", "date")]


def submit(world):
    for user in (world["alice"], world["bob"]):
        review_submit(document=world["document"], reviewer=user)


def test_the_same_incident_recorded_by_both_is_unanimous_gold_with_its_slots(world):
    for user in (world["alice"], world["bob"]):
        record_incident(world, user, FULL)
    submit(world)
    (gold,) = GoldIncident.objects.filter(document=world["document"])
    assert gold.origin == GoldOrigin.UNANIMOUS
    assert gold.act.quote == "detained"
    slots = {
        (slot.role.code, slot.span.quote, slot.involvement)
        for slot in GoldIncidentSlot.objects.filter(incident=gold).select_related("role", "span")
    }
    assert slots == {
        ("victims", "Ablikim 𠀋", ""),
        ("perpetrators", "police", "direct"),
        ("place", "Kashgar", ""),
        ("date", "3 May", ""),
    }
    assert not IncidentItem.objects.exists()


def test_a_missing_victim_is_an_item_the_moderator_settles_with_one_version(world):
    record_incident(world, world["alice"], FULL)
    record_incident(world, world["bob"], FULL[1:])
    submit(world)
    item = IncidentItem.objects.get(document=world["document"])
    assert item.kinds == ["roles"]
    document = world["document"]
    document.refresh_from_db()
    assert document.status == DocumentStatus.IN_MODERATION

    incident_item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=item.version,
        reviewer=world["alice"].pk,
        reason="reviewer_error",
        rationale="The report names him.",
    )
    gold = GoldIncident.objects.get(item=item)
    assert gold.proposed_by == [world["alice"].pk]
    assert gold.slots.count() == 4
    assert gold.decided_by == world["moderator"]
    with pytest.raises(IncidentItemConflict, match="already resolved"):
        incident_item_resolve(
            item_id=item.pk, moderator=world["moderator"], version=1, reviewer=None
        )
    event = AuditEvent.objects.get(action="incident_item.resolve")
    assert len(event.after["gold"][0]["slots"]) == 4
    assert audit_verify().intact

    item.refresh_from_db()
    incident_item_reopen(item_id=item.pk, moderator=world["moderator"], version=item.version)
    assert not GoldIncident.objects.exists()
    assert IncidentItem.objects.get(pk=item.pk).status == ItemStatus.OPEN


def test_rejecting_keeps_nothing_and_a_stranger_cannot_be_kept(world):
    record_incident(world, world["alice"], FULL)
    submit(world)
    item = IncidentItem.objects.get(document=world["document"])
    assert item.kinds == ["missing"]
    with pytest.raises(RelationModerationError, match="recorded no incident"):
        incident_item_resolve(
            item_id=item.pk,
            moderator=world["moderator"],
            version=item.version,
            reviewer=world["bob"].pk,
        )
    incident_item_resolve(
        item_id=item.pk, moderator=world["moderator"], version=item.version, reviewer=None
    )
    assert not GoldIncident.objects.exists()


def test_a_gold_span_removed_takes_its_slot_and_the_log_says_so(world):
    for user in (world["alice"], world["bob"]):
        record_incident(world, user, FULL)
    submit(world)
    place = GoldSpan.objects.get(document=world["document"], quote="Kashgar")
    gold_delete(gold_id=place.pk, moderator=world["moderator"], version=place.version)
    gold = GoldIncident.objects.get()
    assert gold.slots.count() == 3
    event = AuditEvent.objects.get(action="gold_incident.slot_remove")
    assert len(event.after["slots_removed"]) == 1
    act = gold.act
    gold_delete(gold_id=act.pk, moderator=world["moderator"], version=act.version)
    assert not GoldIncident.objects.exists()
    assert AuditEvent.objects.filter(action="gold_incident.delete").count() == 1


def test_realigning_keeps_an_unchanged_decision(world):
    record_incident(world, world["alice"], FULL)
    submit(world)
    item = IncidentItem.objects.get(document=world["document"])
    incident_item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=item.version,
        reviewer=world["alice"].pk,
    )
    moderation_start(document=world["document"], actor=world["moderator"])
    item.refresh_from_db()
    assert item.status == ItemStatus.RESOLVED
    assert GoldIncident.objects.filter(item=item).count() == 1


# --- the API ------------------------------------------------------------------------------


def test_the_api_settles_an_incident_item_by_letter_and_lists_gold_incidents(world):
    import json

    from tests.factories import client_for

    record_incident(world, world["alice"], FULL)
    record_incident(world, world["bob"], FULL[:2])
    submit(world)
    client = client_for(world["moderator"])
    document = world["document"]
    (item,) = client.get(f"/api/v1/documents/{document.pk}/incident-items").json()
    assert set(item["versions"]) == {"A", "B"}
    assert item["kinds"] == ["roles"]
    response = client.post(
        f"/api/v1/incident-items/{item['id']}/resolve",
        json.dumps({"version": item["version"], "reviewer": "Z"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "No reviewer 'Z'" in response.json()["detail"]
    response = client.post(
        f"/api/v1/incident-items/{item['id']}/resolve",
        json.dumps({"version": item["version"], "reviewer": "A", "reason": "reviewer_error"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    (gold,) = response.json()["gold"]
    assert gold["act_quote"] == "detained"
    assert {slot["role"]: slot["quote"] for slot in gold["slots"]} == {
        "victims": "Ablikim 𠀋",
        "perpetrators": "police",
        "place": "Kashgar",
        "date": "3 May",
    }
    assert gold["proposed_by"] == ["A"]
    listed = client.get(f"/api/v1/documents/{document.pk}/gold-incidents")
    assert listed.json() == [{**gold}]


def many_incidents(world, count: int):
    """A document of ``count`` detentions each with its victim, recorded by Alice alone
    (an incident item each) and also by Bob for the first (a gold incident once kept)."""
    text = "".join(f"Guards detained person {n}. " for n in range(count))
    document = make_document(world["project"], text, name=f"many-{count}.txt")
    detention, victim = (
        world["spans"][world["alice"].pk][name].category for name in ("detained", "ablikim")
    )
    for n in range(count):
        start = text.index(f"detained person {n}.")
        for user in (world["alice"], world["bob"]):
            act = make_annotation(document, user, detention, start, start + 8)
            person = make_annotation(document, user, victim, start + 9, start + 17)
            if user == world["alice"] or n == 0:
                incident = incident_create(document=document, reviewer=user, act_id=act.pk)
                incident_slot_add(
                    incident_id=incident.pk,
                    actor=user,
                    role=world["roles"]["victims"],
                    annotation_id=person.pk,
                )
    for user in (world["alice"], world["bob"]):
        review_submit(document=document, reviewer=user)
    return document


@pytest.mark.parametrize("path", ["incident-items", "gold-incidents"])
def test_incident_lists_cost_the_same_with_three_times_the_rows(world, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import client_for

    client = client_for(world["moderator"])
    sizes = []
    for count in (2, 6):
        document = many_incidents(world, count)
        for item in IncidentItem.objects.filter(document=document):
            incident_item_resolve(
                item_id=item.pk,
                moderator=world["moderator"],
                version=item.version,
                reviewer=world["alice"].pk,
            )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/documents/{document.pk}/{path}")
        assert response.status_code == 200, response.content
        sizes.append((len(captured), len(response.json())))
    (few, few_rows), (many, many_rows) = sizes
    assert many_rows > few_rows, f"{path}: the list did not grow"
    assert many == few, f"{path}: {few} queries for {few_rows} rows, {many} for {many_rows}"
