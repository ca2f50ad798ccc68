"""Incident records: the model's constraints, and the services' rules (the act, the roles'
categories, single and multiple roles, involvements, versions, the layer's lock, audit,
and what deleting or recategorising a span does)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from annotator.models import AuditEvent, Incident, IncidentRole, IncidentSlot, Role
from annotator.services.annotations import (
    AnnotationForbidden,
    annotation_delete,
    annotation_update,
)
from annotator.services.assignments import review_submit
from annotator.services.incident_rules import IncidentError
from annotator.services.incidents import (
    IncidentConflict,
    IncidentGone,
    incident_create,
    incident_delete,
    incident_slot_add,
    incident_slot_remove,
    incident_update,
)
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "On 3 May police detained Ablikim in Kashgar, his sister said. "
    "Guards beat him. Officials denied it."
)
PERPETRATOR_INVOLVEMENTS = [
    {"code": "direct", "name": "Direct"},
    {"code": "indirect", "name": "Indirect"},
]


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world():
    project = ProjectFactory(slug="incidents")
    categories = {
        "detention": CategoryFactory(project=project, code="detention"),
        "torture": CategoryFactory(project=project, code="torture"),
        "victim": CategoryFactory(project=project, code="victim", group="entity"),
        "perpetrator": CategoryFactory(project=project, code="perpetrator", group="entity"),
        "place": CategoryFactory(project=project, code="place", group="entity"),
        "date": CategoryFactory(project=project, code="date", group="entity"),
    }
    categories["police"] = CategoryFactory(
        project=project, code="police", group="entity", parent=categories["perpetrator"]
    )
    reviewer, other = UserFactory(username="inc-a"), UserFactory(username="inc-b")
    for user in (reviewer, other):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    document = make_document(project, TEXT)

    def role(code, allowed, *, multiple=False, involvements=()):
        row = IncidentRole.objects.create(
            project=project,
            code=code,
            name=code.title(),
            multiple=multiple,
            involvements=list(involvements),
        )
        row.categories.set([categories[name] for name in allowed])
        return row

    roles = {
        "victims": role("victims", ["victim"], multiple=True),
        "perpetrators": role(
            "perpetrators", ["perpetrator"], multiple=True, involvements=PERPETRATOR_INVOLVEMENTS
        ),
        "place": role("place", ["place"]),
        "date": role("date", ["date"]),
        "source": role("source", [], multiple=True),
    }
    c = categories
    spans = {
        "detained": make_annotation(document, reviewer, c["detention"], *at("detained")),
        "beat": make_annotation(document, reviewer, c["torture"], *at("beat him")),
        "ablikim": make_annotation(document, reviewer, c["victim"], *at("Ablikim")),
        "police": make_annotation(document, reviewer, c["police"], *at("police")),
        "guards": make_annotation(document, reviewer, c["perpetrator"], *at("Guards")),
        "kashgar": make_annotation(document, reviewer, c["place"], *at("Kashgar")),
        "date": make_annotation(document, reviewer, c["date"], *at("3 May")),
        "sister": make_annotation(document, reviewer, c["victim"], *at("his sister")),
        "theirs": make_annotation(document, other, c["detention"], *at("detained")),
    }
    return {
        "project": project,
        "categories": categories,
        "reviewer": reviewer,
        "other": other,
        "document": document,
        "roles": roles,
        "spans": spans,
    }


def record(world, act="detained", **options):
    return incident_create(
        document=world["document"],
        reviewer=options.pop("reviewer", world["reviewer"]),
        act_id=world["spans"][act].pk,
        **options,
    )


def fill(world, incident, role, span, involvement=""):
    return incident_slot_add(
        incident_id=incident.pk,
        actor=world["reviewer"],
        role=world["roles"][role],
        annotation_id=world["spans"][span].pk,
        involvement=involvement,
    )


def test_an_incident_is_recorded_on_its_act_and_audited(world):
    incident = record(world, note="Arrest in Kashgar.", evidence_status="likely")
    assert (incident.version, incident.evidence_status) == (1, "likely")
    assert incident.taxonomy_version is None  # the factories' project has no version yet
    event = AuditEvent.objects.get(action="incident.create")
    assert event.object_type == "incident"
    assert event.object_id == str(incident.pk)
    assert event.after == {
        "id": incident.pk,
        "document": world["document"].pk,
        "act": world["spans"]["detained"].pk,
        "note": "Arrest in Kashgar.",
        "evidence_status": "likely",
        "version": 1,
        "slots": [],
        "reviewer": world["reviewer"].pk,
    }


def test_the_act_is_the_reviewers_own_violation_span_of_the_document(world):
    with pytest.raises(IncidentError, match="violation category; 'victim' is an entity"):
        record(world, act="ablikim")
    with pytest.raises(IncidentError, match="not one of your spans"):
        record(world, act="theirs")
    elsewhere = make_document(world["project"], "Detained elsewhere.", name="other.txt")
    span = make_annotation(elsewhere, world["reviewer"], world["categories"]["detention"], 0, 8)
    with pytest.raises(IncidentError, match="in another document"):
        incident_create(document=world["document"], reviewer=world["reviewer"], act_id=span.pk)
    with pytest.raises(IncidentError, match="Unknown evidence status"):
        record(world, evidence_status="rumoured")
    with pytest.raises(AnnotationForbidden, match="not assigned"):
        incident_create(
            document=world["document"], reviewer=UserFactory(), act_id=world["spans"]["beat"].pk
        )
    assert not Incident.objects.exists()


def test_roles_are_filled_with_spans_their_categories_allow(world):
    incident = record(world)
    slot = fill(world, incident, "perpetrators", "police", "direct")
    assert (slot.role.code, slot.involvement) == ("perpetrators", "direct")
    fill(world, incident, "perpetrators", "guards", "indirect")  # multiple, a subcategory above
    fill(world, incident, "victims", "ablikim")
    fill(world, incident, "source", "beat")  # no categories listed: any
    with pytest.raises(IncidentError, match="cannot be filled by a span of 'place'"):
        fill(world, incident, "victims", "kashgar")
    with pytest.raises(IncidentError, match="already fills the role 'Victims'"):
        fill(world, incident, "victims", "ablikim")
    with pytest.raises(IncidentError, match="act cannot also fill"):
        fill(world, incident, "source", "detained")
    with pytest.raises(IncidentError, match="not one of your spans"):
        fill(world, incident, "source", "theirs")
    events = AuditEvent.objects.filter(action="incident.slot_add").order_by("pk")
    assert events.count() == 4
    assert events.first().after == {
        "id": slot.pk,
        "incident": incident.pk,
        "role": "perpetrators",
        "annotation": world["spans"]["police"].pk,
        "involvement": "direct",
    }


def test_a_single_role_takes_one_span_and_involvements_are_the_roles_own(world):
    incident = record(world)
    fill(world, incident, "place", "kashgar")
    world["spans"]["kashgar2"] = make_annotation(
        world["document"], world["reviewer"], world["categories"]["place"], 0, 2
    )
    with pytest.raises(IncidentError, match="takes one span"):
        fill(world, incident, "place", "kashgar2")
    with pytest.raises(IncidentError, match="no involvement 'alleged'"):
        fill(world, incident, "perpetrators", "police", "alleged")
    with pytest.raises(IncidentError, match=r"no involvement 'direct' \(it has none\)"):
        fill(world, incident, "date", "date", "direct")


def test_the_database_keeps_a_span_once_per_role_of_an_incident(world):
    incident = record(world)
    fill(world, incident, "victims", "ablikim")
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentSlot.objects.create(
            incident=incident, role=world["roles"]["victims"], annotation=world["spans"]["ablikim"]
        )


def test_a_retired_role_or_another_projects_takes_no_new_span(world):
    incident = record(world)
    foreign = IncidentRole.objects.create(project=ProjectFactory(), code="x", name="Foreign")
    world["roles"]["foreign"] = foreign
    with pytest.raises(IncidentError, match="not in this project"):
        fill(world, incident, "foreign", "ablikim")
    world["roles"]["victims"].retired = True
    world["roles"]["victims"].save()
    with pytest.raises(IncidentError, match="retired"):
        fill(world, incident, "victims", "ablikim")


def test_an_update_changes_act_note_and_status_at_its_version_only(world):
    incident = record(world)
    fill(world, incident, "victims", "ablikim")
    changed = incident_update(
        incident_id=incident.pk,
        actor=world["reviewer"],
        version=1,
        changes={
            "note": "Checked.",
            "evidence_status": "confirmed",
            "act_id": world["spans"]["beat"].pk,
        },
    )
    assert (changed.version, changed.note, changed.act_id) == (
        2,
        "Checked.",
        world["spans"]["beat"].pk,
    )
    event = AuditEvent.objects.get(action="incident.update")
    assert (event.before["act"], event.after["act"]) == (
        world["spans"]["detained"].pk,
        world["spans"]["beat"].pk,
    )
    assert event.after["slots"][0]["role"] == "victims"
    with pytest.raises(IncidentConflict) as conflict:
        incident_update(incident_id=incident.pk, actor=world["reviewer"], version=1, changes={})
    assert conflict.value.current.version == 2
    same = incident_update(
        incident_id=incident.pk, actor=world["reviewer"], version=2, changes={"note": "Checked."}
    )
    assert same.version == 2, "no change, no new version"
    with pytest.raises(IncidentError, match="violation category"):
        incident_update(
            incident_id=incident.pk,
            actor=world["reviewer"],
            version=2,
            changes={"act_id": world["spans"]["kashgar"].pk},
        )
    fill(world, incident, "source", "detained")
    with pytest.raises(IncidentError, match="fills a role of the incident"):
        incident_update(
            incident_id=incident.pk,
            actor=world["reviewer"],
            version=2,
            changes={"act_id": world["spans"]["detained"].pk},
        )
    with pytest.raises(IncidentError, match="cannot be changed: reviewer"):
        incident_update(
            incident_id=incident.pk, actor=world["reviewer"], version=2, changes={"reviewer": 1}
        )


def test_a_delete_at_its_version_takes_its_slots_and_is_audited(world):
    incident = record(world)
    fill(world, incident, "victims", "ablikim")
    with pytest.raises(IncidentConflict):
        incident_delete(incident_id=incident.pk, actor=world["reviewer"], version=2)
    incident_delete(incident_id=incident.pk, actor=world["reviewer"], version=1)
    assert not Incident.objects.exists()
    assert not IncidentSlot.objects.exists()
    event = AuditEvent.objects.get(action="incident.delete")
    assert event.object_id == str(incident.pk)
    assert event.before["slots"][0]["annotation"] == world["spans"]["ablikim"].pk
    with pytest.raises(IncidentGone):
        incident_delete(incident_id=incident.pk, actor=world["reviewer"], version=1)


def test_a_slot_is_removed_once_and_audited(world):
    incident = record(world)
    slot = fill(world, incident, "victims", "ablikim")
    incident_slot_remove(incident_id=incident.pk, slot_id=slot.pk, actor=world["reviewer"])
    assert not IncidentSlot.objects.exists()
    event = AuditEvent.objects.get(action="incident.slot_remove")
    assert (event.object_id, event.before["id"], event.after) == (str(incident.pk), slot.pk, None)
    with pytest.raises(IncidentGone, match="Slot"):
        incident_slot_remove(incident_id=incident.pk, slot_id=slot.pk, actor=world["reviewer"])


def test_deleting_a_span_removes_its_slots_in_its_transaction_each_audited(world):
    incident = record(world)
    first = fill(world, incident, "victims", "sister")
    second = fill(world, incident, "source", "sister")
    kept = fill(world, incident, "victims", "ablikim")
    span = world["spans"]["sister"]
    annotation_delete(annotation_id=span.pk, actor=world["reviewer"], version=span.version)
    assert list(IncidentSlot.objects.values_list("pk", flat=True)) == [kept.pk]
    events = AuditEvent.objects.filter(action="incident.slot_remove").order_by("pk")
    assert [event.before["id"] for event in events] == [first.pk, second.pk]
    assert all(event.after == {"reason": f"span {span.pk} was deleted"} for event in events)
    last = AuditEvent.objects.order_by("-pk").first()
    assert last.action == "annotation.delete", "the span goes after its slots"


def test_deleting_an_incidents_act_is_refused_and_changes_nothing(world):
    incident = record(world)
    fill(world, incident, "victims", "ablikim")
    span = world["spans"]["detained"]
    with pytest.raises(IncidentError, match=f"act of incident {incident.pk}: delete the incident"):
        annotation_delete(annotation_id=span.pk, actor=world["reviewer"], version=span.version)
    span.refresh_from_db()
    assert IncidentSlot.objects.count() == 1
    assert not AuditEvent.objects.filter(action="annotation.delete").exists()


def test_a_span_keeps_no_category_its_incidents_do_not_allow(world):
    incident = record(world)
    fill(world, incident, "victims", "ablikim")
    act, victim = world["spans"]["detained"], world["spans"]["ablikim"]
    with pytest.raises(IncidentError, match="violation category"):
        annotation_update(
            annotation_id=act.pk,
            actor=world["reviewer"],
            version=act.version,
            changes={"category": world["categories"]["place"]},
        )
    with pytest.raises(IncidentError, match="remove it from the incident first"):
        annotation_update(
            annotation_id=victim.pk,
            actor=world["reviewer"],
            version=victim.version,
            changes={"category": world["categories"]["place"]},
        )
    annotation_update(
        annotation_id=act.pk,
        actor=world["reviewer"],
        version=act.version,
        changes={"category": world["categories"]["torture"]},
    )


def test_a_submitted_layer_takes_no_incident_change(world):
    incident = record(world)
    slot = fill(world, incident, "victims", "ablikim")
    review_submit(document=world["document"], reviewer=world["reviewer"])
    with pytest.raises(AnnotationForbidden, match="read-only"):
        record(world, act="beat")
    with pytest.raises(AnnotationForbidden):
        incident_update(
            incident_id=incident.pk, actor=world["reviewer"], version=1, changes={"note": "x"}
        )
    with pytest.raises(AnnotationForbidden):
        fill(world, incident, "place", "kashgar")
    with pytest.raises(AnnotationForbidden):
        incident_slot_remove(incident_id=incident.pk, slot_id=slot.pk, actor=world["reviewer"])
    with pytest.raises(AnnotationForbidden):
        incident_delete(incident_id=incident.pk, actor=world["reviewer"], version=1)


def test_an_incident_records_the_taxonomy_version_it_was_made_under(world):
    from annotator.services.taxonomy import taxonomy_version_create

    version = taxonomy_version_create(project=world["project"], actor=None)
    assert record(world).taxonomy_version_id == version.pk


def test_a_category_named_by_an_incident_role_is_in_use(world):
    from annotator.selectors.projects import categories_in_use, category_in_use

    unused = CategoryFactory(project=world["project"], code="unused")
    assert not category_in_use(unused)
    world["roles"]["source"].categories.add(unused)
    assert category_in_use(unused)
    assert unused.pk in categories_in_use(project=world["project"])
