"""The audit log is append-only and its hash chain exposes any change to it."""

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from annotator.models import AuditChainHead, AuditEvent
from annotator.services.audit import GENESIS_HASH, audit_record, audit_verify, event_hash
from tests.factories import CategoryFactory, make_annotation, make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(project, reviewer):
    category = CategoryFactory(project=project)
    document = make_document(project, "He was detained. She was beaten. They were moved.")
    for start in (0, 17, 33):
        make_annotation(document, reviewer, category, start, start + 5)
    # The import, then the three annotations.
    return list(AuditEvent.objects.order_by("pk"))


def test_events_link_each_to_the_one_before(events):
    assert events[0].previous_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.previous_hash == previous.hash
        assert event.hash == event_hash(event)
    assert [event.action for event in events] == ["document.import"] + ["annotation.create"] * 3
    head = AuditChainHead.objects.get()
    assert (head.last_hash, head.event_count) == (events[-1].hash, 4)
    assert audit_verify().intact


def test_a_changed_event_is_named(events):
    AuditEvent.objects.filter(pk=events[1].pk).update(after={"quote": "rewritten"})
    result = audit_verify()
    assert not result.intact
    assert result.first_broken == events[1].pk
    assert "content does not match its hash" in result.problem
    with pytest.raises(CommandError, match=f"event #{events[1].pk}"):
        call_command("verify_audit")


def test_a_removed_event_is_noticed(events):
    AuditEvent.objects.filter(pk=events[1].pk)._raw_delete(AuditEvent.objects.db)
    result = audit_verify()
    assert result.first_broken == events[2].pk
    assert "previous hash" in result.problem


def test_removing_the_last_events_is_noticed(events):
    AuditEvent.objects.filter(pk=events[-1].pk)._raw_delete(AuditEvent.objects.db)
    result = audit_verify()
    assert not result.intact
    assert "head records 4" in result.problem


def test_events_cannot_be_changed_or_deleted_through_the_model(events):
    event = events[0]
    event.action = "something else"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="x", object_type="x", object_id=1)


def test_verify_command_reports_an_intact_log(events, capsys):
    call_command("verify_audit")
    assert "intact: 4 events" in capsys.readouterr().out


def test_a_rolled_back_change_leaves_no_event(project):
    @transaction.atomic
    def change_that_fails() -> None:
        audit_record(actor=None, action="test", object_type="x", object_id=1, project=project)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        change_that_fails()
    assert AuditEvent.objects.count() == 0
    assert audit_verify().intact


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_a_fresh_log_keep_one_unbroken_chain(project, reviewer):
    """Several reviewers saving at once, the first ones on an empty log (issue found by the
    API benchmark: two first writers both inserted the head row and one got a 500)."""
    import threading

    from django.db import connections

    AuditChainHead.objects.all().delete()
    category = CategoryFactory(project=project)
    document = make_document(project, "x" * 400)
    AuditEvent.objects.all()._raw_delete(AuditEvent.objects.db)
    AuditChainHead.objects.all().delete()
    errors: list[str] = []
    barrier = threading.Barrier(8)

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=10)
            for step in range(10):
                start = number * 40 + step * 4
                make_annotation(document, reviewer, category, start, start + 2)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    result = audit_verify()
    assert result.intact, result.problem
    assert result.events == 80
