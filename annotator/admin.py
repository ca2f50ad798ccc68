"""The Django admin covers every model. It writes nothing itself: projects, categories,
memberships and document metadata are saved through the services, checked and recorded in
the audit log like any change from the pages; provenance and evidence are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
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
from annotator.selectors.projects import category_in_use
from annotator.selectors.tokens import api_token_status
from annotator.services.accounts import user_deactivate
from annotator.services.categories import category_delete, category_save
from annotator.services.document_metadata import (
    DOCUMENT_METADATA_FIELDS,
    document_retitle,
    document_update,
)
from annotator.services.projects import (
    PROJECT_FIELDS,
    membership_remove,
    membership_set,
    project_create,
    project_update,
)
from annotator.services.tokens import api_token_revoke


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class CategoryForm(ModelForm):
    """A category's code cannot change once anything uses it."""

    class Meta:
        model = Category
        fields = ("code", "name", "colour", "shortcut", "parent", "order", "definition")

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        stored = self.instance
        if stored.pk is not None and code != stored.code and category_in_use(stored):
            raise ValidationError(
                f"The code {stored.code!r} is in use (spans, moderation items or imported "
                "layers name it), so it cannot change."
            )
        return code


class CategoryFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None and category_in_use(form.instance):
                raise ValidationError(
                    f"The category {form.instance.code!r} is in use, so it cannot be deleted."
                )


class CategoryInline(admin.StackedInline):
    model = Category
    form = CategoryForm
    formset = CategoryFormSet
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

    def save_model(self, request: HttpRequest, obj: Project, form: Any, change: bool) -> None:
        values = {name: getattr(obj, name) for name in PROJECT_FIELDS}
        if change:
            changes = {name: values[name] for name in form.changed_data if name in values}
            project_update(project=obj, actor=_actor(request), changes=changes)
        else:
            saved = project_create(actor=_actor(request), **values)
            obj.pk = saved.pk
            obj.created_at = saved.created_at

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        actor = _actor(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, Category):
                category_delete(category=obj, actor=actor)
            elif isinstance(obj, Membership):
                membership_remove(project=obj.project, user=obj.user, actor=actor)
        for instance in instances:
            if isinstance(instance, Category):
                category_save(category=instance, actor=actor)
            elif isinstance(instance, Membership):
                membership_set(
                    project=instance.project, user=instance.user, role=instance.role, actor=actor
                )

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the audit log refers to every project


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ("code", "name", "project", "colour", "shortcut", "parent", "order")
    list_filter = ("project",)
    list_select_related = ("project", "parent")
    search_fields = ("code", "name", "definition")

    fields = ("project", *CategoryForm.Meta.fields)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Category | None = None
    ) -> tuple[str, ...]:
        return ("project",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.select_related("project")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return obj is None or not category_in_use(obj)

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        category_save(category=obj, actor=_actor(request))

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        category_delete(category=obj, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> None:
        for category in queryset:
            category_delete(category=category, actor=_actor(request))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role", "created_at")
    list_filter = ("project", "role")
    list_select_related = ("user", "project")
    search_fields = ("user__username", "project__name")
    autocomplete_fields = ("user",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Membership | None = None
    ) -> tuple[str, ...]:
        # A membership is a user's role in one project: to move it, remove it and add another.
        return ("project", "user") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = membership_set(
            project=obj.project, user=obj.user, role=obj.role, actor=_actor(request)
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_remove(project=obj.project, user=obj.user, actor=_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("project", "user"):
            self.delete_model(request, membership)


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
        match = request.resolver_match
        if match and (match.url_name or "").endswith("changelist"):
            queryset = queryset.defer("text")
        return queryset

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # documents are evidence

    def save_model(self, request: HttpRequest, obj: Document, form: Any, change: bool) -> None:
        changes = {name: getattr(obj, name) for name in form.changed_data}
        title = changes.pop("title", None)
        # The metadata first: retitling records in it where the title came from.
        document_update(
            document=obj,
            actor=_actor(request),
            changes={k: v for k, v in changes.items() if k in DOCUMENT_METADATA_FIELDS},
        )
        if title is not None:
            document_retitle(document=obj, title=title, actor=_actor(request))


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
    list_display = ("chain", "event_count", "last_hash")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with `manage.py create_api_token` or on a user's own tokens page;
    here they can be revoked (kept, for the audit log, but never usable again)."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "status",
        "revoked_reason",
    )
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "status",
        "revoked_at",
        "revoked_reason",
    )
    actions = ("revoke",)

    @admin.display(description="Status")
    def status(self, token: ApiToken) -> str:
        return api_token_status(token).label

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            api_token_revoke(token=token, actor=_actor(request), reason="revoked in the admin")
            for token in queryset
        )
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # revoked instead: the audit log refers to every token


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, but deactivating a user goes through ``user_deactivate``, which
    revokes their API tokens and records it in the audit log: from the change form's
    "Active" box or from the action on the list."""

    actions = ("deactivate",)

    @admin.action(description="Deactivate the selected users and revoke their API tokens")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user_deactivate(user=user, actor=_actor(request))
        self.message_user(request, f"Deactivated {len(queryset)} user(s).", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Before the form's save (in the same transaction): the service sees the user
            # still active in the database, records the change and revokes their tokens.
            user_deactivate(user=obj, actor=_actor(request))
        super().save_model(request, obj, form, change)
