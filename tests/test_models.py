import pytest
from django.db import IntegrityError, connection, transaction

from annotator.models import Category, Document, Project
from tests.factories import CategoryFactory, ProjectFactory, make_document

pytestmark = pytest.mark.django_db


def assert_rejected_by_database(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_project_slugs_are_unique():
    ProjectFactory(slug="xinjiang")
    assert_rejected_by_database(lambda: ProjectFactory(slug="xinjiang"))


def test_project_needs_at_least_one_reviewer_per_document():
    assert_rejected_by_database(lambda: ProjectFactory(reviewers_per_document=0))


def test_project_defaults_are_two_blind_reviewers():
    project = Project.objects.create(slug="defaults", name="Defaults")
    assert project.reviewers_per_document == 2
    assert project.blind_annotation is True


def test_category_codes_are_unique_within_a_project_only(project):
    CategoryFactory(project=project, code="detention")
    CategoryFactory(project=ProjectFactory(), code="detention")
    assert_rejected_by_database(lambda: CategoryFactory(project=project, code="detention"))


def test_category_shortcuts_are_unique_within_a_project_when_set(project):
    CategoryFactory(project=project, shortcut="1")
    CategoryFactory(project=project, shortcut="")
    CategoryFactory(project=project, shortcut="")
    assert_rejected_by_database(lambda: CategoryFactory(project=project, shortcut="1"))


def test_category_parent_is_protected_from_deletion(project):
    parent = CategoryFactory(project=project, code="detention")
    CategoryFactory(project=project, code="incommunicado", parent=parent)
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        parent.delete()
    assert Category.objects.filter(code="detention").exists()


def test_document_text_is_unique_within_a_project(project):
    document = make_document(project, "unique text")
    document.pk = None
    assert_rejected_by_database(document.save)


def test_document_with_unknown_direction_is_rejected_by_the_database(project):
    document = make_document(project, "text")
    document.direction = "btt"
    assert_rejected_by_database(document.save)


def test_category_parent_must_be_in_the_same_project(project):
    from django.core.exceptions import ValidationError

    foreign_parent = CategoryFactory(project=ProjectFactory())
    child = CategoryFactory.build(project=project, code="child", parent=foreign_parent)
    with pytest.raises(ValidationError, match="same project"):
        child.full_clean()


def test_category_cannot_become_its_own_ancestor(project):
    from django.core.exceptions import ValidationError

    root = CategoryFactory(project=project, code="root")
    child = CategoryFactory(project=project, code="child", parent=root)
    root.parent = child
    with pytest.raises(ValidationError, match="own parent"):
        root.full_clean()
    root.parent = root
    with pytest.raises(ValidationError, match="own parent"):
        root.full_clean()


def test_document_texts_are_compressed_with_lz4_where_postgresql_has_it():
    """pglz took half of a large import's time in PostgreSQL; LZ4 takes half of that. A
    long text (compressed) reads back exactly, on either database."""
    project = ProjectFactory()
    text = "Testimony 𠮷 задержание احتجاز ✊🏽 " * 20_000
    document = make_document(project, text, assign=False)
    assert Document.objects.get(pk=document.pk).text == text
    if connection.vendor == "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        (methods,) = cursor.fetchone()
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'annotator_document'::regclass AND attname = 'text'"
        )
        (method,) = cursor.fetchone()
        cursor.execute(
            "SELECT pg_column_compression(text) FROM annotator_document WHERE id = %s",
            [document.pk],
        )
        (stored,) = cursor.fetchone()
    if "lz4" in methods:
        assert (method, stored) == ("l", "lz4")
    else:  # a server built without LZ4 keeps its default
        assert (method, stored) == ("", "pglz")
