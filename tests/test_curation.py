"""Curation: a gold layer that keeps what each span says of the evidence, its provenance,
decisions that can be undone, the moderator's own gold spans, and the pages and API that
show and change it."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.alignment import Span
from annotator.models import (
    AuditEvent,
    DocumentStatus,
    GoldOrigin,
    GoldSpan,
    ImportedRelation,
    ImportedSpan,
    ItemStatus,
    ModerationItem,
    Resolution,
    Role,
)
from annotator.services.annotations import annotation_update
from annotator.services.assignments import review_submit
from annotator.services.audit import audit_verify
from annotator.services.exporting import ExportOptions, export_start
from annotator.services.gold import GoldConflict, GoldError, gold_create, gold_delete, gold_update
from annotator.services.moderation import ItemConflict, ModerationError, item_reopen, item_resolve
from annotator.services.moderation_start import moderation_start
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Twenty-six of the interviewees said they were detained without charge. "
    "Guards beat him in custody. The Strike Hard campaign sent them to camps."
)
API = "/api/v1"


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def annotate(document, reviewer, category, needle, **attributes):
    annotation = make_annotation(document, reviewer, category, *at(needle))
    if attributes:
        annotation = annotation_update(
            annotation_id=annotation.pk, actor=reviewer, version=1, changes=attributes
        )
    return annotation


@pytest.fixture
def world(project):
    """Two reviewers who agree on a span's boundaries and category but not on what it says
    of the evidence, disagree on a category, and one has a span the other lacks."""
    categories = {
        code: CategoryFactory(project=project, code=code, name=name, shortcut=key)
        for code, name, key in [
            ("detention", "Arbitrary detention", "1"),
            ("torture", "Torture", "2"),
            ("repression", "Transnational repression", "3"),
        ]
    }
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    manager = UserFactory(username="manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    document = make_document(project, TEXT)
    interviewees = "Twenty-six of the interviewees said they were detained"
    annotate(
        document,
        alice,
        categories["detention"],
        interviewees,
        evidence_status="confirmed",
        source_type="victim_testimony",
        note="Twenty-six accounts.",
    )
    annotate(
        document,
        bob,
        categories["detention"],
        interviewees,
        evidence_status="likely",
        source_type="witness_testimony",
    )
    annotate(document, alice, categories["torture"], "Guards beat him")
    annotate(document, bob, categories["detention"], "Guards beat him")
    annotate(document, bob, categories["repression"], "Strike Hard campaign")
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)
    return {
        "project": project,
        "document": document,
        "alice": alice,
        "bob": bob,
        "moderator": moderator,
        "manager": manager,
        "categories": categories,
    }


def started(world):
    moderation_start(document=world["document"], actor=world["moderator"])
    return {
        item.start: item
        for item in ModerationItem.objects.filter(document=world["document"]).order_by("start")
    }


def item_at(world, needle):
    return ModerationItem.objects.get(document=world["document"], start=at(needle)[0])


def call(client, method, url, body=None):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


# --- Gold keeps the evidence -----------------------------------------------------------


def test_spans_that_differ_only_in_attributes_are_an_attributes_item(world):
    started(world)
    item = item_at(world, "Twenty-six")
    assert item.kinds == ["attributes"], "same boundaries and category, other evidence"
    assert item.is_attributes
    assert not (item.is_label)
    assert not (item.is_boundary)
    assert not (item.is_missing)
    assert not GoldSpan.objects.filter(document=world["document"], start=item.start).exists(), (
        "spans that say different things of the evidence are not unanimous"
    )


def test_a_unanimous_span_goes_to_gold_with_everything_it_carries(world):
    document, alice, bob = world["document"], world["alice"], world["bob"]
    for user in (alice, bob):
        # Reopen the layers and add one identical span with its attributes and note.
        from annotator.services.assignments import review_reopen

        review_reopen(document=document, reviewer=user, actor=world["manager"])
        annotate(
            document,
            user,
            world["categories"]["repression"],
            "sent them to camps",
            evidence_status="possible",
            source_type="media_report",
            note="Same note.",
        )
        review_submit(document=document, reviewer=user)
    started(world)
    gold = GoldSpan.objects.get(document=document, start=at("sent them to camps")[0])
    assert (gold.origin, gold.evidence_status, gold.source_type, gold.note) == (
        GoldOrigin.UNANIMOUS,
        "possible",
        "media_report",
        "Same note.",
    )
    assert gold.proposed_by == gold.matched_by == sorted([alice.pk, bob.pk])


def test_accepting_a_reviewers_version_keeps_their_attributes_and_who_matched_it(world):
    started(world)
    item = item_at(world, "Twenty-six")
    alice_version = item.versions[str(world["alice"].pk)]
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=1,
        resolution=Resolution.ACCEPT_REVIEWER,
        spans=alice_version,
        reason="guideline_unclear",
        rationale="The victims spoke themselves.",
    )
    gold = GoldSpan.objects.get(item=item)
    assert (gold.evidence_status, gold.source_type, gold.note) == (
        "confirmed",
        "victim_testimony",
        "Twenty-six accounts.",
    )
    assert gold.proposed_by == [world["alice"].pk], "exactly this span: Alice only"
    assert gold.matched_by == sorted([world["alice"].pk, world["bob"].pk]), (
        "both had its boundaries and category"
    )
    assert (gold.decided_by, gold.reason, gold.rationale) == (
        world["moderator"],
        "guideline_unclear",
        "The victims spoke themselves.",
    )


def test_accepting_a_reviewer_who_has_nothing_there_is_refused(world):
    """The "Strike Hard" span was lost by accepting the version of a reviewer who had none."""
    started(world)
    item = item_at(world, "Strike Hard")
    with pytest.raises(ModerationError, match="no span here"):
        item_resolve(
            item_id=item.pk,
            moderator=world["moderator"],
            version=1,
            resolution=Resolution.ACCEPT_REVIEWER,
            spans=[],
        )
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not GoldSpan.objects.filter(item=item).exists()


def test_keeping_nothing_must_be_a_rejection(world):
    started(world)
    item = item_at(world, "Strike Hard")
    for resolution in (Resolution.ACCEPT_SPANS, Resolution.CUSTOM):
        with pytest.raises(ModerationError, match="at least one span"):
            item_resolve(
                item_id=item.pk,
                moderator=world["moderator"],
                version=1,
                resolution=resolution,
                spans=[],
            )
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=1,
        resolution=Resolution.REJECT,
        spans=[],
        reason="other",
        rationale="Not a repression case.",
    )
    item.refresh_from_db()
    assert (item.status, item.rationale) == (ItemStatus.RESOLVED, "Not a repression case.")


# --- Undo -----------------------------------------------------------------------------


def test_a_decision_is_undone_and_the_audit_chain_keeps_both(world):
    started(world)
    item = item_at(world, "Guards beat him")
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=1,
        resolution=Resolution.ACCEPT_SPANS,
        spans=[(*at("Guards beat him"), "torture")],
    )
    world["document"].refresh_from_db()
    reopened = item_reopen(
        item_id=item.pk, moderator=world["moderator"], version=2, rationale="Misread it."
    )
    assert (reopened.status, reopened.resolution, reopened.version) == (ItemStatus.OPEN, "", 3)
    assert not GoldSpan.objects.filter(item=item).exists()
    world["document"].refresh_from_db()
    assert world["document"].status == DocumentStatus.IN_MODERATION
    event = AuditEvent.objects.get(action="item.reopen")
    before, after = event.before, event.after
    assert before["resolution"] == "accept_spans"
    assert [(g["start"], g["category"]) for g in before["gold"]] == [(item.start, "torture")]
    assert after["rationale"] == "Misread it."
    assert event.actor == world["moderator"]
    # Resolved again, differently: both decisions and the undo stay in the chain.
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=3,
        resolution=Resolution.ACCEPT_SPANS,
        spans=[(*at("Guards beat him"), "detention")],
    )
    assert AuditEvent.objects.filter(action="item.resolve").count() == 2
    assert audit_verify().intact


def test_undoing_a_stale_version_is_refused_with_who_decided(world):
    started(world)
    item = item_at(world, "Guards beat him")
    with pytest.raises(ItemConflict):
        item_reopen(item_id=item.pk, moderator=world["moderator"], version=1)
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=1,
        resolution=Resolution.REJECT,
        spans=[],
    )
    with pytest.raises(ItemConflict, match="already resolved by moderator"):
        item_resolve(
            item_id=item.pk,
            moderator=world["manager"],
            version=1,
            resolution=Resolution.REJECT,
            spans=[],
        )


# --- The moderator's own gold spans ----------------------------------------------------


def test_a_moderator_draws_changes_and_removes_a_gold_span(world):
    started(world)
    start, end = at("Strike Hard campaign")
    span = Span(start, end, "repression", "likely", "official_statement", "Named by the NGO.")
    gold = gold_create(
        document=world["document"],
        moderator=world["moderator"],
        span=span,
        quote="Strike Hard campaign",
        rationale="Both missed the campaign's name.",
    )
    assert (gold.origin, gold.quote, gold.version, gold.proposed_by) == (
        GoldOrigin.ADDED,
        "Strike Hard campaign",
        1,
        [],
    )
    changed = gold_update(
        gold_id=gold.pk,
        moderator=world["manager"],
        version=1,
        changes={"end": end - len(" campaign"), "quote": "Strike Hard", "note": "Short."},
    )
    assert (changed.quote, changed.note, changed.version, changed.decided_by) == (
        "Strike Hard",
        "Short.",
        2,
        world["manager"],
    )
    with pytest.raises(GoldConflict, match="changed by manager"):
        gold_update(gold_id=gold.pk, moderator=world["moderator"], version=1, changes={"note": "x"})
    gold_delete(gold_id=gold.pk, moderator=world["moderator"], version=2, rationale="Dup.")
    assert not GoldSpan.objects.filter(pk=gold.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_type="gold_span").values_list("action", flat=True)
    )
    assert actions == ["gold.create", "gold.update", "gold.delete"]
    deleted = AuditEvent.objects.get(action="gold.delete")
    assert deleted.before["note"] == "Short."


@pytest.mark.parametrize(
    ("span", "quote", "message"),
    [
        (Span(0, 5, "nope"), None, "not in this project"),
        (Span(0, 5, "detention", "certain"), None, "Unknown evidence status"),
        (Span(0, 5, "detention", "", "rumour"), None, "Unknown source type"),
        (Span(0, 10**6, "detention"), None, "ends beyond the text"),
        (Span(0, 5, "detention"), "Thirty", "does not match"),
    ],
)
def test_a_gold_span_that_cannot_be_is_refused(world, span, quote, message):
    started(world)
    with pytest.raises(GoldError, match=message):
        gold_create(
            document=world["document"], moderator=world["moderator"], span=span, quote=quote
        )
    assert not GoldSpan.objects.filter(origin=GoldOrigin.ADDED).exists()


def test_no_gold_span_is_drawn_before_alignment(world):
    unsubmitted = make_document(world["project"], "Another report, not yet reviewed.")
    with pytest.raises(GoldError, match="aligned"):
        gold_create(
            document=unsubmitted,
            moderator=world["moderator"],
            span=Span(0, 5, "detention"),
        )


def test_moving_a_gold_boundary_needs_the_new_quote(world):
    started(world)
    gold = gold_create(
        document=world["document"], moderator=world["moderator"], span=Span(0, 10, "detention")
    )
    with pytest.raises(GoldError, match="new quote"):
        gold_update(gold_id=gold.pk, moderator=world["moderator"], version=1, changes={"end": 11})


# --- Pages --------------------------------------------------------------------------------


def curate_url(world):
    return reverse(
        "document_curate",
        kwargs={"project_slug": world["project"].slug, "pk": world["document"].pk},
    )


def gold_url(world):
    return reverse(
        "document_gold",
        kwargs={"project_slug": world["project"].slug, "pk": world["document"].pk},
    )


def page_data(response, name):
    html = response.content.decode()
    marker = f'<script id="{name}" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def test_the_curation_page_holds_every_layer_and_item_by_letter(world):
    world["project"].anonymous_moderation = True
    world["project"].save()
    started(world)
    response = client_for(world["moderator"]).get(curate_url(world))
    assert response.status_code == 200
    data = page_data(response, "curation-data")
    assert [reviewer["letter"] for reviewer in data["reviewers"]] == ["A", "B"]
    assert [reviewer["label"] for reviewer in data["reviewers"]] == ["Reviewer A", "Reviewer B"]
    assert sorted(data["layers"]) == ["A", "B"]
    assert len(data["layers"]["A"]) == 2
    assert len(data["layers"]["B"]) == 3
    assert [item["kinds"] for item in data["items"]] == [["attributes"], ["label"], ["missing"]]
    assert all(set(item["versions"]) == {"A", "B"} for item in data["items"])
    html = response.content.decode()
    for user in (world["alice"], world["bob"]):
        assert user.username not in html, "anonymous moderation: no reviewer's name"
        assert f'"{user.pk}"' not in json.dumps(data["items"]), "nor their user id"


def imported_layer(document, count):
    """``count`` spans of an imported layer on the document, each a relation to the next."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", document.text)][:count]
    spans = ImportedSpan.objects.bulk_create(
        ImportedSpan(
            document=document,
            layer="import: corpus.jsonl",
            category_code="detention",
            start=start,
            end=end,
            quote=document.text[start:end],
        )
        for start, end in words
    )
    ImportedRelation.objects.bulk_create(
        ImportedRelation(
            document=document,
            layer="import: corpus.jsonl",
            type_code="same_incident",
            source=a,
            target=b,
        )
        for a, b in itertools.pairwise(spans)
    )
    return spans


def test_the_curation_page_offers_the_imported_layers_to_copy_into_gold_in_fixed_queries(
    world, django_assert_max_num_queries
):
    started(world)
    client = client_for(world["moderator"])
    client.get(curate_url(world))  # sessions, caches: what the first request alone does
    imported_layer(world["document"], 1)
    with CaptureQueriesContext(connection) as one:
        response = client.get(curate_url(world))
    ImportedSpan.objects.all().delete()
    imported_layer(world["document"], 12)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(curate_url(world))

    data = page_data(response, "curation-data")
    (layer,) = data["importedLayers"]
    assert layer["name"] == "import: corpus.jsonl"
    assert [span["quote"] for span in layer["spans"]] == [
        world["document"].text[span["start"] : span["end"]] for span in layer["spans"]
    ]
    assert len(layer["spans"]) == 12
    assert len(layer["relations"]) == 11
    html = response.content.decode()
    assert 'id="imported-layers"' in html
    assert "Copy one into the gold layer to keep it." in html


def test_without_imported_layers_the_curation_page_has_no_such_panel(world):
    started(world)
    response = client_for(world["moderator"]).get(curate_url(world))
    assert page_data(response, "curation-data")["importedLayers"] == []
    assert 'id="imported-layers"' not in response.content.decode()


def test_only_moderators_and_managers_curate(world):
    started(world)
    assert client_for(world["manager"]).get(curate_url(world)).status_code == 200
    assert client_for(world["alice"]).get(curate_url(world)).status_code == 403


def test_curation_waits_for_alignment(world):
    unsubmitted = make_document(world["project"], "Another report, not yet reviewed.")
    url = reverse(
        "document_curate", kwargs={"project_slug": world["project"].slug, "pk": unsubmitted.pk}
    )
    response = client_for(world["moderator"]).get(url)
    assert response.status_code == 302
    assert response["Location"] == unsubmitted.get_absolute_url()


def test_the_gold_view_is_for_moderators_any_time_and_reviewers_after_reconciliation(world):
    started(world)
    assert client_for(world["moderator"]).get(gold_url(world)).status_code == 200
    assert client_for(world["manager"]).get(gold_url(world)).status_code == 200
    assert client_for(world["alice"]).get(gold_url(world)).status_code == 403
    assert (
        client_for(world["alice"]).get(f"{API}/documents/{world['document'].pk}/gold").status_code
        == 403
    )
    for item in ModerationItem.objects.filter(document=world["document"]):
        first = next(iter(item.versions.values())) or list(item.versions.values())[1]
        item_resolve(
            item_id=item.pk,
            moderator=world["moderator"],
            version=1,
            resolution=Resolution.ACCEPT_SPANS,
            spans=first,
        )
    world["document"].refresh_from_db()
    assert world["document"].status == DocumentStatus.RECONCILED
    response = client_for(world["alice"]).get(gold_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Twenty-six accounts." in html or "Confirmed" in html
    assert "moderator" not in [span["decided_by"] for span in response.context["gold"]], (
        "a reviewer is not told which moderator decided"
    )
    assert world["bob"].username not in html


def test_the_document_list_shows_each_documents_gold_span_count(world):
    started(world)
    item = item_at(world, "Guards beat him")
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=1,
        resolution=Resolution.ACCEPT_SPANS,
        spans=[(*at("Guards beat him"), "torture"), (*at("Guards beat him"), "detention")],
    )
    response = client_for(world["moderator"]).get(
        reverse("document_list", kwargs={"project_slug": world["project"].slug})
    )
    assert 'data-gold-count="2"' in response.content.decode()


def test_an_item_page_shows_each_reviewers_attributes_and_can_undo(world):
    started(world)
    item = item_at(world, "Twenty-six")
    client = client_for(world["moderator"])
    url = reverse("moderation_item", kwargs={"item_id": item.pk})
    html = client.get(url).content.decode()
    assert "Confirmed" in html
    assert "Likely" in html
    assert "Twenty-six accounts." in html
    page = client.get(url)
    choices = dict(page.context["form"].fields["spans"].choices)
    assert len(choices) == 2, "one choice per distinct span, attributes included"
    response = client.post(
        url, {"version": 1, "decision": "accept:B", "reason": "", "rationale": ""}
    )
    assert response.status_code == 302
    gold = GoldSpan.objects.get(item=item)
    assert (gold.evidence_status, gold.source_type) == ("likely", "witness_testimony")
    reopen = reverse("moderation_item_reopen", kwargs={"item_id": item.pk})
    assert client.post(reopen, {"version": 2, "rationale": "Too quick."}).status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not GoldSpan.objects.filter(item=item).exists()


# --- The API --------------------------------------------------------------------------------


def test_the_api_lists_items_and_resolves_one_by_letter(world):
    started(world)
    client = client_for(world["moderator"])
    document = world["document"]
    listed = client.get(f"{API}/documents/{document.pk}/items")
    assert listed.status_code == 200, listed.content
    items = listed.json()
    assert [item["kinds"] for item in items] == [["attributes"], ["label"], ["missing"]]
    attributes = items[0]
    assert attributes["versions"]["A"][0][3:] == [
        "confirmed",
        "victim_testimony",
        "Twenty-six accounts.",
    ]
    response = call(
        client,
        "post",
        f"{API}/items/{attributes['id']}/resolve",
        {"version": 1, "resolution": "accept_reviewer", "reviewer": "B", "rationale": "Witness."},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["item"]["status"] == "resolved"
    [gold] = body["gold"]
    assert (gold["evidence_status"], gold["source_type"], gold["proposed_by"]) == (
        "likely",
        "witness_testimony",
        ["B"],
    )
    assert gold["matched_by"] == ["A", "B"]
    # A second moderator who loaded version 1 is refused, and told who decided.
    again = call(
        client_for(world["manager"]),
        "post",
        f"{API}/items/{attributes['id']}/resolve",
        {"version": 1, "resolution": "reject"},
    )
    assert again.status_code == 409
    assert "already resolved by moderator" in again.json()["detail"]
    assert again.json()["current"]["version"] == 2
    undone = call(client, "post", f"{API}/items/{attributes['id']}/reopen", {"version": 2})
    assert undone.status_code == 200, undone.content
    assert undone.json()["removed_gold"] == [gold["id"]]
    assert undone.json()["item"]["status"] == "open"


def test_the_api_refuses_accepting_an_empty_version(world):
    started(world)
    item = item_at(world, "Strike Hard")
    response = call(
        client_for(world["moderator"]),
        "post",
        f"{API}/items/{item.pk}/resolve",
        {"version": 1, "resolution": "accept_reviewer", "reviewer": "A"},
    )
    assert response.status_code == 400
    assert "no span here" in response.json()["detail"]


def test_the_api_changes_the_gold_layer_with_versions(world):
    started(world)
    client = client_for(world["moderator"])
    document = world["document"]
    start, end = at("Strike Hard")
    created = call(
        client,
        "post",
        f"{API}/documents/{document.pk}/gold",
        {
            "start": start,
            "end": end,
            "quote": "Strike Hard",
            "category": "repression",
            "evidence_status": "possible",
            "source_type": "media_report",
            "note": "Campaign.",
        },
    )
    assert created.status_code == 201, created.content
    gold = created.json()
    assert (gold["origin"], gold["note"], gold["version"]) == ("added", "Campaign.", 1)
    patched = call(
        client, "patch", f"{API}/gold/{gold['id']}", {"version": 1, "category": "detention"}
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["category"], patched.json()["version"]) == ("detention", 2)
    stale = call(client, "patch", f"{API}/gold/{gold['id']}", {"version": 1, "note": "x"})
    assert stale.status_code == 409
    assert stale.json()["current"]["category"] == "detention"
    assert client.delete(f"{API}/gold/{gold['id']}?version=1").status_code == 409
    assert client.delete(f"{API}/gold/{gold['id']}?version=2").status_code == 204
    assert client.delete(f"{API}/gold/{gold['id']}?version=2").status_code == 404
    reviewer = client_for(world["alice"])
    refused = call(
        reviewer,
        "post",
        f"{API}/documents/{document.pk}/gold",
        {"start": start, "end": end, "quote": "Strike Hard", "category": "repression"},
    )
    assert refused.status_code == 403


def test_item_and_gold_lists_take_the_same_queries_whatever_their_size(
    world, django_assert_max_num_queries
):
    started(world)
    client = client_for(world["moderator"])
    document = world["document"]
    for offset in range(40):
        gold_create(
            document=document,
            moderator=world["moderator"],
            span=Span(offset, offset + 3, "detention"),
        )
    with django_assert_max_num_queries(6):
        assert len(client.get(f"{API}/documents/{document.pk}/gold").json()) == 40
    with django_assert_max_num_queries(6):
        assert len(client.get(f"{API}/documents/{document.pk}/items").json()) == 3


def test_the_api_schema_describes_moderation_and_gold(world):
    schema = client_for(world["moderator"]).get(f"{API}/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/documents/{document_id}/items", "get"),
        ("/api/v1/items/{item_id}", "get"),
        ("/api/v1/items/{item_id}/resolve", "post"),
        ("/api/v1/items/{item_id}/reopen", "post"),
        ("/api/v1/documents/{document_id}/gold", "get"),
        ("/api/v1/documents/{document_id}/gold", "post"),
        ("/api/v1/gold/{gold_id}", "patch"),
        ("/api/v1/gold/{gold_id}", "delete"),
    ]:
        assert method in paths[path], f"{method.upper()} {path} is not in the schema"
    assert "409" in paths["/api/v1/items/{item_id}/resolve"]["post"]["responses"]


# --- Exports carry the gold layer's evidence --------------------------------------------------


def test_every_export_of_gold_carries_attributes_and_notes(world):
    started(world)
    item = item_at(world, "Twenty-six")
    item_resolve(
        item_id=item.pk,
        moderator=world["moderator"],
        version=1,
        resolution=Resolution.ACCEPT_REVIEWER,
        spans=item.versions[str(world["alice"].pk)],
        rationale="Victims' own accounts.",
    )

    def export(format_name):
        export = export_start(
            project=world["project"],
            options=ExportOptions(format=format_name, layer="gold"),
            actor=world["manager"],
        )
        return b"".join(export.chunks)

    jsonl = [json.loads(line) for line in export("jsonl").decode().splitlines() if line]
    spans = [span for line in jsonl for span in line["spans"]]
    [span] = [span for span in spans if span["start"] == item.start]
    assert span["note"] == "Twenty-six accounts."
    assert (span["evidence_status"], span["source_type"]) == ("confirmed", "victim_testimony")
    assert span["rationale"] == "Victims' own accounts."
    assert span["origin"] == "moderated"

    csv_text = export("csv").decode("utf-8")
    assert "confirmed" in csv_text
    assert "victim_testimony" in csv_text
    assert "Twenty-six accounts." in csv_text

    w3c = json.loads(export("w3c"))
    [annotation] = [
        item
        for item in w3c["first"]["items"]
        if item["target"]["selector"][1]["exact"].startswith("Twenty-six")
    ]
    values = {body["value"] for body in annotation["body"]}
    assert {"Twenty-six accounts.", "evidence_status: confirmed"} <= values
    assert "source_type: victim_testimony" in values
    assert "rationale: Victims' own accounts." in values

    with zipfile.ZipFile(io.BytesIO(export("brat"))) as archive:
        ann = "".join(
            archive.read(name).decode() for name in archive.namelist() if name.endswith(".ann")
        )
    assert "AnnotatorNotes" in ann
    assert "Twenty-six accounts." in ann
    attribute_lines = [line for line in ann.splitlines() if line.startswith("A")]
    assert any("confirmed" in line for line in attribute_lines), ann
    assert any("victim_testimony" in line for line in attribute_lines), ann

    import spacy
    from spacy.tokens import DocBin

    [doc] = DocBin().from_bytes(export("spacy")).get_docs(spacy.blank("xx").vocab)
    spans = doc.user_data["spans"]
    [gold_span] = [span for span in spans if span["start"] == item.start]
    assert gold_span["note"] == "Twenty-six accounts."
    assert gold_span["attributes"]["evidence_status"] == "confirmed"
    assert gold_span["attributes"]["source_type"] == "victim_testimony"
