"""Forms of project administration: settings, taxonomy, members and assignments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.models import User

from annotator.forms.base import Button, choice_field
from annotator.models import (
    CategoryGroup,
    DocumentStatus,
    Project,
    Role,
)

# --- Project administration: settings, taxonomy, members, assignments, metadata ---------


class ProjectForm(forms.ModelForm):
    """A project's settings; staff creating a project may name another manager too."""

    class Meta:
        model = Project
        fields = (
            "name",
            "slug",
            "description",
            "guidelines",
            "reviewers_per_document",
            "blind_annotation",
            "anonymous_moderation",
            "auto_accept_unanimous",
        )
        labels = {"name": "Title", "slug": "Short name (in addresses)"}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
            "guidelines": forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
            "name": forms.TextInput(attrs={"dir": "auto"}),
        }

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guidelines"].help_text = (
            "Shown to reviewers beside the category definitions. Each change makes a new "
            "taxonomy version, which the spans made from then on record."
        )
        if creating:
            self.fields["manager"] = forms.CharField(
                label="Also a manager (user name)",
                required=False,
                max_length=150,
                help_text="You become a manager of the project you create; name someone "
                "else here to make them one too.",
            )
        self.helper = FormHelper()
        self.helper.form_id = "project-form"
        self.helper.add_input(Submit("submit", "Create project" if creating else "Save"))


class CategoryForm(forms.Form):
    """One category of the taxonomy; its code is fixed once anything uses it."""

    code = forms.SlugField(
        label="Code",
        max_length=64,
        help_text="Stable identifier in exports, for example forced_labour. Fixed once a "
        "span uses it.",
    )
    name = forms.CharField(label="Name", max_length=200, widget=forms.TextInput({"dir": "auto"}))
    definition = forms.CharField(
        label="Definition",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        help_text="The guideline reviewers see while they annotate.",
    )
    colour = forms.RegexField(
        label="Colour",
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#0072B2",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "Enter a colour as #RRGGBB."},
    )
    shortcut = forms.CharField(
        label="Shortcut key",
        required=False,
        max_length=1,
        strip=False,
        help_text="One key that applies this category in the editor.",
    )
    parent = forms.TypedChoiceField(label="Parent", required=False, coerce=int, empty_value=None)
    # Empty (or absent): the parent's group; a top-level category keeps its own (a new one
    # is a violation).
    group = forms.ChoiceField(
        label="Group",
        required=False,
        choices=[("", "Its parent's group"), *CategoryGroup.choices],
        help_text="Violations are what passages describe; entities are the victims, "
        "perpetrators, places and dates incidents name. A subcategory is in its parent's "
        "group (a new top-level category is a violation unless you choose otherwise), and "
        "a category's subcategories follow it to another group.",
    )

    def __init__(
        self, *args: Any, parents: Sequence[Any], code_locked: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "parent").choices = [("", "None: a top-level category")] + [
            (category.pk, f"{'— ' * depth}{category.name} ({category.code})")
            for category, depth in parents
        ]
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "Fixed: spans, moderation items or imports use it."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div(Field("code"), css_class="col-md-4"),
                Div(Field("name"), css_class="col-md-8"),
                css_class="row g-2",
            ),
            Field("definition"),
            Div(
                Div(Field("colour", css_class="form-control-color"), css_class="col-md-2"),
                Div(Field("shortcut"), css_class="col-md-3"),
                Div(Field("parent"), css_class="col-md-7"),
                css_class="row g-2",
            ),
            Field("group"),
        )
        self.helper.add_input(Submit("submit", "Save category"))


class TaxonomyUploadForm(forms.Form):
    file = forms.FileField(
        label="Taxonomy file",
        help_text="JSON or YAML, as the download writes it. Nothing changes until you apply "
        "the preview.",
    )
    retire_missing = forms.BooleanField(
        label="Retire the categories the file does not list",
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "taxonomy-upload-form"
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("preview", "Preview the changes"))


def _role_field(initial: str = Role.REVIEWER) -> forms.ChoiceField:
    return forms.ChoiceField(label="Role", choices=Role.choices, initial=initial)


class MemberAddForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    role = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "member-add-form"
        self.helper.layout = Layout(
            Div(
                Div(Field("username"), css_class="col-md-6"),
                Div(Field("role"), css_class="col-md-3"),
                css_class="row g-2",
            )
        )
        self.helper.add_input(Submit("submit", "Add member"))


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label="User name",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
    )
    email = forms.EmailField(
        label="E-mail (optional)", required=False, help_text="Kept on the account; no mail is sent."
    )
    role = _role_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "user-create-form"
        self.helper.layout = Layout(
            Div(
                Div(Field("username"), css_class="col-md-4"),
                Div(Field("email"), css_class="col-md-5"),
                Div(Field("role"), css_class="col-md-3"),
                css_class="row g-2",
            )
        )
        self.helper.add_input(Submit("submit", "Create account"))


class MemberRoleForm(forms.Form):
    """A member's role, as one small form per row of the members table."""

    role = _role_field()

    def __init__(self, *args: Any, action: str, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].label = label
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_class = "d-flex gap-1 align-items-center"
        self.helper.form_show_labels = False
        self.helper.layout = Layout(
            Field("role", css_class="form-select-sm", aria_label=label, wrapper_class="mb-0"),
            Button("submit", "Change", css_class="btn-sm btn-outline-secondary"),
        )


class AssignmentBulkForm(forms.Form):
    """Assign or unassign one reviewer on the documents ticked, or on every document the
    filter selects."""

    documents = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.MultipleHiddenInput
    )
    scope = forms.ChoiceField(
        label="Documents",
        choices=[("ticked", "The documents ticked"), ("filtered", "Every document of the filter")],
        initial="ticked",
    )
    reviewer: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Reviewer", empty_label=None
    )
    operation = forms.ChoiceField(
        label="Do", choices=[("assign", "Assign"), ("unassign", "Unassign")]
    )
    q = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        required=False, choices=[("", ""), *DocumentStatus.choices], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, reviewers: Any, document_ids: Sequence[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice_field(self, "reviewer").queryset = reviewers  # type: ignore[attr-defined]
        choice_field(self, "documents").choices = [(pk, str(pk)) for pk in document_ids]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == "ticked" and not cleaned.get("documents"):
            raise forms.ValidationError("Tick at least one document, or choose every document.")
        return cleaned


class PlanForm(forms.Form):
    """The automatic assignment plan, as shown: applied exactly, or not at all."""

    plan = forms.RegexField(
        regex=r"^(\d{1,19}:\d{1,19})(,\d{1,19}:\d{1,19})*$",
        widget=forms.HiddenInput,
        max_length=2_000_000,
    )

    def pairs(self) -> list[tuple[int, int]]:
        return [
            (int(document), int(reviewer))
            for document, reviewer in (
                pair.split(":") for pair in self.cleaned_data["plan"].split(",")
            )
        ]
