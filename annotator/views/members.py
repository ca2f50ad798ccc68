"""A project's members for its managers: add an account, make one (its set-password link
shown once), change roles, remove a member; and the page where a new account's owner sets
their password."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from annotator.access import AuthenticatedHttpRequest
from annotator.forms.accounts import NewPasswordForm
from annotator.forms.base import ActionForm
from annotator.forms.projects import MemberAddForm, MemberRoleForm, UserCreateForm
from annotator.models import Membership, Role
from annotator.selectors.projects import member_list, membership_get
from annotator.services.accounts import (
    SetPasswordLink,
    set_password_link_renew,
    user_create,
    user_password_set,
)
from annotator.services.projects import member_add, membership_remove, membership_set
from annotator.views.settings import add_errors, manager_access

# A set-password link waits here for the one page that shows it, which takes it out.
NEW_LINK_SESSION_KEY = "annotator.set_password_link"
# The page holds several forms with the same field names (two "User name" and "Role" fields
# and one role per member): each gets ids of its own, so that every label names its own
# field (a label's ``for`` finds the first element with that id on the page).
ADD_FORM_IDS = "add_%s"
CREATE_FORM_IDS = "new_%s"


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _show_link_once(request: AuthenticatedHttpRequest, link: SetPasswordLink) -> None:
    request.session[NEW_LINK_SESSION_KEY] = {
        "username": link.user.get_username(),
        "url": request.build_absolute_uri(link.path),
    }


def _row(membership: Membership, project_slug: str, *, own: bool) -> dict[str, Any]:
    kwargs = {"project_slug": project_slug, "pk": membership.pk}
    user = membership.user
    pending = not user.has_usable_password() and user.last_login is None and not user.is_staff
    return {
        "membership": membership,
        "user": user,
        "own": own,
        "pending": pending,
        "role_form": MemberRoleForm(
            initial={"role": membership.role},
            auto_id=f"member_{membership.pk}_%s",
            action=reverse("member_role", kwargs=kwargs),
            label=f"Role of {user.get_username()}",
        ),
        "remove_form": ActionForm(
            label="Remove",
            style="btn-sm btn-outline-danger",
            action=reverse("member_remove", kwargs=kwargs),
        ),
        "link_form": ActionForm(
            label="New set-password link",
            style="btn-sm btn-outline-secondary",
            action=reverse("member_link", kwargs=kwargs),
        )
        if pending
        else None,
    }


@require_http_methods(["GET", "POST"])
def project_members(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The members, with their roles and open work; add an existing account by user name."""
    access = manager_access(request, project_slug, to="manage the project's members")
    project = access.project
    add_form = MemberAddForm(request.POST or None, auto_id=ADD_FORM_IDS)
    if request.method == "POST" and add_form.is_valid():
        try:
            membership = member_add(
                project=project,
                username=add_form.cleaned_data["username"],
                role=add_form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(add_form, error)
        else:
            messages.success(
                request,
                f"Added {membership.user.get_username()} as {Role(membership.role).label.lower()}.",
            )
            return redirect("project_members", project_slug=project_slug)
    return _members_page(
        request, access, add_form=add_form, create_form=UserCreateForm(auto_id=CREATE_FORM_IDS)
    )


def _members_page(
    request: AuthenticatedHttpRequest,
    access: Any,
    *,
    add_form: MemberAddForm,
    create_form: UserCreateForm,
) -> HttpResponse:
    project = access.project
    rows = [
        _row(membership, project.slug, own=membership.user_id == request.user.pk)
        for membership in member_list(project=project)
    ]
    new_link = request.session.pop(NEW_LINK_SESSION_KEY, None)
    create_form.helper.form_action = reverse("member_create", kwargs={"project_slug": project.slug})
    response = render(
        request,
        "annotator/project_members.html",
        {
            "project": project,
            "access": access,
            "section": "members",
            "rows": rows,
            "add_form": add_form,
            "create_form": create_form,
            "new_link": new_link,
        },
    )
    # The page may hold a set-password link: no copy of it in any cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def member_create(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Make an account for a new member; its set-password link is shown once."""
    access = manager_access(request, project_slug, to="manage the project's members")
    form = UserCreateForm(request.POST, auto_id=CREATE_FORM_IDS)
    if form.is_valid():
        try:
            link = user_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                project=access.project,
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            _show_link_once(request, link)
            return redirect("project_members", project_slug=project_slug)
    return _members_page(
        request, access, add_form=MemberAddForm(auto_id=ADD_FORM_IDS), create_form=form
    )


def _membership(access: Any, pk: int) -> Membership:
    membership = membership_get(project=access.project, pk=pk)
    if membership is None:
        raise Http404("No such member of this project.")
    return membership


@require_POST
def member_role(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Change a member's role; the last manager keeps theirs."""
    access = manager_access(request, project_slug, to="manage the project's members")
    membership = _membership(access, pk)
    form = MemberRoleForm(request.POST, action="", label="Role")
    if not form.is_valid():
        messages.error(request, "Choose manager, moderator or reviewer.")
    else:
        try:
            membership_set(
                project=access.project,
                user=membership.user,
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            role = Role(form.cleaned_data["role"]).label.lower()
            messages.success(request, f"{membership.user.get_username()} is now {role}.")
    return redirect("project_members", project_slug=project_slug)


@require_POST
def member_remove(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Take a member out of the project: their submitted layers stay, the documents they
    had not started are unassigned, their API tokens are revoked."""
    access = manager_access(request, project_slug, to="manage the project's members")
    membership = _membership(access, pk)
    try:
        membership_remove(project=access.project, user=membership.user, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Removed {membership.user.get_username()} from the project.")
        if membership.user_id == request.user.pk:
            return redirect("project_list")
    return redirect("project_members", project_slug=project_slug)


@require_POST
def member_link(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """A new set-password link for a member who has never set a password."""
    access = manager_access(request, project_slug, to="manage the project's members")
    membership = _membership(access, pk)
    try:
        link = set_password_link_renew(
            project=access.project, user=membership.user, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        _show_link_once(request, link)
    return redirect("project_members", project_slug=project_slug)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens: Django's password-reset confirmation (the token
    leaves the address at once), writing through ``user_password_set``."""

    template_name = "registration/set_password.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> HttpResponse:
        user_password_set(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(self.request, "Your password is set: log in with it.")
        return HttpResponseRedirect(self.get_success_url())
