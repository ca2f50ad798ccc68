"""Exporting a corpus: layers, filters, pseudonyms, bundles and their manifest, the round trip
through JSONL, and every way in (service, page, API, command)."""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from annotator.formats.bundle import verify_bundle
from annotator.models import AuditEvent, Document, ImportedSpan, ModerationItem, Role
from annotator.services.assignments import review_submit
from annotator.services.exporting import FORMATS, ExportError, ExportOptions, export_start
from annotator.services.importing import SourceFile, documents_import
from annotator.services.moderation import item_resolve
from annotator.services.tokens import api_token_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TEXTS = {
    "=Testimony": "ئاكام 2017-يىلى تۇتقۇن قىلىندى.\nHe was detained in a camp.",
    "Log": "💩 detained in a camp; 𠀋 family 👨‍👩‍👧 beaten in custody.\nForced labour followed.",
}


def at(text, needle):
    start = text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    det = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    tor = CategoryFactory(project=project, code="torture", name="Torture")
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for user in (ana, ben):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator, manager = UserFactory(username="mod"), UserFactory(username="boss")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    documents = {}
    for title, text in TEXTS.items():
        document = make_document(project, text, title=title, name=f"{title}.txt")
        make_annotation(document, ana, det, *at(text, "detained in a camp"))
        make_annotation(document, ben, det, *at(text, "detained"))
        if "beaten" in text:
            make_annotation(document, ana, tor, *at(text, "beaten in custody"))
            make_annotation(document, ben, tor, *at(text, "beaten in custody"))
        else:
            make_annotation(document, ana, tor, *at(text, "تۇتقۇن"))
        for user in (ana, ben):
            review_submit(document=document, reviewer=user)
        documents[title] = document
    # The moderator keeps Ana's version of every disputed passage (or rejects it if she had none).
    for item in ModerationItem.objects.filter(document__in=documents.values()):
        chosen = [tuple(span) for span in item.versions[str(ana.pk)]]
        item_resolve(
            item_id=item.pk,
            moderator=moderator,
            version=item.version,
            resolution="accept_reviewer" if chosen else "reject",
            spans=chosen,
        )
    return {
        "project": project,
        "ana": ana,
        "ben": ben,
        "moderator": moderator,
        "manager": manager,
        "documents": documents,
    }


def run(world, **options):
    export = export_start(
        project=world["project"], options=ExportOptions(**options), actor=world["manager"]
    )
    return export, b"".join(export.chunks)


def texts_by_id(world):
    return {document.pk: document.text for document in world["documents"].values()}


def test_jsonl_spans_are_exactly_the_text_at_their_offsets(world):
    _, data = run(world, format="jsonl", layer="all")
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert len(lines) == 2
    texts = texts_by_id(world)
    for line in lines:
        assert line["text"] == texts[line["id"]]
        for span in line["spans"]:
            assert line["text"][span["start"] : span["end"]] == span["quote"], span
        assert line["label"] == [
            [s["start"], s["end"], s["category"]] for s in line["spans"] if s["layer"] == "gold"
        ], "doccano's label carries the gold layer"
    layers = {span["layer"] for line in lines for span in line["spans"]}
    assert layers == {"gold", "reviewer"}
    for span in (span for line in lines for span in line["spans"]):
        created = datetime.datetime.fromisoformat(span["created"])
        assert created.utcoffset() == datetime.timedelta(0), f"times are UTC: {span['created']}"


def test_reviewers_are_pseudonyms_unless_a_manager_asks_for_names(world):
    _, data = run(world, format="jsonl", layer="reviewers")
    text = data.decode()
    assert "Reviewer 1" in text
    assert "Reviewer 2" in text
    assert '"ana"' not in text
    assert '"ben"' not in text
    _, named = run(world, format="jsonl", layer="reviewers", names=True)
    assert '"reviewer":"ana"' in named.decode()
    with pytest.raises(ExportError, match="Only a manager"):
        export_start(
            project=world["project"],
            options=ExportOptions(format="jsonl", names=True),
            actor=world["moderator"],
            role=Role.MODERATOR,
        )


def test_csv_opens_cleanly_in_a_spreadsheet(world):
    _, data = run(world, format="csv", layer="reviewers", bom=True)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["document_title"] for row in rows} == {"'=Testimony", "Log"}, (
        "a title starting with = must not run as a formula"
    )
    texts = {document.title: document.text for document in world["documents"].values()}
    for row in rows:
        title = row["document_title"].removeprefix("'")
        assert texts[title][int(row["start"]) : int(row["end"])] == row["quote"]
        assert row["reviewer"] in ("Reviewer 1", "Reviewer 2")


def test_bundle_has_data_taxonomy_and_a_manifest_that_verifies(world, tmp_path):
    export, data = run(world, format="jsonl", layer="gold", bundle=True)
    assert export.filename.endswith("-bundle.zip")
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        names = {name.split("/", 1)[1] for name in archive.namelist()}
        manifest = json.loads(
            archive.read(next(n for n in archive.namelist() if n.endswith("manifest.json")))
        )
    assert names == {"corpus.jsonl", "taxonomy.json", "manifest.json"}
    assert manifest["layer"] == "gold"
    assert manifest["project"]["slug"] == world["project"].slug
    assert set(manifest["files"]) == {"corpus.jsonl", "taxonomy.json"}
    assert {d["text_sha256"] for d in manifest["documents"]} == {
        d.text_sha256 for d in world["documents"].values()
    }
    assert sum(manifest["spans_per_category"].values()) == manifest["spans"] > 0
    result = verify_bundle(str(path))
    assert result.intact, result.problems
    assert result.documents == 2

    out = io.StringIO()
    call_command("verify_export", str(path), stdout=out)
    assert "matches its manifest" in out.getvalue()


def test_a_tampered_bundle_is_caught(world, tmp_path):
    _, data = run(world, format="jsonl", layer="gold", bundle=True)
    original = zipfile.ZipFile(io.BytesIO(data))
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for info in original.infolist():
            content = original.read(info)
            if info.filename.endswith("corpus.jsonl"):
                content = content.replace(b"detained", b"released", 1)
            archive.writestr(info, content)
    result = verify_bundle(str(tampered))
    assert not result.intact
    assert "corpus.jsonl has changed" in result.problems[0]
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("verify_export", str(tampered), stderr=io.StringIO())


def test_jsonl_round_trip_reproduces_texts_spans_and_categories(world):
    _, data = run(world, format="jsonl", layer="gold")
    other = ProjectFactory(slug="copy")
    report = documents_import(
        project=other, sources=[SourceFile("export.jsonl", data)], imported_by=None
    )
    assert report.imported == 2, report.results
    exported = [json.loads(line) for line in data.decode().splitlines()]
    for line in exported:
        copy = Document.objects.get(project=other, text_sha256=line["text_sha256"])
        assert copy.text == line["text"]
        spans = sorted(
            (s.start, s.end, s.category_code, s.quote)
            for s in ImportedSpan.objects.filter(document=copy)
        )
        assert spans == sorted(
            (s["start"], s["end"], s["category"], s["quote"]) for s in line["spans"]
        )


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_exports_and_bundles(world, name, tmp_path):
    if name == "spacy":
        pytest.importorskip("spacy")
    _, data = run(world, format=name, layer="all", bundle=True)
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    result = verify_bundle(str(path))
    assert result.intact, result.problems
    assert result.files >= 2


def test_filters_select_documents_and_categories(world):
    _, data = run(world, format="jsonl", layer="reviewers", category="torture")
    lines = [json.loads(line) for line in data.decode().splitlines()]
    assert {span["category"] for line in lines for span in line["spans"]} == {"torture"}
    with pytest.raises(ExportError, match="No document matches"):
        run(world, format="jsonl", status="new")


def test_bad_requests_get_clear_errors(world):
    with pytest.raises(ExportError, match="Unknown format 'xml'"):
        run(world, format="xml")
    with pytest.raises(ExportError, match="Unknown layer"):
        run(world, format="jsonl", layer="drafts")
    with pytest.raises(ExportError, match="no category 'nope'"):
        run(world, format="jsonl", category="nope")


def test_an_empty_gold_layer_is_refused_with_a_hint(project):
    category = CategoryFactory(project=project, code="detention")
    reviewer = UserFactory()
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    document = make_document(project, "He was detained.")
    make_annotation(document, reviewer, category, 7, 15)
    with pytest.raises(ExportError, match="The gold layer has no spans"):
        export_start(project=project, options=ExportOptions(format="jsonl"), actor=None)


def test_every_export_is_audited(world):
    before = AuditEvent.objects.filter(action="corpus.export").count()
    run(world, format="csv", layer="reviewers")
    event = AuditEvent.objects.filter(action="corpus.export").latest("pk")
    assert AuditEvent.objects.filter(action="corpus.export").count() == before + 1
    assert event.after["format"] == "csv"
    assert event.after["layer"] == "reviewers"
    assert event.actor == world["manager"]


def test_export_page_streams_the_download(world):
    client = client_for(world["moderator"])
    url = reverse("corpus_export", kwargs={"project_slug": world["project"].slug})
    page = client.get(url).content.decode()
    assert "Export the corpus" in page
    assert "names instead of pseudonyms" not in page, "only managers may ask for names"
    response = client.get(url, {"format": "jsonl", "layer": "gold", "download": "Export"})
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2
    refused = client.get(
        url, {"format": "jsonl", "layer": "gold", "status": "new", "download": "Export"}
    )
    assert "No document matches these filters" in refused.content.decode()


def test_api_streams_an_export_for_a_script(world):
    _, token = api_token_create(user=world["moderator"], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/projects/{world['project'].slug}/export"
    response = client.get(url, {"format": "w3c", "layer": "gold"})
    assert response.status_code == 200
    collection = json.loads(b"".join(response.streaming_content))
    assert collection["type"] == "AnnotationCollection"
    bad = client.get(url, {"format": "xml"})
    assert bad.status_code == 400
    assert "Unknown format" in bad.json()["detail"]


def test_command_writes_files_and_standard_output(world, tmp_path, capsysbinary):
    path = tmp_path / "gold.csv"
    out = io.StringIO()
    call_command(
        "export_corpus", project=world["project"].slug, format="csv", output=str(path), stdout=out
    )
    assert "Wrote" in out.getvalue()
    assert path.read_text(encoding="utf-8").startswith("document_id,document_title")
    call_command("export_corpus", project=world["project"].slug, format="jsonl", output="-")
    captured = capsysbinary.readouterr().out.decode()
    assert len(captured.splitlines()) == 2
    with pytest.raises(CommandError, match="Standard output takes single text files"):
        call_command("export_corpus", project=world["project"].slug, format="brat", output="-")
    with pytest.raises(CommandError, match="No document matches"):
        call_command(
            "export_corpus",
            project=world["project"].slug,
            format="jsonl",
            status="new",
            output=str(path),
        )
