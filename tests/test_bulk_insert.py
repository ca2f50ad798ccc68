"""``bulk_insert`` writes exactly the rows ``bulk_create`` writes, on both databases: the
same stored values, column by column, for every model the import path inserts; it sets
the new rows' ids in order; refuses what bulk_create refuses; and a rolled-back
transaction keeps none of its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from annotator.models import (
    AuditEvent,
    Category,
    Document,
    DocumentStatus,
    ImportedSpan,
    ImportOutcome,
    ImportRow,
    ImportRun,
    ImportVia,
)
from annotator.services import bulk
from annotator.services.bulk import bulk_insert
from tests.factories import CategoryFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

TEXT = "Witness 𠮷: задержание без обвинения. احتجاز دون تهمة. ✊🏽 🏳️‍🌈"
WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)


def stored(model, pks: list[int]) -> list[tuple]:
    """The rows as the database holds them (no field conversion), without their ids,
    in the order of ``pks``."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    select = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {select} FROM {table} WHERE id IN ({', '.join(['%s'] * len(pks))})",  # noqa: S608
            pks,
        )
        by_id = {row[0]: row[1:] for row in cursor.fetchall()}
    return [by_id[pk] for pk in pks]


def documents(project, user, tag: str) -> list[Document]:
    rows = []
    for n in range(3):
        text = f"{TEXT} {tag} {n}"
        document = Document(
            project=project,
            title=f"Report {n} «{tag}»",
            text=text,
            text_sha256=f"{tag}{n}".ljust(64, "0")[:64],
            text_length=len(text),
            source_sha256="a" * 64,
            source_size=1234 + n,
            source_filename=f"corpus-{n}.jsonl",
            content_type="application/jsonl",
            source_url="https://example.org/report" if n else "",
            publisher="Office 𠮷" if n == 1 else "",
            published_on=dt.date(2024, 5, n + 1) if n != 2 else None,
            language="ug" if n == 1 else "",
            direction="rtl" if n == 1 else "auto",
            status=DocumentStatus.NEW,
            imported_by=user if n != 1 else None,
            imported_at=WHEN,
            extractor="jsonl",
            extractor_version="1",
            # Two equal lists of text (converted once), and one with an object.
            normalisation=["nfc", "lines 𠮷"] if n < 2 else ["nfc", {"step": "lines", "x": "𠮷"}],
            metadata={"source_id": n, "nested": {"list": [1, 2.5, None, "ئا"]}},
            page_starts=[0, 10] if n == 1 else [],
            agreement=0.25 if n == 2 else None,
        )
        document.source_file.name = f"originals/ab/{tag}-{n}.jsonl"
        rows.append(document)
    return rows


def events(project, documents: list[Document], user, tag: str) -> list[AuditEvent]:
    return [
        AuditEvent(
            created_at=WHEN,
            actor=user if n else None,
            action="document.import",
            project=project,
            document=document,
            object_type="document",
            object_id=str(document.pk),
            before=None if n else {"x": 1},
            after={"title": document.title, "spans": n, "quote": "𠮷 ✊🏽"},
            chain=f"test:{tag}",
            sequence=n + 1,
            version=2,
            previous_hash=f"{tag}p{n}".ljust(64, "0"),
            hash=f"{tag}h{n}".ljust(64, "0"),
        )
        for n, document in enumerate(documents)
    ]


def import_rows(run: ImportRun, documents: list[Document]) -> list[ImportRow]:
    return [
        ImportRow(
            run_id=run.pk,
            index=n,
            name=f"corpus.jsonl line {n + 1}",
            outcome=ImportOutcome.IMPORTED if n else ImportOutcome.FAILED,
            reason="" if n else "line 1: no text",
            document_id=document.pk if n else None,
            spans=n,
            taxonomy={"categories": ["detention"], "missing": [], "loaded": False}
            if n == 2
            else None,
        )
        for n, document in enumerate(documents)
    ]


def imported_spans(documents: list[Document], category: Category) -> list[ImportedSpan]:
    return [
        ImportedSpan(
            document=document,
            layer="import: corpus.jsonl",
            category_code="detention" if n else "unknown 𠮷",
            category=category if n else None,
            start=8,
            end=10,
            quote=document.text[8:10],
            note="عربي" if n else "",
            attributes={"id": f"T{n}"},
            created_at=WHEN,
        )
        for n, document in enumerate(documents)
    ]


def both_ways(build):
    """Rows built twice: once written by bulk_create, once by bulk_insert."""
    by_create = build("c")
    type(by_create[0]).objects.bulk_create(by_create)
    by_insert = build("i")
    assert bulk_insert(by_insert) is by_insert
    return by_create, by_insert


def differing(model, by_create, by_insert, varying: set[str]) -> list[str]:
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    problems = []
    created = stored(model, [row.pk for row in by_create])
    inserted = stored(model, [row.pk for row in by_insert])
    for n, (a, b) in enumerate(zip(created, inserted, strict=True)):
        for column, x, y in zip(columns, a, b, strict=True):
            if column not in varying and x != y:
                problems.append(f"row {n} {column}: bulk_create stored {x!r}, bulk_insert {y!r}")
    return problems


def test_documents_their_events_report_rows_and_spans_are_stored_as_bulk_create_stores_them():
    project, user = ProjectFactory(), UserFactory()
    category = CategoryFactory(project=project, code="detention")
    run_c, run_i = (
        ImportRun.objects.create(project=project, started_by=user, via=ImportVia.API) for _ in "ci"
    )

    docs_c, docs_i = both_ways(lambda tag: documents(project, user, tag))
    assert all(d.pk and not d._state.adding for d in docs_i)
    assert [Document.objects.get(pk=d.pk).title for d in docs_i] == [d.title for d in docs_i]
    assert not differing(Document, docs_c, docs_i, {"title", "text", "text_sha256", "source_file"})

    events_c = events(project, docs_c, user, "c")
    AuditEvent.objects.bulk_create(events_c)
    events_i = bulk_insert(events(project, docs_i, user, "i"))
    assert not differing(
        AuditEvent,
        events_c,
        events_i,
        {"document_id", "object_id", "after", "chain", "previous_hash", "hash"},
    )
    assert [e.after["title"] for e in AuditEvent.objects.filter(chain="test:i")] == [
        d.title for d in docs_i
    ]

    rows_c = import_rows(run_c, docs_c)
    ImportRow.objects.bulk_create(rows_c)
    rows_i = bulk_insert(import_rows(run_i, docs_i))
    assert not differing(ImportRow, rows_c, rows_i, {"run_id", "document_id"})

    spans_c = imported_spans(docs_c, category)
    ImportedSpan.objects.bulk_create(spans_c)
    spans_i = bulk_insert(imported_spans(docs_i, category))
    assert not differing(ImportedSpan, spans_c, spans_i, {"document_id", "quote"})
    # Read back through the ORM, the values are the ones given.
    read = ImportedSpan.objects.get(pk=spans_i[0].pk)
    assert (read.category_code, read.category_id, read.attributes, read.created_at) == (
        "unknown 𠮷",
        None,
        {"id": "T0"},
        WHEN,
    )


def test_ids_follow_the_rows_order_across_batches(monkeypatch):
    project = ProjectFactory()
    monkeypatch.setattr(bulk, "_rows_per_statement", lambda connection, fields, rows: 2)
    rows = documents(project, None, "b") + documents(project, None, "d")
    bulk_insert(rows)
    assert len({row.pk for row in rows}) == 6
    assert [Document.objects.get(pk=row.pk).text for row in rows] == [row.text for row in rows]


def test_rows_take_as_few_statements_as_the_database_allows():
    """SQLite: Django assumes its old limit of 999 parameters (125 report rows a statement),
    but the SQLite the connection runs says its own. PostgreSQL: the rows go by COPY, no
    INSERT at all."""
    import sqlite3

    run = ImportRun.objects.create(project=ProjectFactory(), via=ImportVia.API)
    rows = [
        ImportRow(run=run, index=n, name=f"corpus.jsonl, line {n}", outcome=ImportOutcome.IMPORTED)
        for n in range(3_000)
    ]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        columns = len(ImportRow._meta.concrete_fields) - 1
        expected = -(-3_000 * columns // limit)
        assert expected < 3_000 * columns // 999
    else:
        expected = 0
    with CaptureQueriesContext(connection) as queries:
        bulk_insert(rows)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == expected
    assert ImportRow.objects.filter(run=run).count() == 3_000


def test_an_unsaved_related_row_is_refused_and_nothing_is_written():
    project = ProjectFactory()
    unsaved = Document(project=project, title="not saved", text="x")
    span = ImportedSpan(document=unsaved, layer="l", category_code="c", start=0, end=1, quote="x")
    with pytest.raises(ValueError, match="unsaved related document"):
        bulk_insert([span])
    assert not ImportedSpan.objects.exists()


def test_rows_of_a_saved_instance_or_of_two_models_are_refused():
    project = ProjectFactory()
    saved = documents(project, None, "s")
    bulk_insert(saved)
    with pytest.raises(ValueError, match="new rows only"):
        bulk_insert(saved)
    with pytest.raises(TypeError, match="one model"):
        bulk_insert([*documents(project, None, "t")[:1], ImportRun(project=project)])


def test_a_rolled_back_transaction_keeps_none_of_the_rows():
    project = ProjectFactory()
    before = Document.objects.count()

    def batch_that_fails_later():
        with transaction.atomic():
            bulk_insert(documents(project, None, "r"))
            assert Document.objects.count() == before + 3
            raise RuntimeError("the batch fails later")

    with pytest.raises(RuntimeError, match="the batch fails later"):
        batch_that_fails_later()
    assert Document.objects.count() == before


def test_no_rows_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert bulk_insert([]) == []


def test_a_row_the_database_refuses_raises_djangos_integrity_error_and_writes_none():
    project = ProjectFactory()
    bulk_insert(documents(project, None, "u")[:1])
    again = documents(project, None, "v")
    again[2].text_sha256 = Document.objects.get(project=project).text_sha256

    def insert_again():
        with transaction.atomic():
            bulk_insert(again)

    with pytest.raises(IntegrityError):
        insert_again()
    assert Document.objects.filter(project=project).count() == 1


def test_an_unsaved_instance_is_the_one_keywords_build_with_every_other_field_its_default():
    project = ProjectFactory()
    given = {
        "project_id": project.pk,
        "title": "Report «𠮷»",
        "text": TEXT,
        "text_sha256": "c" * 64,
        "text_length": len(TEXT),
        "source_sha256": "d" * 64,
        "source_size": 10,
        "imported_at": WHEN,
        "metadata": {"source_line": 1},
    }
    built = bulk.unsaved(Document, given)
    expected = Document(**given)
    for field in Document._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(expected, field.attname), field.name
    assert built._state.adding
    assert built.pk is None
    # A callable default is called for each instance, never shared.
    first, second = bulk.unsaved(Document, {}), bulk.unsaved(Document, {})
    assert first.metadata == {}
    assert first.metadata is not second.metadata
    with pytest.raises(TypeError, match="Document has no field project, titel"):
        bulk.unsaved(Document, {"project": project, "titel": "typo"})
