"""A streamed export reads one consistent snapshot, whatever others write meanwhile, and
does not stop reviewers from saving while it is read.

These tests use real threads and committed data (``transaction=True``); they run on SQLite
and on PostgreSQL (set ``DATABASE_URL``). The export reads one document at a time
(``EXPORT_CHUNK = 1``) so that a change can land between two of its reads.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Callable
from io import BytesIO

import pytest
from django.db import connection, connections

from annotator.models import Annotation, GoldSpan, Role
from annotator.selectors import exporting as export_selectors
from annotator.services.assignments import review_submit
from annotator.services.exporting import ExportOptions, export_start
from tests.factories import CategoryFactory, MembershipFactory, UserFactory, make_annotation
from tests.factories import make_document as import_document

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = [
    "Police detained the witness at the border.",
    "The family was detained and beaten in custody.",
    "Guards detained three men near the camp.",
]


@pytest.fixture
def corpus(project, monkeypatch):
    """Three documents, each with a span two reviewers agreed on (so a gold span) and a
    span only one of them made."""
    monkeypatch.setattr(export_selectors, "EXPORT_CHUNK", 1)
    category = CategoryFactory(project=project, code="detention")
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for user in (ana, ben):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    documents = []
    for n, text in enumerate(TEXTS):
        document = import_document(project, text, title=f"Report {n}", name=f"{n}.txt")
        start = text.index("detained")
        for user in (ana, ben):
            make_annotation(document, user, category, start, start + len("detained"))
        make_annotation(document, ana, category, 0, text.index(" "))
        for user in (ana, ben):
            review_submit(document=document, reviewer=user)
        documents.append(document)
    return {"project": project, "documents": documents, "ana": ana, "category": category}


def in_another_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a thread of its own (its own connection, its own commits), wait for
    it and re-raise what it raised."""
    failures: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:  # handed to the test thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the other thread is stuck"
    if failures:
        raise failures[0]


def change(kind: str, corpus: dict) -> Callable[[], None]:
    """A change to the last document's spans, made and committed by someone else."""
    last = corpus["documents"][-1]

    def delete_spans() -> None:
        assert Annotation.objects.filter(document=last).delete()[0]

    def add_spans() -> None:
        text = last.text
        for start in range(0, 12, 4):
            Annotation.objects.create(
                document=last,
                reviewer=corpus["ana"],
                category=corpus["category"],
                start=start,
                end=start + 3,
                quote=text[start : start + 3],
            )
            GoldSpan.objects.create(
                document=last,
                category=corpus["category"],
                start=start,
                end=start + 3,
                quote=text[start : start + 3],
                origin="unanimous",
                cluster_signature="0" * 64,
            )

    def delete_gold_spans() -> None:
        assert GoldSpan.objects.filter(document=last).delete()[0]

    return {"delete_spans": delete_spans, "add_spans": add_spans, "delete_gold": delete_gold_spans}[
        kind
    ]


def export_with_a_change_midway(corpus: dict, kind: str, **options) -> tuple[bytes, list[int]]:
    """Start an export, let another thread change the corpus once the first document has
    been read (the later ones not yet), then read the rest."""
    read: list[int] = []

    def progress(n: int) -> None:
        read.append(n)
        if n == 1:
            in_another_thread(change(kind, corpus))

    export = export_start(
        project=corpus["project"], options=ExportOptions(**options), actor=None, progress=progress
    )
    data = b"".join(export.chunks)
    assert read == [1, 2, 3], "the export should have read the documents one by one"
    return data, read


def spans_now(corpus: dict, layer: str) -> int:
    documents = [document.pk for document in corpus["documents"]]
    return export_selectors.export_span_count(document_ids=documents, layer=layer)


@pytest.mark.parametrize(
    ("layer", "kind"),
    [
        ("gold", "delete_gold"),
        ("gold", "add_spans"),
        ("reviewers", "delete_spans"),
        ("reviewers", "add_spans"),
        ("all", "delete_gold"),
    ],
)
def test_w3c_export_reads_one_snapshot_while_others_write(corpus, layer, kind):
    before = spans_now(corpus, layer)
    data, _ = export_with_a_change_midway(corpus, kind, format="w3c", layer=layer)
    assert spans_now(corpus, layer) != before, "the other thread should have changed the layer"
    collection = json.loads(data)
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == before, (
        "the declared total and the items must both be the corpus as the export began"
    )


@pytest.mark.parametrize("kind", ["delete_spans", "add_spans"])
def test_jsonl_export_reads_one_snapshot_while_others_write(corpus, kind):
    before = spans_now(corpus, "reviewers")
    data, _ = export_with_a_change_midway(
        corpus, kind, format="jsonl", layer="reviewers", bundle=True
    )
    with zipfile.ZipFile(BytesIO(data)) as archive:
        names = archive.namelist()
        lines = archive.read(next(n for n in names if n.endswith(".jsonl"))).decode().splitlines()
        manifest = json.loads(archive.read(next(n for n in names if n.endswith("manifest.json"))))
    spans = [span for line in lines for span in json.loads(line)["spans"]]
    assert len(lines) == 3
    assert len(spans) == before == manifest["spans"], "the file is the corpus as it began"
    last = json.loads(lines[-1])
    assert len(last["spans"]) == 3, "the last document's spans as they were at the start"


def save_as_reviewer(corpus: dict) -> Callable[[], None]:
    """A reviewer's save through the service, which must not wait for the export: on
    SQLite it fails after one second if the database is locked."""
    project, category = corpus["project"], corpus["category"]

    def save() -> None:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 1000")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
        reviewer = UserFactory(username="cara")
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
        text = "A new report arrived: people detained."
        document = import_document(project, text, title="New", name="new.txt")
        start = text.index("detained")
        make_annotation(document, reviewer, category, start, start + len("detained"))

    return save


def test_a_reviewer_saves_while_an_export_is_half_read(corpus):
    before = spans_now(corpus, "gold")
    saved: list[bool] = []

    def progress(n: int) -> None:
        if n == 1:
            in_another_thread(save_as_reviewer(corpus))
            saved.append(True)

    export = export_start(
        project=corpus["project"],
        options=ExportOptions(format="w3c", layer="gold"),
        actor=None,
        progress=progress,
    )
    collection = json.loads(b"".join(export.chunks))
    assert saved == [True], "the reviewer's save should have finished during the export"
    assert collection["total"] == len(collection["first"]["items"]) == before
    assert Annotation.objects.filter(reviewer__username="cara").count() == 1


def in_transaction() -> bool:
    """Whether this thread's connection is inside a database transaction."""
    raw = connection.connection
    if raw is None:
        return False
    if connection.vendor == "sqlite":
        return raw.in_transaction
    from psycopg.pq import TransactionStatus

    return raw.info.transaction_status != TransactionStatus.IDLE


def test_the_snapshot_opens_with_the_stream_and_ends_when_it_is_closed_early(corpus):
    export = export_start(
        project=corpus["project"], options=ExportOptions(format="brat", layer="gold"), actor=None
    )
    assert not in_transaction(), "nothing is read before the stream starts"
    next(export.chunks)
    assert in_transaction(), "the stream reads inside one transaction"
    export.chunks.close()  # what the server does when the client goes away
    assert not in_transaction(), "closing the stream must end its transaction"
    in_another_thread(save_as_reviewer(corpus))


def test_the_snapshot_ends_with_the_stream(corpus):
    export = export_start(
        project=corpus["project"], options=ExportOptions(format="csv", layer="gold"), actor=None
    )
    for _ in export.chunks:
        pass
    assert not in_transaction()
