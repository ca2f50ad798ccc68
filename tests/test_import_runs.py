"""Import runs: an import's report kept as it goes, so that one cut short still says what it
committed; the Imports page and each run's report, paginated, for the project's managers."""

from __future__ import annotations

import datetime
import io
import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from annotator.models import (
    Document,
    ImportOutcome,
    ImportRow,
    ImportRun,
    ImportState,
    ImportVia,
    Role,
)
from annotator.services import importing
from annotator.services.importing import SourceFile, documents_import
from annotator.services.importing.runs import RunRecorder, import_run_start
from annotator.services.tokens import api_token_create
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, client_for


class ProcessDied(BaseException):
    """What stops a worker that is killed: not an Exception, so nothing catches it by
    mistake (KeyboardInterrupt and SystemExit are others)."""


def texts(count: int, start: int = 0) -> list[SourceFile]:
    return [
        SourceFile(f"file-{n:05}.txt", f"Text number {n}.".encode()) for n in range(start, count)
    ]


def die_at_batch(monkeypatch, number: int, seen: list[int] | None = None) -> None:
    """The process dies when it writes batch ``number`` (from 1); ``seen`` gets how many
    rows another connection can read at the start of each batch."""
    real = importing.writing.documents_create
    batches: list[int] = []

    def documents_create(*, project, items, imported_by):
        batches.append(len(items))
        if seen is not None:
            seen.append(rows_seen_by_another_connection())
        if len(batches) == number:
            raise ProcessDied
        return real(project=project, items=items, imported_by=imported_by)

    monkeypatch.setattr(importing.writing, "documents_create", documents_create)


def rows_seen_by_another_connection() -> int:
    """What a report page would show now: read on a connection of its own (a thread)."""
    counted: list[int] = []

    def count() -> None:
        from django.db import connection

        try:
            counted.append(ImportRow.objects.count())
        finally:
            connection.close()

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()
    return counted[0]


@pytest.fixture
def manager(project):
    user = UserFactory(username="manager")
    MembershipFactory(project=project, user=user, role=Role.MANAGER)
    return user


@pytest.mark.django_db(transaction=True)
def test_a_run_keeps_each_committed_batch_when_a_later_one_dies(project, monkeypatch):
    monkeypatch.setattr(importing, "BATCH_SIZE", 3)
    seen: list[int] = []
    die_at_batch(monkeypatch, 3, seen)
    sources = [*texts(2), SourceFile("broken.exe", b"MZ"), *texts(8, start=2)]
    with pytest.raises(ProcessDied):
        documents_import(project=project, sources=sources, imported_by=None, via=ImportVia.COMMAND)
    assert seen == [0, 4, 7], "each batch's rows are readable elsewhere once it has committed"
    run = ImportRun.objects.get()
    rows = list(run.rows.order_by("index").values_list("index", "name", "outcome"))
    assert rows == [
        (0, "file-00000.txt", "imported"),
        (1, "file-00001.txt", "imported"),
        (2, "broken.exe", "failed"),
        (3, "file-00002.txt", "imported"),
        (4, "file-00003.txt", "imported"),
        (5, "file-00004.txt", "imported"),
        (6, "file-00005.txt", "imported"),
    ], "the two committed batches and the failure, not the batch that died"
    assert Document.objects.count() == 6
    assert set(run.rows.filter(outcome="imported").values_list("document_id", flat=True)) == set(
        Document.objects.values_list("pk", flat=True)
    )
    assert (run.imported, run.failed, run.state) == (6, 1, ImportState.INTERRUPTED)
    assert run.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_process_was_killed_outright_is_shown_interrupted(
    project, manager, monkeypatch
):
    """kill -9: no exception handler runs, so the run still says "running"; once it has
    been silent longer than any batch takes, the pages say it was interrupted."""
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    monkeypatch.setattr(RunRecorder, "interrupt", lambda self: None)  # never gets to run
    die_at_batch(monkeypatch, 2)
    with pytest.raises(ProcessDied):
        documents_import(project=project, sources=texts(5), imported_by=manager, via=ImportVia.WEB)
    run = ImportRun.objects.get()
    assert (run.state, run.imported, run.finished_at) == (ImportState.RUNNING, 2, None)
    client = client_for(manager)
    report = client.get(run.get_absolute_url()).content.decode()
    assert "This import is still running" in report
    assert "2 imported, 0 duplicate, 0 failed." in report

    ImportRun.objects.filter(pk=run.pk).update(
        touched_at=timezone.now() - datetime.timedelta(minutes=16)
    )
    report = client.get(run.get_absolute_url()).content.decode()
    assert "This import was interrupted (its process stopped without a word" in report
    assert report_rows(report) == [
        ("file-00000.txt", "imported"),
        ("file-00001.txt", "imported"),
    ]
    listing = client.get(f"/projects/{project.slug}/imports/").content.decode()
    assert '<span class="badge text-bg-warning">interrupted</span>' in listing
    assert ImportRun.objects.get().state == ImportState.RUNNING, "shown so, not written"


@pytest.mark.django_db
def test_a_command_stopped_by_keyboard_interrupt_marks_its_run_interrupted(
    project, tmp_path, monkeypatch
):
    for source in texts(4):
        (tmp_path / source.name).write_bytes(source.data)
    monkeypatch.setattr(importing, "BATCH_SIZE", 2)
    real = importing.writing.documents_create
    calls: list[int] = []

    def documents_create(*, project, items, imported_by):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(project=project, items=items, imported_by=imported_by)

    monkeypatch.setattr(importing.writing, "documents_create", documents_create)
    with pytest.raises(KeyboardInterrupt):
        call_command("import_documents", str(tmp_path), project=project.slug, stdout=io.StringIO())
    run = ImportRun.objects.get()
    assert (run.via, run.state, run.imported, run.total) == ("command", "interrupted", 2, 2)


@pytest.mark.django_db
def test_every_way_in_records_a_run(project, manager, tmp_path):
    client = client_for(manager)
    client.post(
        f"/projects/{project.slug}/import/",
        {"files": [SimpleUploadedFile("web.txt", b"From the page.")]},
    )
    (tmp_path / "command.txt").write_bytes(b"From the command line.")
    call_command("import_documents", str(tmp_path), project=project.slug, stdout=io.StringIO())
    _, token = api_token_create(user=manager, name="script")
    body = (
        Client()
        .post(
            f"/api/v1/projects/{project.slug}/documents",
            {"files": [SimpleUploadedFile("api.txt", b"From a script.")]},
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        .json()
    )
    runs = list(ImportRun.objects.order_by("pk"))
    assert [(r.via, r.imported, r.state) for r in runs] == [
        ("web", 1, "finished"),
        ("command", 1, "finished"),
        ("api", 1, "finished"),
    ]
    assert body["run"] == runs[2].pk
    assert body["report_url"] == f"http://testserver/projects/{project.slug}/import/{runs[2].pk}/"
    assert client.get(body["report_url"]).status_code == 200
    assert [r.started_by for r in runs] == [manager, None, manager]


# --- the pages ---------------------------------------------------------------------------


def report_rows(html: str) -> list[tuple[str, str]]:
    table = html.split('data-testid="import-report"', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r"<td><bdi>(.*?)</bdi></td>\s*<td><span class=\"badge[^\"]*\">(\w+)</span>", table
    )


def a_run(project, rows: int, *, user=None, failing_every: int = 0) -> ImportRun:
    """A finished run of ``rows`` rows, written as the importer writes them."""
    run = import_run_start(project=project, started_by=user, via=ImportVia.COMMAND)
    outcomes = [
        ImportOutcome.FAILED
        if failing_every and n % failing_every == 0
        else ImportOutcome.DUPLICATE
        for n in range(rows)
    ]
    ImportRow.objects.bulk_create(
        [
            ImportRow(run=run, index=n, name=f"file-{n:05}.txt", outcome=outcome, reason="Why.")
            for n, outcome in enumerate(outcomes)
        ],
        batch_size=2000,
    )
    failed = outcomes.count(ImportOutcome.FAILED)
    ImportRun.objects.filter(pk=run.pk).update(
        duplicates=rows - failed, failed=failed, state=ImportState.FINISHED
    )
    return ImportRun.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_a_report_of_twenty_thousand_rows_is_shown_a_page_at_a_time(project, manager):
    run = a_run(project, 20_000, failing_every=7)
    client = client_for(manager)
    first = client.get(run.get_absolute_url()).content.decode()
    rows = report_rows(first)
    assert len(rows) == 100
    assert rows[0] == ("file-00000.txt", "failed")
    assert rows[1][0] == "file-00001.txt"
    assert "Page 1 of 200" in first
    assert "17142 duplicate, 2858 failed" in first
    last = report_rows(client.get(f"{run.get_absolute_url()}?page=200").content.decode())
    assert [name for name, _ in last] == [f"file-{n:05}.txt" for n in range(19_900, 20_000)]

    failures = client.get(f"{run.get_absolute_url()}?outcome=failed&page=2").content.decode()
    assert {outcome for _, outcome in report_rows(failures)} == {"failed"}
    assert report_rows(failures)[0][0] == f"file-{700:05}.txt"
    assert "Page 2 of 29" in failures
    assert "?outcome=failed&amp;page=3" in failures, "pages keep the chosen outcome"
    assert "Failed (2858)" in failures
    nonsense = client.get(f"{run.get_absolute_url()}?outcome=nonsense&page=x").content.decode()
    assert len(report_rows(nonsense)) == 100, "an unknown outcome or page is the first page"


@pytest.mark.django_db
def test_the_report_page_runs_the_same_queries_for_ten_rows_and_ten_thousand(
    project, manager, django_assert_num_queries
):
    small, large = a_run(project, 10, user=manager), a_run(project, 10_000, user=manager)
    client = client_for(manager)
    urls = [
        small.get_absolute_url(),
        large.get_absolute_url(),
        f"{large.get_absolute_url()}?page=77",
    ]
    client.get(urls[0])  # the session, warmed
    for url in urls:
        # session, user, membership and project, run, count, rows, whether the user moderates
        with django_assert_num_queries(7):
            assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_imports_page_lists_each_run_with_its_state_in_constant_queries(
    project, manager, django_assert_num_queries
):
    other = UserFactory(username="other-manager")
    MembershipFactory(project=project, user=other, role=Role.MANAGER)
    finished = a_run(project, 3, user=manager, failing_every=2)
    running = import_run_start(project=project, started_by=other, via=ImportVia.WEB)
    silent = import_run_start(project=project, started_by=None, via=ImportVia.API)
    ImportRun.objects.filter(pk=silent.pk).update(
        touched_at=timezone.now() - datetime.timedelta(hours=2)
    )
    a_run(ProjectFactory(), 2)  # another project's: not listed
    client = client_for(manager)
    url = f"/projects/{project.slug}/imports/"
    client.get(url)
    # session, user, membership and project, count, runs, whether the user moderates (nav)
    with django_assert_num_queries(6):
        html = client.get(url).content.decode()
    table = html.split('data-testid="import-runs"', 1)[1]
    listed = re.findall(r'href="/projects/[^/]+/import/(\d+)/"', table)
    assert listed == [str(silent.pk), str(running.pk), str(finished.pk)], "the newest first"
    rows = [re.sub(r"<(?!/td)[^>]+>", "", row) for row in table.split("<tr>")[2:]]  # text
    assert "nobody named (api)" in rows[0]
    assert "interrupted" in rows[0]
    assert "other-manager (import page)" in rows[1]
    assert "running" in rows[1]
    assert "manager (command line)" in rows[2]
    assert "finished" in rows[2]
    assert re.search(r'text-danger">2</td>', table.split("<tr>")[4]), "its failures stand out"
    for _ in range(20):
        a_run(project, 1, user=other)
    with django_assert_num_queries(6):
        client.get(url)


@pytest.mark.django_db
def test_the_report_page_says_when_a_run_is_empty_or_filtered_to_nothing(project, manager):
    run = import_run_start(project=project, started_by=manager, via=ImportVia.WEB)
    client = client_for(manager)
    assert "No file has been written yet." in client.get(run.get_absolute_url()).content.decode()
    done = a_run(project, 2)
    assert "No file of this import had this result." in (
        client.get(f"{done.get_absolute_url()}?outcome=imported").content.decode()
    )
