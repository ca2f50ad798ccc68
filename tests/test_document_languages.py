"""Detecting, after import, the language of documents that came without one (corpora's).

The texts are tests/test_language.py's, known to be detected (or, Uyghur, to stay
undetermined).
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse

import annotator.services.document_languages as document_languages
from annotator.models import AuditEvent, Document, ImportVia, Role
from annotator.selectors.document_languages import undetected_document_count
from annotator.services.audit import audit_verify
from annotator.services.document_languages import (
    LANGUAGE_DETECT_ACTION,
    LanguageDetection,
    id_runs,
    languages_detect,
)
from annotator.services.importing import SourceFile, documents_import
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, client_for
from tests.test_language import TEXTS, UNKNOWN

pytestmark = pytest.mark.django_db

UYGHUR = UNKNOWN["Uyghur, Arabic script"]


def import_corpus(project, *texts: str, **line):
    """Import ``texts`` as a JSONL corpus (no language detected at import), in this order;
    the documents, in import order."""
    data = "\n".join(json.dumps({"text": text, **line}, ensure_ascii=False) for text in texts)
    report = documents_import(
        project=project,
        sources=[SourceFile("corpus.jsonl", data.encode())],
        imported_by=None,
        via=ImportVia.COMMAND,
    )
    ids = [result.document_id for result in report.results]
    assert None not in ids, [result.reason for result in report.results]
    return list(Document.objects.filter(pk__in=ids).order_by("pk"))


def numbered(code: str, number: int) -> str:
    """A distinct text of the language (a project keeps one document per text)."""
    return f"{TEXTS[code]} {number}"


def detect_events(project):
    return AuditEvent.objects.filter(project=project, action=LANGUAGE_DETECT_ACTION)


@pytest.fixture
def manager(project):
    user = UserFactory(username="manager")
    MembershipFactory(project=project, user=user, role=Role.MANAGER)
    return user


# --- The service ------------------------------------------------------------------------


def test_corpus_documents_come_without_a_language(project):
    (document,) = import_corpus(project, TEXTS["en"])

    assert document.language == ""
    assert "language_detected" not in document.metadata
    assert undetected_document_count(project=project) == 1


def test_detects_and_records_each_language_like_the_importer(project, manager):
    english, russian, arabic, uyghur = import_corpus(
        project, TEXTS["en"], TEXTS["ru"], TEXTS["ar"], UYGHUR
    )

    result = languages_detect(project=project, actor=manager)

    assert result == LanguageDetection(detected=3, undetermined=1, remaining=0)
    for document, code in [(english, "en"), (russian, "ru"), (arabic, "ar")]:
        document.refresh_from_db()
        assert document.language == code
        assert document.metadata["language_detected"]["code"] == code
        assert 0.8 <= document.metadata["language_detected"]["confidence"] <= 1.0
        assert document.metadata["source_line"]  # the rest of the metadata is kept
    uyghur.refresh_from_db()
    assert uyghur.language == ""
    assert uyghur.metadata["language_detected"] == {"code": "", "confidence": None}
    assert undetected_document_count(project=project) == 0


def test_an_undetermined_document_is_not_tried_again(project, manager, monkeypatch):
    (uyghur,) = import_corpus(project, UYGHUR)
    languages_detect(project=project, actor=manager)
    events = detect_events(project).count()

    def not_again(text):
        raise AssertionError("a document tried before was tried again")

    monkeypatch.setattr(document_languages, "detect_language", not_again)
    again = languages_detect(project=project, actor=manager)

    assert again == LanguageDetection(detected=0, undetermined=0, remaining=0)
    assert detect_events(project).count() == events  # an empty batch records nothing
    uyghur.refresh_from_db()
    assert uyghur.metadata["language_detected"] == {"code": "", "confidence": None}


def test_a_language_set_by_hand_is_never_overwritten(project, manager):
    declared, cleared, open_one = import_corpus(project, TEXTS["en"], TEXTS["fr"], TEXTS["es"])
    # A manager says the English text is German; another document was detected, then its
    # language cleared by hand: neither is touched.
    Document.objects.filter(pk=declared.pk).update(language="de")
    cleared_metadata = {**cleared.metadata, "language_detected": {"code": "fr", "confidence": 1.0}}
    Document.objects.filter(pk=cleared.pk).update(metadata=cleared_metadata)
    (in_the_corpus,) = import_corpus(project, TEXTS["tr"], language="kk")

    result = languages_detect(project=project, actor=manager)

    assert result == LanguageDetection(detected=1, undetermined=0, remaining=0)
    declared.refresh_from_db()
    cleared.refresh_from_db()
    open_one.refresh_from_db()
    in_the_corpus.refresh_from_db()
    assert (declared.language, "language_detected" in declared.metadata) == ("de", False)
    assert (cleared.language, cleared.metadata) == ("", cleared_metadata)
    assert in_the_corpus.language == "kk"
    assert open_one.language == "es"


def test_other_projects_are_left_alone(project, manager):
    other = ProjectFactory()
    (elsewhere,) = import_corpus(other, TEXTS["en"])
    import_corpus(project, TEXTS["fr"])

    languages_detect(project=project, actor=manager)

    elsewhere.refresh_from_db()
    assert elsewhere.language == ""
    assert undetected_document_count(project=other) == 1


def test_a_batch_takes_at_most_limit_documents_in_import_order(project, manager, monkeypatch):
    monkeypatch.setattr(document_languages, "TEXTS_READ_AT_ONCE", 2)  # texts read in chunks
    documents = import_corpus(project, *(numbered("en", n) for n in range(5)))

    first = languages_detect(project=project, actor=manager, limit=3)

    assert first == LanguageDetection(detected=3, undetermined=0, remaining=2)
    languages = list(Document.objects.order_by("pk").values_list("language", flat=True))
    assert languages == ["en", "en", "en", "", ""]
    second = languages_detect(project=project, actor=manager, limit=3)
    assert second == LanguageDetection(detected=2, undetermined=0, remaining=0)
    assert len(documents) == 5


@pytest.mark.parametrize("limit", [0, -1, document_languages.MAX_LIMIT + 1])
def test_a_limit_outside_its_range_is_refused(project, manager, limit):
    with pytest.raises(ValueError, match="limit"):
        languages_detect(project=project, actor=manager, limit=limit)


def test_each_batch_is_one_audit_event_with_the_documents_and_their_codes(project, manager):
    english = import_corpus(project, *(numbered("en", n) for n in range(3)))
    (uyghur,) = import_corpus(project, UYGHUR)
    (russian,) = import_corpus(project, TEXTS["ru"])

    languages_detect(project=project, actor=manager, limit=4)
    languages_detect(project=project, actor=manager, limit=4)

    first, second = detect_events(project).order_by("pk")
    assert (first.actor, first.object_type, first.object_id) == (
        manager,
        "project",
        str(project.pk),
    )
    assert first.document is None
    assert first.after == {
        "detected": 3,
        "undetermined": 1,
        "remaining": 1,
        "documents": {"en": [[english[0].pk, english[-1].pk]], "": [uyghur.pk]},
    }
    assert second.after["documents"] == {"ru": [russian.pk]}
    assert audit_verify().intact


def test_ids_are_kept_as_runs():
    assert id_runs([]) == []
    assert id_runs([4]) == [4]
    assert id_runs([1, 2, 3, 7, 9, 10]) == [[1, 3], 7, [9, 10]]


def test_a_batch_that_fails_leaves_nothing(project, manager, monkeypatch):
    documents = import_corpus(project, TEXTS["en"], UYGHUR)
    events = AuditEvent.objects.count()

    def broken(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(document_languages, "audit_record", broken)
    with pytest.raises(RuntimeError):
        languages_detect(project=project, actor=manager)

    for document in documents:
        document.refresh_from_db()
        assert document.language == ""
        assert "language_detected" not in document.metadata
    assert AuditEvent.objects.count() == events
    assert undetected_document_count(project=project) == 2
    assert audit_verify().intact


# --- The command ------------------------------------------------------------------------


def test_the_command_runs_batches_until_none_remain(project):
    import_corpus(project, *(numbered("en", n) for n in range(3)), UYGHUR)
    out = StringIO()

    call_command("detect_languages", project=project.slug, limit=3, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        "Batch 1: detected 3, could not tell 0; 1 remaining.",
        "Batch 2: detected 0, could not tell 1; 0 remaining.",
        "Detected the language of 3 documents; 1 could not be told; none remain.",
    ]
    assert detect_events(project).count() == 2
    assert not detect_events(project).filter(actor__isnull=False).exists()


def test_the_command_with_nothing_to_do(project):
    out = StringIO()

    call_command("detect_languages", project=project.slug, stdout=out)

    assert out.getvalue().strip() == "No document without a language is left to try."


def test_the_command_refuses_an_unknown_project_and_a_bad_limit(project):
    with pytest.raises(CommandError, match="No project"):
        call_command("detect_languages", project="nowhere")
    with pytest.raises(CommandError, match="--limit"):
        call_command("detect_languages", project=project.slug, limit=0)


# --- The pages --------------------------------------------------------------------------


def list_url(project) -> str:
    return reverse("document_list", kwargs={"project_slug": project.slug})


def detect_url(project) -> str:
    return reverse("document_languages_detect", kwargs={"project_slug": project.slug})


def test_a_manager_is_offered_the_detection_with_its_count(project, manager):
    import_corpus(project, TEXTS["en"], UYGHUR)

    content = client_for(manager).get(list_url(project)).content.decode()

    assert "Detect the language of 2 documents that declare none" in content
    assert f'action="{detect_url(project)}"' in content


def test_the_offer_names_one_document_in_the_singular(project, manager):
    import_corpus(project, TEXTS["en"])

    content = client_for(manager).get(list_url(project)).content.decode()

    assert "Detect the language of 1 document that declares none" in content


def test_nothing_is_offered_when_every_document_was_tried(project, manager):
    import_corpus(project, UYGHUR)
    languages_detect(project=project, actor=manager)

    response = client_for(manager).get(list_url(project))

    assert "languages_form" not in response.context
    assert b"Detect the language" not in response.content


def test_a_reviewer_is_not_offered_the_detection(project, reviewer_client):
    import_corpus(project, TEXTS["en"])

    response = reviewer_client.get(list_url(project))

    assert b"Detect the language" not in response.content


def test_posting_runs_one_batch_and_says_what_became_of_it(project, manager, monkeypatch):
    monkeypatch.setitem(languages_detect.__kwdefaults__, "limit", 2)  # a batch of two
    import_corpus(project, TEXTS["en"], UYGHUR, TEXTS["ru"])
    client = client_for(manager)

    response = client.post(detect_url(project))

    assert response.status_code == 302
    assert response.url == list_url(project)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Detected the language of 1 document; 1 could not be told; 1 remains."
    ]
    content = client.get(list_url(project)).content.decode()
    assert "Detect the language of 1 document that declares none" in content
    response = client.post(detect_url(project))
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Detected the language of 1 document; 0 could not be told; none remain."
    ]
    assert detect_events(project).filter(actor=manager).count() == 2


def test_the_detection_is_only_posted(project, manager):
    assert client_for(manager).get(detect_url(project)).status_code == 405


def test_the_managers_list_counts_in_one_query_whatever_the_documents(
    project, manager, django_assert_num_queries
):
    client = client_for(manager)
    import_corpus(project, TEXTS["en"])
    # session, user, project with role, count, page of documents, whether the user
    # moderates (nav), documents without a language
    with django_assert_num_queries(7):
        response = client.get(list_url(project))
    assert b"Detect the language of 1 document" in response.content
    import_corpus(project, *(numbered("fr", n) for n in range(60)))
    with django_assert_num_queries(7):
        response = client.get(list_url(project))
    assert b"Detect the language of 61 documents" in response.content


def test_the_import_report_points_to_the_detection(project, manager):
    import_corpus(project, TEXTS["en"], UYGHUR)
    client = client_for(manager)
    runs = reverse("import_runs", kwargs={"project_slug": project.slug})
    run = client.get(runs).context["page"].object_list[0]
    report = reverse(
        "document_import_report", kwargs={"project_slug": project.slug, "token": run.pk}
    )

    content = client.get(report).content.decode()

    assert "2 documents of this import declare no language" in content
    assert f'href="{list_url(project)}#detect-languages"' in content
    languages_detect(project=project, actor=manager)
    assert b"declare no language" not in client.get(report).content
