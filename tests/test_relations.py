"""Relations between spans: the model's constraints, and the services' rules (ends, types,
symmetric storage, versions, the layer's lock, audit, and what deleting a span does)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from annotator.models import AuditEvent, Relation, RelationType, Role
from annotator.services.annotations import (
    AnnotationForbidden,
    annotation_delete,
    annotation_update,
)
from annotator.services.assignments import review_submit
from annotator.services.relations import (
    RelationConflict,
    RelationError,
    RelationGone,
    relation_create,
    relation_delete,
    relation_update,
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
    "Officials said no one was detained. Witnesses saw mass detentions in Kashgar. "
    "Camp guards beat detainees."
)


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world():
    project = ProjectFactory(slug="relations")
    detention = CategoryFactory(project=project, code="detention")
    disappearance = CategoryFactory(project=project, code="disappearance", parent=detention)
    torture = CategoryFactory(project=project, code="torture")
    place = CategoryFactory(project=project, code="place", group="entity")
    reviewer, other = UserFactory(username="rel-a"), UserFactory(username="rel-b")
    for user in (reviewer, other):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    document = make_document(project, TEXT)
    denies = RelationType.objects.create(project=project, code="denies", name="Denies")
    denies.source_categories.set([detention, torture])
    denies.target_categories.set([detention, torture])
    same = RelationType.objects.create(
        project=project, code="same_incident", name="Same incident", symmetric=True
    )
    spans = {
        "denial": make_annotation(document, reviewer, detention, *at("no one was detained")),
        "allegation": make_annotation(document, reviewer, detention, *at("mass detentions")),
        "beating": make_annotation(document, reviewer, torture, *at("beat detainees")),
        "kashgar": make_annotation(document, reviewer, place, *at("Kashgar")),
        "theirs": make_annotation(document, other, detention, *at("mass detentions")),
    }
    return {
        "project": project,
        "categories": {
            "detention": detention,
            "disappearance": disappearance,
            "torture": torture,
            "place": place,
        },
        "reviewer": reviewer,
        "other": other,
        "document": document,
        "denies": denies,
        "same": same,
        "spans": spans,
    }


def link(world, source, target, relation_type="denies", **options):
    return relation_create(
        document=world["document"],
        reviewer=options.pop("reviewer", world["reviewer"]),
        source_id=world["spans"][source].pk,
        target_id=world["spans"][target].pk,
        relation_type=world[relation_type],
        **options,
    )


def test_a_denial_is_linked_to_its_allegation_and_audited(world):
    relation = link(world, "denial", "allegation", note="The government's denial.")
    assert (relation.source_id, relation.target_id) == (
        world["spans"]["denial"].pk,
        world["spans"]["allegation"].pk,
    )
    assert relation.version == 1
    assert relation.taxonomy_version is None  # the factories' project has no version yet
    event = AuditEvent.objects.get(action="relation.create")
    assert event.object_id == str(relation.pk)
    assert event.after == {
        "id": relation.pk,
        "document": world["document"].pk,
        "source": world["spans"]["denial"].pk,
        "target": world["spans"]["allegation"].pk,
        "type": "denies",
        "note": "The government's denial.",
        "version": 1,
        "reviewer": world["reviewer"].pk,
        "symmetric": False,
    }


def test_the_database_refuses_a_relation_of_a_span_to_itself_and_a_repeat(world):
    span = world["spans"]["denial"]
    fields = {"document": world["document"], "reviewer": world["reviewer"]}
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(**fields, source=span, target=span, relation_type=world["denies"])
    other = world["spans"]["allegation"]
    Relation.objects.create(**fields, source=span, target=other, relation_type=world["denies"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Relation.objects.create(**fields, source=span, target=other, relation_type=world["denies"])


def test_the_service_refuses_a_span_to_itself_and_a_repeat(world):
    with pytest.raises(RelationError, match="two different spans"):
        link(world, "denial", "denial")
    link(world, "denial", "allegation")
    with pytest.raises(RelationError, match="already have a 'Denies' relation"):
        link(world, "denial", "allegation")
    link(world, "allegation", "denial")  # directed: the other way is another relation


def test_both_ends_must_be_the_reviewers_own_spans_of_the_document(world):
    with pytest.raises(RelationError, match="not one of your spans"):
        link(world, "denial", "theirs")
    elsewhere = make_document(world["project"], "Detained elsewhere.", name="other.txt")
    span = make_annotation(elsewhere, world["reviewer"], world["categories"]["detention"], 0, 8)
    with pytest.raises(RelationError, match="in another document"):
        relation_create(
            document=world["document"],
            reviewer=world["reviewer"],
            source_id=world["spans"]["denial"].pk,
            target_id=span.pk,
            relation_type=world["denies"],
        )
    with pytest.raises(RelationError, match="not one of your spans"):
        relation_create(
            document=world["document"],
            reviewer=world["reviewer"],
            source_id=world["spans"]["denial"].pk,
            target_id=10**12,
            relation_type=world["denies"],
        )
    assert not Relation.objects.exists()


def test_the_type_allows_only_its_categories_at_each_end_and_their_subcategories(world):
    with pytest.raises(RelationError, match="cannot have a span of 'place' as its target"):
        link(world, "denial", "kashgar")
    span = world["spans"]["allegation"]
    annotation_update(
        annotation_id=span.pk,
        actor=world["reviewer"],
        version=span.version,
        changes={"category": world["categories"]["disappearance"]},
    )
    assert link(world, "denial", "allegation").pk, "a subcategory of an allowed category"
    link(world, "kashgar", "beating", "same")  # no categories listed: any


def test_a_type_of_another_project_or_retired_is_refused(world):
    foreign = RelationType.objects.create(project=ProjectFactory(), code="x", name="Foreign")
    world["foreign"] = foreign
    with pytest.raises(RelationError, match="not in this project"):
        link(world, "denial", "allegation", "foreign")
    world["denies"].retired = True
    world["denies"].save()
    with pytest.raises(RelationError, match="retired"):
        link(world, "denial", "allegation")


def test_a_symmetric_relation_is_stored_once_whichever_way_round(world):
    first = link(world, "beating", "allegation", "same")
    low, high = sorted([world["spans"]["beating"].pk, world["spans"]["allegation"].pk])
    assert (first.source_id, first.target_id) == (low, high)
    with pytest.raises(RelationError, match="already have a 'Same incident' relation"):
        link(world, "allegation", "beating", "same")


def test_an_update_changes_type_and_note_at_its_version_only(world):
    relation = link(world, "beating", "allegation")  # directed: beating -> allegation
    changed = relation_update(
        relation_id=relation.pk,
        actor=world["reviewer"],
        version=1,
        changes={"note": "Checked.", "relation_type": world["same"]},
    )
    assert (changed.version, changed.note, changed.relation_type.code) == (
        2,
        "Checked.",
        "same_incident",
    )
    low = min(world["spans"]["beating"].pk, world["spans"]["allegation"].pk)
    assert changed.source_id == low, "a symmetric type puts the ends in their one order"
    event = AuditEvent.objects.get(action="relation.update")
    assert (event.before["type"], event.after["type"]) == ("denies", "same_incident")
    with pytest.raises(RelationConflict) as conflict:
        relation_update(
            relation_id=relation.pk, actor=world["reviewer"], version=1, changes={"note": "x"}
        )
    assert conflict.value.current.version == 2
    same = relation_update(
        relation_id=relation.pk, actor=world["reviewer"], version=2, changes={"note": "Checked."}
    )
    assert same.version == 2, "no change, no new version"
    with pytest.raises(RelationError, match="cannot be changed: source"):
        relation_update(
            relation_id=relation.pk, actor=world["reviewer"], version=2, changes={"source": 1}
        )


def test_a_delete_at_its_version_is_audited(world):
    relation = link(world, "denial", "allegation")
    with pytest.raises(RelationConflict):
        relation_delete(relation_id=relation.pk, actor=world["reviewer"], version=2)
    relation_delete(relation_id=relation.pk, actor=world["reviewer"], version=1)
    assert not Relation.objects.exists()
    event = AuditEvent.objects.get(action="relation.delete")
    assert event.before["id"] == relation.pk
    with pytest.raises(RelationGone):
        relation_delete(relation_id=relation.pk, actor=world["reviewer"], version=1)


def test_deleting_a_span_deletes_its_relations_in_its_transaction_each_audited(world):
    first = link(world, "denial", "allegation")
    second = link(world, "beating", "allegation", "same")
    kept = link(world, "denial", "beating")
    span = world["spans"]["allegation"]
    annotation_delete(annotation_id=span.pk, actor=world["reviewer"], version=span.version)
    assert list(Relation.objects.values_list("pk", flat=True)) == [kept.pk]
    events = AuditEvent.objects.filter(action="relation.delete").order_by("pk")
    assert [event.before["id"] for event in events] == [first.pk, second.pk]
    assert all(event.after == {"reason": f"span {span.pk} was deleted"} for event in events)
    last = AuditEvent.objects.order_by("-pk").first()
    assert last.action == "annotation.delete", "the span goes after its relations"


def test_a_span_keeps_no_category_its_relations_do_not_allow(world):
    link(world, "denial", "allegation")
    span = world["spans"]["allegation"]
    with pytest.raises(RelationError, match="change or delete the relation first"):
        annotation_update(
            annotation_id=span.pk,
            actor=world["reviewer"],
            version=span.version,
            changes={"category": world["categories"]["place"]},
        )
    span.refresh_from_db()
    assert span.category.code == "detention"


def test_a_submitted_layer_takes_no_relation_change(world):
    relation = link(world, "denial", "allegation")
    review_submit(document=world["document"], reviewer=world["reviewer"])
    with pytest.raises(AnnotationForbidden, match="spans and relations are read-only"):
        link(world, "beating", "allegation")
    with pytest.raises(AnnotationForbidden):
        relation_update(
            relation_id=relation.pk, actor=world["reviewer"], version=1, changes={"note": "x"}
        )
    with pytest.raises(AnnotationForbidden):
        relation_delete(relation_id=relation.pk, actor=world["reviewer"], version=1)


def test_a_relation_records_the_taxonomy_version_it_was_drawn_under(world):
    from annotator.services.taxonomy import taxonomy_version_create

    version = taxonomy_version_create(project=world["project"], actor=None)
    relation = link(world, "denial", "allegation")
    assert relation.taxonomy_version_id == version.pk


def test_a_category_named_by_a_relation_type_is_in_use(world):
    from django.core.exceptions import ValidationError

    from annotator.selectors.projects import categories_in_use, category_in_use
    from annotator.services.categories import category_delete

    unused = CategoryFactory(project=world["project"], code="unused")
    assert not category_in_use(unused)
    world["same"].target_categories.add(unused)
    assert category_in_use(unused)
    assert unused.pk in categories_in_use(project=world["project"])
    with pytest.raises(ValidationError, match="in use"):
        category_delete(category=unused, actor=None)
