from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from annotator.api import api
from annotator.forms.base import LARGEST_ID
from annotator.views import (
    accounts,
    agreement,
    annotations,
    assignments,
    curation,
    documents,
    exporting,
    importing,
    incident_roles,
    members,
    moderation,
    projects,
    relation_types,
    settings,
    taxonomy,
    taxonomy_files,
)


class IdConverter:
    """A database id in a page's URL: 1 to 2⁶³−1, the range of a BigAutoField.

    Django's ``int`` converter takes any number of digits, and an id beyond that range
    reached the database (SQLite cannot bind it: OverflowError, a 500). A number that
    cannot be an id simply matches no URL, which is a 404.
    """

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > LARGEST_ID:
            raise ValueError(f"{value} is larger than any id")
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(IdConverter, "id")

urlpatterns = [
    path("favicon.ico", projects.favicon),
    path("", projects.project_list, name="project_list"),
    path("accounts/login/", projects.AnnotatorLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", accounts.account_tokens, name="account_tokens"),
    path(
        "account/tokens/<id:pk>/revoke/",
        accounts.account_token_revoke,
        name="account_token_revoke",
    ),
    path("projects/<slug:project_slug>/", documents.document_list, name="document_list"),
    path("projects/<slug:project_slug>/assign/", assignments.project_assign, name="project_assign"),
    path(
        "projects/<slug:project_slug>/languages/detect/",
        documents.document_languages_detect,
        name="document_languages_detect",
    ),
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
    path("projects/<slug:project_slug>/imports/", importing.import_runs, name="import_runs"),
    path("projects/<slug:project_slug>/next/", assignments.next_document, name="next_document"),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/submit/",
        assignments.document_submit,
        name="document_submit",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/assign/",
        assignments.document_assign,
        name="document_assign",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/assignments/<id:assignment_id>/reopen/",
        assignments.assignment_reopen,
        name="assignment_reopen",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/",
        documents.document_detail,
        name="document_detail",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/title/",
        documents.document_title,
        name="document_title",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/annotate/",
        annotations.document_annotate,
        name="document_annotate",
    ),
    path(
        "projects/<slug:project_slug>/categories.css",
        projects.category_styles,
        name="category_styles",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/original",
        documents.document_source,
        name="document_source",
    ),
    path(
        "projects/<slug:project_slug>/agreement/",
        agreement.project_agreement,
        name="project_agreement",
    ),
    path("moderation/", moderation.moderation_queue, name="moderation_queue"),
    path("moderation/items/<id:item_id>/", moderation.moderation_item, name="moderation_item"),
    path(
        "moderation/items/<id:item_id>/reopen/",
        moderation.moderation_item_reopen,
        name="moderation_item_reopen",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/feedback/",
        annotations.document_feedback,
        name="document_feedback",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/history/",
        documents.document_history,
        name="document_history",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/curate/",
        curation.document_curate,
        name="document_curate",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/gold/",
        curation.document_gold,
        name="document_gold",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/moderate/",
        moderation.moderation_begin,
        name="moderation_begin",
    ),
    # Project administration (settings, taxonomy, members, assignments, progress).
    path("new-project/", settings.project_new, name="project_new"),
    path(
        "projects/<slug:project_slug>/settings/",
        settings.project_settings,
        name="project_settings",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/",
        taxonomy.project_taxonomy,
        name="project_taxonomy",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/upload/",
        taxonomy_files.taxonomy_upload,
        name="taxonomy_upload",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/download/",
        taxonomy_files.taxonomy_download,
        name="taxonomy_download",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/<id:pk>/",
        taxonomy.category_edit,
        name="category_edit",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/<id:pk>/move/",
        taxonomy.category_reorder,
        name="category_move",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/<id:pk>/retire/",
        taxonomy.category_retirement,
        name="category_retire",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/<id:pk>/delete/",
        taxonomy.category_remove,
        name="category_delete",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/relation-types/new/",
        relation_types.relation_type_new,
        name="relation_type_new",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/relation-types/<id:pk>/",
        relation_types.relation_type_edit,
        name="relation_type_edit",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/relation-types/<id:pk>/retire/",
        relation_types.relation_type_retirement,
        name="relation_type_retire",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/incident-roles/new/",
        incident_roles.incident_role_new,
        name="incident_role_new",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/incident-roles/<id:pk>/",
        incident_roles.incident_role_edit,
        name="incident_role_edit",
    ),
    path(
        "projects/<slug:project_slug>/settings/taxonomy/incident-roles/<id:pk>/delete/",
        incident_roles.incident_role_remove,
        name="incident_role_delete",
    ),
    path(
        "projects/<slug:project_slug>/settings/members/",
        members.project_members,
        name="project_members",
    ),
    path(
        "projects/<slug:project_slug>/settings/members/new/",
        members.member_create,
        name="member_create",
    ),
    path(
        "projects/<slug:project_slug>/settings/members/<id:pk>/role/",
        members.member_role,
        name="member_role",
    ),
    path(
        "projects/<slug:project_slug>/settings/members/<id:pk>/remove/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "projects/<slug:project_slug>/settings/members/<id:pk>/link/",
        members.member_link,
        name="member_link",
    ),
    path(
        "projects/<slug:project_slug>/settings/assignments/",
        assignments.project_assignments,
        name="project_assignments",
    ),
    path(
        "projects/<slug:project_slug>/settings/assignments/plan/",
        assignments.assignments_auto_plan,
        name="assignments_plan",
    ),
    path(
        "projects/<slug:project_slug>/settings/assignments/<id:pk>/unassign/",
        assignments.assignment_unassign,
        name="assignment_unassign",
    ),
    path(
        "projects/<slug:project_slug>/settings/progress/",
        assignments.project_progress,
        name="project_progress",
    ),
    path(
        "projects/<slug:project_slug>/documents/<id:pk>/metadata/",
        documents.document_metadata,
        name="document_metadata",
    ),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        members.SetPasswordView.as_view(),
        name="set_password",
    ),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
