"""The Django admin writes through the services: every change checked and in the audit log,
and a category's code never changes once something uses it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from annotator.models import AuditEvent, Category, Membership, Project, Role
from annotator.services.audit import audit_verify
from tests.factories import (
    CategoryFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(staff):
    return client_for(staff)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def project_form(project: Project, **changes) -> dict:
    """The project change form as the admin posts it, with empty inline formsets."""
    data = {
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "reviewers_per_document": project.reviewers_per_document,
        "anonymous_moderation": "",
        "auto_accept_unanimous": "on" if project.auto_accept_unanimous else "",
        "blind_annotation": "on" if project.blind_annotation else "",
    }
    for prefix, rows in (("categories", []), ("memberships", [])):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": str(len(rows)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | changes


def test_a_project_changed_in_the_admin_is_audited_with_before_and_after(admin_client, staff):
    project = ProjectFactory(name="Before")
    url = reverse("admin:annotator_project_change", args=[project.pk])
    response = admin_client.post(url, project_form(project, name="After"))
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert project.name == "After"
    [event] = events("project.update")
    assert event.actor == staff
    assert (event.before, event.after) == ({"name": "Before"}, {"name": "After"})
    assert audit_verify().intact


def test_a_project_added_in_the_admin_is_audited(admin_client, staff):
    project = Project(slug="new-one", name="New one")
    response = admin_client.post(reverse("admin:annotator_project_add"), project_form(project))
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Project.objects.get(slug="new-one")
    [event] = events("project.create")
    assert event.project == created
    assert event.after["name"] == "New one"


def test_projects_cannot_be_deleted_from_the_admin(admin_client):
    project = ProjectFactory()
    response = admin_client.get(reverse("admin:annotator_project_delete", args=[project.pk]))
    assert response.status_code == 403


def test_a_membership_added_and_removed_in_the_admin_is_audited(admin_client, staff):
    project = ProjectFactory()
    user = UserFactory(username="newcomer")
    response = admin_client.post(
        reverse("admin:annotator_membership_add"),
        {"project": project.pk, "user": user.pk, "role": Role.REVIEWER},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(project=project, user=user)
    [added] = events("membership.set")
    assert added.after == {"user": user.pk, "role": "reviewer"}
    response = admin_client.post(
        reverse("admin:annotator_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    [removed] = events("membership.remove")
    assert removed.before == {"user": user.pk, "role": "reviewer"}


def category_form(category: Category, **changes) -> dict:
    return {
        "project": category.project_id,
        "code": category.code,
        "name": category.name,
        "colour": category.colour,
        "shortcut": category.shortcut,
        "parent": "",
        "order": category.order,
        "definition": category.definition,
    } | changes


def test_an_unused_category_can_be_renamed_and_the_change_is_audited(admin_client):
    category = CategoryFactory(code="detention")
    url = reverse("admin:annotator_category_change", args=[category.pk])
    response = admin_client.post(url, category_form(category, code="arbitrary_detention"))
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert category.code == "arbitrary_detention"
    [event] = events("category.update")
    assert (event.before["code"], event.after["code"]) == ("detention", "arbitrary_detention")


def test_a_used_category_keeps_its_code_and_cannot_be_deleted(admin_client):
    # Renaming the code of a category in use made open moderation items unresolvable.
    project = ProjectFactory()
    category = CategoryFactory(project=project, code="detention")
    reviewer = UserFactory()
    document = make_document(project, "He was detained.", assign=False)
    make_annotation(document, reviewer, category, 7, 15)
    url = reverse("admin:annotator_category_change", args=[category.pk])
    response = admin_client.post(url, category_form(category, code="renamed"))
    assert response.status_code == 200, "the form should come back with an error"
    assert "is in use" in response.content.decode()
    category.refresh_from_db()
    assert category.code == "detention"
    assert not events("category.update")
    # Its name and definition may still be corrected.
    response = admin_client.post(url, category_form(category, name="Arbitrary detention"))
    assert response.status_code == 302
    delete = admin_client.get(reverse("admin:annotator_category_delete", args=[category.pk]))
    assert delete.status_code == 403
    assert Category.objects.filter(pk=category.pk).exists()


def test_a_used_category_keeps_its_code_in_the_projects_inline_too(admin_client):
    project = ProjectFactory()
    category = CategoryFactory(project=project, code="torture", name="Torture")
    document = make_document(project, "He was beaten.", assign=False)
    make_annotation(document, UserFactory(), category, 7, 13)
    data = project_form(project)
    data |= {
        "categories-TOTAL_FORMS": "1",
        "categories-INITIAL_FORMS": "1",
        "categories-0-id": category.pk,
        "categories-0-project": project.pk,
        "categories-0-code": "renamed",
        "categories-0-name": category.name,
        "categories-0-colour": category.colour,
        "categories-0-shortcut": category.shortcut,
        "categories-0-parent": "",
        "categories-0-order": category.order,
        "categories-0-definition": "",
    }
    response = admin_client.post(reverse("admin:annotator_project_change", args=[project.pk]), data)
    assert response.status_code == 200
    assert "is in use" in response.content.decode()
    category.refresh_from_db()
    assert category.code == "torture"


def test_document_metadata_changed_in_the_admin_is_audited(admin_client, staff):
    project = ProjectFactory()
    document = make_document(project, "A report.", title="Old title")
    url = reverse("admin:annotator_document_change", args=[document.pk])
    response = admin_client.post(
        url,
        {
            "title": "New title",
            "language": "en",
            "direction": "auto",
            "source_url": "",
            "publisher": "OHCHR",
            "published_on": "2022-08-31",
            "metadata": json.dumps(document.metadata),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    document.refresh_from_db()
    assert (document.title, document.publisher, document.language) == ("New title", "OHCHR", "en")
    [retitled] = events("document.retitle")
    assert retitled.before["title"] == "Old title"
    [updated] = events("document.update")
    assert updated.after == {"language": "en", "publisher": "OHCHR", "published_on": "2022-08-31"}
    assert updated.before["publisher"] == ""
    assert audit_verify().intact


def test_the_service_refuses_a_new_code_for_a_category_in_use_whoever_asks():
    # The admin's form says it first; the service holds the rule for every caller.
    from django.core.exceptions import ValidationError

    from annotator.services.categories import category_delete, category_save

    project = ProjectFactory()
    category = CategoryFactory(project=project, code="forced_labour")
    document = make_document(project, "They were sent to work.", assign=False)
    make_annotation(document, UserFactory(), category, 13, 17)
    category.code = "labour"
    with pytest.raises(ValidationError, match="in use"):
        category_save(category=category, actor=None)
    with pytest.raises(ValidationError, match="in use"):
        category_delete(category=Category.objects.get(pk=category.pk), actor=None)
    assert Category.objects.get(pk=category.pk).code == "forced_labour"
