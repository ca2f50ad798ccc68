"""The Django admin covers every model; provenance fields are read-only there."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from annotator.models import (
    Annotation,
    ApiToken,
    AuditChainHead,
    AuditEvent,
    Category,
    Document,
    Membership,
    Project,
)


class CategoryInline(admin.StackedInline):
    model = Category
    fields = ("code", "name", "colour", "shortcut", "parent", "order", "definition")
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        # A parent must belong to the same project.
        if db_field.name == "parent":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Category.objects.filter(project_id=object_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.StackedInline):
    model = Membership
    fields = ("user", "role")
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "reviewers_per_document", "blind_annotation", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (CategoryInline, MembershipInline)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "project", "colour", "shortcut", "parent", "order")
    list_filter = ("project",)
    list_select_related = ("project", "parent")
    search_fields = ("code", "name", "definition")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.select_related("project")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("project", "role")
    list_select_related = ("user", "project")
    search_fields = ("user__username", "project__name")
    autocomplete_fields = ("user",)


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Documents are created only by the import service, which keeps their provenance."""

    list_display = ("title", "project", "language", "text_length", "status", "imported_at")
    # A source URL typed without a scheme is taken to be https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("project", "status", "language")
    list_select_related = ("project",)
    search_fields = ("title", "source_filename", "text_sha256", "source_sha256")
    readonly_fields = (
        "project",
        "text",
        "text_sha256",
        "text_length",
        "original_file",
        "source_sha256",
        "source_size",
        "source_filename",
        "content_type",
        "status",
        "imported_by",
        "imported_at",
        "extractor",
        "extractor_version",
        "normalisation",
    )
    fieldsets = (
        (None, {"fields": ("project", "title", "status", "language", "direction")}),
        ("Source", {"fields": ("source_url", "publisher", "published_on", "metadata")}),
        (
            "Provenance",
            {
                "fields": (
                    "source_filename",
                    "content_type",
                    "source_size",
                    "source_sha256",
                    "original_file",
                    "extractor",
                    "extractor_version",
                    "normalisation",
                    "imported_by",
                    "imported_at",
                    "text_sha256",
                    "text_length",
                )
            },
        ),
        ("Canonical text", {"fields": ("text",), "classes": ("collapse",)}),
    )

    @admin.display(description="Original file")
    def original_file(self, document: Document) -> str:
        if not document.source_file:
            return "not kept"
        url = reverse(
            "document_source", kwargs={"project_slug": document.project.slug, "pk": document.pk}
        )
        return format_html('<a href="{}">download the original bytes</a>', url)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            queryset = queryset.defer("text")
        return queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only a service may write (so that every change is checked and audited)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Annotation)
class AnnotationAdmin(ReadOnlyAdmin):
    list_display = ("id", "document", "reviewer", "category", "start", "end", "version")
    list_filter = ("document__project", "category")
    list_select_related = ("document", "reviewer", "category")
    search_fields = ("quote", "note")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return super().get_queryset(request).defer("document__text")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "project")
    list_select_related = ("actor",)
    search_fields = ("object_id", "hash")


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_count", "last_hash")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with `manage.py create_api_token`; here they can be revoked (deleted)."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
