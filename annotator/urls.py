from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from annotator import views
from annotator.api import api

urlpatterns = [
    path("favicon.ico", views.favicon),
    path("", views.project_list, name="project_list"),
    path("accounts/login/", views.AnnotatorLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/<slug:project_slug>/", views.document_list, name="document_list"),
    path("projects/<slug:project_slug>/assign/", views.project_assign, name="project_assign"),
    path("projects/<slug:project_slug>/import/", views.document_import, name="document_import"),
    path("projects/<slug:project_slug>/export/", views.corpus_export, name="corpus_export"),
    path(
        "projects/<slug:project_slug>/import/<slug:token>/",
        views.document_import_report,
        name="document_import_report",
    ),
    path(
        "projects/<slug:project_slug>/import/<slug:token>/taxonomy/<int:row>/",
        views.document_import_taxonomy,
        name="document_import_taxonomy",
    ),
    path("projects/<slug:project_slug>/next/", views.next_document, name="next_document"),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/submit/",
        views.document_submit,
        name="document_submit",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/assign/",
        views.document_assign,
        name="document_assign",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/reviewers/<int:reviewer_id>/reopen/",
        views.assignment_reopen,
        name="assignment_reopen",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/",
        views.document_detail,
        name="document_detail",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/title/",
        views.document_title,
        name="document_title",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/annotate/",
        views.document_annotate,
        name="document_annotate",
    ),
    path(
        "projects/<slug:project_slug>/categories.css",
        views.category_styles,
        name="category_styles",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/original",
        views.document_source,
        name="document_source",
    ),
    path(
        "projects/<slug:project_slug>/agreement/",
        views.project_agreement,
        name="project_agreement",
    ),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("moderation/items/<int:item_id>/", views.moderation_item, name="moderation_item"),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/feedback/",
        views.document_feedback,
        name="document_feedback",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/history/",
        views.document_history,
        name="document_history",
    ),
    path(
        "projects/<slug:project_slug>/documents/<int:pk>/moderate/",
        views.moderation_begin,
        name="moderation_begin",
    ),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
