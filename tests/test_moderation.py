"""Moderation: submitted layers aligned into a queue and resolved into the gold layer."""

import threading

import pytest
from django.db import connections

from annotator.models import (
    AuditEvent,
    DocumentStatus,
    GoldOrigin,
    GoldSpan,
    ItemStatus,
    ModerationItem,
    Resolution,
    Role,
)
from annotator.services.assignments import review_reopen, review_submit
from annotator.services.audit import audit_verify
from annotator.services.moderation import ItemConflict, ModerationError, item_resolve
from annotator.services.moderation_start import moderation_start
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TEXT = "He was detained in 2017. She was beaten in custody. They were sent to work."


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def setup(project):
    det = CategoryFactory(project=project, code="detention")
    tor = CategoryFactory(project=project, code="torture")
    lab = CategoryFactory(project=project, code="forced_labour")
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(project, TEXT)
    # Both: "detained" as detention (unanimous).
    for user in (alice, bob):
        make_annotation(document, user, det, *at("detained"))
    # Label: same text, different categories.
    make_annotation(document, alice, tor, *at("was beaten"))
    make_annotation(document, bob, det, *at("was beaten"))
    # Missing: only Alice tagged forced labour.
    make_annotation(document, alice, lab, *at("sent to work"))
    return {"document": document, "alice": alice, "bob": bob, "moderator": moderator}


def submit_both(setup):
    for user in (setup["alice"], setup["bob"]):
        review_submit(document=setup["document"], reviewer=user)


def items(document):
    return list(ModerationItem.objects.filter(document=document).order_by("start"))


def test_moderation_needs_two_submitted_layers(setup):
    review_submit(document=setup["document"], reviewer=setup["alice"])
    with pytest.raises(ModerationError, match="at least 2 submitted layers"):
        moderation_start(document=setup["document"], actor=setup["moderator"])


def test_unanimous_spans_go_to_gold_and_the_rest_to_the_queue(setup):
    submit_both(setup)  # the last submission aligns the layers by itself
    align_events = AuditEvent.objects.filter(action="moderation.align")
    assert [
        (e.actor, e.after["items_opened"], e.after["unanimous_spans"]) for e in align_events
    ] == [(None, 2, 1)]
    # Aligning again (a moderator's start) keeps what is there.
    summary = moderation_start(document=setup["document"], actor=setup["moderator"])
    assert (summary.items_opened, summary.items_kept, summary.unanimous_spans) == (0, 2, 0)
    gold = GoldSpan.objects.get(document=setup["document"])
    assert (gold.start, gold.end, gold.quote, gold.origin) == (
        *at("detained"),
        "detained",
        GoldOrigin.UNANIMOUS,
    )
    assert gold.proposed_by == sorted([setup["alice"].pk, setup["bob"].pk])
    label, missing = items(setup["document"])
    assert label.kinds == ["label"]
    assert missing.kinds == ["missing"]
    assert missing.versions[str(setup["bob"].pk)] == []
    setup["document"].refresh_from_db()
    assert setup["document"].status == DocumentStatus.IN_MODERATION


def test_without_auto_accept_unanimous_clusters_are_queued_too(setup, project):
    project.auto_accept_unanimous = False
    project.save()
    submit_both(setup)
    assert len(items(setup["document"])) == 3
    assert GoldSpan.objects.count() == 0


def test_resolving_every_item_reconciles_the_document(setup):
    submit_both(setup)
    moderation_start(document=setup["document"], actor=setup["moderator"])
    label, missing = items(setup["document"])
    item_resolve(
        item_id=label.pk,
        moderator=setup["moderator"],
        version=1,
        resolution=Resolution.ACCEPT_SPANS,
        spans=[(*at("was beaten"), "torture"), (*at("was beaten"), "detention")],
        reason="ambiguous_text",
        rationale="Beaten while detained: both apply.",
    )
    gold = GoldSpan.objects.filter(item=label).order_by("category__code")
    assert [(g.category.code, g.proposed_by) for g in gold] == [
        ("detention", [setup["bob"].pk]),
        ("torture", [setup["alice"].pk]),
    ]
    assert all(g.decided_by == setup["moderator"] and g.origin == "moderated" for g in gold)
    setup["document"].refresh_from_db()
    assert setup["document"].status == DocumentStatus.IN_MODERATION

    item_resolve(
        item_id=missing.pk,
        moderator=setup["moderator"],
        version=1,
        resolution=Resolution.REJECT,
        spans=[],
        reason="reviewer_error",
    )
    setup["document"].refresh_from_db()
    assert setup["document"].status == DocumentStatus.RECONCILED
    missing.refresh_from_db()
    assert (missing.status, missing.resolution, missing.resolved_by) == (
        ItemStatus.RESOLVED,
        "reject",
        setup["moderator"],
    )
    assert GoldSpan.objects.filter(item=missing).count() == 0
    assert AuditEvent.objects.filter(action="item.resolve").count() == 2
    assert audit_verify().intact


def test_accept_one_reviewers_version_and_a_custom_version(setup):
    submit_both(setup)
    moderation_start(document=setup["document"], actor=setup["moderator"])
    label, missing = items(setup["document"])
    with pytest.raises(ModerationError, match="not exactly one reviewer's version"):
        item_resolve(
            item_id=label.pk,
            moderator=setup["moderator"],
            version=1,
            resolution=Resolution.ACCEPT_REVIEWER,
            spans=[(*at("was beaten"), "forced_labour")],
        )
    item_resolve(
        item_id=label.pk,
        moderator=setup["moderator"],
        version=1,
        resolution=Resolution.ACCEPT_REVIEWER,
        spans=[(*at("was beaten"), "torture")],
    )
    start, end = at("sent to work")
    item_resolve(
        item_id=missing.pk,
        moderator=setup["moderator"],
        version=1,
        resolution=Resolution.CUSTOM,
        spans=[(start - len("were "), end, "forced_labour")],
    )
    custom = GoldSpan.objects.get(item=missing)
    assert custom.quote == "were sent to work"
    assert custom.proposed_by == []


def test_invalid_resolutions_are_refused_and_write_nothing(setup):
    submit_both(setup)
    moderation_start(document=setup["document"], actor=setup["moderator"])
    label, _ = items(setup["document"])
    cases = [
        (Resolution.REJECT, [(*at("was beaten"), "torture")], "keeps no span"),
        (Resolution.ACCEPT_SPANS, [(0, 2, "torture")], "not proposed"),
        (Resolution.CUSTOM, [], "at least one span"),
        (Resolution.CUSTOM, [(0, 2, "torture")], "outside this item's passage"),
        (Resolution.CUSTOM, [(*at("was beaten"), "nonexistent")], "not in this project"),
        (Resolution.CUSTOM, [(0, 10_000, "torture")], "ends beyond the text"),
        ("approve", [], "Unknown resolution"),
    ]
    for resolution, spans, message in cases:
        with pytest.raises(ModerationError, match=message):
            item_resolve(
                item_id=label.pk,
                moderator=setup["moderator"],
                version=1,
                resolution=resolution,
                spans=spans,
            )
    label.refresh_from_db()
    assert label.status == ItemStatus.OPEN
    assert GoldSpan.objects.filter(item=label).count() == 0


def test_a_second_resolution_of_the_same_item_is_refused(setup):
    submit_both(setup)
    moderation_start(document=setup["document"], actor=setup["moderator"])
    label, _ = items(setup["document"])
    item_resolve(
        item_id=label.pk,
        moderator=setup["moderator"],
        version=1,
        resolution=Resolution.REJECT,
        spans=[],
    )
    with pytest.raises(ItemConflict, match="already resolved by moderator"):
        item_resolve(
            item_id=label.pk,
            moderator=setup["moderator"],
            version=1,
            resolution=Resolution.ACCEPT_REVIEWER,
            spans=[(*at("was beaten"), "torture")],
        )
    assert GoldSpan.objects.filter(item=label).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_moderators_at_once_one_wins_nothing_doubles(setup):
    submit_both(setup)
    moderation_start(document=setup["document"], actor=setup["moderator"])
    label, _ = items(setup["document"])
    second = UserFactory(username="second-moderator")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def resolve(moderator, category):
        try:
            barrier.wait(timeout=10)
            item_resolve(
                item_id=label.pk,
                moderator=moderator,
                version=1,
                resolution=Resolution.ACCEPT_REVIEWER,
                spans=[(*at("was beaten"), category)],
            )
            outcomes.append("resolved")
        except ItemConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=resolve, args=(setup["moderator"], "torture")),
        threading.Thread(target=resolve, args=(second, "detention")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "resolved"]
    assert GoldSpan.objects.filter(item=label).count() == 1
    assert AuditEvent.objects.filter(action="item.resolve").count() == 1


def test_a_resubmitted_layer_reopens_only_the_clusters_it_changed(setup):
    submit_both(setup)
    moderation_start(document=setup["document"], actor=setup["moderator"])
    label, missing = items(setup["document"])
    for item, spans, resolution in [
        (label, [(*at("was beaten"), "torture")], Resolution.ACCEPT_REVIEWER),
        (missing, [], Resolution.REJECT),
    ]:
        item_resolve(
            item_id=item.pk,
            moderator=setup["moderator"],
            version=1,
            resolution=resolution,
            spans=spans,
        )
    setup["document"].refresh_from_db()
    assert setup["document"].status == DocumentStatus.RECONCILED

    # Bob is given his layer back and adds forced labour too: only that cluster changes.
    review_reopen(document=setup["document"], reviewer=setup["bob"], actor=setup["moderator"])
    from annotator.models import Category

    labour = Category.objects.get(code="forced_labour")
    make_annotation(setup["document"], setup["bob"], labour, *at("sent to work"))
    review_submit(document=setup["document"], reviewer=setup["bob"])

    label.refresh_from_db()
    missing.refresh_from_db()
    assert label.status == ItemStatus.RESOLVED, "an unchanged cluster keeps its resolution"
    assert GoldSpan.objects.filter(item=label).count() == 1
    assert missing.status == ItemStatus.SUPERSEDED
    now_unanimous = GoldSpan.objects.get(
        document=setup["document"], origin=GoldOrigin.UNANIMOUS, start=at("sent to work")[0]
    )
    assert now_unanimous.category == labour
    setup["document"].refresh_from_db()
    assert setup["document"].status == DocumentStatus.RECONCILED
