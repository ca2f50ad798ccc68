"""The import service end to end: archives, corpora, limits, batches, duplicates, the report."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from annotator.extractors import EXTRACTORS, ExtractionError, extract, importable_suffixes
from annotator.models import Annotation, AuditEvent, Document, GoldSpan, ImportedSpan
from annotator.services import importing
from annotator.services.audit import audit_verify
from annotator.services.importing import (
    FileResult,
    ImportLimits,
    ImportReport,
    Outcome,
    SourceFile,
    documents_import,
)
from annotator.text import sha256_hex, text_sha256
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

MB = 1_000_000
LIMITS = ImportLimits(max_file_bytes=1 * MB, max_archive_bytes=10 * MB, max_archive_files=20)


def run(project, *sources: SourceFile, limits: ImportLimits = LIMITS, user=None) -> ImportReport:
    return documents_import(project=project, sources=sources, imported_by=user, limits=limits)


def outcomes(report: ImportReport) -> list[tuple[str, Outcome]]:
    return [(result.name, result.outcome) for result in report.results]


def result_named(report: ImportReport, name: str) -> FileResult:
    matches = [result for result in report.results if result.name == name]
    assert len(matches) == 1, f"expected one result named {name!r} in {outcomes(report)}"
    return matches[0]


def make_zip(*entries: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """Two honest files and 50 MB of zeros, deflated into about 50 KB."""
    return make_zip(
        ("first.txt", b"An honest first file."),
        ("zeros.txt", bytes(50 * MB)),
        ("last.txt", b"An honest last file."),
    )


def jsonl(*records: object) -> bytes:
    return b"\n".join(
        (record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)).encode()
        for record in records
    )


def stored_original(document: Document) -> bytes:
    assert document.source_file.name, f"document {document.pk} has no stored original"
    with default_storage.open(document.source_file.name, "rb") as stored:
        return stored.read()


def assert_audited(documents: list[Document]) -> None:
    """One "document.import" event per document, and a chain that still verifies."""
    for document in documents:
        events = AuditEvent.objects.filter(action="document.import", document=document)
        assert events.count() == 1, f"document {document.pk} has {events.count()} import events"
        event = events.get()
        assert event.object_id == str(document.pk)
        assert event.after["text_sha256"] == document.text_sha256
        assert event.after["source_sha256"] == document.source_sha256
    verification = audit_verify()
    assert verification.intact, f"audit chain broken: {verification.problem}"
    assert verification.events == AuditEvent.objects.count()


def assert_original_kept(document: Document, expected: bytes) -> None:
    original = stored_original(document)
    assert original == expected, f"document {document.pk}: the stored original differs"
    assert sha256_hex(original) == document.source_sha256
    assert document.source_size == len(expected)


# --- archives --------------------------------------------------------------------------


def test_a_zip_imports_each_file_and_refuses_a_path_escaping_member_by_name(project):
    data = make_zip(
        ("a.txt", b"First file of the batch."),
        (zipfile.ZipInfo("../evil.txt"), b"Escaping file."),
        ("notes/b.md", "# Second\n\nÜrümqi.".encode()),
        ("__MACOSX/notes/._b.md", b"\x00\x05\x16\x07"),
        ("c.txt", b"Third file of the batch."),
    )
    report = run(project, SourceFile("batch.zip", data))
    assert outcomes(report) == [
        ("batch.zip/a.txt", Outcome.IMPORTED),
        ("batch.zip/../evil.txt", Outcome.FAILED),
        ("batch.zip/notes/b.md", Outcome.IMPORTED),
        ("batch.zip/c.txt", Outcome.IMPORTED),
    ]
    assert "outside" in result_named(report, "batch.zip/../evil.txt").reason
    assert not Document.objects.filter(text__contains="Escaping").exists()
    documents = list(Document.objects.order_by("pk"))
    assert [d.source_filename for d in documents] == ["a.txt", "b.md", "c.txt"]
    assert documents[1].title == "Second"
    assert_original_kept(documents[0], b"First file of the batch.")
    assert_audited(documents)


def test_a_zip_bomb_fails_as_a_whole_and_imports_nothing(project):
    before = Document.objects.count()
    report = run(project, SourceFile("bomb.zip", zip_bomb()))
    assert outcomes(report) == [("bomb.zip", Outcome.FAILED)], (
        "a bomb must fail as one archive, not member by member"
    )
    assert "MB" in report.results[0].reason, report.results[0].reason
    assert Document.objects.count() == before, "nothing of a bomb may be imported"
    assert not AuditEvent.objects.filter(action="document.import").exists()


def test_a_zip_member_over_the_file_limit_fails_and_the_others_import(project):
    data = make_zip(("small.txt", b"Small enough."), ("big.txt", b"a" * (2 * MB)))
    report = run(project, SourceFile("batch.zip", data))
    assert outcomes(report) == [
        ("batch.zip/small.txt", Outcome.IMPORTED),
        ("batch.zip/big.txt", Outcome.FAILED),
    ]
    assert "1 MB" in report.results[1].reason, report.results[1].reason


def test_an_empty_zip_and_a_fake_zip_fail_with_a_reason(project):
    report = run(
        project, SourceFile("empty.zip", make_zip()), SourceFile("fake.zip", b"not an archive")
    )
    assert outcomes(report) == [("empty.zip", Outcome.FAILED), ("fake.zip", Outcome.FAILED)]
    assert "no files" in report.results[0].reason
    assert "not a readable ZIP" in report.results[1].reason
    assert not Document.objects.exists()


def test_a_zip_holding_a_corpus_expands_it_with_the_corpus_name_as_layer(project):
    corpus = jsonl({"text": "Held without charge.", "label": [[0, 4, "detention"]]})
    report = run(project, SourceFile("batch.zip", make_zip(("data/corpus.jsonl", corpus))))
    assert outcomes(report) == [("batch.zip/data/corpus.jsonl, line 1", Outcome.IMPORTED)]
    span = ImportedSpan.objects.get()
    assert span.layer == "import: corpus.jsonl"
    assert span.quote == "Held"


# --- single files: limits and refusals -------------------------------------------------


def test_a_file_over_the_size_limit_fails_with_sizes_in_mb(project):
    report = run(project, SourceFile("long.txt", b"word " * 300_000))
    assert outcomes(report) == [("long.txt", Outcome.FAILED)]
    assert report.results[0].reason == "The file is 1.5 MB; the limit is 1 MB."
    assert not Document.objects.exists()


def test_an_archive_over_its_own_limit_fails(project):
    small = ImportLimits(max_file_bytes=1 * MB, max_archive_bytes=1 * MB, max_archive_files=20)
    noise = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(40_000))
    data = make_zip(("noise.txt", noise))
    assert len(data) > 1 * MB, "random bytes should not compress below the 1 MB limit"
    report = run(project, SourceFile("big.zip", data), limits=small)
    assert outcomes(report) == [("big.zip", Outcome.FAILED)]
    assert "limit is 1 MB" in report.results[0].reason


def test_an_empty_file_fails(project):
    report = run(project, SourceFile("empty.txt", b""))
    assert outcomes(report) == [("empty.txt", Outcome.FAILED)]
    assert report.results[0].reason == "The file is empty."


def test_an_unknown_type_fails_naming_the_supported_types(project):
    report = run(project, SourceFile("setup.exe", b"MZ\x90\x00 program"))
    reason = report.results[0].reason
    assert report.results[0].outcome is Outcome.FAILED
    assert "'.exe'" in reason, reason
    for suffix in (".txt", ".md", ".html", ".pdf", ".docx"):
        assert suffix in reason, f"{suffix} missing from the supported types in {reason!r}"


def test_the_refusal_of_an_unknown_type_names_every_suffix_the_importer_takes(project):
    report = run(project, SourceFile("setup.exe", b"MZ\x90\x00 program"))
    reason = report.results[0].reason
    for suffix in (".jsonl", ".ndjson", ".zip", *EXTRACTORS):
        assert suffix in reason, f"{suffix} is importable but the refusal omits it: {reason!r}"
    assert reason.endswith(f"supported: {', '.join(importable_suffixes())}."), reason


def test_a_format_added_to_the_registry_is_named_in_the_refusal_and_the_form(monkeypatch):
    from annotator.forms.documents import ImportForm

    monkeypatch.setitem(EXTRACTORS, ".odt", EXTRACTORS[".txt"])
    with pytest.raises(ExtractionError) as refusal:
        extract("setup.exe", b"MZ")
    assert ".odt" in str(refusal.value), f"the refusal ignores the registry: {refusal.value}"
    help_text = str(ImportForm().fields["files"].help_text)
    for suffix in importable_suffixes():
        assert suffix in help_text, f"the form's help omits {suffix}: {help_text!r}"


def test_binary_junk_named_txt_fails_clearly(project):
    junk = bytes((i * 7919 + 13) % 256 for i in range(8192))
    report = run(project, SourceFile("junk.txt", junk))
    assert report.results[0].outcome is Outcome.FAILED, "binary junk must not become a document"
    assert "binary" in report.results[0].reason, report.results[0].reason
    assert not Document.objects.exists()


def test_arabic_presentation_forms_in_a_text_file_become_letters(project):
    # "العربية" written with presentation forms, then the lam-alef ligature "ﻻ".
    forms = "\ufe8d\ufedf\ufecc\ufeae\ufe91\ufef4\ufe94 \ufefb"
    report = run(project, SourceFile("arabic.txt", forms.encode()))
    assert report.results[0].outcome is Outcome.IMPORTED, report.results[0].reason
    document = Document.objects.get(pk=report.results[0].document_id)
    assert document.text == "العربية لا", f"presentation forms not mapped: {document.text!r}"
    assert "arabic-presentation-forms-nfkc" in document.normalisation, document.normalisation
    assert document.text_sha256 == text_sha256("العربية لا")
    assert_original_kept(document, forms.encode())


def test_a_docx_bomb_fails_alone_and_quickly_and_the_others_import(project):
    import time

    from tests.test_extract_html_docx import docx_bomb

    bomb = docx_bomb()
    started = time.perf_counter()
    report = run(
        project,
        SourceFile("before.txt", b"An honest file before."),
        SourceFile("statement.docx", bomb),
        SourceFile("after.txt", b"An honest file after."),
    )
    assert time.perf_counter() - started < 2, "the bomb must be refused before it inflates"
    assert outcomes(report) == [
        ("before.txt", Outcome.IMPORTED),
        ("statement.docx", Outcome.FAILED),
        ("after.txt", Outcome.IMPORTED),
    ]
    reason = result_named(report, "statement.docx").reason
    assert reason.startswith("This Word document was not opened, to keep the server available")
    assert "ZIP bomb" in reason


def test_a_text_over_the_character_limit_fails_alone_with_its_length(project, settings):
    settings.IMPORT_MAX_TEXT_CHARACTERS = 40
    report = documents_import(
        project=project,
        sources=[
            SourceFile("short.txt", b"Short enough."),
            # 54 code points as written (U + combining diaeresis), 42 in NFC, 66 bytes
            SourceFile("long.txt", "U\u0308ru\u0308mqi ".encode() * 6),
            SourceFile("corpus.jsonl", jsonl({"text": "x" * 41}, {"text": "A fitting line."})),
        ],
        imported_by=None,
    )
    assert outcomes(report) == [
        ("short.txt", Outcome.IMPORTED),
        ("long.txt", Outcome.FAILED),
        ("corpus.jsonl, line 1", Outcome.FAILED),
        ("corpus.jsonl, line 2", Outcome.IMPORTED),
    ]
    assert result_named(report, "long.txt").reason == (
        "Its text is 42 characters long; a document may have at most 40 "
        "(IMPORT_MAX_TEXT_CHARACTERS). Split it into several documents."
    ), "counted in code points of the canonical text (NFC), not bytes"
    assert sorted(Document.objects.values_list("text", flat=True)) == [
        "A fitting line.",
        "Short enough.",
    ]


def test_the_character_limit_defaults_to_five_million(settings):
    assert ImportLimits.from_settings().max_text_characters == 5_000_000
    assert LIMITS.max_text_characters == 5_000_000


def test_a_text_of_too_many_lines_fails_alone(project):
    limits = dataclasses.replace(LIMITS, max_text_lines=3)
    report = run(
        project,
        SourceFile("lines.txt", b"one\ntwo\nthree\nfour"),
        SourceFile("fits.txt", b"one\ntwo\nthree"),
        limits=limits,
    )
    assert outcomes(report) == [("lines.txt", Outcome.FAILED), ("fits.txt", Outcome.IMPORTED)]
    assert result_named(report, "lines.txt").reason.startswith(
        "Its text has 4 lines; a document may have at most 3, or its page becomes too slow"
    )


# --- duplicates ------------------------------------------------------------------------


def test_the_same_text_twice_in_one_call_is_a_duplicate_of_the_first(project):
    report = run(
        project,
        SourceFile("one.txt", b"Same words.\n"),
        SourceFile("other.txt", b"Different words."),
        SourceFile("two.txt", b"Same words.\r\n"),
    )
    assert outcomes(report) == [
        ("one.txt", Outcome.IMPORTED),
        ("other.txt", Outcome.IMPORTED),
        ("two.txt", Outcome.DUPLICATE),
    ]
    first, _, second = report.results
    assert second.document_id == first.document_id
    assert str(first.document_id) in second.reason
    assert Document.objects.count() == 2
    assert AuditEvent.objects.filter(action="document.import").count() == 2


def test_the_same_text_in_a_later_call_is_a_duplicate(project):
    first = run(project, SourceFile("one.txt", b"Repeated testimony.")).results[0]
    again = run(project, SourceFile("again.txt", b"Repeated testimony.")).results[0]
    assert again.outcome is Outcome.DUPLICATE
    assert again.document_id == first.document_id


def test_a_copy_of_a_refused_file_is_imported_on_its_own(project):
    report = run(
        project,
        SourceFile("bad.txt", b"Shared text.", metadata={"published_on": "not a date"}),
        SourceFile("good.txt", b"Shared text."),
        SourceFile("good-again.txt", b"Shared text."),
    )
    assert outcomes(report) == [
        ("bad.txt", Outcome.FAILED),
        ("good.txt", Outcome.IMPORTED),
        ("good-again.txt", Outcome.DUPLICATE),
    ], "when the first copy fails, the next copy must be imported and the third be its duplicate"
    assert report.results[2].document_id == report.results[1].document_id
    assert Document.objects.get().source_filename == "good.txt"


# --- batches and the fallback ----------------------------------------------------------


def spy_on_documents_create(monkeypatch) -> list[int]:
    """Record the size of every batch given to documents_create."""
    sizes: list[int] = []
    real = importing.writing.documents_create

    def spy(*, project, items, imported_by):
        sizes.append(len(items))
        return real(project=project, items=items, imported_by=imported_by)

    monkeypatch.setattr(importing.writing, "documents_create", spy)
    return sizes


def test_more_files_than_a_batch_are_all_imported_in_input_order(project, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 3)
    sizes = spy_on_documents_create(monkeypatch)
    sources = [SourceFile(f"f{i}.txt", f"Document number {i}.".encode()) for i in range(7)]
    report = run(project, *sources)
    assert outcomes(report) == [(f"f{i}.txt", Outcome.IMPORTED) for i in range(7)]
    assert sizes == [3, 3, 1], f"expected batches of 3, 3 and 1, got {sizes}"
    ids = [result.document_id for result in report.results]
    assert ids == sorted(ids), "documents must be created in input order"
    for i, result in enumerate(report.results):
        assert Document.objects.get(pk=result.document_id).text == f"Document number {i}."
    assert_audited(list(Document.objects.all()))


def test_a_duplicate_in_a_later_batch_of_the_same_call_is_found(project, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    report = run(
        project,
        SourceFile("a.txt", b"Alpha."),
        SourceFile("b.txt", b"Beta."),
        SourceFile("c.txt", b"Gamma."),
        SourceFile("a-again.txt", b"Alpha."),
    )
    assert [o for _, o in outcomes(report)] == [Outcome.IMPORTED] * 3 + [Outcome.DUPLICATE]
    assert report.results[3].document_id == report.results[0].document_id


def test_progress_is_told_of_every_result(project, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    seen: list[str] = []
    report = documents_import(
        project=project,
        sources=[SourceFile(f"p{i}.txt", f"Progress {i}".encode()) for i in range(3)]
        + [SourceFile("x.exe", b"MZ")],
        imported_by=None,
        limits=LIMITS,
        progress=lambda result: seen.append(result.name),
    )
    assert sorted(seen) == sorted(result.name for result in report.results)


def test_an_invalid_file_in_a_batch_falls_back_to_one_by_one(project, monkeypatch):
    sizes = spy_on_documents_create(monkeypatch)
    data = {name: f"Text of {name}.".encode() for name in ("a.txt", "b.txt", "c.txt")}
    report = run(
        project,
        SourceFile("a.txt", data["a.txt"]),
        SourceFile("b.txt", data["b.txt"], metadata={"published_on": "not a date"}),
        SourceFile("c.txt", data["c.txt"]),
    )
    assert outcomes(report) == [
        ("a.txt", Outcome.IMPORTED),
        ("b.txt", Outcome.FAILED),
        ("c.txt", Outcome.IMPORTED),
    ]
    assert sizes == [3, 1, 1, 1], f"expected one batch of 3 then three single writes: {sizes}"
    assert "published_on" in report.results[1].reason, report.results[1].reason
    assert "not a date" in report.results[1].reason
    documents = list(Document.objects.order_by("pk"))
    assert [d.source_filename for d in documents] == ["a.txt", "c.txt"]
    for document in documents:
        assert_original_kept(document, data[document.source_filename])
    refused = sha256_hex(data["b.txt"])
    assert not default_storage.exists(f"originals/{refused[:2]}/{refused}.txt"), (
        "the refused file's original must not be stored"
    )
    assert_audited(documents)


def test_a_batch_that_fails_to_write_is_written_again_one_by_one(project, monkeypatch):
    real = importing.writing.documents_create
    sizes: list[int] = []

    def flaky(*, project, items, imported_by):
        sizes.append(len(items))
        if len(items) > 1:
            raise IntegrityError("simulated failure of a batch")
        return real(project=project, items=items, imported_by=imported_by)

    monkeypatch.setattr(importing.writing, "documents_create", flaky)
    report = run(project, *(SourceFile(f"{n}.txt", f"Text {n}".encode()) for n in "xyz"))
    assert outcomes(report) == [(f"{n}.txt", Outcome.IMPORTED) for n in "xyz"]
    assert sizes == [3, 1, 1, 1]
    assert_audited(list(Document.objects.all()))


def test_a_concurrent_import_of_the_same_text_makes_it_a_duplicate(project, monkeypatch):
    """Another import commits "Text y" between the duplicate check and the batch's insert."""
    real = importing.writing.documents_create
    rival: list[Document] = []

    def racing(*, project, items, imported_by):
        if not rival:
            rival_item = next(item for item in items if item.canonical.text == "Text y")
            rival.extend(real(project=project, items=[rival_item], imported_by=None))
        return real(project=project, items=items, imported_by=imported_by)

    monkeypatch.setattr(importing.writing, "documents_create", racing)
    report = run(project, *(SourceFile(f"{n}.txt", f"Text {n}".encode()) for n in "xyz"))
    assert outcomes(report) == [
        ("x.txt", Outcome.IMPORTED),
        ("y.txt", Outcome.DUPLICATE),
        ("z.txt", Outcome.IMPORTED),
    ], "the batch's unique violation must fall back to one by one, y becoming a duplicate"
    assert report.results[1].document_id == rival[0].pk
    assert Document.objects.count() == 3
    assert_audited(list(Document.objects.all()))


# --- JSONL corpora ---------------------------------------------------------------------

CORPUS_LINES = [
    {
        "id": "t1",
        "text": "They detained my brother in 2017.",
        "label": [[5, 13, "detention"], [28, 32, "date"]],
        "meta": {"language": "en"},
    },
    {
        "id": "t2",
        "text": "💩 𠀋 ئۇ لاگېرغا ئېلىپ كېتىلدى.",
        "spans": [
            {
                "start": 7,
                "end": 14,
                "category": "detention",
                "quote": "لاگېرغا",
                "note": "camp",
                "reviewer": "amina",
            }
        ],
    },
]


def test_a_corpus_imports_a_document_per_line_with_imported_spans(project):
    detention = CategoryFactory(project=project, code="detention")
    user = UserFactory(username="importer")
    data = jsonl(*CORPUS_LINES)
    report = run(project, SourceFile("corpus.jsonl", data), user=user)
    assert outcomes(report) == [
        ("corpus.jsonl, line 1", Outcome.IMPORTED),
        ("corpus.jsonl, line 2", Outcome.IMPORTED),
    ]
    assert [result.spans for result in report.results] == [2, 1]
    first = Document.objects.get(pk=report.results[0].document_id)
    second = Document.objects.get(pk=report.results[1].document_id)
    assert first.metadata["source_id"] == "t1"
    assert first.metadata["source_line"] == 1
    assert first.language == "en"
    assert first.extractor == "jsonl"

    spans = list(ImportedSpan.objects.order_by("document", "start"))
    assert [(s.document_id, s.category_code, s.start, s.end) for s in spans] == [
        (first.pk, "detention", 5, 13),
        (first.pk, "date", 28, 32),
        (second.pk, "detention", 7, 14),
    ]
    for span in spans:
        assert span.layer == "import: corpus.jsonl"
        assert span.quote == span.document.text[span.start : span.end], (
            f"span {span} quotes {span.quote!r}, the text there is "
            f"{span.document.text[span.start : span.end]!r}"
        )
    assert [s.category for s in spans] == [detention, None, detention], (
        "category must be set when the project has the code, and empty otherwise"
    )
    assert spans[0].quote == "detained"
    assert spans[2].quote == "لاگېرغا"
    assert spans[2].note == "camp"
    assert spans[2].attributes == {"reviewer": "amina"}

    assert not Annotation.objects.exists(), "an import must never write a reviewer's annotation"
    assert not GoldSpan.objects.exists(), "an import must never write the gold layer"

    # The original of a corpus document is the corpus file, kept once for all its lines;
    # each document says where its line's bytes are in it.
    raw_lines = data.split(b"\n")
    for document, raw in ((first, raw_lines[0]), (second, raw_lines[1])):
        assert_original_kept(document, data)
        start, end = document.metadata["source_bytes"]
        assert data[start:end] == raw, f"document {document.pk}: its line is not where it says"
    assert first.source_file.name == second.source_file.name
    assert_audited([first, second])
    event = AuditEvent.objects.get(document=first)
    assert event.actor == user
    assert event.after["imported_spans"] == 2
    assert event.after["layer"] == "import: corpus.jsonl"


def test_a_corpus_line_with_a_bad_span_fails_alone_and_leaves_nothing(project):
    data = jsonl(
        {"text": "First line is fine.", "label": [[0, 5, "a"]]},
        {"text": "Too short.", "label": [[0, 4, "a"], [6, 40, "b"]]},
        {"text": "Third line is fine.", "label": [[0, 5, "a"]]},
    )
    report = run(project, SourceFile("corpus.jsonl", data))
    assert outcomes(report) == [
        ("corpus.jsonl, line 1", Outcome.IMPORTED),
        ("corpus.jsonl, line 2", Outcome.FAILED),
        ("corpus.jsonl, line 3", Outcome.IMPORTED),
    ]
    assert "Line 2: span 2 (6-40) ends beyond the text" in report.results[1].reason
    assert not Document.objects.filter(text="Too short.").exists()
    assert ImportedSpan.objects.count() == 2
    assert set(ImportedSpan.objects.values_list("quote", flat=True)) == {"First", "Third"}


def test_corpus_spans_are_moved_to_the_offsets_of_the_normalised_text(project):
    # Decomposed "é" (e + U+0301) and CRLF shorten the text; both spans sit after them.
    raw = "Cafe\u0301 owner\r\nwas detained in Ürümqi"
    assert raw[17:25] == "detained"
    record = {
        "text": raw,
        "spans": [
            {"start": 0, "end": 5, "category": "place", "quote": "Cafe\u0301"},
            {"start": 17, "end": 25, "category": "detention", "quote": "detained"},
        ],
    }
    report = run(project, SourceFile("corpus.jsonl", jsonl(record)))
    assert report.results[0].outcome is Outcome.IMPORTED, report.results[0].reason
    document = Document.objects.get()
    assert document.text == "Café owner\nwas detained in Ürümqi"
    assert "newlines-to-lf" in document.normalisation
    assert "unicode-nfc" in document.normalisation
    spans = list(ImportedSpan.objects.order_by("start"))
    assert [(s.start, s.end, s.quote) for s in spans] == [
        (0, 4, "Café"),
        (15, 23, "detained"),
    ], "offsets must be mapped into the canonical text so that the quotes still match"
    for span in spans:
        assert document.text[span.start : span.end] == span.quote


def test_a_corpus_span_that_splits_a_letter_from_its_accent_fails(project):
    record = {"text": "Cafe\u0301 owner", "label": [[0, 4, "place"]]}
    report = run(project, SourceFile("corpus.jsonl", jsonl(record)))
    assert report.results[0].outcome is Outcome.FAILED
    assert "splits a character" in report.results[0].reason, report.results[0].reason
    assert not Document.objects.exists()


def test_a_corpus_line_whose_text_sha256_does_not_match_fails(project):
    good_text = "Text that was exported."
    data = jsonl(
        {"text": "Text that changed.", "text_sha256": text_sha256("Text that was changed.")},
        {"text": good_text, "text_sha256": text_sha256(good_text)},
    )
    report = run(project, SourceFile("export.jsonl", data))
    assert outcomes(report) == [
        ("export.jsonl, line 1", Outcome.FAILED),
        ("export.jsonl, line 2", Outcome.IMPORTED),
    ]
    assert "text_sha256 does not match" in report.results[0].reason
    assert Document.objects.get().text == good_text


def test_a_corpus_with_no_document_line_fails(project):
    report = run(project, SourceFile("blank.jsonl", b"\n  \n\r\n"))
    assert outcomes(report) == [("blank.jsonl", Outcome.FAILED)]
    assert "no line" in report.results[0].reason


def test_corpus_lines_with_invalid_metadata_fall_back_and_fail_alone(project, monkeypatch):
    sizes = spy_on_documents_create(monkeypatch)
    data = jsonl(
        {"text": "First.", "label": [[0, 5, "a"]]},
        {"text": "Second.", "published_on": "not a date", "label": [[0, 6, "a"]]},
        {"text": "Third.", "label": [[0, 5, "a"]]},
    )
    report = run(project, SourceFile("corpus.jsonl", data))
    assert [o for _, o in outcomes(report)] == [Outcome.IMPORTED, Outcome.FAILED, Outcome.IMPORTED]
    assert "published_on" in report.results[1].reason
    assert sizes == [3, 1, 1, 1]
    assert ImportedSpan.objects.count() == 2, "the failed line's spans must not be written"
    assert_audited(list(Document.objects.all()))


# Characters that a JSON line can carry but no database column can hold: an unpaired
# surrogate escape (not encodable as UTF-8) and U+0000 (refused by PostgreSQL text and jsonb).
UNSTORABLE_LINES = {
    "surrogate in title": r'{"text": "Line one.", "title": "T\ud800"}',
    "surrogate in span note": (
        r'{"text": "Line one.", "spans": [{"start": 0, "end": 4, "category": "c", '
        r'"note": "\ud800"}]}'
    ),
    "surrogate in metadata": r'{"text": "Line one.", "meta": {"x": "\ud800"}}',
    "NUL in title": r'{"text": "Line one.", "title": "T\u0000x"}',
    "NUL in metadata": r'{"text": "Line one.", "meta": {"x": "a\u0000b"}}',
    "NUL in category": r'{"text": "Line one.", "label": [[0, 4, "c\u0000"]]}',
}


def strings_in(value: object) -> list[str]:
    """Every string in a nest of lists and dicts, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (*strings_in(key), *strings_in(item))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings_in(item)]
    return []


@pytest.mark.parametrize("line", UNSTORABLE_LINES.values(), ids=UNSTORABLE_LINES.keys())
def test_a_corpus_line_with_unstorable_characters_never_breaks_the_import(project, line):
    data = line.encode() + b"\n" + jsonl({"text": "Line two is fine."})
    try:
        report = run(project, SourceFile("corpus.jsonl", data))
    except Exception as error:  # any exception here is the bug being shown
        pytest.fail(
            f"BUG: one corpus line with an unstorable character crashed the whole import "
            f"with {type(error).__name__}: {error}. It must fail alone (or be cleaned) "
            "while the other lines import."
        )
    second = result_named(report, "corpus.jsonl, line 2")
    assert second.outcome is Outcome.IMPORTED, second.reason
    first = result_named(report, "corpus.jsonl, line 1")
    if first.outcome is Outcome.FAILED:
        assert first.reason.startswith("Line 1:"), first.reason
    else:
        document = Document.objects.get(pk=first.document_id)
        stored = [document.title, document.metadata]
        stored += [
            [span.category_code, span.note, span.attributes]
            for span in ImportedSpan.objects.filter(document=document)
        ]
        assert not any("\x00" in value for value in strings_in(stored)), (
            f"BUG: a NUL (U+0000) was stored, which PostgreSQL refuses: {stored!r}"
        )


def test_a_corpus_line_with_a_surrogate_in_its_text_fails_alone(project):
    data = b'{"text": "Broken \\ud800 text."}\n' + jsonl({"text": "Line two is fine."})
    report = run(project, SourceFile("corpus.jsonl", data))
    assert [o for _, o in outcomes(report)] == [Outcome.FAILED, Outcome.IMPORTED]
    assert report.results[0].reason.startswith("Line 1:"), report.results[0].reason


@pytest.mark.parametrize(
    "line",
    [
        rb'{"text": "a\u0000b c", "label": [[1, 2, "x"]]}',
        rb'{"text": "\ufeffabc", "label": [[0, 1, "x"]]}',
    ],
    ids=["span of only a NUL", "span of only a leading BOM"],
)
def test_a_span_of_only_characters_normalisation_removes_fails_alone(project, line):
    # Canonicalisation drops U+0000 and a leading U+FEFF, so such a span maps to start == end,
    # which the ImportedSpan CHECK constraint refuses.
    data = line + b"\n" + jsonl({"text": "Line two is fine."})
    try:
        report = run(project, SourceFile("corpus.jsonl", data))
    except Exception as error:  # any exception here is the bug being shown
        pytest.fail(
            f"BUG: a span that normalisation empties crashed the whole import with "
            f"{type(error).__name__}: {error}. importing.corpora.corpus_document must refuse "
            "the line when a mapped span is empty (and create_one must not re-raise a "
            "non-duplicate IntegrityError)."
        )
    assert [o for _, o in outcomes(report)] == [Outcome.FAILED, Outcome.IMPORTED]
    assert report.results[0].reason.startswith("Line 1:"), report.results[0].reason
    assert not ImportedSpan.objects.exists()


@pytest.mark.parametrize(
    "line",
    [
        rb'{"text": "Scored line.", "score": NaN}',
        rb'{"text": "Scored line.", "score": Infinity}',
        rb'{"text": "Scored line.", "score": 1e400}',
        rb'{"text": "Scored line.", "spans": [{"start": 0, "end": 6, "category": "c", '
        rb'"page": NaN}]}',
    ],
    ids=["NaN in metadata", "Infinity in metadata", "overflowing float", "NaN in attributes"],
)
def test_non_json_numbers_in_a_corpus_line_fail_alone(project, line):
    # Python's json accepts NaN and Infinity (and turns 1e400 into inf); no database JSON does.
    data = line + b"\n" + jsonl({"text": "Line two is fine."})
    try:
        report = run(project, SourceFile("corpus.jsonl", data))
    except Exception as error:  # any exception here is the bug being shown
        pytest.fail(
            f"BUG: NaN/Infinity in a corpus line crashed the whole import with "
            f"{type(error).__name__}: {error}. read_jsonl should refuse the line (parse_constant "
            "and a check for infinite floats) so that it fails alone."
        )
    assert [o for _, o in outcomes(report)] == [Outcome.FAILED, Outcome.IMPORTED]
    assert report.results[0].reason.startswith("Line 1:"), report.results[0].reason


# --- PDF -------------------------------------------------------------------------------


def pdf_with_pages(*pages: str, user_password: str | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    if user_password:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


def pdf_with_only_an_image() -> bytes:
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 120), "white")
    ImageDraw.Draw(image).text((10, 40), "Scanned words, not text", fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    return bytes(pdf.output())


@pytest.fixture
def pdf_extractor():
    """The PDF extractor, which must read a text layer (no test may skip)."""
    from annotator.extractors.pdf import extract_pdf

    extraction = extract_pdf(pdf_with_pages("Probe."))
    assert "Probe." in extraction.text, f"the PDF extractor cannot read a text layer: {extraction}"
    return extract_pdf


def test_a_text_pdf_imports_with_its_page_starts(project, pdf_extractor):
    pages = ("Page one: the first page.", "Page two: the second page.", "Page three: the end.")
    data = pdf_with_pages(*pages)
    report = run(project, SourceFile("report.pdf", data))
    assert report.results[0].outcome is Outcome.IMPORTED, report.results[0].reason
    document = Document.objects.get()
    starts = document.page_starts
    assert len(starts) == 3, f"one page start per page expected, got {starts}"
    assert starts[0] == 0
    assert starts == sorted(set(starts)), f"page starts must increase: {starts}"
    for number, page in enumerate(pages):
        assert document.text[starts[number] :].startswith(page), (
            f"page {number + 1} should start at offset {starts[number]} with {page!r}, "
            f"the text there is {document.text[starts[number] : starts[number] + 30]!r}"
        )
    assert document.text[: starts[1]].rstrip("\n") == pages[0]
    assert document.page_at(starts[1]) == 2
    assert document.page_at(starts[1] - 1) == 1
    assert_original_kept(document, data)
    assert document.content_type == "application/pdf"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n",
        b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\n%%EOF\n",
        b"not a pdf at all, only words",
    ],
    ids=["header only", "garbage body", "not a pdf"],
)
def test_a_corrupt_pdf_fails_with_a_reason(project, pdf_extractor, data):
    report = run(project, SourceFile("broken.pdf", data))
    reason = report.results[0].reason
    assert report.results[0].outcome is Outcome.FAILED
    assert "PDF" in reason, f"a corrupt PDF must fail saying it is not a readable PDF: {reason!r}"
    assert "Traceback" not in reason
    assert not Document.objects.exists()


def test_a_truncated_pdf_fails_with_a_reason(project, pdf_extractor):
    data = pdf_with_pages("Fine text that will be cut off.")
    report = run(project, SourceFile("cut.pdf", data[: len(data) // 2]))
    assert report.results[0].outcome is Outcome.FAILED
    assert "PDF" in report.results[0].reason, report.results[0].reason


def test_an_encrypted_pdf_fails_asking_for_no_password(project, pdf_extractor):
    report = run(project, SourceFile("locked.pdf", pdf_with_pages("Secret.", user_password="pw")))
    assert report.results[0].outcome is Outcome.FAILED
    assert "password" in report.results[0].reason.lower(), report.results[0].reason


def test_an_image_only_pdf_fails_pointing_to_ocr(project, pdf_extractor):
    report = run(project, SourceFile("scan.pdf", pdf_with_only_an_image()))
    assert report.results[0].outcome is Outcome.FAILED
    assert "OCR" in report.results[0].reason, report.results[0].reason
