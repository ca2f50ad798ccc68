"""A document's description, corrected by a manager on its page: every field audited with
what it was, its history shown, the text, the original and their hashes never changed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotator.models import AuditEvent, Document, Role
from annotator.services.document_metadata import document_metadata_edit
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    project = ProjectFactory(slug="meta")
    manager = UserFactory(username="manager")
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    document = make_document(
        project, "A report on detention.", imported_by=manager, author="HRW", source_id="42"
    )
    return {"project": project, "manager": manager, "moderator": moderator, "document": document}


def page_url(document: Document, name="document_detail") -> str:
    return reverse(name, kwargs={"project_slug": document.project.slug, "pk": document.pk})


def form(**fields) -> dict:
    return {
        "publisher": "",
        "source_url": "",
        "published_on": "",
        "language": "",
        "direction": "auto",
        "fields_text": "",
        **fields,
    }


def test_a_manager_corrects_the_description_and_its_history_is_shown(world):
    document, client = world["document"], client_for(world["manager"])
    hashes = (document.text_sha256, document.source_sha256, document.text)
    page = client.get(page_url(document))
    assert page.context["metadata_form"].initial["fields_text"] == "author: HRW"
    response = client.post(
        page_url(document, "document_metadata"),
        form(
            publisher="Human Rights Watch",
            source_url="https://www.hrw.org/report",
            published_on="2022-08-31",
            language="en",
            direction="ltr",
            fields_text="author: Human Rights Watch\nseries: Reports",
        ),
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.publisher, document.language, document.direction) == (
        "Human Rights Watch",
        "en",
        "ltr",
    )
    assert document.published_on == datetime.date(2022, 8, 31)
    assert document.metadata["author"] == "Human Rights Watch"
    assert document.metadata["series"] == "Reports"
    assert document.metadata["source_id"] == "42", "provenance stays"
    assert (document.text_sha256, document.source_sha256, document.text) == hashes
    [event] = AuditEvent.objects.filter(action="document.update")
    assert event.before["publisher"] == ""
    assert event.after["publisher"] == "Human Rights Watch"
    assert event.before["metadata"]["author"] == "HRW"
    history = client.get(page_url(document)).context["metadata_history"]
    changes = {name: (before, after) for name, before, after in history[-1]["changes"]}
    assert changes["author"] == ("HRW", "Human Rights Watch")
    assert changes["series"] == (None, "Reports")
    assert changes["published_on"] == (None, "2022-08-31")
    html = client.get(page_url(document)).content.decode()
    assert 'data-testid="metadata-history"' in html
    assert "Human Rights Watch" in html
    # A field removed by deleting its line.
    client.post(
        page_url(document, "document_metadata"), form(direction="ltr", fields_text="author: HRW")
    )
    document.refresh_from_db()
    assert "series" not in document.metadata
    assert document.publisher == ""


def test_refused_descriptions_change_nothing(world):
    document, client = world["document"], client_for(world["manager"])
    for fields in (
        {"source_url": "not a url"},
        {"fields_text": "no separator here"},
        {"fields_text": "title_source: mine"},
        {"fields_text": "a: 1\na: 2"},
        {"language": "x" * 36},
    ):
        response = client.post(page_url(document, "document_metadata"), form(**fields), follow=True)
        assert "The description was not changed" in response.content.decode(), fields
    assert not AuditEvent.objects.filter(action="document.update").exists()
    with pytest.raises(ValidationError):
        document_metadata_edit(document=document, actor=None, free_fields={"publisher": "x"})


def test_only_managers_see_and_post_the_form(world):
    document, client = world["document"], client_for(world["moderator"])
    assert "metadata_form" not in client.get(page_url(document)).context
    assert client.post(page_url(document, "document_metadata"), form()).status_code == 403
