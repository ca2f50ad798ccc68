"""Export bundles going back in: verified against their manifest, and imported exactly.

A bundle is what ``export_corpus --bundle`` makes: ``<stem>/corpus.jsonl`` (or another
format's data), ``<stem>/taxonomy.json`` and ``<stem>/manifest.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command

from annotator.formats.bundle import taxonomy_file_data, verify_bundle, verify_members
from annotator.models import AuditEvent, Document, ImportedSpan, Role
from annotator.services.assignments import review_submit
from annotator.services.exporting import ExportOptions, export_start
from annotator.services.importing import (
    ImportReport,
    Outcome,
    SourceFile,
    bundle_taxonomy_load,
    documents_import,
)
from annotator.taxonomy import DEFAULT_COLOUR, taxonomy_from_data
from annotator.text import text_sha256
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
)

pytestmark = pytest.mark.django_db

# Every character Python's str.splitlines() breaks a line at, other than "\n" and "\r" (a
# canonical text has no "\r": it became "\n").
SEPARATORS = {
    "\x0b": "line tabulation",
    "\x0c": "form feed",
    "\x1c": "file separator",
    "\x1d": "group separator",
    "\x1e": "record separator",
    "\x85": "next line",
    "\u2028": "line separator",
    "\u2029": "paragraph separator",
}
TEXT = (
    "Testimony, recorded in 2019.\n"
    + "".join(f"{name} here{separator}" for separator, name in SEPARATORS.items())
    + "He was detained\u2028in a camp\x85and beaten\u2029in custody.\n"
)


def seed(project, text: str) -> Document:
    """A document with exactly ``text`` (a .txt file with these characters looks binary)."""
    line = json.dumps({"text": text, "title": "Separators"}, ensure_ascii=False)
    report = documents_import(
        project=project, sources=[SourceFile("seed.jsonl", line.encode())], imported_by=None
    )
    assert report.imported == 1, report.results
    document = Document.objects.get(pk=report.results[0].document_id)
    assert document.text == text, "the seed must keep every separator"
    return document


def at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def annotated(project):
    """Two reviewers who agree (so the gold layer has the spans too), across separators."""
    detention = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    torture = CategoryFactory(project=project, code="torture", name="Torture")
    manager = UserFactory(username="boss")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    document = seed(project, TEXT)
    for username in ("ana", "ben"):
        reviewer = UserFactory(username=username)
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
        make_annotation(document, reviewer, detention, *at(TEXT, "detained\u2028in a camp"))
        make_annotation(document, reviewer, torture, *at(TEXT, "beaten\u2029in custody"))
        make_annotation(
            document, reviewer, detention, *at(TEXT, "form feed here\x0cfile separator")
        )
        review_submit(document=document, reviewer=reviewer)
    assert document.gold_spans.count() == 3, "two reviewers in agreement make the gold layer"
    return {"project": project, "manager": manager, "document": document}


def export_bundle(project, manager, *, format: str = "jsonl", layer: str = "all") -> bytes:
    export = export_start(
        project=project,
        options=ExportOptions(format=format, layer=layer, bundle=True),
        actor=manager,
    )
    return b"".join(export.chunks)


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(f"/{name}")))


def outcomes(report: ImportReport) -> list[tuple[str, Outcome]]:
    return [(result.name, result.outcome) for result in report.results]


# --- line separators ----------------------------------------------------------------------


def test_a_bundle_whose_text_holds_every_line_separator_verifies(annotated, tmp_path):
    data = export_bundle(annotated["project"], annotated["manager"])
    corpus = member(data, "corpus.jsonl")
    assert "\u2028".encode() in corpus, "the export writes U+2028 as it is, inside a JSON line"
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)

    result = verify_bundle(str(path))
    assert result.intact, result.problems
    assert (result.files, result.documents) == (2, 1)
    out = io.StringIO()
    call_command("verify_export", str(path), stdout=out)
    assert "2 files and 1 document texts checked" in out.getvalue()


def test_a_corpus_whose_text_holds_every_line_separator_imports_exactly(annotated):
    corpus = member(export_bundle(annotated["project"], annotated["manager"]), "corpus.jsonl")
    copy_project = ProjectFactory(slug="copy")
    report = documents_import(
        project=copy_project, sources=[SourceFile("corpus.jsonl", corpus)], imported_by=None
    )
    assert outcomes(report) == [("corpus.jsonl, line 1", Outcome.IMPORTED)], report.results
    copy = Document.objects.get(project=copy_project)
    original = annotated["document"]
    assert copy.text == original.text, "every separator must come back where it was"
    assert copy.text_sha256 == original.text_sha256
    expected = sorted(
        (layer, span.start, span.end, span.category.code, span.quote)
        for layer, spans in (
            ("gold", original.gold_spans.select_related("category")),
            ("reviewer", original.annotations.select_related("category")),
        )
        for span in spans
    )
    imported = sorted(
        (span.attributes["layer"], span.start, span.end, span.category_code, span.quote)
        for span in ImportedSpan.objects.filter(document=copy)
    )
    assert imported == expected
    for _, start, end, _, quote in imported:
        assert copy.text[start:end] == quote


def test_a_crlf_corpus_still_reads_line_by_line(annotated):
    corpus = member(export_bundle(annotated["project"], annotated["manager"]), "corpus.jsonl")
    report = documents_import(
        project=ProjectFactory(slug="crlf"),
        sources=[SourceFile("corpus.jsonl", corpus.replace(b"\n", b"\r\n"))],
        imported_by=None,
    )
    assert report.imported == 1, report.results


def test_a_bundle_verifies_from_members_already_read_and_with_crlf_lines():
    texts = ["first\u2028text", "second\x85text"]
    corpus = "".join(
        json.dumps({"id": n, "text": t}, ensure_ascii=False) + "\r\n"
        for n, t in enumerate(texts, start=1)
    ).encode()
    manifest = {
        "product": "annotator 1.0",
        "files": {"corpus.jsonl": hashlib.sha256(corpus).hexdigest()},
        "documents": [{"id": n, "text_sha256": text_sha256(t)} for n, t in enumerate(texts, 1)],
    }
    result = verify_members(
        {"b/corpus.jsonl": corpus, "b/manifest.json": json.dumps(manifest).encode()}
    )
    assert result.intact, result.problems
    assert result.documents == 2


# --- importing a bundle -------------------------------------------------------------------


@pytest.fixture
def target(db):
    """A fresh project that has one of the bundle's two categories, under its own name."""
    project = ProjectFactory(slug="target")
    CategoryFactory(project=project, code="detention", name="Detention, as we call it")
    return project


def import_bundle(project, data: bytes, *, load_taxonomy: bool = False) -> ImportReport:
    return documents_import(
        project=project,
        sources=[SourceFile("bundle.zip", data)],
        imported_by=None,
        load_taxonomy=load_taxonomy,
    )


def ends(report: ImportReport) -> list[tuple[str, Outcome]]:
    """Outcomes by the name inside the bundle's folder (the folder has the export's time)."""
    return [(result.name.rsplit("/", 1)[-1], result.outcome) for result in report.results]


def row(report: ImportReport, ending: str):
    matches = [result for result in report.results if result.name.endswith(ending)]
    assert len(matches) == 1, f"one row ending {ending!r} expected in {outcomes(report)}"
    return matches[0]


def rezip(data: bytes, change) -> bytes:
    """The archive again, each member passed through ``change(name, content)``, which returns
    the (name, content) to write, or None to leave the member out."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            changed = change(info.filename, source.read(info))
            if changed is not None:
                archive.writestr(*changed)
    return buffer.getvalue()


def test_a_bundle_imports_its_corpus_and_notes_its_manifest_and_taxonomy(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    report = import_bundle(target, data)

    assert ends(report) == [
        ("corpus.jsonl, line 1", Outcome.IMPORTED),
        ("taxonomy.json", Outcome.NOTE),
        ("manifest.json", Outcome.NOTE),
    ], report.results
    assert report.failed == 0
    assert report.summary() == "1 imported, 0 duplicate, 0 failed, 2 notes"
    manifest = row(report, "manifest.json")
    assert manifest.reason.startswith("Verified: 2 files match it"), manifest.reason
    taxonomy = row(report, "taxonomy.json")
    assert taxonomy.reason == "It holds 2 categories; 1 not yet in this project: torture."
    assert taxonomy.taxonomy is not None
    assert taxonomy.taxonomy.missing == ("torture",)
    assert not taxonomy.taxonomy.loaded
    assert list(target.categories.values_list("code", flat=True)) == ["detention"], (
        "a taxonomy is only offered unless its loading is asked for"
    )
    copy = Document.objects.get(project=target)
    assert copy.text == annotated["document"].text


def test_load_taxonomy_creates_the_missing_categories_before_the_corpus(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    report = import_bundle(target, data, load_taxonomy=True)

    assert report.failed == 0, report.results
    taxonomy = row(report, "taxonomy.json")
    assert taxonomy.reason == (
        "It holds 2 categories; the 1 not yet in this project were loaded: torture."
    )
    assert taxonomy.taxonomy.loaded
    categories = {c.code: c.name for c in target.categories.all()}
    assert categories == {"detention": "Detention, as we call it", "torture": "Torture"}, (
        "missing categories are created, existing ones never changed"
    )
    spans = ImportedSpan.objects.filter(document__project=target)
    assert spans.exists()
    unlinked = [(s.category_code, s.quote) for s in spans if s.category is None]
    assert unlinked == [], "every imported span finds its category once the taxonomy is in"
    event = AuditEvent.objects.get(action="taxonomy.load")
    assert event.after["created"] == ["torture"]


def test_a_taxonomy_loaded_after_the_import_links_the_spans_imported_before(annotated, target):
    report = import_bundle(target, export_bundle(annotated["project"], annotated["manager"]))
    offer = row(report, "taxonomy.json").taxonomy
    torture = ImportedSpan.objects.filter(document__project=target, category_code="torture")
    assert torture.exists()
    assert not torture.filter(category__isnull=False).exists()

    created = bundle_taxonomy_load(
        project=target, categories=offer.categories, actor=None, source="bundle.zip"
    )
    assert created == ["torture"]
    assert set(torture.values_list("category__code", flat=True)) == {"torture"}
    assert (
        bundle_taxonomy_load(
            project=target, categories=offer.categories, actor=None, source="bundle.zip"
        )
        == []
    ), "loading again creates nothing"


def test_a_tampered_bundle_is_refused_with_its_problems_as_the_reason(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    tampered = rezip(
        data,
        lambda name, content: (
            name,
            content.replace(b"detained", b"released", 1)
            if name.endswith("corpus.jsonl")
            else content,
        ),
    )
    report = import_bundle(target, tampered, load_taxonomy=True)

    assert [outcome for _, outcome in ends(report)] == [Outcome.FAILED] * 3, report.results
    corpus = row(report, "corpus.jsonl")
    assert "does not match its manifest" in corpus.reason
    assert "corpus.jsonl has changed: its SHA-256 is not the manifest's." in corpus.reason
    assert "nothing of it was imported" in row(report, "manifest.json").reason
    assert not Document.objects.filter(project=target).exists()
    assert list(target.categories.values_list("code", flat=True)) == ["detention"]


def test_a_file_slipped_into_a_bundle_refuses_it(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    folder = zipfile.ZipFile(io.BytesIO(data)).namelist()[0].split("/")[0]
    with_extra = rezip(data, lambda name, content: (name, content))
    buffer = io.BytesIO(with_extra)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(f"{folder}/extra.txt", "A document nobody exported.")
    report = import_bundle(target, buffer.getvalue())

    extra = row(report, "extra.txt")
    assert extra.outcome is Outcome.FAILED
    assert "extra.txt is in the bundle but not in the manifest." in extra.reason
    assert not Document.objects.filter(project=target).exists()


@pytest.mark.parametrize("format", ["csv", "w3c", "brat", "conll"])
def test_a_bundle_of_another_format_gets_one_failed_row_pointing_to_jsonl(
    annotated, target, format
):
    data = export_bundle(annotated["project"], annotated["manager"], format=format)
    report = import_bundle(target, data)

    failed = [result for result in report.results if result.outcome is Outcome.FAILED]
    assert len(failed) == 1, f"one row for the bundle's data, not one per file: {report.results}"
    assert f"holds a {format} export, which cannot be imported yet" in failed[0].reason
    assert "a JSONL bundle can" in failed[0].reason
    assert row(report, "manifest.json").outcome is Outcome.NOTE
    assert row(report, "taxonomy.json").outcome is Outcome.NOTE
    assert not Document.objects.filter(project=target).exists()


def test_a_bundle_without_its_folder_is_still_a_bundle(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    flat = rezip(data, lambda name, content: (name.split("/", 1)[1], content))
    report = import_bundle(target, flat)
    assert ends(report) == [
        ("corpus.jsonl, line 1", Outcome.IMPORTED),
        ("taxonomy.json", Outcome.NOTE),
        ("manifest.json", Outcome.NOTE),
    ], report.results


def test_a_zip_whose_manifest_is_not_this_products_is_an_ordinary_archive(target):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pack/a.txt", "A field note.")
        archive.writestr("pack/manifest.json", json.dumps({"product": "other", "files": {}}))
    report = import_bundle(target, buffer.getvalue())
    assert ends(report) == [("a.txt", Outcome.IMPORTED), ("manifest.json", Outcome.FAILED)]
    assert "cannot be imported" in row(report, "manifest.json").reason


def test_an_exported_taxonomy_becomes_a_taxonomy_file_the_parser_reads():
    exported = json.dumps(
        [
            {"code": "torture", "name": "Torture", "definition": "Severe pain.", "parent": ""},
            {"code": "beating", "name": "Beating", "definition": "", "parent": "torture"},
        ]
    ).encode()
    specs = {spec.code: spec for spec in taxonomy_from_data(taxonomy_file_data(exported))}
    assert specs["torture"].parent is None
    assert specs["torture"].definition == "Severe pain."
    assert specs["beating"].parent == "torture"
    assert specs["beating"].colour == DEFAULT_COLOUR, "the export carries no colour"
    with pytest.raises(ValueError, match="not a list of categories"):
        taxonomy_file_data(b'{"categories": "none"}')
