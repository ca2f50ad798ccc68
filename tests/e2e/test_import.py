"""A manager imports files in a real browser: the progress bar, then the report of each file."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from annotator.models import Document, ImportedSpan, Role
from tests.e2e.conftest import log_in
from tests.factories import CategoryFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.e2e

UYGHUR_HTML = """<!doctype html><html lang="ug" dir="rtl"><head><meta charset="utf-8">
<title>گۇۋاھلىق</title><script>alert("never")</script></head>
<body><nav>Home | About</nav><article><h1>گۇۋاھلىق</h1>
<p>ئاكام 2017-يىلى تۇتقۇن قىلىندى. ئۇ لاگېرغا ئەۋەتىلدى، بىز ئۇنىڭدىن خەۋەر ئالالمىدۇق.</p>
<p>ئانام ھەر كۈنى ساقچىخانىغا باردى، لېكىن ھېچكىم جاۋاب بەرمىدى.</p></article>
<footer>© 2024</footer></body></html>"""


def test_manager_imports_files_and_reads_what_became_of_each(page: Page, tmp_path):
    project = ProjectFactory(name="Import check")
    CategoryFactory(project=project, code="detention")
    manager = UserFactory(username="manager-1")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        json.dumps({"text": "💩 He was detained in 2017.", "label": [[9, 17, "detention"]]})
        + "\n"
        + json.dumps({"text": "Too short.", "label": [[0, 50, "detention"]]})
        + "\n",
        encoding="utf-8",
    )
    page_file = tmp_path / "testimony.html"
    page_file.write_text(UYGHUR_HTML, encoding="utf-8")
    archive = tmp_path / "batch.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as made:
        made.writestr("notes/a.txt", "A note from the field.")
        made.writestr("../escape.txt", "Should never be read.")
    archive.write_bytes(buffer.getvalue())

    log_in(page, "manager-1")
    page.get_by_role("link", name="Import check").click()
    page.get_by_role("link", name="Import documents").click()
    page.get_by_label("Files").set_input_files([str(corpus), str(page_file), str(archive)])
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_test_id("import-summary")).to_have_text("3 imported, 0 duplicate, 2 failed.")
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("corpus.jsonl, line 1")
    expect(report).to_contain_text("1 imported span")
    expect(report).to_contain_text("ends beyond the text")
    expect(report).to_contain_text("batch.zip/../escape.txt")
    expect(report).to_contain_text("leads outside the archive")

    span = ImportedSpan.objects.get()
    assert span.quote == "detained", "offsets are code points: the emoji counts once"
    testimony = Document.objects.get(project=project, content_type="text/html")
    assert "ئاكام 2017-يىلى" in testimony.text
    assert "alert" not in testimony.text
    assert "Home | About" not in testimony.text

    page.get_by_role("link", name=f"Document {testimony.pk}").click()
    expect(page.locator(".document-text")).to_contain_text("ئانام ھەر كۈنى")
    page.watch.assert_clean()


def test_moderator_exports_a_bundle_that_verifies(page: Page, tmp_path):
    from annotator.formats.bundle import verify_bundle
    from annotator.services.assignments import review_submit
    from tests.factories import make_annotation, make_document

    project = ProjectFactory(name="Export check")
    category = CategoryFactory(project=project, code="detention")
    moderator, ana, ben = (UserFactory(username=name) for name in ("mod-1", "ana-1", "ben-1"))
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    for reviewer in (ana, ben):
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    text = "ئاكام 2017-يىلى تۇتقۇن قىلىندى. 💩 He was detained."
    document = make_document(project, text, title="Testimony")
    for reviewer in (ana, ben):
        make_annotation(document, reviewer, category, text.index("detained"), len(text) - 1)
        review_submit(document=document, reviewer=reviewer)

    log_in(page, "mod-1")
    page.get_by_role("link", name="Export check").click()
    page.get_by_role("link", name="Export").click()
    page.get_by_label("Format").select_option("jsonl")
    page.get_by_label("Layer").select_option("reviewers")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith("-bundle.zip"), "a bundle is the default"
    result = verify_bundle(str(path))
    assert result.intact, result.problems
    assert result.documents == 1
    page.watch.assert_clean()
