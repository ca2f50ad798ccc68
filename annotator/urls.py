from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from annotator.api import api
from annotator.views import (
    agreement,
    annotations,
    assignments,
    documents,
    exporting,
    importing,
    moderation,
    projects,
)

urlpatterns = [
    path("favicon.ico", projects.favicon),
    path("", projects.project_list, name="project_list"),
    path("accounts/login/", projects.AnnotatorLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/<slug:project_slug>/", documents.document_list, name="document_list"),
    path("projects/<slug:project_slug>/assign/", assignments.project_assign, name="project_assign"),
    path("projects/<slug:project_slug>/import/", importing.document_import, name="document_import"),
    path("projects/<slug:project_slug>/export/", exporting.corpus_export, name="corpus_export"),
    path(
        "projects/<slug:project_slug>/import/<slug:token>/",
        importing.document_import_report,
        name="document_import_report",
    ),
    path(
        "projects/<slug:project_slug>/import/<slug:token>/taxonomy/<int:row>/",
        importing.document_import_taxonomy,
        name="document_import_taxonomy",
    ),
    path("projects/<slug:project_slug>/next/", assignments.next_document, name="next_document"),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/submit/",
        assignments.document_submit,
        name="document_submit",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/assign/",
        assignments.document_assign,
        name="document_assign",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/reviewers/<int:reviewer_id>/reopen/",
        assignments.assignment_reopen,
        name="assignment_reopen",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/",
        documents.document_detail,
        name="document_detail",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/title/",
        documents.document_title,
        name="document_title",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/annotate/",
        annotations.document_annotate,
        name="document_annotate",
    ),
    path(
        "projects/<slug:project_slug>/categories.css",
        projects.category_styles,
        name="category_styles",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/original",
        documents.document_source,
        name="document_source",
    ),
    path(
        "projects/<slug:project_slug>/agreement/",
        agreement.project_agreement,
        name="project_agreement",
    ),
    path("moderation/", moderation.moderation_queue, name="moderation_queue"),
    path("moderation/items/<int:item_id>/", moderation.moderation_item, name="moderation_item"),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/feedback/",
        annotations.document_feedback,
        name="document_feedback",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/history/",
        documents.document_history,
        name="document_history",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/moderate/",
        moderation.moderation_begin,
        name="moderation_begin",
    ),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
