"""A moderator of an anonymously moderated project, in a real browser: the document page,
its history, the queue and the items show its reviewers only as Reviewer A and B, and a
decision made by key or a layer reopened goes to the right reviewer all the same."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotator.models import Assignment, GoldSpan, Role
from annotator.services.assignments import assignment_create, review_submit
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

TEXT = "She was detained in March. He was beaten in custody. They were sent to work."
# Ids that nothing else on the pages comes near: any of them shown is a reviewer's id.
REVIEWERS = {"kestrel-reviewer": 7340033, "heron-reviewer": 7340051}


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def assert_no_reviewer_identity(page: Page) -> None:
    html = page.content()
    for username, pk in REVIEWERS.items():
        assert username not in html, f"{page.url} names {username}"
        assert not re.search(rf"(?<!\d){pk}(?!\d)", html), f"{page.url} shows the id {pk}"


def test_a_moderator_sees_only_pseudonyms_and_decides_by_letter(page: Page):
    project = ProjectFactory(slug="anonymous", name="Anonymous review", anonymous_moderation=True)
    detention = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    torture = CategoryFactory(project=project, code="torture", name="Torture", colour="#D55E00")
    manager = UserFactory(username="manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    MembershipFactory(project=project, user=UserFactory(username="moderator"), role=Role.MODERATOR)
    kestrel, heron = (UserFactory(username=name, id=pk) for name, pk in REVIEWERS.items())
    for reviewer in (kestrel, heron):
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    document = make_document(project, TEXT, title="Testimony", assign=False, imported_by=manager)
    for reviewer in (kestrel, heron):  # kestrel is A, heron B: the order of assignment
        assignment_create(document=document, reviewer=reviewer, actor=manager)
    make_annotation(document, kestrel, detention, *at("detained"))
    make_annotation(document, heron, torture, *at("detained"))
    make_annotation(document, heron, torture, *at("beaten"))
    for reviewer in (kestrel, heron):
        review_submit(document=document, reviewer=reviewer)  # the second starts moderation

    log_in(page, "moderator")
    page.goto(document.get_absolute_url())
    reviewers = page.get_by_test_id("assignments")
    expect(reviewers.get_by_role("listitem")).to_have_count(2)
    expect(reviewers.get_by_role("listitem").nth(0)).to_contain_text("Reviewer A: submitted")
    expect(reviewers.get_by_role("listitem").nth(1)).to_contain_text("Reviewer B: submitted")
    expect(reviewers.get_by_role("button", name="Reopen")).to_have_count(2)
    assert_no_reviewer_identity(page)

    page.get_by_role("link", name="History of this document").click()
    history = page.get_by_test_id("history")
    expect(history.get_by_role("cell", name="Reviewer A", exact=True).first).to_be_visible()
    expect(history.get_by_role("cell", name="Reviewer B", exact=True).first).to_be_visible()
    expect(history).to_contain_text('"reviewer": "Reviewer B"')
    assert_no_reviewer_identity(page)

    page.goto("/moderation/")
    expect(page.get_by_test_id("queue-counts")).to_contain_text("2 open items")
    assert_no_reviewer_identity(page)
    page.get_by_role("link", name="Moderate").first.click()
    expect(page.locator("[data-testid=passage] mark")).to_have_text("detained")
    versions = page.get_by_test_id("versions")
    expect(versions.get_by_role("rowheader")).to_have_text(["Reviewer A", "Reviewer B"])
    expect(page.get_by_role("button", name=re.compile("Accept A's version"))).to_have_attribute(
        "value", "accept:A"
    )
    assert_no_reviewer_identity(page)
    # "a" accepts Reviewer A's version: kestrel's detention.
    expect(page.locator("body")).to_have_attribute("data-shortcuts-ready", "true")
    page.keyboard.press("a")
    expect(page.locator("[data-testid=passage] mark")).to_have_text("beaten")
    assert_no_reviewer_identity(page)
    gold = GoldSpan.objects.select_related("category").get(
        document=document, start=at("detained")[0]
    )
    assert (gold.category.code, gold.proposed_by) == ("detention", [kestrel.pk])

    # Reviewer B's layer goes back to heron, named on the page by pseudonym only.
    page.goto(document.get_absolute_url())
    page.get_by_test_id("assignments").get_by_role("listitem").nth(1).get_by_role(
        "button", name="Reopen"
    ).click()
    expect(page.get_by_text("Reopened the layer of Reviewer B.")).to_be_visible()
    expect(page.get_by_test_id("assignments").get_by_role("listitem").nth(1)).to_contain_text(
        "Reviewer B: annotating"
    )
    assert_no_reviewer_identity(page)
    assert Assignment.objects.get(document=document, reviewer=heron).submitted_at is None
    assert Assignment.objects.get(document=document, reviewer=kestrel).submitted_at is not None
