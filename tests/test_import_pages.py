"""Importing through the web form, the JSON API and the command line."""

import io
import json
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from annotator.models import Document, ImportedSpan, ImportRun, Role
from annotator.services.exporting import ExportOptions, export_start
from annotator.services.importing import SourceFile, documents_import
from annotator.services.tokens import api_token_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(project):
    user = UserFactory(username="manager")
    MembershipFactory(project=project, user=user, role=Role.MANAGER)
    return user


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def a_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_manager_uploads_several_files_and_reads_the_report(project, manager):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    assert "Import documents" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "files": [
                upload("one.txt", b"First testimony."),
                upload("two.md", b"# Second\n\nA report."),
                upload("bad.exe", b"MZ\x90\x00"),
                upload("batch.zip", a_zip({"a.txt": "Archived one.", "../evil.txt": "x"})),
            ]
        },
    )
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    assert "3 imported, 0 duplicate, 2 failed" in report
    assert "one.txt" in report
    assert "batch.zip/a.txt" in report
    assert "batch.zip/../evil.txt" in report
    assert "leads outside the archive" in report
    assert "cannot be imported" in report
    assert Document.objects.filter(project=project).count() == 3
    document = Document.objects.get(project=project, title="Second")
    assert document.imported_by == manager


def test_upload_without_files_shows_the_form_with_an_error(project, manager):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    response = client.post(url, {})
    assert response.status_code == 200
    assert form_errors(response) == ["Choose at least one file to import."]
    assert not Document.objects.exists()


def test_an_empty_file_fails_alone_and_the_others_of_the_batch_are_imported(project, manager):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    response = client.post(
        url,
        {
            "files": [
                upload("first.txt", b"First testimony."),
                upload("hollow.txt", b""),
                upload("second.txt", b"Second testimony."),
            ]
        },
    )
    assert response.status_code == 302, (
        f"an empty file must not refuse the whole form, which said: {form_errors(response)}"
    )
    rows = report_rows(client.get(response["Location"]).content.decode())
    assert rows == [
        ("first.txt", "imported"),
        ("hollow.txt", "failed"),
        ("second.txt", "imported"),
    ], f"every file of the batch belongs in the report, in order: {rows}"
    report = client.get(response["Location"]).content.decode()
    assert "2 imported, 0 duplicate, 1 failed" in report
    assert "The file is empty." in report
    assert sorted(Document.objects.values_list("source_filename", flat=True)) == [
        "first.txt",
        "second.txt",
    ]


def test_a_lone_empty_file_reaches_the_report_too(project, manager):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    response = client.post(url, {"files": [upload("hollow.txt", b"")]})
    assert response.status_code == 302, f"the form refused it: {form_errors(response)}"
    rows = report_rows(client.get(response["Location"]).content.decode())
    assert rows == [("hollow.txt", "failed")]


def form_errors(response) -> list[str]:
    """The error messages a re-rendered form shows."""
    return re.findall(
        r'<span id="error_\d+_id_\w+"><strong>(.*?)</strong>', response.content.decode()
    )


def report_rows(html: str) -> list[tuple[str, str]]:
    """(file, outcome badge) for every row of an import report page."""
    table = html.split('data-testid="import-report"', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r"<td><bdi>(.*?)</bdi></td>\s*<td><span class=\"badge[^\"]*\">(\w+)</span>", table
    )


def test_an_import_report_is_kept_for_the_projects_managers_and_nobody_else(
    project, manager, reviewer
):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    location = client.post(url, {"files": [upload("one.txt", b"Text.")]})["Location"]
    run = ImportRun.objects.get()
    assert location == f"/projects/{project.slug}/import/{run.pk}/"
    assert (run.via, run.started_by, run.state, run.imported) == ("web", manager, "finished", 1)
    assert client.get(location).status_code == 200
    assert client_for(manager).get(location).status_code == 200, "not only in one session"
    colleague = UserFactory(username="colleague")
    MembershipFactory(project=project, user=colleague, role=Role.MANAGER)
    assert (
        "1 imported, 0 duplicate, 0 failed" in client_for(colleague).get(location).content.decode()
    )
    assert client_for(reviewer).get(location).status_code == 403
    elsewhere = UserFactory(username="elsewhere")
    MembershipFactory(project=ProjectFactory(), user=elsewhere, role=Role.MANAGER)
    assert client_for(elsewhere).get(location).status_code == 404
    other = ProjectFactory(slug="other")
    MembershipFactory(project=other, user=manager, role=Role.MANAGER)
    assert client.get(f"/projects/other/import/{run.pk}/").status_code == 404, (
        "a run is found only under its own project"
    )
    for token in ("abc", "0", "9" * 30, "٣"):
        assert client.get(f"/projects/{project.slug}/import/{token}/").status_code == 404, token


def test_the_import_form_names_every_suffix_the_importer_takes(project, manager):
    html = (
        client_for(manager)
        .get(reverse("document_import", kwargs={"project_slug": project.slug}))
        .content.decode()
    )
    for suffix in (".txt", ".md", ".html", ".pdf", ".docx", ".jsonl", ".ndjson", ".zip"):
        assert suffix in html, f"the form's help does not mention {suffix}"


def test_import_page_has_the_progress_script_and_no_inline_code(project, manager):
    html = (
        client_for(manager)
        .get(reverse("document_import", kwargs={"project_slug": project.slug}))
        .content.decode()
    )
    assert 'src="/static/annotator/upload.js"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "<progress" in html
    assert "style=" not in html, "the Content-Security-Policy forbids inline styles"


def test_api_imports_files_for_a_script_with_a_token(project, manager):
    CategoryFactory(project=project, code="detention")
    _, token = api_token_create(user=manager, name="script")
    corpus = "\n".join(
        json.dumps(line, ensure_ascii=False)
        for line in [
            {"text": "He was detained.", "label": [[7, 15, "detention"]]},
            {"text": "Out of range.", "label": [[0, 99, "detention"]]},
        ]
    ).encode()
    response = Client().post(
        f"/api/v1/projects/{project.slug}/documents",
        {"files": [upload("corpus.jsonl", corpus), upload("note.txt", b"A note.")]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["imported"], body["duplicates"], body["failed"]) == (2, 0, 1)
    outcomes = {row["name"]: row for row in body["results"]}
    assert outcomes["corpus.jsonl, line 1"]["spans"] == 1
    assert "ends beyond the text" in outcomes["corpus.jsonl, line 2"]["reason"]
    span = ImportedSpan.objects.get()
    assert (span.layer, span.quote, span.category.code) == (
        "import: corpus.jsonl",
        "detained",
        "detention",
    )


def test_api_import_is_for_managers_only(project, reviewer):
    _, token = api_token_create(user=reviewer, name="script")
    response = Client().post(
        f"/api/v1/projects/{project.slug}/documents",
        {"files": [upload("note.txt", b"A note.")]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 403
    assert Document.objects.count() == 0


def test_api_import_without_files_is_a_clear_400(project, manager):
    _, token = api_token_create(user=manager, name="script")
    response = Client().post(
        f"/api/v1/projects/{project.slug}/documents", {}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert "files" in response.json()["detail"]


def test_command_imports_a_folder_and_reports_each_file(project, tmp_path):
    (tmp_path / "a.txt").write_text("First.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Second.", encoding="utf-8")
    (tmp_path / ".hidden").write_text("Not this.", encoding="utf-8")
    out = io.StringIO()
    call_command("import_documents", str(tmp_path), project=project.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-2] == "2 imported, 0 duplicate, 0 failed."
    assert lines[0].startswith("imported  a.txt (document ")
    assert Document.objects.filter(project=project).count() == 2
    run = ImportRun.objects.get()
    assert lines[-1] == (
        f"Kept as import run {run.pk}: its report is on the project's Imports page, "
        f"/projects/{project.slug}/import/{run.pk}/"
    )
    assert (run.via, run.state, run.imported, run.started_by) == ("command", "finished", 2, None)


def test_command_fails_when_any_file_failed(project, tmp_path):
    (tmp_path / "good.txt").write_text("Good.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 file\\(s\\) failed"):
        call_command("import_documents", str(tmp_path), project=project.slug, stdout=out)
    assert "FAILED    empty.txt: The file is empty." in out.getvalue()
    assert Document.objects.filter(project=project).count() == 1, "the good file stays imported"


def test_command_records_the_importer_and_refuses_unknowns(project, tmp_path, manager):
    path = tmp_path / "a.txt"
    path.write_text("First.", encoding="utf-8")
    call_command(
        "import_documents", str(path), project=project.slug, user="manager", stdout=io.StringIO()
    )
    assert Document.objects.get().imported_by == manager
    with pytest.raises(CommandError, match="No project"):
        call_command("import_documents", str(path), project="nope")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_documents", str(tmp_path / "missing.txt"), project=project.slug)


def every_format():
    """One small file of every format the product imports, made here."""
    from docx import Document as WordDocument
    from fpdf import FPDF

    pdf = FPDF()
    for page in range(2):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(
            0, 6, f"Page {page + 1} of a report: the detainees were held without charge."
        )
    word = WordDocument()
    word.add_heading("Partner report", level=1)
    word.add_paragraph("Forced labour in the cotton fields was documented.")
    docx_bytes = io.BytesIO()
    word.save(docx_bytes)
    return {
        "plain.txt": b"A plain testimony.",
        "notes.md": b"# Notes\n\nMarkdown notes.",
        "article.html": b"<html><head><title>Article</title></head><body><article>"
        b"<p>An article about arbitrary detention in the region, long enough to be content."
        b"</p></article></body></html>",
        "report.pdf": bytes(pdf.output()),
        "partner.docx": docx_bytes.getvalue(),
        "corpus.jsonl": b'{"text": "From a corpus.", "label": [[5, 6, "x"]]}\n',
        "archive.zip": a_zip({"inner.txt": "Inside an archive."}),
    }


EXPECTED_TYPES = {
    "text/plain",
    "text/markdown",
    "text/html",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/jsonl",
}


def test_every_format_imports_through_the_web_form(project, manager):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    files = [upload(name, content) for name, content in every_format().items()]
    report = client.get(client.post(url, {"files": files})["Location"]).content.decode()
    assert "7 imported, 0 duplicate, 0 failed" in report, report
    assert set(Document.objects.values_list("content_type", flat=True)) == EXPECTED_TYPES
    pdf = Document.objects.get(content_type="application/pdf")
    assert len(pdf.page_starts) == 2
    assert pdf.text[pdf.page_starts[1] :].startswith("Page 2")


def test_every_format_imports_through_the_api(project, manager):
    _, token = api_token_create(user=manager, name="script")
    files = [upload(name, content) for name, content in every_format().items()]
    response = Client().post(
        f"/api/v1/projects/{project.slug}/documents",
        {"files": files},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.json()["imported"] == 7, response.json()
    assert set(Document.objects.values_list("content_type", flat=True)) == EXPECTED_TYPES


def test_every_format_imports_through_the_command(project, tmp_path):
    for name, content in every_format().items():
        (tmp_path / name).write_bytes(content)
    out = io.StringIO()
    call_command("import_documents", str(tmp_path), project=project.slug, stdout=out)
    assert out.getvalue().splitlines()[-2] == "7 imported, 0 duplicate, 0 failed."
    assert set(Document.objects.values_list("content_type", flat=True)) == EXPECTED_TYPES


def test_document_page_shows_the_provenance(project, manager):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    client.post(url, {"files": [upload("report.pdf", every_format()["report.pdf"])]})
    document = Document.objects.get()
    html = client.get(document.get_absolute_url()).content.decode()
    for shown in (
        document.source_sha256,
        document.text_sha256,
        "pdf (pypdfium2)",
        document.extractor_version,
        "by manager",
        document.imported_at.strftime("%Y-%m-%d %H:%M"),
        "2 pages, marked in the margin",
        'data-page="2"',
    ):
        assert shown in html, f"the document page should show {shown!r}"


# --- this product's own export bundles --------------------------------------------------


def a_bundle(format: str = "jsonl") -> bytes:
    """An export bundle of a project with two categories, two documents and their spans."""
    source = ProjectFactory(slug="source")
    CategoryFactory(project=source, code="detention", name="Arbitrary detention")
    CategoryFactory(project=source, code="torture", name="Torture")
    corpus = "\n".join(
        json.dumps(line, ensure_ascii=False)
        for line in [
            {"text": "He was detained in 2017.", "label": [[7, 15, "detention"]]},
            {"text": "She was beaten in custody.", "label": [[8, 14, "torture"]]},
        ]
    ).encode()
    seeded = documents_import(
        project=source, sources=[SourceFile("seed.jsonl", corpus)], imported_by=None
    )
    assert seeded.imported == 2, seeded.results
    export = export_start(
        project=source,
        options=ExportOptions(format=format, layer="all", bundle=True),
        actor=None,
    )
    return b"".join(export.chunks)


def test_an_uploaded_bundle_is_imported_and_its_taxonomy_loads_from_the_report(project, manager):
    CategoryFactory(project=project, code="detention", name="Detention, as we call it")
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    response = client.post(url, {"files": [upload("demo.zip", a_bundle())]})
    assert response.status_code == 302, form_errors(response)
    report_url = response["Location"]
    html = client.get(report_url).content.decode()

    assert "2 imported, 0 duplicate, 0 failed, 2 notes." in html
    assert 'class="text-success" data-testid="import-summary"' in html
    names = [name.rsplit("/", 1)[-1] for name, _ in report_rows(html)]
    assert names == [
        "corpus.jsonl, line 1",
        "corpus.jsonl, line 2",
        "taxonomy.json",
        "manifest.json",
    ]
    assert [outcome for _, outcome in report_rows(html)] == ["imported", "imported", "note", "note"]
    assert "It holds 2 categories; 1 not yet in this project: torture." in html
    assert "Verified: 2 files match it" in html
    assert "Load the 1 missing category" in html
    torture = ImportedSpan.objects.filter(document__project=project, category_code="torture")
    assert torture.get().category is None, "nothing is loaded before the manager asks"

    action = re.search(r'action="([^"]*/taxonomy/\d+/)"', html).group(1)
    assert client.get(action).status_code == 405, "only a POST loads categories"
    loaded = client.post(action, follow=True)
    assert loaded.redirect_chain[-1][0] == report_url
    page = loaded.content.decode()
    assert "Loaded 1 category: torture." in page
    assert "the 1 not yet in this project were loaded: torture." in page
    assert "Load the 1 missing category" not in page, "the button goes once it has been used"
    assert {c.code: c.name for c in project.categories.all()} == {
        "detention": "Detention, as we call it",
        "torture": "Torture",
    }
    assert torture.get().category.code == "torture", "spans imported before find their category"

    again = client.post(action, follow=True).content.decode()
    assert "This taxonomy has been loaded already." in again
    assert project.categories.count() == 2


def test_only_the_projects_managers_may_load_an_imported_bundles_taxonomy(
    project, manager, reviewer
):
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    report_url = client.post(url, {"files": [upload("demo.zip", a_bundle())]})["Location"]
    html = client.get(report_url).content.decode()
    action = re.search(r'action="([^"]*/taxonomy/\d+/)"', html).group(1)
    assert client_for(reviewer).post(action).status_code == 403
    elsewhere = UserFactory(username="elsewhere")
    MembershipFactory(project=ProjectFactory(), user=elsewhere, role=Role.MANAGER)
    assert client_for(elsewhere).post(action).status_code == 404
    assert client.post(action.replace("/taxonomy/2/", "/taxonomy/0/")).status_code == 302
    assert not project.categories.exists(), "a row that offers nothing loads nothing"
    assert client.post(action.replace("/taxonomy/2/", f"/taxonomy/{2**40}/")).status_code == 404
    colleague = UserFactory(username="colleague")
    MembershipFactory(project=project, user=colleague, role=Role.MANAGER)
    assert client_for(colleague).post(action).status_code == 302, "the report is the project's"
    assert sorted(project.categories.values_list("code", flat=True)) == ["detention", "torture"]


def test_a_tampered_bundle_uploaded_is_refused_with_its_problems(project, manager):
    original = zipfile.ZipFile(io.BytesIO(a_bundle()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as tampered:
        for info in original.infolist():
            content = original.read(info)
            if info.filename.endswith("corpus.jsonl"):
                content = content.replace(b"detained", b"released")
            tampered.writestr(info, content)
    client = client_for(manager)
    url = reverse("document_import", kwargs={"project_slug": project.slug})
    html = client.get(
        client.post(url, {"files": [upload("demo.zip", buffer.getvalue())]})["Location"]
    ).content.decode()
    assert [outcome for _, outcome in report_rows(html)] == ["failed"] * 3
    assert "corpus.jsonl has changed: its SHA-256 is not the manifest&#x27;s." in html
    assert "Load the" not in html
    assert not Document.objects.filter(project=project).exists()


def test_command_imports_a_bundle_and_exits_0(project, tmp_path):
    path = tmp_path / "demo.zip"
    path.write_bytes(a_bundle())
    out = io.StringIO()
    call_command("import_documents", str(path), project=project.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert any(
        line.startswith("note      demo.zip/") and "manifest.json: Verified: 2 files" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("note      demo.zip/") and "2 not yet in this project" in line
        for line in lines
    ), lines
    assert "2 imported, 0 duplicate, 0 failed, 2 notes." in lines
    assert lines[-1].startswith("To add a bundle's missing categories, import it again with ")
    assert not project.categories.exists()


def test_command_loads_a_bundles_taxonomy_with_the_flag(project, tmp_path):
    path = tmp_path / "demo.zip"
    path.write_bytes(a_bundle())
    out = io.StringIO()
    call_command("import_documents", str(path), "--load-taxonomy", project=project.slug, stdout=out)
    assert "were loaded: detention, torture." in out.getvalue()
    assert out.getvalue().splitlines()[-2] == "2 imported, 0 duplicate, 0 failed, 2 notes."
    assert sorted(project.categories.values_list("code", flat=True)) == ["detention", "torture"]
    spans = ImportedSpan.objects.filter(document__project=project)
    assert spans.count() == 2
    assert not spans.filter(category__isnull=True).exists()


def test_command_exits_1_for_a_bundle_of_a_format_it_cannot_import(project, tmp_path):
    path = tmp_path / "demo-csv.zip"
    path.write_bytes(a_bundle("csv"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 file\\(s\\) failed"):
        call_command("import_documents", str(path), project=project.slug, stdout=out)
    assert "holds a csv export, which cannot be imported yet; a JSONL bundle can" in (
        out.getvalue()
    )


def test_api_imports_a_bundle_and_loads_its_taxonomy_when_asked(project, manager):
    _, token = api_token_create(user=manager, name="script")
    data = a_bundle()
    response = Client().post(
        f"/api/v1/projects/{project.slug}/documents",
        {"files": [upload("demo.zip", data)]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["imported"], body["duplicates"], body["failed"], body["notes"]) == (2, 0, 0, 2)
    assert [row["outcome"] for row in body["results"]] == ["imported", "imported", "note", "note"]
    assert not project.categories.exists(), "categories load only when asked"

    again = (
        Client()
        .post(
            f"/api/v1/projects/{project.slug}/documents",
            {"files": [upload("demo.zip", data)], "load_taxonomy": "true"},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        .json()
    )
    assert (again["imported"], again["duplicates"], again["failed"]) == (0, 2, 0), again
    assert sorted(project.categories.values_list("code", flat=True)) == ["detention", "torture"]
    assert not ImportedSpan.objects.filter(document__project=project, category=None).exists()


def test_api_schema_names_the_note_outcome(project, manager):
    schema = client_for(manager).get("/api/v1/openapi.json").json()
    result = schema["components"]["schemas"]["ImportResultOut"]["properties"]["outcome"]
    assert result["enum"] == ["imported", "duplicate", "failed", "note"], result
    report = schema["components"]["schemas"]["ImportReportOut"]
    assert "notes" in report["required"]
    body = json.dumps(schema["paths"]["/api/v1/projects/{slug}/documents"]["post"])
    assert "load_taxonomy" in body
