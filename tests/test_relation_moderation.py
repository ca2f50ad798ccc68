"""Moderation of relations: aligned with the spans, unanimous ones into gold, contested
ones as relation items a moderator settles, with provenance and audit."""

import pytest

from annotator.models import (
    AuditEvent,
    DocumentStatus,
    GoldOrigin,
    GoldRelation,
    GoldSpan,
    ItemStatus,
    ModerationItem,
    RelationItem,
    RelationType,
    Resolution,
    Role,
)
from annotator.services.assignments import review_submit
from annotator.services.audit import audit_verify
from annotator.services.gold import gold_delete
from annotator.services.moderation import item_reopen, item_resolve
from annotator.services.moderation_start import moderation_start
from annotator.services.relation_moderation import (
    RelationItemConflict,
    RelationModerationError,
    relation_item_reopen,
    relation_item_resolve,
)
from annotator.services.relations import relation_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Officials said no one was detained. Witnesses saw mass detentions in Kashgar 🏙. "
    "Guards beat detainees, a former detainee said."
)


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    detention = CategoryFactory(project=project, code="detention")
    torture = CategoryFactory(project=project, code="torture")
    place = CategoryFactory(project=project, code="place", group="entity")
    denies = RelationType.objects.create(project=project, code="denies", name="Denies")
    denies.source_categories.set([detention])
    corroborates = RelationType.objects.create(
        project=project, code="corroborates", name="Corroborates"
    )
    alice, bob = UserFactory(username="rm-alice"), UserFactory(username="rm-bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="rm-moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(project, TEXT)
    spans = {}
    for user in (alice, bob):
        spans[user.pk] = {
            "denial": make_annotation(document, user, detention, *at("no one was detained")),
            "allegation": make_annotation(document, user, detention, *at("mass detentions")),
            "kashgar": make_annotation(document, user, place, *at("Kashgar 🏙")),
        }
    # Only Alice tagged the beating: a contested span.
    spans[alice.pk]["beating"] = make_annotation(document, alice, torture, *at("beat detainees"))
    return {
        "document": document,
        "alice": alice,
        "bob": bob,
        "moderator": moderator,
        "spans": spans,
        "types": {"denies": denies, "corroborates": corroborates},
    }


def link(world, user, source, target, type_code="denies"):
    spans = world["spans"][user.pk]
    return relation_create(
        document=world["document"],
        reviewer=user,
        source_id=spans[source].pk,
        target_id=spans[target].pk,
        relation_type=world["types"][type_code],
    )


def submit_and_align(world):
    """Submit both layers (the second submission aligns them), then align again, which
    must change nothing."""
    for user in (world["alice"], world["bob"]):
        review_submit(document=world["document"], reviewer=user)
    summary = moderation_start(document=world["document"], actor=world["moderator"])
    assert (summary.relation_items_opened, summary.unanimous_relations) == (0, 0)


def test_a_relation_both_reviewers_drew_between_gold_spans_is_unanimous_gold(world):
    for user in (world["alice"], world["bob"]):
        link(world, user, "denial", "allegation")
    submit_and_align(world)
    assert not RelationItem.objects.exists()
    (gold,) = GoldRelation.objects.filter(document=world["document"])
    assert gold.origin == GoldOrigin.UNANIMOUS
    assert (gold.source.quote, gold.target.quote) == ("no one was detained", "mass detentions")
    assert gold.proposed_by == sorted([world["alice"].pk, world["bob"].pk])


def test_different_types_become_an_item_the_moderator_settles(world):
    link(world, world["alice"], "denial", "allegation", "denies")
    link(world, world["bob"], "denial", "allegation", "corroborates")
    submit_and_align(world)
    item = RelationItem.objects.get(document=world["document"])
    assert item.kinds == ["type"]
    assert (item.first_start, item.first_end) == at("no one was detained")
    document = world["document"]
    document.refresh_from_db()
    assert document.status == DocumentStatus.IN_MODERATION, "an open relation item is open work"

    alices = item.versions[str(world["alice"].pk)]
    resolved = relation_item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=item.version,
        keep=alices,
        reason="reviewer_error",
        rationale="The officials deny it.",
    )
    assert resolved.status == ItemStatus.RESOLVED
    (gold,) = GoldRelation.objects.filter(item=item)
    assert gold.relation_type.code == "denies"
    assert gold.origin == GoldOrigin.MODERATED
    assert gold.proposed_by == [world["alice"].pk]
    assert gold.decided_by == world["moderator"]
    event = AuditEvent.objects.filter(action="relation_item.resolve").get()
    assert event.after["gold"][0]["type"] == "denies"
    assert event.before["versions"] == item.versions
    assert audit_verify().intact


def test_rejecting_all_keeps_none_and_reopening_undoes(world):
    link(world, world["alice"], "denial", "allegation")
    submit_and_align(world)
    item = RelationItem.objects.get(document=world["document"])
    assert item.kinds == ["missing"]
    item = relation_item_resolve(
        item_id=item.pk, moderator=world["moderator"], version=item.version, keep=[]
    )
    assert not GoldRelation.objects.exists()
    with pytest.raises(RelationItemConflict, match="already resolved"):
        relation_item_resolve(
            item_id=item.pk, moderator=world["moderator"], version=item.version - 1, keep=[]
        )
    item = relation_item_reopen(item_id=item.pk, moderator=world["moderator"], version=item.version)
    assert item.status == ItemStatus.OPEN


def test_only_what_a_reviewer_drew_can_be_kept(world):
    link(world, world["alice"], "denial", "allegation")
    submit_and_align(world)
    item = RelationItem.objects.get(document=world["document"])
    (drawn,) = item.versions[str(world["alice"].pk)]
    invented = ["corroborates", drawn[1], drawn[2], False]
    with pytest.raises(RelationModerationError, match="No reviewer drew a 'corroborates'"):
        relation_item_resolve(
            item_id=item.pk, moderator=world["moderator"], version=item.version, keep=[invented]
        )
    with pytest.raises(RelationModerationError, match="Each relation kept"):
        relation_item_resolve(
            item_id=item.pk, moderator=world["moderator"], version=item.version, keep=[["x"]]
        )
    assert RelationItem.objects.get(pk=item.pk).status == ItemStatus.OPEN


def test_a_relation_to_a_contested_span_waits_for_it(world):
    alice = world["alice"]
    link(world, alice, "beating", "kashgar", "corroborates")
    submit_and_align(world)
    item = RelationItem.objects.get(document=world["document"])
    with pytest.raises(RelationModerationError, match=r"no span at .* settle that passage"):
        relation_item_resolve(
            item_id=item.pk,
            moderator=world["moderator"],
            version=item.version,
            keep=item.versions[str(alice.pk)],
        )
    span_item = ModerationItem.objects.get(document=world["document"])
    item_resolve(
        item_id=span_item.pk,
        moderator=world["moderator"],
        version=span_item.version,
        resolution=Resolution.ACCEPT_REVIEWER,
        spans=span_item.versions[str(alice.pk)],
    )
    relation_item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=item.version,
        keep=item.versions[str(alice.pk)],
    )
    assert GoldRelation.objects.filter(item=item).count() == 1

    # Reopening the span's item takes the gold relation with it, in the audit log too.
    span_item.refresh_from_db()
    item_reopen(item_id=span_item.pk, moderator=world["moderator"], version=span_item.version)
    assert not GoldRelation.objects.exists()
    event = AuditEvent.objects.filter(action="gold_relation.delete").get()
    assert "reopened" in event.after["reason"]


def test_a_gold_span_removed_takes_its_relations_audited(world):
    for user in (world["alice"], world["bob"]):
        link(world, user, "denial", "allegation")
    submit_and_align(world)
    gold = GoldSpan.objects.get(document=world["document"], start=at("mass detentions")[0])
    gold_delete(gold_id=gold.pk, moderator=world["moderator"], version=gold.version)
    assert not GoldRelation.objects.exists()
    assert AuditEvent.objects.filter(action="gold_relation.delete").count() == 1


def test_realigning_unchanged_relations_keeps_their_decision(world):
    link(world, world["alice"], "denial", "allegation")
    submit_and_align(world)
    item = RelationItem.objects.get(document=world["document"])
    relation_item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=item.version,
        keep=item.versions[str(world["alice"].pk)],
    )
    moderation_start(document=world["document"], actor=world["moderator"])
    item.refresh_from_db()
    assert item.status == ItemStatus.RESOLVED
    assert GoldRelation.objects.filter(item=item).count() == 1
