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
    # The corpus counted in code points (doccano's own default would be UTF-16 units).
    page.get_by_label("Offsets of spans without a quote").select_option(
        label="Unicode code points (Python tools, doccano's API)"
    )
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_test_id("import-summary")).to_have_text("3 imported, 0 duplicate, 2 failed.")
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("corpus.jsonl, line 1")
    expect(report).to_contain_text("1 imported span")
    expect(report).to_contain_text("ends beyond the text")
    expect(report).to_contain_text("batch.zip/../escape.txt")
    expect(report).to_contain_text("leads outside the archive")

    span = ImportedSpan.objects.get()
    assert span.quote == "detained", "offsets in code points, as chosen: the emoji counts once"
    testimony = Document.objects.get(project=project, content_type="text/html")
    assert "ئاكام 2017-يىلى" in testimony.text
    assert "alert" not in testimony.text
    assert "Home | About" not in testimony.text

    page.get_by_role("link", name=f"Document {testimony.pk}").click()
    expect(page.locator(".document-text")).to_contain_text("ئانام ھەر كۈنى")


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


def import_page(page: Page, tmp_path, username: str = "manager-2", categories=()):
    """A manager on the import page of a fresh project with these category codes; returns
    the project. (Rows are made before the browser starts: the live server shares the
    test's SQLite connection, so the test writes nothing while a page is loading.)"""
    project = ProjectFactory(name="Batch check")
    for code in categories:
        CategoryFactory(project=project, code=code, name=code.capitalize())
    manager = UserFactory(username=username)
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    log_in(page, username)
    page.goto(f"/projects/{project.slug}/import/")
    expect(page.get_by_role("heading", name="Import documents")).to_be_visible()
    return project


def is_upload(request) -> bool:
    return request.method == "POST" and request.resource_type == "xhr"


def test_javascript_upload_with_an_empty_file_reports_every_file(page: Page, tmp_path):
    project = import_page(page, tmp_path)
    paths = []
    for name, content in (("first.txt", "First."), ("hollow.txt", ""), ("second.txt", "Second.")):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        paths.append(str(path))
    page.get_by_label("Files").set_input_files(paths)
    with page.expect_request(is_upload):
        page.get_by_role("button", name="Import").click()

    expect(page.get_by_test_id("import-summary")).to_have_text("2 imported, 0 duplicate, 1 failed.")
    rows = page.get_by_test_id("import-report").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("hollow.txt")
    expect(rows.nth(1)).to_contain_text("failed")
    expect(rows.nth(1)).to_contain_text("The file is empty.")
    assert sorted(
        Document.objects.filter(project=project).values_list("source_filename", flat=True)
    ) == ["first.txt", "second.txt"]


def test_the_form_answered_again_with_an_error_is_shown_not_reloaded(page: Page, tmp_path):
    import_page(page, tmp_path)
    address = page.url
    # Only a script could send the form without a file: the browser asks for one first.
    page.get_by_label("Files").evaluate("input => input.removeAttribute('required')")
    with page.expect_request(is_upload):
        page.get_by_role("button", name="Import").click()

    expect(page.get_by_text("Choose at least one file to import.")).to_be_visible()
    assert page.url == address, "the page must stay where it was, not load the blank form"
    expect(page.get_by_test_id("upload-progress")).to_be_hidden()
    # The form shown again uploads through the script too, with its progress bar.
    path = tmp_path / "late.txt"
    path.write_text("Sent after the error.", encoding="utf-8")
    page.get_by_label("Files").set_input_files(str(path))
    with page.expect_request(is_upload):
        page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-summary")).to_have_text("1 imported, 0 duplicate, 0 failed.")


def test_an_error_page_instead_of_the_report_is_shown_and_its_scripts_never_run(
    page: Page, tmp_path
):
    import_page(page, tmp_path)
    address = page.url
    path = tmp_path / "big.txt"
    path.write_text("Pretend this is too large.", encoding="utf-8")
    page.watch.expect_failure("413")
    page.watch.expect_failure("500")
    # Parsing the answer's onclick makes Chromium report that the page's policy forbids it.
    page.watch.expect_failure("inline event handler violates")
    answers = iter(
        [
            {
                "status": 413,
                "content_type": "text/html",
                "body": "<html><head><title>413 Request Entity Too Large</title></head><body>"
                "<center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx"
                "</center></body></html>",
            },
            {
                "status": 500,
                "content_type": "text/html; charset=utf-8",
                "body": "<!doctype html><html><head><title>Trouble</title></head><body><main>"
                '<div class="alert alert-danger" role="alert" data-testid="server-says">'
                "The database is unavailable.</div>"
                '<script>alert("never")</script><p onclick="alert(2)">Try later.</p>'
                "</main></body></html>",
            },
        ]
    )
    page.route(
        "**/import/",
        lambda route: (
            route.fulfill(**next(answers)) if route.request.method == "POST" else route.continue_()
        ),
    )

    page.get_by_label("Files").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    error = page.get_by_test_id("upload-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("HTTP 413")
    expect(error).to_contain_text("413 Request Entity Too Large")
    assert page.url == address
    expect(page.get_by_role("button", name="Import")).to_be_enabled()

    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("server-says")).to_have_text("The database is unavailable.")
    assert page.url == address, "an error page is shown where the form was, not navigated to"
    assert page.locator("main script").count() == 0, "the answer's scripts are dropped"
    assert page.locator("main [onclick]").count() == 0, "and so are its event handlers"
    page.get_by_text("Try later.").click()


def test_a_bundle_uploaded_is_reported_and_its_taxonomy_loaded_with_a_button(page: Page, tmp_path):
    from tests.test_import_pages import a_bundle

    path = tmp_path / "demo-bundle.zip"
    path.write_bytes(a_bundle())
    project = import_page(page, tmp_path, categories=["detention"])
    page.get_by_label("Files").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_test_id("import-summary")).to_have_text(
        "2 imported, 0 duplicate, 0 failed, 2 notes."
    )
    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("Verified: 2 files match it")
    expect(report).to_contain_text("It holds 2 categories; 1 not yet in this project: torture.")
    page.get_by_role("button", name="Load the 1 missing category").click()

    expect(page.get_by_role("alert")).to_have_text("Loaded 1 category: torture.")
    expect(report).to_contain_text("the 1 not yet in this project were loaded: torture.")
    expect(page.get_by_role("button", name="Load the 1 missing category")).to_have_count(0)
    assert sorted(project.categories.values_list("code", flat=True)) == ["detention", "torture"]
