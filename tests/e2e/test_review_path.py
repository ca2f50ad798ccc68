"""The whole path in a real browser: two reviewers annotate the seed article differently
and submit, a moderator resolves every disagreement, and the gold layer is what they chose."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotator.models import Document, DocumentStatus, GoldSpan, Role
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import parse_taxonomy
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import select_with_mouse, wait_saved
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, make_document

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ARTICLE = (SEEDS / "documents" / "un-xinjiang-assessment-news.txt").read_text(encoding="utf-8")
AGREED = "arbitrary and discriminatory detention"
CONTESTED = "interned in extrajudicial camps"
ONLY_ONE = "crimes against humanity"


def line_of(page: Page, needle: str) -> int:
    return page.evaluate(
        """(needle) => [...document.querySelectorAll('#document-text .doc-line')]
             .findIndex((line) => line.textContent.includes(needle))""",
        needle,
    )


def tag(page: Page, needle: str, key: str) -> None:
    select_with_mouse(page, needle, line_of(page, needle))
    page.keyboard.press(key)
    wait_saved(page)


def test_two_reviewers_disagree_and_a_moderator_reconciles(page: Page, new_page):
    project = ProjectFactory(slug="demo", name="Xinjiang documentation")
    specs = parse_taxonomy((SEEDS / "taxonomy.yaml").read_bytes(), filename="taxonomy.yaml")
    taxonomy_load(project=project, specs=specs)
    for username, role in [
        ("reviewer-1", Role.REVIEWER),
        ("reviewer-2", Role.REVIEWER),
        ("moderator", Role.MODERATOR),
    ]:
        MembershipFactory(project=project, user=UserFactory(username=username), role=role)
    document = make_document(project, ARTICLE, title="UN assessment news")
    # Added after the document was assigned: a reviewer the manager could still assign.
    MembershipFactory(project=project, user=UserFactory(username="reviewer-3"), role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="manager"), role=Role.MANAGER)

    # Each reviewer annotates on their own: 1 is detention, 2 torture, 4 forced labour.
    choices = {
        "reviewer-1": [(AGREED, "1"), (CONTESTED, "1"), (ONLY_ONE, "2")],
        "reviewer-2": [(AGREED, "1"), (CONTESTED, "4")],
    }
    for username, tags in choices.items():
        reviewer = page if username == "reviewer-1" else new_page()
        log_in(reviewer, username)
        reviewer.goto(f"/projects/{project.slug}/")
        reviewer.get_by_role("link", name="Next document").click()
        expect(reviewer.locator("body")).to_have_attribute("data-editor-ready", "true")
        for needle, key in tags:
            tag(reviewer, needle, key)
        reviewer.get_by_role("button", name="Submit this document").click()
        expect(reviewer.get_by_text("You have submitted every document")).to_be_visible()
        reviewer.goto(f"/projects/{project.slug}/documents/{document.pk}/annotate/")
        expect(reviewer.get_by_test_id("submitted")).to_be_visible()

    # The manager's view of the document: who submitted, a layer to reopen, a reviewer to
    # assign; every button readable (axe checks the page as it loads).
    manager = new_page()
    log_in(manager, "manager")
    manager.goto(f"/projects/{project.slug}/documents/{document.pk}/")
    expect(manager.get_by_role("button", name="Reopen")).to_have_count(2)
    expect(manager.get_by_role("button", name="Assign")).to_be_visible()

    moderator = new_page()
    log_in(moderator, "moderator")
    # The second submission aligned the layers: the queue is waiting.
    moderator.goto("/moderation/")
    expect(moderator.get_by_test_id("queue-counts")).to_contain_text("2 open items")
    moderator.get_by_role("link", name="Moderate").first.click()

    # First item, in document order: only reviewer 1 tagged "crimes against humanity"
    # (in the first paragraph); reject it by key.
    expect(moderator.locator("[data-testid=passage] mark")).to_have_text(ONLY_ONE)
    expect(moderator.locator("body")).to_have_attribute("data-shortcuts-ready", "true")
    moderator.keyboard.press("r")

    # Second item: the contested camps. Both tags stand.
    expect(moderator.locator("[data-testid=passage] mark")).to_have_text(CONTESTED)
    moderator.get_by_label(re.compile("Arbitrary detention")).check()
    moderator.get_by_label(re.compile("Forced labour")).check()
    moderator.get_by_label("Reason").select_option("ambiguous_text")
    moderator.get_by_label("Rationale").fill("Internment and the labour it led to.")
    moderator.get_by_role("button", name="Accept the spans ticked").click()
    expect(moderator.get_by_text("The queue is empty.")).to_be_visible()

    document = Document.objects.get(pk=document.pk)
    assert document.status == DocumentStatus.RECONCILED
    gold = sorted(
        (g.quote, g.category.code, g.origin)
        for g in GoldSpan.objects.filter(document=document).select_related("category")
    )
    assert gold == [
        (AGREED, "detention", "unanimous"),
        (CONTESTED, "detention", "moderated"),
        (CONTESTED, "forced_labour", "moderated"),
    ]
    for span in GoldSpan.objects.filter(document=document):
        assert ARTICLE.replace("\r\n", "\n")[span.start : span.end] == span.quote
    moderator.goto(f"/projects/{project.slug}/")
    expect(moderator.get_by_role("cell", name="Reconciled")).to_be_visible()

    # How far did the two reviewers agree? The agreement page answers, with its downloads.
    moderator.get_by_role("link", name="Agreement").click()
    expect(moderator.get_by_test_id("agreement-scope")).to_contain_text("1 document with")
    expect(moderator.get_by_test_id("unitizing-alpha")).to_have_text(re.compile(r"^-?[01]\.\d{3}$"))
    expect(moderator.get_by_test_id("category-chart")).to_be_visible()
    expect(moderator.get_by_test_id("gold-table")).to_contain_text("all categories")
    with moderator.expect_download() as download:
        moderator.get_by_test_id("download-csv").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("figure,category,reviewer_a"), lines[0]
    assert any(line.startswith("unitizing_alpha,") for line in lines)
