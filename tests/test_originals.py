"""Original files: kept once their import commits, never left by one that rolls back or is
killed, and swept (never a referenced one) by ``manage.py sweep_originals``."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from annotator.models import Document
from annotator.services import documents as documents_service
from annotator.services.importing import Outcome, SourceFile, documents_import
from annotator.services.originals import StagedOriginals, original_storage_name
from annotator.text import sha256_hex
from tests.factories import ProjectFactory

# Both kinds: inside the test's transaction (the batch's is a savepoint of it, as when an
# import runs inside another transaction), and real transactions that commit and roll back.
IN_A_TEST_TRANSACTION = pytest.param(False, id="savepoint", marks=pytest.mark.django_db)
COMMITTING = pytest.param(True, id="committing", marks=pytest.mark.django_db(transaction=True))

EIGHT_FILES = [
    SourceFile(f"report-{n}.txt", f"Report number {n}.\n".encode() * 50) for n in range(8)
]


def storage_root() -> Path:
    return Path(default_storage.path("originals"))


def files_on_disk() -> list[str]:
    """Every file under the originals folder, as the storage names them."""
    root = Path(default_storage.path(""))
    return sorted(
        path.relative_to(root).as_posix()
        for path in (root / "originals").rglob("*")
        if path.is_file()
    )


def files_of(data: bytes) -> list[str]:
    """The files on disk (final or staged) that hold these bytes, found by their hash."""
    digest = sha256_hex(data)
    return [name for name in files_on_disk() if digest in name]


def final_path(data: bytes, filename: str = "x.txt") -> Path:
    return Path(default_storage.path(original_storage_name(sha256_hex(data), filename)))


def fail_after_storing(monkeypatch, error: BaseException) -> None:
    """Make documents_create fail after its originals are on disk and its rows inserted."""

    def spans_create(project, documents, items):
        assert all(final_path(new.data, new.filename).exists() for new in items), (
            "the originals must be on disk when the failure comes, or the test proves nothing"
        )
        raise error

    monkeypatch.setattr(documents_service, "_spans_create", spans_create)


@pytest.mark.parametrize("committing", [IN_A_TEST_TRANSACTION, COMMITTING])
def test_a_batch_refused_by_the_database_after_storing_leaves_no_original(committing, monkeypatch):
    project = ProjectFactory()
    fail_after_storing(monkeypatch, IntegrityError("simulated refusal after the originals"))
    report = documents_import(project=project, sources=EIGHT_FILES, imported_by=None)
    assert [result.outcome for result in report.results] == [Outcome.FAILED] * 8
    assert not Document.objects.exists()
    assert files_on_disk() == [], "a rolled-back batch (and each file retried alone) leaves none"


@pytest.mark.parametrize("committing", [IN_A_TEST_TRANSACTION, COMMITTING])
def test_an_import_interrupted_after_storing_leaves_no_original(committing, monkeypatch):
    class ProcessStopped(BaseException):
        """What a worker gets when it is told to stop: KeyboardInterrupt, SystemExit."""

    project = ProjectFactory()
    fail_after_storing(monkeypatch, ProcessStopped())
    with pytest.raises(ProcessStopped):
        documents_import(project=project, sources=EIGHT_FILES, imported_by=None)
    assert not Document.objects.exists()
    assert files_on_disk() == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_import_keeps_its_originals_under_their_names_only():
    project = ProjectFactory()
    report = documents_import(project=project, sources=EIGHT_FILES, imported_by=None)
    assert report.imported == 8
    expected = sorted(document.source_file.name for document in Document.objects.all())
    assert files_on_disk() == expected, "once committed, no staged name is left beside them"
    for source in EIGHT_FILES:
        path = final_path(source.data)
        assert path.read_bytes() == source.data
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.stat().st_nlink == 1


@pytest.mark.parametrize("committing", [IN_A_TEST_TRANSACTION, COMMITTING])
def test_a_rollback_never_removes_an_original_another_document_shares(committing, monkeypatch):
    """The same bytes in two projects share one file, named by their hash."""
    shared = EIGHT_FILES[0]
    kept = documents_import(project=ProjectFactory(), sources=[shared], imported_by=None)
    assert kept.imported == 1
    fail_after_storing(monkeypatch, IntegrityError("simulated"))
    report = documents_import(project=ProjectFactory(), sources=EIGHT_FILES, imported_by=None)
    assert report.failed == 8
    assert final_path(shared.data).read_bytes() == shared.data
    document = Document.objects.get()
    with default_storage.open(document.source_file.name, "rb") as stored:
        assert stored.read() == shared.data
    others = [name for source in EIGHT_FILES[1:] for name in files_of(source.data)]
    assert others == [], "only the shared original stays"


@pytest.mark.django_db
def test_a_rollback_leaves_an_original_that_a_transaction_in_flight_holds():
    data = b"Bytes two imports store at the same time."
    in_flight, failing = StagedOriginals(), StagedOriginals()
    in_flight.store(data=data, source_sha256=sha256_hex(data), filename="a.txt")
    failing.store(data=data, source_sha256=sha256_hex(data), filename="a.txt")
    failing.discard()
    assert final_path(data).read_bytes() == data, "the import still in flight needs it"
    in_flight.discard()
    assert files_of(data) == [], "once neither holds it, it goes"


@pytest.mark.django_db
def test_an_original_taken_by_a_rollback_elsewhere_is_put_back_when_its_import_commits():
    data = b"Bytes whose final name went while an import still held them."
    holder = StagedOriginals()
    name = holder.store(data=data, source_sha256=sha256_hex(data), filename="a.txt")
    final_path(data).unlink()
    holder.publish()
    assert default_storage.open(name, "rb").read() == data
    assert files_of(data) == [name]


# --- sweep_originals ---------------------------------------------------------------------


def sweep(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("sweep_originals", *args, stdout=out)
    return out.getvalue().splitlines()


def killed_import(data: bytes, filename: str = "killed.txt") -> None:
    """What a process killed (kill -9) in the middle of a batch leaves: its staged files and
    the final names they link to, with no document."""
    StagedOriginals().store(data=data, source_sha256=sha256_hex(data), filename=filename)


@pytest.mark.parametrize("committing", [IN_A_TEST_TRANSACTION, COMMITTING])
def test_the_sweep_removes_what_no_document_refers_to_and_keeps_what_one_does(committing):
    project = ProjectFactory()
    kept = documents_import(project=project, sources=EIGHT_FILES[:1], imported_by=None)
    assert kept.imported == 1
    referenced = Document.objects.get().source_file.name
    orphan = b"An original whose import was killed." * 1000
    killed_import(orphan)
    assert len(files_of(orphan)) == 2, "a staged name and the final one"
    before = files_on_disk()
    # Inside a test's transaction the committed import's staged name stays too (on_commit
    # never runs there): left by an import that did not finish, as far as anyone can tell.
    unheld = [name for name in before if name != referenced]

    listed = sweep("--dry-run", "--older-than", "0")
    assert files_on_disk() == before, "a dry run removes nothing"
    assert sorted(line.split()[2] for line in listed[:-1]) == unheld
    assert listed[-1] == f"Would remove {len(unheld)} files: 36,000 bytes would be freed."

    lines = sweep("--older-than", "0")
    assert sorted(line.split()[1] for line in lines[:-1]) == unheld
    assert all(line.startswith("removed ") for line in lines[:-1])
    assert lines[-1] == f"Removed {len(unheld)} files: 36,000 bytes freed."
    remaining = files_on_disk()
    assert referenced in remaining, "a file a document refers to is never removed"
    assert files_of(orphan) == []
    assert sweep("--older-than", "0") == ["Removed 0 files: 0 bytes freed."]


@pytest.mark.django_db
def test_the_sweep_leaves_recent_files_to_imports_still_running():
    killed_import(b"Staged a moment ago by an import that may still be running.")
    before = files_on_disk()
    assert sweep() == ["Removed 0 files: 0 bytes freed."], "the default is 24 hours"
    assert files_on_disk() == before


@pytest.mark.django_db
def test_the_sweep_never_removes_a_referenced_original_even_staged_beside_it():
    """A document imported while the same bytes were staged by an import later killed."""
    source = EIGHT_FILES[0]
    killed_import(source.data, filename=source.name)
    assert documents_import(project=ProjectFactory(), sources=[source], imported_by=None).imported
    name = Document.objects.get().source_file.name
    lines = sweep("--older-than", "0")
    assert all("staged by an import" in line for line in lines[:-1]), lines
    assert default_storage.open(name, "rb").read() == source.data
    assert files_on_disk() == [name]


@pytest.mark.django_db
def test_the_sweep_puts_back_a_referenced_original_from_its_staged_copy():
    """Killed between its commit and putting its originals in place, an import leaves a
    document whose original has only its staged name."""
    source = EIGHT_FILES[0]
    assert documents_import(project=ProjectFactory(), sources=[source], imported_by=None).imported
    name = Document.objects.get().source_file.name
    final_path(source.data).unlink()  # as if only the staged link had been made
    assert len(files_of(source.data)) == 1
    lines = sweep("--older-than", "0")
    assert lines[0].startswith(f"restored      {name}"), lines
    assert default_storage.open(name, "rb").read() == source.data
    assert files_on_disk() == [name]


@pytest.mark.django_db
def test_the_sweep_leaves_files_that_are_not_originals():
    stranger = storage_root() / "ab" / "notes.txt"
    stranger.parent.mkdir(parents=True, exist_ok=True)
    stranger.write_text("Not an original.")
    try:
        assert sweep("--older-than", "0") == ["Removed 0 files: 0 bytes freed."]
        assert stranger.exists()
    finally:
        stranger.unlink()


def test_the_sweep_refuses_a_negative_age():
    with pytest.raises(CommandError, match="0 or more"):
        call_command("sweep_originals", "--older-than", "-1")


@pytest.fixture(autouse=True)
def _empty_originals_folder():
    """Each test starts and ends with no original on disk (tests share the data folder)."""
    for path in sorted(storage_root().rglob("*"), reverse=True) if storage_root().exists() else []:
        if path.is_file():
            os.unlink(path)
    yield
    for path in storage_root().rglob("*") if storage_root().exists() else []:
        if path.is_file():
            os.unlink(path)
