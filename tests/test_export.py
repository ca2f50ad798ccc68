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
from spacy.tokens import DocBin

from annotator.formats.bundle import verify_bundle
from annotator.formats.tabular import ESCAPED_COLUMN
from annotator.models import AuditEvent, Document, ImportedSpan, ModerationItem, Role
from annotator.services.assignments import review_submit
from annotator.services.exporting import (
    FORMATS,
    SUMMARY_COUNTS,
    ExportError,
    ExportOptions,
    export_start,
    export_summary,
)
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
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {row["document_title"] for row in rows} == {"'=Testimony", "Log"}, (
        "a title starting with = must not run as a formula"
    )
    assert {row[ESCAPED_COLUMN] for row in rows} == {"document_title", ""}
    texts = {document.title: document.text for document in world["documents"].values()}
    for row in restored_csv_rows(data):
        assert texts[row["document_title"]][int(row["start"]) : int(row["end"])] == row["quote"]
        assert row["reviewer"] in ("Reviewer 1", "Reviewer 2")


def restored_csv_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of an exported CSV, read as the README says: one leading apostrophe comes
    off exactly the cells that the last column names."""
    rows = []
    for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        for name in row.pop(ESCAPED_COLUMN).split():
            row[name] = row[name].removeprefix("'")
        rows.append(row)
    return rows


def test_csv_export_round_trips_titles_quotes_and_notes_that_look_like_formulas(project):
    from annotator.services.annotations import annotation_update

    category = CategoryFactory(project=project, code="detention")
    reviewer = UserFactory(username="rev")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    starts = ["=1+1", "+86", "-5", "@home", "\tTabbed", "'Quoted", "Plain"]
    expected = {}
    for n, piece in enumerate(starts):
        text = f"{piece} numbers in document {n}."
        note = starts[-1 - n] + " note\r\nsecond line"
        document = make_document(project, text, title=piece + " title", name=f"{n}.txt")
        annotation = make_annotation(document, reviewer, category, *at(text, piece))
        annotation_update(
            annotation_id=annotation.pk,
            actor=reviewer,
            version=annotation.version,
            changes={"note": note},
        )
        review_submit(document=document, reviewer=reviewer)
        expected[document.pk] = (document.title, piece, note)
    export = export_start(
        project=project, options=ExportOptions(format="csv", layer="reviewers"), actor=None
    )
    rows = restored_csv_rows(b"".join(export.chunks))
    assert {
        int(row["document_id"]): (row["document_title"], row["quote"], row["note"]) for row in rows
    } == expected


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


# --- Pseudonyms: reviewers and moderators are numbered apart ---------------------------


@pytest.fixture
def decided(project):
    """A moderator (the oldest account), two reviewers; one span both reviewers proposed
    that the moderator decided, and one that they agreed on (no decider)."""
    moderator = UserFactory(username="mod-first")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    first, second = UserFactory(username="rev-a"), UserFactory(username="rev-b")
    for user in (first, second):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="chief"), role=Role.MANAGER)
    category = CategoryFactory(project=project, code="detention")
    text = "Police detained him at the camp and beat him."
    document = make_document(project, text, title="Report")
    for user in (first, second):
        make_annotation(document, user, category, *at(text, "detained him"))
        make_annotation(document, user, category, *at(text, "beat him"))
    make_annotation(document, second, category, *at(text, "detained"))
    for user in (first, second):
        review_submit(document=document, reviewer=user)
    item = ModerationItem.objects.get(document=document)
    item_resolve(
        item_id=item.pk,
        moderator=moderator,
        version=item.version,
        resolution="accept_reviewer",
        spans=[tuple(span) for span in item.versions[str(first.pk)]],
    )
    return {"project": project, "moderator": moderator, "first": first, "second": second}


def assert_gold_provenance(project, expected, **options) -> None:
    """Each gold span's (decided_by, proposed_by), by quote, is ``expected`` in the JSONL,
    the CSV and the W3C export alike."""
    for name in ("jsonl", "csv", "w3c"):
        export = export_start(
            project=project, options=ExportOptions(format=name, **options), actor=None
        )
        data = b"".join(export.chunks)
        if name == "jsonl":
            lines = [json.loads(line) for line in data.decode().splitlines()]
            spans = [span for line in lines for span in line["spans"]]
            read = {s["quote"]: (s.get("decided_by", ""), s["proposed_by"]) for s in spans}
        elif name == "csv":
            read = {
                row["quote"]: (row["decided_by"], row["proposed_by"].split("; "))
                for row in restored_csv_rows(data)
            }
        else:
            read = {}
            for item in json.loads(data)["first"]["items"]:
                bodies = dict(
                    body["value"].split(": ", 1)
                    for body in item["body"]
                    if body["purpose"] == "describing" and ": " in body["value"]
                )
                quote = item["target"]["selector"][1]["exact"]
                read[quote] = (bodies.get("decided_by", ""), bodies["proposed_by"].split("; "))
        assert read == expected, f"{name}: who proposed and who decided"


def test_gold_export_numbers_moderators_apart_from_reviewers(decided):
    expected = {
        "detained him": ("Moderator 1", ["Reviewer 1", "Reviewer 2"]),
        "beat him": ("", ["Reviewer 1", "Reviewer 2"]),
    }
    assert_gold_provenance(decided["project"], expected)


def test_names_keep_user_names_in_both_roles(decided):
    expected = {
        "detained him": ("mod-first", ["rev-a", "rev-b"]),
        "beat him": ("", ["rev-a", "rev-b"]),
    }
    assert_gold_provenance(decided["project"], expected, names=True)


def test_a_reviewer_who_also_decides_has_one_pseudonym_in_each_role(decided):
    """rev-b reviewed the first document, was then made a moderator and decided the second."""
    project, first, second = decided["project"], decided["first"], decided["second"]
    third = UserFactory(username="rev-c")
    MembershipFactory(project=project, user=third, role=Role.REVIEWER)
    category = project.categories.get(code="detention")
    text = "Guards beat the prisoners."
    document = make_document(project, text, title="Second", assign=False)
    for user in (first, third):
        make_annotation(document, user, category, *at(text, "beat"))
    make_annotation(document, third, category, *at(text, "beat the prisoners"))
    for user in (first, third):
        review_submit(document=document, reviewer=user)
    project.memberships.filter(user=second).update(role=Role.MODERATOR)
    item = ModerationItem.objects.get(document=document)
    item_resolve(
        item_id=item.pk,
        moderator=second,
        version=item.version,
        resolution="accept_reviewer",
        spans=[tuple(span) for span in item.versions[str(first.pk)]],
    )
    # Reviewers by account among those who annotated: rev-a 1, rev-b 2, rev-c 3; moderators
    # by account among those who decided: mod-first 1, rev-b 2.
    expected = {
        "detained him": ("Moderator 1", ["Reviewer 1", "Reviewer 2"]),
        "beat him": ("", ["Reviewer 1", "Reviewer 2"]),
        "beat": ("Moderator 2", ["Reviewer 1", "Reviewer 3"]),
    }
    assert_gold_provenance(project, expected)


def test_manifest_says_how_reviewers_and_moderators_are_named(decided):
    manifests = {}
    for names in (False, True):
        export = export_start(
            project=decided["project"],
            options=ExportOptions(format="jsonl", bundle=True, names=names),
            actor=None,
        )
        archive = zipfile.ZipFile(io.BytesIO(b"".join(export.chunks)))
        manifest = next(n for n in archive.namelist() if n.endswith("manifest.json"))
        manifests[names] = json.loads(archive.read(manifest))["reviewers"]
    assert "Reviewer 1" in manifests[False]
    assert "Moderator 1" in manifests[False]
    assert "decided_by" in manifests[False]
    assert "user names" in manifests[True]


# --- What the file holds: the summary on the command, the page and the API -------------


def conll_entities(data: bytes) -> int:
    return sum(1 for line in data.decode().splitlines() if "\tB-" in line)


def docbin_counts(data: bytes) -> tuple[int, int]:
    import spacy

    docs = list(DocBin().from_bytes(data).get_docs(spacy.blank("xx").vocab))
    return sum(len(doc.ents) for doc in docs), sum(len(doc.spans["sc"]) for doc in docs)


def brat_spans(data: bytes) -> tuple[int, int]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        lines = [
            line
            for name in archive.namelist()
            if name.endswith(".ann")
            for line in archive.read(name).decode().splitlines()
            if line.startswith("T")
        ]
    return len(lines), sum(1 for line in lines if ";" in line.split("\t")[1])


def data_file(data: bytes, suffix: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(suffix)))


def test_conll_summary_is_what_the_file_holds(world):
    export, data = run(world, format="conll", layer="reviewers")
    summary = export.summary
    counts = summary.counts
    written = conll_entities(data)
    assert counts["spans_written"] == written, "the summary must count the file's entities"
    assert counts["spans_selected"] == 7
    assert counts["dropped_overlapping"] == 7 - written > 0
    assert (
        counts["spans_selected"]
        == written + counts["dropped_overlapping"] + counts["dropped_without_tokens"]
    )
    assert summary.documents == 2
    assert set(summary.categories) == {"detention", "torture"}
    assert summary.categories["detention"]["dropped_overlapping"] == 2
    assert summary.categories["torture"]["dropped_overlapping"] == 1
    for key in counts:
        assert sum(c[key] for c in summary.categories.values()) == counts[key], key
    dry = export_summary(
        project=world["project"], options=ExportOptions(format="conll", layer="reviewers")
    )
    assert dry == summary, "a dry run must count exactly what the file holds"


def test_spacy_summary_is_what_the_docbin_holds(world):
    export, data = run(world, format="spacy", layer="reviewers")
    entities, in_group = docbin_counts(data)
    counts = export.summary.counts
    assert counts["entities"] == entities
    assert counts["spans_written"] == in_group == 7
    assert counts["not_in_entities"] == in_group - entities > 0


def test_brat_summary_counts_fragments(world):
    export, data = run(world, format="brat", layer="reviewers")
    written, fragmented = brat_spans(data)
    counts = export.summary.counts
    assert (counts["spans_written"], counts["fragmented"]) == (written, fragmented)
    assert counts["dropped_line_breaks_only"] == 0


def test_a_bundle_records_the_same_summary(world):
    plain, data = run(world, format="conll", layer="reviewers")
    bundled, bundle = run(world, format="conll", layer="reviewers", bundle=True)
    manifest = json.loads(data_file(bundle, "manifest.json"))
    assert conll_entities(data_file(bundle, "corpus.conll")) == conll_entities(data)
    assert manifest["summary"] == bundled.summary.as_dict() == plain.summary.as_dict()
    assert manifest["summary"]["counts"]["spans_written"] == conll_entities(data)
    assert (
        manifest["conll"]["spans_overlapping"]
        == manifest["summary"]["counts"]["dropped_overlapping"]
    )


@pytest.mark.parametrize("bundle", [False, True])
def test_command_prints_what_the_file_holds(world, tmp_path, bundle):
    path = tmp_path / ("corpus.zip" if bundle else "corpus.conll")
    out = io.StringIO()
    options = {"bundle": True} if bundle else {}
    call_command(
        "export_corpus",
        project=world["project"].slug,
        format="conll",
        layer="reviewers",
        output=str(path),
        stdout=out,
        **options,
    )
    data = path.read_bytes()
    written = conll_entities(data_file(data, ".conll") if bundle else data)
    printed = out.getvalue()
    assert f"2 documents, {written} spans written of 7 selected" in printed, printed
    assert f"dropped, overlapping a span kept before them: {7 - written}" in printed, printed
    assert "widened to token boundaries: 0" in printed
    assert "detention" in printed, "the counts per category"
    assert "torture" in printed, "the counts per category"


def test_command_writing_to_standard_output_prints_its_summary_to_standard_error(
    world, capsysbinary
):
    call_command(
        "export_corpus", project=world["project"].slug, format="conll", layer="reviewers",
        output="-",
    )  # fmt: skip
    captured = capsysbinary.readouterr()
    written = conll_entities(captured.out)
    assert f"{written} spans written of 7 selected" in captured.err.decode()
    assert "spans written" not in captured.out.decode(), "the data must stay clean"


def export_url(world) -> str:
    return reverse("corpus_export", kwargs={"project_slug": world["project"].slug})


def test_export_page_previews_the_summary_before_downloading(world):
    client = client_for(world["moderator"])
    query = {"format": "conll", "layer": "reviewers", "bundle": ""}
    before = AuditEvent.objects.filter(action="corpus.export").count()
    page = client.get(export_url(world), {**query, "preview": "Preview"})
    assert page.status_code == 200
    assert not page.streaming, "a preview is a page, not a download"
    assert AuditEvent.objects.filter(action="corpus.export").count() == before, (
        "a preview sends nothing out and is not an export"
    )
    html = page.content.decode()
    download = client.get(export_url(world), {**query, "download": "Export"})
    data = b"".join(download.streaming_content)
    written = conll_entities(data)
    summary = page.context["summary"]
    assert summary.counts["spans_written"] == written
    assert 'data-testid="export-summary"' in html
    assert f'data-total="spans_written">{written}</td>' in html
    assert f'data-total="dropped_overlapping">{7 - written}</td>' in html
    assert 'data-category="detention" data-count="dropped_overlapping">2</td>' in html
    assert SUMMARY_COUNTS["dropped_overlapping"].capitalize() in html
    assert 'name="preview"' in html, "a preview button"
    assert 'name="download"' in html, "beside the download button"
    refused = client.get(export_url(world), {**query, "status": "new", "preview": "Preview"})
    assert "No document matches these filters" in refused.content.decode()


def test_api_summary_matches_the_file(world):
    _, token = api_token_create(user=world["moderator"], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    base = f"/api/v1/projects/{world['project'].slug}/export"
    query = {"format": "spacy", "layer": "reviewers"}
    before = AuditEvent.objects.filter(action="corpus.export").count()
    summary = client.get(f"{base}/summary", query)
    assert summary.status_code == 200, summary.content
    assert AuditEvent.objects.filter(action="corpus.export").count() == before
    entities, in_group = docbin_counts(b"".join(client.get(base, query).streaming_content))
    body = summary.json()
    assert body["format"] == "spacy"
    assert body["documents"] == 2
    assert body["counts"]["entities"] == entities
    assert body["counts"]["spans_written"] == in_group
    assert body["counts"]["not_in_entities"] == in_group - entities
    assert sum(c["entities"] for c in body["categories"].values()) == entities
    bad = client.get(f"{base}/summary", {"format": "xml"})
    assert bad.status_code == 400
    assert "Unknown format" in bad.json()["detail"]
    _, reviewer_token = api_token_create(user=world["ana"], name="reviewer's script")
    reviewer = Client(HTTP_AUTHORIZATION=f"Bearer {reviewer_token}")
    assert reviewer.get(f"{base}/summary", query).status_code == 403


def test_api_summary_is_in_the_openapi_schema(world):
    schema = client_for(world["moderator"]).get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/projects/{slug}/export/summary"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    expected = {"slug", "format", "layer", "status", "category", "since", "until", "names"}
    assert expected <= parameters
    assert "200" in operation["responses"]
    assert "dry run" in operation["description"]
