"""What a fast import must keep, on the path the import benchmark times (one JSONL corpus
POSTed to the API): the corpus file kept once as the original of all its documents, each
with where its line is in it, both hashes, one audit event a document and
the run's report; and a batch that rolls back leaves nothing behind: no document, no
original (under its name or staged), no audit event, no advanced chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from annotator.extractors import title_from_text
from annotator.formats.jsonl import read_jsonl
from annotator.models import AuditChainHead, AuditEvent, Document, ImportOutcome, ImportRun, Role
from annotator.services import documents as documents_service
from annotator.services import importing as importing_service
from annotator.services.audit import audit_verify
from annotator.services.importing import Outcome, SourceFile, documents_import
from annotator.text import sha256_hex, text_sha256
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, client_for

# The benchmark's scripts in one line: Latin, Cyrillic, Arabic, CJK Extension B (outside the
# BMP) and emoji with a skin tone, a variation selector and a zero-width joiner.
MIXED = "Witness {n}: задержание без обвинения. احتجاز دون تهمة. 𠀋𠮷𩸽 ✊🏽 🕊️ 🏳️‍🌈."
COMMITTING = pytest.param(True, id="committing", marks=pytest.mark.django_db(transaction=True))
IN_A_TEST_TRANSACTION = pytest.param(False, id="savepoint", marks=pytest.mark.django_db)


def corpus(count: int) -> bytes:
    lines = [json.dumps({"text": MIXED.format(n=n)}, ensure_ascii=False) for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def files_on_disk() -> list[str]:
    root = Path(default_storage.path(""))
    return sorted(
        path.relative_to(root).as_posix()
        for path in (root / "originals").rglob("*")
        if path.is_file()
    )


@pytest.fixture(autouse=True)
def _empty_originals_folder():
    """Each test starts and ends with no original on disk (tests share the data folder)."""
    root = Path(default_storage.path("originals"))
    for path in root.rglob("*") if root.exists() else []:
        if path.is_file():
            path.unlink()
    yield
    for path in root.rglob("*") if root.exists() else []:
        if path.is_file():
            path.unlink()


@pytest.mark.django_db
def test_a_jsonl_corpus_posted_to_the_api_keeps_every_rule_for_each_line():
    project = ProjectFactory()
    manager = UserFactory()
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    data = corpus(30)
    response = client_for(manager).post(
        f"/api/v1/projects/{project.slug}/documents",
        {"files": [SimpleUploadedFile("corpus.jsonl", data, content_type="application/jsonl")]},
    )
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert (body["imported"], body["duplicates"], body["failed"]) == (30, 0, 0)
    raw_lines = data.split(b"\n")[:30]
    documents = list(Document.objects.filter(project=project).order_by("pk"))
    assert [result["document"] for result in body["results"]] == [d.pk for d in documents]
    for number, (document, raw) in enumerate(zip(documents, raw_lines, strict=True)):
        assert document.text == MIXED.format(n=number)
        assert document.text_sha256 == text_sha256(document.text)
        assert document.text_length == len(document.text), "code points, not UTF-16 units"
        assert document.source_sha256 == sha256_hex(data), "the corpus file is the original"
        assert document.source_size == len(data)
        assert document.metadata["source_line"] == number + 1
        start, end = document.metadata["source_bytes"]
        assert data[start:end] == raw, "the line's bytes are where its metadata says"
        with default_storage.open(document.source_file.name, "rb") as stored:
            assert stored.read() == data, "the file as it came, kept unchanged"
    kept = [name for name in files_on_disk() if not Path(name).name.startswith(".")]
    assert kept == [documents[0].source_file.name], "one original for the corpus, not one a line"
    events = AuditEvent.objects.filter(action="document.import", project=project)
    assert sorted(events.values_list("document_id", flat=True)) == [d.pk for d in documents]
    for event in events.select_related("document"):
        assert event.after["text_sha256"] == event.document.text_sha256
        assert event.after["source_sha256"] == event.document.source_sha256
    verification = audit_verify()
    assert verification.intact, verification.problem
    run = ImportRun.objects.get(pk=body["run"])
    rows = list(run.rows.order_by("index").values_list("index", "outcome", "document_id"))
    assert rows == [(n, ImportOutcome.IMPORTED, d.pk) for n, d in enumerate(documents)]
    assert (run.imported, run.duplicates, run.failed) == (30, 0, 0)


@pytest.mark.parametrize("committing", [IN_A_TEST_TRANSACTION, COMMITTING])
def test_a_corpus_batch_that_rolls_back_leaves_no_original_event_or_document(
    committing, monkeypatch
):
    """The failure comes after the originals are on disk and the documents inserted, as
    late in the batch as it can; the batch and then each line alone roll back."""
    project = ProjectFactory()
    events_before = AuditEvent.objects.count()
    heads_before = list(AuditChainHead.objects.values_list("chain", "last_hash", "event_count"))

    def spans_create(project, documents, items):
        assert all(document.pk for document in documents), "the rows are inserted by now"
        assert files_on_disk(), "the originals are on disk by now, or this proves nothing"
        raise IntegrityError("simulated refusal at the end of the batch")

    monkeypatch.setattr(documents_service, "_spans_create", spans_create)
    report = documents_import(
        project=project, sources=[SourceFile("corpus.jsonl", corpus(12))], imported_by=None
    )
    assert [result.outcome for result in report.results] == [Outcome.FAILED] * 12
    assert not Document.objects.exists()
    assert files_on_disk() == [], "neither a final nor a staged original is left"
    assert AuditEvent.objects.count() == events_before, "no audit event of a rolled-back batch"
    assert (
        list(AuditChainHead.objects.values_list("chain", "last_hash", "event_count"))
        == heads_before
    ), "the chain's head does not move for events that were never written"
    assert audit_verify().intact


def json_loads_refusal(line: bytes) -> str:
    """Why ``json.loads`` (with NaN and the like refused) refuses a line, as a reason."""

    def refuse(name: str) -> None:
        raise ValueError(f"it contains {name}, which is not a number JSON allows.")

    try:
        json.loads(line.decode("utf-8"), parse_constant=refuse)
    except json.JSONDecodeError as error:
        return f"it is not valid JSON ({error.msg} at column {error.colno})."
    except ValueError as error:
        return str(error)
    return "it is not a JSON object."


@pytest.mark.parametrize(
    "line",
    [
        b'\xef\xbb\xbf{"text": "A byte-order mark inside the file."}',
        b'{"text": "Scored.", "score": NaN}',
        b'{"text": "Scored.", "score": -Infinity}',
        b'{"text": "Cut',
        b'["text"]',
    ],
    ids=["a BOM on a later line", "NaN", "-Infinity", "cut short", "not an object"],
)
def test_each_line_is_refused_as_json_loads_refuses_it(line):
    """One decoder serves every line; what it refuses, and why, is json.loads's."""
    lines = list(read_jsonl(b'{"text": "First line."}\n' + line + b"\n"))
    assert lines[0].text == "First line."
    assert not lines[0].error
    assert lines[1].error == f"Line 2: {json_loads_refusal(line)}"


def test_every_outcome_has_a_row_outcome_of_the_same_name():
    assert {str(outcome) for outcome in Outcome} == set(ImportOutcome.values)


def title_by_definition(text: str, *, fallback: str, max_length: int = 200) -> str:
    """``title_from_text`` as it is defined: every line split, the first non-blank one's
    whitespace collapsed whole."""
    for line in text.split("\n"):
        stripped = " ".join(line.split())
        if stripped:
            return stripped if len(stripped) <= max_length else fallback
    return fallback


LINE_PIECES = st.sampled_from(
    ["a", "word", "é", "𠮷", " ", "   ", "\t", "\n", "\r", "\u2028", "\x85", "\u3000", "\xa0"]
)


@given(
    text=st.lists(LINE_PIECES, max_size=60).map("".join),
    max_length=st.integers(min_value=0, max_value=20),
)
def test_a_title_is_found_reading_only_what_it_needs_as_by_its_definition(text, max_length):
    assert title_from_text(text, fallback="F", max_length=max_length) == title_by_definition(
        text, fallback="F", max_length=max_length
    )


def test_a_first_line_too_long_for_a_title_is_refused_whatever_its_length():
    words = " ".join(["testimony"] * 300)
    assert title_from_text(f"\n  {words}\nSecond line", fallback="F") == "F"
    many_spaces = "a" + " " * 5000 + "b"
    assert title_from_text(many_spaces, fallback="F") == "a b", "runs of spaces count as one"


@pytest.mark.django_db
def test_each_line_is_found_in_the_kept_file_by_its_bytes_after_a_bom_and_crlf_endings():
    project = ProjectFactory()
    lines = [json.dumps({"text": MIXED.format(n=n)}, ensure_ascii=False).encode() for n in (1, 2)]
    data = b"\xef\xbb\xbf" + lines[0] + b"\r\n\r\n" + lines[1] + b"\r\n"
    report = documents_import(
        project=project, sources=[SourceFile("corpus.jsonl", data)], imported_by=None
    )
    assert [result.outcome for result in report.results] == [Outcome.IMPORTED] * 2
    documents = Document.objects.filter(project=project).order_by("pk")
    assert [d.metadata["source_line"] for d in documents] == [1, 3]
    for document, line in zip(documents, lines, strict=True):
        start, end = document.metadata["source_bytes"]
        assert data[start:end] == line, f"line {document.metadata['source_line']} misplaced"
        assert document.source_sha256 == sha256_hex(data)


@pytest.mark.django_db(transaction=True)
def test_a_corpus_over_several_batches_keeps_its_one_original_when_a_later_batch_fails(
    monkeypatch,
):
    """The first batch commits with the corpus file as its original; the second rolls back
    (and then each of its lines alone): the file stays, held by the first batch's documents."""
    monkeypatch.setattr(importing_service, "BATCH_SIZE", 5)
    project = ProjectFactory()
    calls = {"n": 0}
    real = documents_service._spans_create

    def spans_create(project, documents, items):
        calls["n"] += 1
        if calls["n"] > 1:
            raise IntegrityError("simulated refusal after the first batch")
        real(project, documents, items)

    monkeypatch.setattr(documents_service, "_spans_create", spans_create)
    data = corpus(8)
    report = documents_import(
        project=project, sources=[SourceFile("corpus.jsonl", data)], imported_by=None
    )
    outcomes = [result.outcome for result in report.results]
    assert outcomes == [Outcome.IMPORTED] * 5 + [Outcome.FAILED] * 3
    names = set(Document.objects.filter(project=project).values_list("source_file", flat=True))
    assert len(names) == 1
    assert files_on_disk() == sorted(names), "the file stays, and nothing staged is left"
    with default_storage.open(names.pop(), "rb") as stored:
        assert stored.read() == data


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.dates()
    | st.tuples(st.integers()),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3) | st.integers(), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(metadata=st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=4))
def test_metadata_is_kept_as_json_holds_it_whether_or_not_it_is_json_already(metadata):
    """``json_safe`` passes JSON's own values through untouched and converts the rest as
    JSON text would (dates as ISO text, tuples as lists, number keys as text); a value
    that is not a number is refused either way."""
    try:
        expected = json.loads(json.dumps(metadata, default=str, allow_nan=False))
    except ValueError:
        with pytest.raises(ValueError, match="JSON"):
            documents_service.json_safe(metadata)
        return
    kept = documents_service.json_safe(metadata)
    assert kept == expected
    if kept is metadata:
        assert json.loads(json.dumps(kept)) == kept


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"source_url": "not a link"}, "source_url"),
        ({"direction": "sideways"}, "direction"),
        ({"published_on": "last spring"}, "published_on"),
    ],
)
def test_what_a_corpus_line_says_of_its_document_is_validated_as_the_model_validates_it(
    metadata, field
):
    """A document is built without Django's keyword checks and validated field by field;
    a value the model refuses is refused by name, and nothing is written."""
    project = ProjectFactory()
    line = {"text": "A testimony.", **metadata}
    report = documents_import(
        project=project,
        sources=[SourceFile("corpus.jsonl", json.dumps(line).encode() + b"\n")],
        imported_by=None,
    )
    (result,) = report.results
    assert result.outcome == Outcome.FAILED
    assert result.reason.startswith(f"{field}: "), result.reason
    assert not Document.objects.filter(project=project).exists()
