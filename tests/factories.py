"""Factories for test data; documents go through the import service like real ones."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from annotator.models import Assignment, Category, Document, Membership, Project, Role
from annotator.services.importing import Outcome, SourceFile, document_import


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.Sequence(lambda n: f"Project {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    project = factory.SubFactory(ProjectFactory)
    code = factory.Sequence(lambda n: f"category_{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.REVIEWER


def client_for(user):
    """A test client logged in as ``user``."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def make_document(
    project: Project,
    text: str,
    *,
    name: str = "document.txt",
    imported_by=None,
    assign: bool = True,
    **metadata,
) -> Document:
    """Import ``text`` as a UTF-8 file through the real import service.

    With ``assign`` (the default) the document is assigned to every reviewer the project
    has at that moment, so that they can see and annotate it.
    """
    result = document_import(
        project=project,
        source=SourceFile(name=name, data=text.encode("utf-8"), metadata=metadata),
        imported_by=imported_by,
    )
    assert result.outcome is Outcome.IMPORTED, f"{name} was not imported: {result.reason}"
    document = Document.objects.get(pk=result.document_id)
    if assign:
        for membership in Membership.objects.filter(project=project, role=Role.REVIEWER):
            assign_reviewer(document, membership.user)
    return document


def assign_reviewer(document: Document, reviewer) -> Assignment:
    """Assign a reviewer to a document (without the service's checks: any user)."""
    assignment, _ = Assignment.objects.get_or_create(document=document, reviewer=reviewer)
    return assignment


def make_annotation(document: Document, reviewer, category: Category, start: int, end: int):
    """Create an annotation through the service, quoting the text at the offsets."""
    from annotator.services.annotations import annotation_create

    assign_reviewer(document, reviewer)
    return annotation_create(
        document=document,
        reviewer=reviewer,
        category=category,
        start=start,
        end=end,
        quote=document.text[start:end],
    )
