"""A document's title: where an imported PDF's came from, and a manager correcting it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotator.models import AuditEvent, Document, Role
from annotator.services.audit import audit_verify
from annotator.services.document_metadata import document_retitle
from annotator.services.importing import Outcome, SourceFile, document_import
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_document,
)
from tests.test_extract_pdf import PARAGRAPHS, Writer

pytestmark = pytest.mark.django_db

MAX_TITLE = Document._meta.get_field("title").max_length


def import_pdf(project, data: bytes, *, name: str = "report.pdf", **metadata) -> Document:
    result = document_import(
        project=project,
        source=SourceFile(name=name, data=data, metadata=metadata),
        imported_by=None,
    )
    assert result.outcome is Outcome.IMPORTED, f"{name} was not imported: {result.reason}"
    return Document.objects.get(pk=result.document_id)


def placeholder_pdf(*, heading: str | None) -> bytes:
    writer = Writer()
    writer.pdf.set_title("xxxxxx")
    writer.page()
    if heading is not None:
        writer.pdf.set_font("Helvetica", size=20)
        writer.pdf.text(72, writer.y, heading)
        writer.y += 40
        writer.pdf.set_font("Helvetica", size=10)
    writer.paragraph(PARAGRAPHS[0])
    return writer.output()


# ---------------------------------------------------------------------------------------
# Where an imported title came from
# ---------------------------------------------------------------------------------------


def test_a_pdf_titled_by_its_largest_text_says_so_in_its_provenance(project):
    manager = UserFactory(username="manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)

    document = import_pdf(project, placeholder_pdf(heading="Findings of the Office"))

    assert document.title == "Findings of the Office"
    assert document.metadata["title_source"] == "largest text on page 1"
    event = AuditEvent.objects.get(document=document, action="document.import")
    assert event.after["title_source"] == "largest text on page 1"
    page = client_for(manager).get(document.get_absolute_url()).content.decode()
    assert "<dt>Title from</dt><dd>largest text on page 1</dd>" in page


def test_a_pdf_whose_first_line_is_too_long_for_a_title_says_it_took_the_file_name(project):
    document = import_pdf(project, placeholder_pdf(heading=None), name="ohchr-assessment.pdf")

    assert document.title == "ohchr-assessment"
    assert document.metadata["title_source"] == "file name"


def test_a_pdf_titled_by_its_short_first_line_says_so(project):
    writer = Writer()
    writer.page()
    writer.paragraph("Findings of the Office")
    writer.paragraph(PARAGRAPHS[0])

    document = import_pdf(project, writer.output())

    assert document.title == "Findings of the Office"
    assert document.metadata["title_source"] == "first line"


def test_a_title_given_with_the_import_wins_and_says_so(project):
    data = placeholder_pdf(heading="Findings of the Office")

    document = import_pdf(project, data, title="Assessment of human rights concerns")

    assert document.title == "Assessment of human rights concerns"
    assert document.metadata["title_source"] == "given at import"


def test_formats_that_do_not_say_where_their_title_came_from_record_nothing(project):
    document = make_document(project, "A short first line\n\nAnd the text.")

    assert document.title == "A short first line"
    assert "title_source" not in document.metadata


# ---------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------


def test_document_retitle_changes_only_the_title_and_records_before_and_after(project):
    manager = UserFactory(username="manager")
    document = make_document(project, "He was detained in 2017.", title="xxxxxx")
    hashes = (document.text, document.text_sha256, document.source_sha256)

    document_retitle(document=document, title="  Detention in   2017 ", actor=manager)

    document.refresh_from_db()
    assert document.title == "Detention in 2017"
    assert (document.text, document.text_sha256, document.source_sha256) == hashes
    assert document.metadata["title_source"] == "changed by a manager"
    event = AuditEvent.objects.get(document=document, action="document.retitle")
    assert event.actor == manager
    assert event.project == project
    assert event.object_type == "document"
    assert event.object_id == str(document.pk)
    assert event.before == {"title": "xxxxxx"}
    assert event.after == {"title": "Detention in 2017", "title_source": "changed by a manager"}
    assert audit_verify().intact


def test_document_retitle_keeps_the_previous_source_in_the_audit_event(project):
    document = import_pdf(project, placeholder_pdf(heading="Findings of the Office"))

    document_retitle(document=document, title="Findings", actor=None)

    event = AuditEvent.objects.get(document=document, action="document.retitle")
    assert event.before == {
        "title": "Findings of the Office",
        "title_source": "largest text on page 1",
    }


def test_document_retitle_to_the_same_title_changes_nothing(project):
    document = make_document(project, "Text.", title="Same title")

    document_retitle(document=document, title=" Same title ", actor=None)

    assert not AuditEvent.objects.filter(document=document, action="document.retitle").exists()


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "A title cannot be blank."),
        ("   \n\t ", "A title cannot be blank."),
        ("x" * (MAX_TITLE + 1), f"at most {MAX_TITLE} characters"),
    ],
    ids=["empty", "blank", "too long"],
)
def test_document_retitle_refuses_blank_and_over_long_titles(project, title, message):
    document = make_document(project, "Text.", title="Kept")

    with pytest.raises(ValidationError, match=message):
        document_retitle(document=document, title=title, actor=None)

    document.refresh_from_db()
    assert document.title == "Kept"
    assert not AuditEvent.objects.filter(document=document, action="document.retitle").exists()


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------


@pytest.fixture
def members(project):
    users = {}
    for role in (Role.MANAGER, Role.MODERATOR, Role.REVIEWER):
        users[role] = UserFactory(username=str(role))
        MembershipFactory(project=project, user=users[role], role=role)
    return users


@pytest.fixture
def document(project, members):
    return make_document(project, "He was detained in 2017.", title="xxxxxx")


def retitle_url(document: Document) -> str:
    return reverse(
        "document_title", kwargs={"project_slug": document.project.slug, "pk": document.pk}
    )


def test_a_manager_sees_the_title_form_and_others_do_not(document, members):
    action = f'action="{retitle_url(document)}"'

    manager_page = client_for(members[Role.MANAGER]).get(document.get_absolute_url())
    assert action in manager_page.content.decode()
    assert manager_page.context["title_form"]["title"].value() == "xxxxxx"
    for role in (Role.MODERATOR, Role.REVIEWER):
        page = client_for(members[role]).get(document.get_absolute_url())
        assert action not in page.content.decode(), f"a {role} was offered the title form"
        assert "title_form" not in page.context


def test_a_manager_changes_the_title_and_the_history_shows_it(document, members):
    client = client_for(members[Role.MANAGER])

    response = client.post(retitle_url(document), {"title": "Detention in 2017"}, follow=True)

    assert response.redirect_chain == [(document.get_absolute_url(), 302)]
    document.refresh_from_db()
    assert document.title == "Detention in 2017"
    content = response.content.decode()
    assert "Changed the title to “Detention in 2017”." in content
    assert '<h1 class="h3 mb-0 flex-grow-1" dir="auto">Detention in 2017</h1>' in content
    history = client.get(
        reverse(
            "document_history", kwargs={"project_slug": document.project.slug, "pk": document.pk}
        )
    ).content.decode()
    assert "document.retitle" in history
    assert "xxxxxx" in history


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.REVIEWER])
def test_moderators_and_reviewers_may_not_change_the_title(document, members, role):
    response = client_for(members[role]).post(retitle_url(document), {"title": "Mine now"})

    assert response.status_code == 403
    document.refresh_from_db()
    assert document.title == "xxxxxx"


def test_a_non_member_cannot_find_the_document_to_retitle(document):
    outsider = UserFactory(username="outsider")
    MembershipFactory(project=ProjectFactory(), user=outsider, role=Role.MANAGER)

    response = client_for(outsider).post(retitle_url(document), {"title": "Mine now"})

    assert response.status_code == 404
    document.refresh_from_db()
    assert document.title == "xxxxxx"


def test_the_title_form_accepts_only_posts(document, members):
    assert client_for(members[Role.MANAGER]).get(retitle_url(document)).status_code == 405


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("   ", "The title was not changed: a title cannot be blank."),
        (
            "x" * (MAX_TITLE + 1),
            f"The title was not changed: a title has at most {MAX_TITLE} characters "
            f"(this one has {MAX_TITLE + 1}).",
        ),
    ],
    ids=["blank", "too long"],
)
def test_blank_and_over_long_titles_are_refused_with_a_message(document, members, title, message):
    client = client_for(members[Role.MANAGER])

    response = client.post(retitle_url(document), {"title": title}, follow=True)

    assert message in response.content.decode()
    document.refresh_from_db()
    assert document.title == "xxxxxx"
    assert not AuditEvent.objects.filter(document=document, action="document.retitle").exists()


def test_a_title_with_markup_is_shown_as_text(document, members):
    client = client_for(members[Role.MANAGER])
    hostile = '<script>alert("x")</script> & <b>bold</b>'

    response = client.post(retitle_url(document), {"title": hostile}, follow=True)

    content = response.content.decode()
    document.refresh_from_db()
    assert document.title == hostile
    assert "<script>alert" not in content
    assert "<b>bold</b>" not in content
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    assert escaped in content
