"""Relations on the curation page, in a real browser: two reviewers link the same denial
to the same allegation with different types; the moderator sees both, keeps one with a
reason, undoes and decides again; the gold layer keeps the relation with its provenance."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotator.models import AuditEvent, GoldRelation, RelationItem, RelationType, Role
from annotator.services.assignments import review_submit
from annotator.services.relations import relation_create
from tests.e2e.conftest import log_in
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.e2e

TEXT = (
    "Witnesses said hundreds were detained in Ghulja 🏔.\n"
    "The ministry said that no one was detained there."
)


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def disputed(page: Page):
    project = ProjectFactory(slug="relation-curation", name="Relation curation")
    detention = CategoryFactory(
        project=project, code="detention", name="Arbitrary detention", shortcut="1"
    )
    types = {
        code: RelationType.objects.create(project=project, code=code, name=name)
        for code, name in (("denies", "Denies"), ("corroborates", "Corroborates"))
    }
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="moderator"), role=Role.MODERATOR)
    document = make_document(project, TEXT, title="Denied detentions")
    for user, code in ((alice, "denies"), (bob, "corroborates")):
        allegation = make_annotation(document, user, detention, *at("hundreds were detained"))
        denial = make_annotation(document, user, detention, *at("no one was detained"))
        relation_create(
            document=document,
            reviewer=user,
            source_id=denial.pk,
            target_id=allegation.pk,
            relation_type=types[code],
        )
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)  # the second starts moderation
    log_in(page, "moderator")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/curate/")
    expect(page.locator("body")).to_have_attribute("data-curation-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    return page


def test_a_moderator_reconciles_two_reviewers_relation_types(disputed: Page):
    page = disputed
    document = page.document  # type: ignore[attr-defined]
    panel = page.get_by_test_id("relation-curation")
    expect(panel.locator("#relation-summary")).to_have_text("1 of 1 relation items open.")
    item = panel.locator(".relation-item")
    expect(item).to_contain_text("different type")
    # Quotes are wrapped in direction isolates (U+2068 … U+2069).
    denies = item.get_by_label(re.compile(r"^Reviewer A: “\W?no one was detained\W?” → Denies"))
    expect(denies).to_be_visible()
    expect(item.locator("label", has_text="Reviewer B")).to_contain_text("Corroborates")
    page.mouse.move(0, 0)
    page.watch.audit("a relation item")  # type: ignore[attr-defined]

    # Keep nothing ticked: told what to do, nothing decided.
    item.get_by_role("button", name="Keep the ticked relations").click()
    expect(panel.locator("#relation-summary")).to_contain_text("Tick the relations to keep")

    # By keyboard: tick A's relation, give the reason, keep it.
    denies.focus()
    page.keyboard.press("Space")
    expect(denies).to_be_checked()
    item.get_by_label("Reason").select_option("reviewer_error")
    item.get_by_label("Rationale").fill(
        "The ministry denies the detentions; it does not confirm them."
    )
    item.get_by_role("button", name="Keep the ticked relations").focus()
    page.keyboard.press("Enter")
    expect(panel.locator(".relation-item")).to_have_attribute("data-status", "resolved")
    expect(panel.locator("#gold-relation-list li")).to_have_count(1)
    expect(panel.locator("#gold-relation-list")).to_contain_text("Denies")
    expect(panel.locator("#gold-relation-list")).to_contain_text("drawn by Reviewer A")

    # Undo, then decide again.
    panel.get_by_role("button", name="Undo this decision").click()
    expect(panel.locator(".relation-item")).to_have_attribute("data-status", "open")
    expect(panel.locator("#gold-relation-list")).to_contain_text("None yet.")
    panel.locator(".relation-item").get_by_label("Reviewer A:", exact=False).check()
    panel.get_by_role("button", name="Keep the ticked relations").click()
    expect(panel.locator(".relation-item")).to_have_attribute("data-status", "resolved")

    gold = GoldRelation.objects.select_related("source", "target", "relation_type").get(
        document=document
    )
    assert gold.relation_type.code == "denies"
    assert (gold.source.quote, gold.target.quote) == (
        "no one was detained",
        "hundreds were detained",
    )
    assert gold.decided_by.username == "moderator"
    assert RelationItem.objects.get(document=document).status == "resolved"
    actions = list(
        AuditEvent.objects.filter(object_type="relation_item").values_list("action", flat=True)
    )
    assert actions == ["relation_item.resolve", "relation_item.reopen", "relation_item.resolve"]
    page.mouse.move(0, 0)
    page.watch.audit("a resolved relation item")  # type: ignore[attr-defined]

    # Every export of the gold layer that can hold relations carries this one.
    from annotator.models import Membership
    from annotator.services.exporting import ExportOptions, export_start

    manager = UserFactory(username="relation-manager")
    Membership.objects.create(project=document.project, user=manager, role=Role.MANAGER)
    for fmt, marker in (
        ("jsonl", b'"type":"denies"'),
        ("w3c", b'"linking"'),
        ("brat", b"denies Arg1:"),
    ):
        export = export_start(
            project=document.project, options=ExportOptions(format=fmt), actor=manager
        )
        data = b"".join(export.chunks)
        if fmt == "brat":
            import io
            import zipfile

            archive = zipfile.ZipFile(io.BytesIO(data))
            data = b"".join(archive.read(name) for name in archive.namelist())
        assert marker in data, f"the gold {fmt} export lacks the relation"
        assert export.summary.relations == {"selected": 1, "written": 1}, fmt

    # The gold layer's read view lists the relation with its provenance.
    page.goto(f"/projects/relation-curation/documents/{document.pk}/gold/")
    relations = page.get_by_test_id("gold-relations")
    expect(relations).to_contain_text("Denies")
    expect(relations).to_contain_text("no one was detained")
    expect(relations).to_contain_text("drawn by Reviewer A")


@pytest.fixture
def incidents(page: Page):
    from annotator.models import IncidentRole
    from annotator.services.incidents import incident_create, incident_slot_add

    project = ProjectFactory(slug="incident-curation", name="Incident curation")
    c = {
        code: CategoryFactory(project=project, code=code, name=code.title(), group=group)
        for code, group in (("detention", "violation"), ("victim", "entity"), ("place", "entity"))
    }
    roles = {}
    for order, (code, allowed, multiple) in enumerate(
        (("victims", "victim", True), ("place", "place", False))
    ):
        roles[code] = IncidentRole.objects.create(
            project=project, code=code, name=code.title(), multiple=multiple, order=order
        )
        roles[code].categories.set([c[allowed]])
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="moderator"), role=Role.MODERATOR)
    document = make_document(project, TEXT, title="Detentions in Ghulja")
    for user, victims in ((alice, True), (bob, False)):
        act = make_annotation(document, user, c["detention"], *at("hundreds were detained"))
        place = make_annotation(document, user, c["place"], *at("Ghulja 🏔"))
        incident = incident_create(document=document, reviewer=user, act_id=act.pk)
        incident_slot_add(
            incident_id=incident.pk, actor=user, role=roles["place"], annotation_id=place.pk
        )
        victim = make_annotation(document, user, c["victim"], *at("hundreds"))
        if victims:
            incident_slot_add(
                incident_id=incident.pk, actor=user, role=roles["victims"], annotation_id=victim.pk
            )
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)
    log_in(page, "moderator")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/curate/")
    expect(page.locator("body")).to_have_attribute("data-curation-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    return page


def test_a_moderator_keeps_one_reviewers_incident_record(incidents: Page):
    from annotator.models import GoldIncident

    page = incidents
    document = page.document  # type: ignore[attr-defined]
    panel = page.get_by_test_id("incident-curation")
    expect(panel.locator("#incident-summary")).to_have_text("1 of 1 incident items open.")
    item = panel.locator(".incident-item")
    expect(item).to_contain_text("different roles")
    expect(item.locator("[data-letter=A]")).to_contain_text("Victims:")
    # The roles in the taxonomy's order (victims first), not by their codes.
    expect(item.locator("[data-letter=A]")).to_contain_text(re.compile(r"Victims: .*; Place: "))
    expect(item.locator("[data-letter=B]")).not_to_contain_text("Victims:")
    page.mouse.move(0, 0)
    page.watch.audit("an incident item")  # type: ignore[attr-defined]
    item.get_by_label("Rationale").fill("The witnesses name the victims.")
    item.get_by_role("button", name="Keep Reviewer A's record").focus()
    page.keyboard.press("Enter")
    expect(panel.locator(".incident-item")).to_have_attribute("data-status", "resolved")
    gold_list = panel.locator("#gold-incident-list")
    expect(gold_list).to_contain_text("Victims:")
    expect(gold_list).to_contain_text("Place:")
    expect(gold_list).to_contain_text("recorded by Reviewer A")
    gold = GoldIncident.objects.get(document=document)
    assert gold.rationale == "The witnesses name the victims."
    assert {slot.role.code for slot in gold.slots.select_related("role")} == {"victims", "place"}
