import hashlib

import pytest
from django.core.files.storage import default_storage

from annotator.models import Document
from annotator.services.importing import Outcome, SourceFile, document_import, documents_import
from tests.factories import ProjectFactory, UserFactory, make_document

pytestmark = pytest.mark.django_db


def test_import_keeps_original_bytes_and_both_hashes(project):
    manager = UserFactory(username="manager")
    original = "Ürümqi\r\ndetained in a camp\r\n".encode()
    original = original.replace("Ü".encode(), b"U\xcc\x88")  # decomposed: U + combining diaeresis
    result = document_import(
        project=project,
        source=SourceFile(
            name="testimony.txt",
            data=original,
            metadata={"source_url": "https://example.org/t/1", "language": "en"},
        ),
        imported_by=manager,
    )
    assert result.outcome is Outcome.IMPORTED, result.reason

    document = Document.objects.get(pk=result.document_id)
    assert document.text == "Ürümqi\ndetained in a camp\n"
    assert document.text_length == 26
    assert document.text_sha256 == hashlib.sha256(document.text.encode()).hexdigest()
    assert document.source_sha256 == hashlib.sha256(original).hexdigest()
    assert document.source_size == len(original)
    with default_storage.open(document.source_file.name, "rb") as stored:
        assert stored.read() == original, "the original file must be kept byte for byte"
    assert document.source_filename == "testimony.txt"
    assert document.content_type == "text/plain"
    assert document.extractor == "plain-text"
    assert document.normalisation == ["decode:utf-8", "newlines-to-lf", "unicode-nfc"]
    assert document.imported_by == manager
    assert document.imported_at is not None
    assert document.source_url == "https://example.org/t/1"
    assert document.title == "Ürümqi"  # the first line, as the file gives no title


def test_storage_name_never_comes_from_the_uploaded_name(project):
    document = make_document(project, "text", name="../../etc/passwd.txt")
    assert document.source_file.name.startswith("originals/")
    assert ".." not in document.source_file.name
    assert document.source_file.name.endswith(f"{document.source_sha256}.txt")
    assert document.source_filename == "passwd.txt"


def test_same_canonical_text_is_a_duplicate_even_from_other_bytes(project):
    first = make_document(project, "line one\nline two\n")
    result = document_import(
        project=project,
        source=SourceFile(name="copy.txt", data=b"line one\r\nline two\r\n"),
        imported_by=None,
    )
    assert result.outcome is Outcome.DUPLICATE
    assert result.document_id == first.pk
    assert str(first.pk) in result.reason
    assert Document.objects.count() == 1


def test_same_text_may_exist_in_two_projects(project):
    make_document(project, "shared text")
    other = ProjectFactory()
    make_document(other, "shared text")
    assert Document.objects.filter(text="shared text").count() == 2


def test_one_bad_file_does_not_lose_the_others(project):
    report = documents_import(
        project=project,
        sources=[
            SourceFile(name="good.txt", data=b"A good document."),
            SourceFile(name="picture.png", data=b"\x89PNG"),
            SourceFile(name="blank.txt", data=b"  \n\t\n"),
            SourceFile(name="bad-date.txt", data=b"Dated text", metadata={"published_on": "May"}),
            SourceFile(name="bad-url.txt", data=b"Linked text", metadata={"source_url": "nope"}),
            SourceFile(name="again.txt", data=b"A good document."),
        ],
        imported_by=None,
    )
    outcomes = {result.name: result.outcome for result in report.results}
    assert outcomes == {
        "good.txt": Outcome.IMPORTED,
        "picture.png": Outcome.FAILED,
        "blank.txt": Outcome.FAILED,
        "bad-date.txt": Outcome.FAILED,
        "bad-url.txt": Outcome.FAILED,
        "again.txt": Outcome.DUPLICATE,
    }
    reasons = {result.name: result.reason for result in report.results}
    assert "cannot be imported" in reasons["picture.png"]
    assert "no text" in reasons["blank.txt"]
    assert "published_on" in reasons["bad-date.txt"]
    assert "source_url" in reasons["bad-url.txt"]
    assert report.summary() == "1 imported, 1 duplicate, 4 failed"
    assert list(Document.objects.values_list("title", flat=True)) == ["A good document."]


def test_metadata_given_by_the_importer_is_kept(project):
    document = make_document(
        project,
        "ئاكام تۇتقۇن قىلىندى",
        title="Testimony",
        language="ug-Arab",
        direction="rtl",
        publisher="Fictional NGO",
        published_on="2023-05-01",
        interviewer="R. K.",
    )
    assert document.title == "Testimony"
    assert document.language == "ug-Arab"
    assert document.direction == "rtl"
    assert document.publisher == "Fictional NGO"
    assert str(document.published_on) == "2023-05-01"
    assert document.metadata == {"encoding": "utf-8", "interviewer": "R. K."}


def test_a_refused_file_leaves_no_original_behind(project):
    from annotator.text import sha256_hex

    data = b"Text with an impossible date"
    result = document_import(
        project=project,
        source=SourceFile(name="dated.txt", data=data, metadata={"published_on": "2023-02-30"}),
        imported_by=None,
    )
    assert result.outcome is Outcome.FAILED
    assert "published_on" in result.reason
    assert not default_storage.exists(f"originals/{sha256_hex(data)[:2]}/{sha256_hex(data)}.txt")


def test_every_import_is_audited_with_both_hashes(project):
    from annotator.models import AuditEvent

    document = make_document(project, "audited text")
    event = AuditEvent.objects.get(action="document.import")
    assert event.document == document
    assert event.after["text_sha256"] == document.text_sha256
    assert event.after["source_sha256"] == document.source_sha256
