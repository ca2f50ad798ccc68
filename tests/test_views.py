import re

import pytest
from django.test import Client
from django.urls import reverse

from annotator.models import Role
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_document,
)

pytestmark = pytest.mark.django_db


def test_every_page_requires_login(project):
    document = make_document(project, "text")
    client = Client()
    for url in [
        reverse("project_list"),
        reverse("document_list", kwargs={"project_slug": project.slug}),
        document.get_absolute_url(),
        reverse("document_source", kwargs={"project_slug": project.slug, "pk": document.pk}),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_login_and_logout():
    UserFactory(username="ayla")
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post(
        reverse("login"), {"username": "ayla", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("project_list")
    assert client.get(reverse("project_list")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("project_list")).status_code == 302


def test_wrong_password_is_refused_with_a_message():
    UserFactory(username="ayla")
    response = Client().post(reverse("login"), {"username": "ayla", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_user_sees_only_their_own_projects(reviewer_client, project):
    other = ProjectFactory(name="Someone else's project")
    make_document(other, "secret")
    response = reviewer_client.get(reverse("project_list"))
    assert list(response.context["projects"]) == [project]
    assert b"Someone else" not in response.content
    assert response.context["projects"][0].role == Role.REVIEWER


def test_pages_of_other_projects_are_not_found(reviewer_client):
    other = ProjectFactory()
    document = make_document(other, "secret")
    for url in [
        reverse("document_list", kwargs={"project_slug": other.slug}),
        document.get_absolute_url(),
        reverse("document_source", kwargs={"project_slug": other.slug, "pk": document.pk}),
        reverse("document_list", kwargs={"project_slug": "does-not-exist"}),
    ]:
        assert reviewer_client.get(url).status_code == 404, url


def test_document_of_another_project_is_not_found_through_my_project(reviewer_client, project):
    document = make_document(ProjectFactory(), "elsewhere")
    url = reverse("document_detail", kwargs={"project_slug": project.slug, "pk": document.pk})
    assert reviewer_client.get(url).status_code == 404


def test_project_list_query_count_does_not_grow_with_projects(
    reviewer, reviewer_client, django_assert_num_queries
):
    url = reverse("project_list")
    # session, user, projects with role and document count, whether the user moderates (nav)
    with django_assert_num_queries(4):
        reviewer_client.get(url)
    for _ in range(5):
        project = ProjectFactory()
        MembershipFactory(project=project, user=reviewer)
        make_document(project, f"text of {project.slug}")
    with django_assert_num_queries(4):
        response = reviewer_client.get(url)
    assert len(response.context["projects"]) == 6


def test_document_list_query_count_does_not_grow_with_documents(
    project, reviewer_client, django_assert_num_queries
):
    url = reverse("document_list", kwargs={"project_slug": project.slug})
    make_document(project, "the first document")
    # session, user, project with role, count, page of documents, whether the user moderates
    with django_assert_num_queries(6):
        response = reviewer_client.get(url)
    assert len(response.context["page"].object_list) == 1
    for number in range(120):
        make_document(project, f"document number {number}")
    with django_assert_num_queries(6):
        response = reviewer_client.get(url)
    assert len(response.context["page"].object_list) == 50
    with django_assert_num_queries(6):
        response = reviewer_client.get(url, {"page": 3})
    assert len(response.context["page"].object_list) == 21


def test_document_list_shows_title_length_date_and_status(project, reviewer_client):
    make_document(project, "𠮷 Wei was detained.", title="Case of 𠮷 Wei")
    response = reviewer_client.get(reverse("document_list", kwargs={"project_slug": project.slug}))
    content = response.content.decode()
    assert "Case of 𠮷 Wei" in content
    assert re.search(r">\s*19\s*</td>", content), "length counts code points: 19, not 20"
    assert "New" in content
    assert "<time datetime=" in content


def test_document_list_filters_by_title_or_text(project, reviewer_client):
    make_document(project, "He was held in a camp.", title="Camp testimony")
    make_document(project, "Forced labour in a factory.", title="Factory report")
    make_document(project, "Nothing relevant.", title="Other")
    url = reverse("document_list", kwargs={"project_slug": project.slug})

    def titles(query):
        response = reviewer_client.get(url, {"q": query})
        return [document.title for document in response.context["page"].object_list]

    assert titles("camp") == ["Camp testimony"]
    assert titles("FACTORY") == ["Factory report"]  # title, any case
    assert titles("labour") == ["Factory report"]  # text
    assert titles("") == ["Camp testimony", "Factory report", "Other"]


def test_pagination_links_keep_the_filter(project, reviewer_client):
    for number in range(55):
        make_document(project, f"camp report {number}")
    response = reviewer_client.get(
        reverse("document_list", kwargs={"project_slug": project.slug}), {"q": "camp"}
    )
    assert b"?q=camp&amp;page=2" in response.content


def test_document_text_is_shown_as_text_never_as_html(project, reviewer_client):
    hostile = '<script>alert("x")</script>\n<img src=x onerror=alert(1)>&amp;'
    document = make_document(project, hostile, title="<b>bold</b> title")
    response = reviewer_client.get(document.get_absolute_url())
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    assert "<img src=x" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;amp;" in content
    assert "<b>bold</b>" not in content
    assert "&lt;b&gt;bold&lt;/b&gt; title" in content


def test_document_lines_carry_code_point_offsets_and_dir_auto(project, reviewer_client):
    text = "💩 detained in a camp\n\nئاكام تۇتقۇن قىلىندى"
    document = make_document(project, text)
    content = reviewer_client.get(document.get_absolute_url()).content.decode()
    blocks = re.findall(r'<p class="doc-line" dir="(\w+)" data-offset="(\d+)">(.*?)</p>', content)
    assert blocks == [
        ("auto", "0", "💩 detained in a camp"),
        ("auto", "21", ""),
        ("auto", "22", "ئاكام تۇتقۇن قىلىندى"),
    ]
    assert document.text_sha256 in content


def test_document_direction_set_on_import_is_used(project, reviewer_client):
    document = make_document(project, "ئاكام", direction="rtl")
    content = reviewer_client.get(document.get_absolute_url()).content.decode()
    assert '<p class="doc-line" dir="rtl" data-offset="0">' in content


def test_original_file_downloads_byte_for_byte_never_inline(project, reviewer_client):
    document = make_document(project, "<html><script>x</script></html>", name="page.txt")
    response = reviewer_client.get(
        reverse("document_source", kwargs={"project_slug": project.slug, "pk": document.pk})
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<html><script>x</script></html>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-SHA256"] == document.source_sha256


def test_pages_forbid_requests_to_other_hosts(reviewer_client):
    response = reviewer_client.get(reverse("project_list"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "http" not in policy
    assert response["X-Frame-Options"] == "DENY"
    external = re.findall(r'(?:src|href|action)="((?:https?:)?//[^"]*)"', response.content.decode())
    assert external == [], "a page must load nothing from another host"


def test_admin_pages_of_every_model_load(project, django_user_model):
    from tests.factories import CategoryFactory

    admin = django_user_model.objects.create_superuser("admin", password="pw-for-tests-only")
    document = make_document(project, "text")
    category = CategoryFactory(project=project)
    membership = MembershipFactory(project=project)
    client = client_for(admin)
    from annotator.models import AuditEvent
    from annotator.services.tokens import api_token_create
    from tests.factories import make_annotation

    annotation = make_annotation(document, admin, category, 0, 4)
    token, _ = api_token_create(user=admin, name="test")
    for model, obj in [
        ("project", project),
        ("category", category),
        ("membership", membership),
        ("document", document),
        ("annotation", annotation),
        ("auditevent", AuditEvent.objects.first()),
        ("auditchainhead", None),
        ("apitoken", token),
    ]:
        if obj is None:
            assert client.get(reverse(f"admin:annotator_{model}_changelist")).status_code == 200
            continue
        changelist = client.get(reverse(f"admin:annotator_{model}_changelist"))
        assert changelist.status_code == 200, model
        change = client.get(reverse(f"admin:annotator_{model}_change", args=[obj.pk]))
        assert change.status_code == 200, model
    assert client.get(reverse("admin:annotator_document_add")).status_code == 403


def test_missing_original_file_is_a_clear_not_found(project, reviewer_client, caplog):
    from django.core.files.storage import default_storage

    document = make_document(project, "text whose original will vanish")
    default_storage.delete(document.source_file.name)
    response = reviewer_client.get(
        reverse("document_source", kwargs={"project_slug": project.slug, "pk": document.pk})
    )
    assert response.status_code == 404
    assert "missing from storage" in caplog.text
