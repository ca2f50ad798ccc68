"""A reviewer logs in, finds their project and reads a document, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotator.models import Role
from tests.e2e.conftest import PASSWORD, log_in
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, make_document

pytestmark = pytest.mark.e2e

HOSTILE = '<script>alert("owned")</script><img src=x onerror="alert(1)">'
UYGHUR = "ئاكام 2017-يىلى تۇتقۇن قىلىندى."
TEXT = (
    f"{HOSTILE}\n"
    "💩 detained in a camp\n"
    "\n"
    f"{UYGHUR}\n"
    "Mixed: he was held at the «تەربىيەلەش مەركىزى» in Ghulja."
)


def test_reviewer_reads_a_document_safely_and_exactly(page: Page):
    project = ProjectFactory(name="Xinjiang documentation")
    reviewer = UserFactory(username="reviewer-1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    hidden = ProjectFactory(name="Another team's project")
    make_document(hidden, "not for this reviewer")
    document = make_document(project, TEXT, title="Testimony with hostile markup")

    log_in(page, "reviewer-1")
    expect(page.get_by_role("link", name="Xinjiang documentation")).to_be_visible()
    expect(page.get_by_text("Another team's project")).to_have_count(0)

    page.get_by_role("link", name="Xinjiang documentation").click()
    expect(page.get_by_test_id("document-count")).to_contain_text("1 document")
    page.get_by_role("link", name="Testimony with hostile markup").click()

    lines = page.locator(".document-text .doc-line")
    expect(lines).to_have_count(5)
    # The markup is shown as the text it is; no script ran, no image was requested.
    expect(lines.nth(0)).to_have_text(HOSTILE)
    assert page.locator(".document-text script, .document-text img").count() == 0

    # Offsets are code points: the line after an emoji line starts one unit earlier than
    # a UTF-16 count would put it.
    offsets = [int(lines.nth(i).get_attribute("data-offset")) for i in range(5)]
    after_emoji = len(HOSTILE) + 1 + 21
    assert offsets == [
        0,
        len(HOSTILE) + 1,
        after_emoji,
        after_emoji + 1,
        after_emoji + 2 + len(UYGHUR),
    ]
    assert document.text[offsets[3] :].startswith("ئاكام")

    # Direction follows the script of each line: Uyghur right to left, English left to right.
    directions = lines.evaluate_all("els => els.map(el => getComputedStyle(el).direction)")
    assert directions == ["ltr", "ltr", "ltr", "rtl", "ltr"]

    expect(page.get_by_test_id("text-sha256")).to_have_text(document.text_sha256)


def test_logging_out_returns_to_the_login_page(page: Page):
    UserFactory(username="reviewer-2")
    log_in(page, "reviewer-2")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_admin_works_under_the_content_security_policy(page: Page, django_user_model):
    django_user_model.objects.create_superuser("admin", password=PASSWORD)
    project = ProjectFactory(name="Admin project")
    page.goto("/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/annotator/project/{project.pk}/change/")
    expect(page.get_by_role("heading", name="Categories")).to_be_visible()
    # The inline formset's "Add another" link is made by the admin's JavaScript.
    page.get_by_text("Add another Category").click()
    expect(page.locator("#id_categories-0-code")).to_be_visible()
