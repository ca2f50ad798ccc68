"""An imported layer on the curation page, in a real browser: the moderator switches on the
layer another tool's corpus brought, copies one of its spans into the gold layer (saved as
a gold span, checked by the server like one the moderator draws), reads its relations (to
read only: gold relations come from moderation), and the page passes axe with it open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotator.models import GoldOrigin, GoldSpan, ImportedRelation, ImportedSpan, Role
from annotator.services.assignments import review_submit
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import wait_saved
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.e2e

TEXT = "\n".join(
    [
        "𠮷 Witnesses said the police detained him without charge in Ghulja.",
        "The ministry denied that anyone was detained; ئۇ تۇتقۇن قىلىندى.",
    ]
)
LAYER = "import: testimonies.jsonl"


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def curation(page: Page):
    project = ProjectFactory(slug="imported-curation", name="Imported curation")
    detention = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    alice, bob = UserFactory(username="alice-ic"), UserFactory(username="bob-ic")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="mod-ic"), role=Role.MODERATOR)
    document = make_document(project, TEXT, title="Testimonies")
    for user in (alice, bob):
        make_annotation(document, user, detention, *at("police detained him"))
    spans = [
        ImportedSpan.objects.create(
            document=document,
            layer=LAYER,
            category_code="detention",
            category=detention,
            start=start,
            end=end,
            quote=TEXT[start:end],
        )
        for start, end in (at("The ministry denied"), at("ئۇ تۇتقۇن قىلىندى"))
    ]
    ImportedRelation.objects.create(
        document=document, layer=LAYER, type_code="denies", source=spans[0], target=spans[1]
    )
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)  # the second starts moderation
    log_in(page, "mod-ic")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/curate/")
    expect(page.locator("body")).to_have_attribute("data-curation-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    return page


def test_a_moderator_copies_an_imported_span_into_the_gold_layer(curation: Page):
    panel = curation.get_by_test_id("imported-layers")
    expect(panel).to_contain_text("Copy one into the gold layer to keep it.")
    panel.get_by_label(LAYER).check()
    copy = panel.get_by_role(
        "button", name="Copy “ئۇ تۇتقۇن قىلىندى” into the gold layer as Arbitrary detention"
    )
    expect(copy).to_be_enabled()
    # Its relation is listed, to read: gold relations are decided in moderation.
    relation = panel.locator(".imported-relation")
    expect(relation).to_contain_text("denies:")
    expect(relation.get_by_role("button", name=re.compile("^Copy the relation"))).to_be_disabled()
    curation.mouse.move(0, 0)
    curation.watch.audit("the curation page with an imported layer shown")  # type: ignore[attr-defined]

    copy.click()
    wait_saved(curation)
    expect(copy).to_have_text("Copied")
    expect(copy).to_be_disabled()
    added = GoldSpan.objects.get(origin=GoldOrigin.ADDED)
    assert (added.start, added.end, added.quote, added.category.code) == (
        *at("ئۇ تۇتقۇن قىلىندى"),
        "ئۇ تۇتقۇن قىلىندى",
        "detention",
    )
    # A reload shows it copied: the gold layer has it.
    curation.reload()
    expect(curation.locator("body")).to_have_attribute("data-curation-ready", "true")
    panel.get_by_label(LAYER).check()
    expect(
        panel.get_by_role(
            "button", name="Copy “ئۇ تۇتقۇن قىلىندى” into the gold layer as Arbitrary detention"
        )
    ).to_have_text("Copied")
