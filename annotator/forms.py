from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile

from annotator.extractors import importable_suffixes
from annotator.models import Document, DocumentStatus, ResolutionReason
from annotator.selectors.exporting import ExportLayer

# The largest id (and version) the database holds: a signed 64-bit integer, the range of
# Django's BigAutoField. A larger number in a form or a URL is invalid input, never a query:
# SQLite cannot bind it (OverflowError). Text fields need no such care for U+0000: Django's
# forms.CharField refuses it (ProhibitNullCharactersValidator), which PostgreSQL cannot store.
LARGEST_ID = 2**63 - 1


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form's choice field, to set its choices once the form knows them."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    return field


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Log in"))


class DocumentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *DocumentStatus.choices],
    )
    q = forms.CharField(
        label="Title or text contains",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search documents"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_show_labels = False
        self.helper.layout = Layout(
            Div(
                Div(Field("status", aria_label="Status"), css_class="col-sm-3"),
                Div(
                    FieldWithButtons(
                        Field("q", aria_label="Title or text contains"),
                        StrictButton("Filter", type="submit", css_class="btn-outline-primary"),
                    ),
                    css_class="col-sm-9",
                ),
                css_class="row g-2",
            )
        )


class Button(Submit):
    """A submit button styled by the classes given alone.

    crispy-forms' ``Submit`` always carries ``btn-primary``; with an outline style added it
    drew the label in the button's own blue on blue, unreadable.
    """

    field_classes = "btn"


class ActionForm(forms.Form):
    """A form that is only a button: posting it asks the server to do one thing."""

    def __init__(
        self, *args: Any, label: str, action: str, style: str = "btn-primary", **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_class = "d-inline"
        self.helper.add_input(Button("submit", label, css_class=style))


class AssignReviewerForm(forms.Form):
    reviewer: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Assign a reviewer", empty_label=None
    )

    def __init__(self, *args: Any, reviewers: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "reviewer").queryset = reviewers  # type: ignore[attr-defined]
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Button("submit", "Assign", css_class="btn-outline-primary"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes one or many files, empty ones included.

    Django's ``FileField`` refuses an empty file, and with it the whole form: one empty file
    in a batch lost every other. Here each uploaded file is passed on as it came, for the
    importer to report on by name; only a form with no file at all is refused.
    """

    default_error_messages = {"required": "Choose at least one file to import."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        files = [item for item in items if item not in (None, "", False)]
        for item in files:
            if not isinstance(item, UploadedFile) or not item.name:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class ImportForm(forms.Form):
    # Django takes declared fields off the class, so this does not hide Form.files.
    files = MultipleFileField(label="Files")  # type: ignore[assignment]

    @staticmethod
    def help_text() -> str:
        """What the form takes, the suffixes from the importer's registry."""
        return (
            "Text, Markdown, HTML, PDF (with a text layer), Word, JSONL corpora (one document "
            "a line, doccano's spans kept in their own layer), ZIP archives of these, and this "
            "product's own JSONL export bundles. Several at once are fine. File names ending "
            f"in {', '.join(importable_suffixes())}."
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = self.help_text()
        self.helper = FormHelper()
        self.helper.form_id = "import-form"
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", "Import"))


class ExportForm(forms.Form):
    format = forms.ChoiceField(label="Format")
    layer = forms.ChoiceField(
        label="Layer",
        choices=ExportLayer.choices,
    )
    status = forms.ChoiceField(
        label="Documents", required=False, choices=[("", "Any status"), *DocumentStatus.choices]
    )
    category = forms.ChoiceField(label="Category", required=False)
    since = forms.DateField(
        label="Imported from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Imported until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    bundle = forms.BooleanField(
        label="Bundle: a ZIP with the taxonomy and a manifest of SHA-256 hashes",
        required=False,
        initial=True,
    )
    bom = forms.BooleanField(label="CSV for Excel (UTF-8 with BOM)", required=False)
    names = forms.BooleanField(
        label="Reviewers' names instead of pseudonyms (only if they agreed to be named)",
        required=False,
    )

    def __init__(
        self, *args: Any, formats: Any, categories: Any, manager: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "format").choices = formats
        _choice_field(self, "category").choices = [("", "Every category")] + [
            (category.code, category.name) for category in categories
        ]
        if not manager:
            del self.fields["names"]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("download", "Export"))
        # A dry run: what the file would hold, shown on the page before downloading.
        self.helper.add_input(Button("preview", "Preview", css_class="btn-outline-secondary"))


class AgreementFilterForm(forms.Form):
    """Which documents the agreement figures are about."""

    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *DocumentStatus.choices]
    )
    language = forms.CharField(
        label="Language", required=False, max_length=35, help_text="A BCP 47 tag, e.g. en."
    )
    q = forms.CharField(label="Title or text contains", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Div(
                Div(Field("status"), css_class="col-md-3"),
                Div(Field("language"), css_class="col-md-3"),
                Div(Field("q"), css_class="col-md-6"),
                css_class="row g-2",
            )
        )
        self.helper.add_input(Submit("", "Show figures"))


class QueueFilterForm(forms.Form):
    project = forms.ChoiceField(required=False, label="Project")
    document = forms.IntegerField(
        required=False, min_value=1, max_value=LARGEST_ID, label="Document id"
    )
    category = forms.CharField(required=False, max_length=64, label="Category code")
    kind = forms.ChoiceField(
        required=False,
        label="Kind",
        choices=[
            ("", "Any kind"),
            ("label", "Label"),
            ("boundary", "Boundary"),
            ("missing", "Missing"),
        ],
    )
    order = forms.ChoiceField(
        required=False,
        label="Order",
        choices=[
            ("position", "By document and position"),
            ("contested", "Most contested first"),
            ("agreement", "Least agreement first"),
        ],
    )

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "project").choices = [("", "All my projects")] + [
            (project.slug, project.name) for project in projects
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Div(
                Div(Field("project"), css_class="col-md-3"),
                Div(Field("document"), css_class="col-md-2"),
                Div(Field("category"), css_class="col-md-2"),
                Div(Field("kind"), css_class="col-md-2"),
                Div(Field("order"), css_class="col-md-3"),
                css_class="row g-2",
            )
        )
        self.helper.add_input(Submit("", "Filter"))


class ResolveForm(forms.Form):
    """A moderator's decision on one queue item."""

    version = forms.IntegerField(min_value=1, max_value=LARGEST_ID, widget=forms.HiddenInput)
    decision = forms.CharField(widget=forms.HiddenInput, required=False)
    spans = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Spans proposed"
    )
    custom_start = forms.IntegerField(
        required=False, min_value=0, max_value=LARGEST_ID, label="Custom span: start"
    )
    custom_end = forms.IntegerField(required=False, min_value=1, max_value=LARGEST_ID, label="end")
    custom_category = forms.ChoiceField(required=False, label="category")
    reason = forms.ChoiceField(required=False, choices=ResolutionReason.choices, label="Reason")
    rationale = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Rationale"
    )

    def __init__(
        self,
        *args: Any,
        span_choices: Any,
        categories: Any,
        reviewers: Sequence[str],
        **kwargs: Any,
    ) -> None:
        """``reviewers`` are the item's reviewers' letters (A, B…): a decision names the
        letter ("accept:A"), never a user id, which would say who the reviewer is."""
        super().__init__(*args, **kwargs)
        _choice_field(self, "spans").choices = span_choices
        _choice_field(self, "custom_category").choices = [("", "—")] + [
            (category.code, category.name) for category in categories
        ]
        self.helper = FormHelper()
        self.helper.form_id = "resolve-form"
        # Button content is rendered as a template by crispy: it must never hold user data
        # (a username could carry template syntax), so buttons name reviewers by letter only.
        # One key per single letter; from the 27th reviewer on (AA…) buttons have none.
        buttons = [
            StrictButton(
                f"Accept {letter}'s version"
                + (f" <kbd>{letter.lower()}</kbd>" if len(letter) == 1 else ""),
                type="submit",
                name="decision",
                value=f"accept:{letter}",
                css_class="btn-primary accept-reviewer",
                **({"data_key": letter.lower()} if len(letter) == 1 else {}),
            )
            for letter in reviewers
        ]
        self.helper.layout = Layout(
            Field("version"),
            Field("spans"),
            Div(*buttons, css_class="d-flex flex-wrap gap-2 mb-3"),
            Div(
                StrictButton(
                    "Accept the spans ticked",
                    type="submit",
                    name="decision",
                    value="accept_spans",
                    css_class="btn-outline-primary",
                ),
                StrictButton(
                    "Reject all <kbd>r</kbd>",
                    type="submit",
                    name="decision",
                    value="reject",
                    css_class="btn-outline-danger",
                    data_key="r",
                ),
                css_class="d-flex flex-wrap gap-2 mb-3",
            ),
            Div(
                Div(Field("custom_start"), css_class="col-4"),
                Div(Field("custom_end"), css_class="col-4"),
                Div(Field("custom_category"), css_class="col-4"),
                css_class="row g-2",
            ),
            StrictButton(
                "Save the ticked spans and the custom span",
                type="submit",
                name="decision",
                value="custom",
                css_class="btn-outline-secondary mb-3",
            ),
            Field("reason"),
            Field("rationale"),
        )


class DocumentTitleForm(forms.Form):
    """A manager's correction of a document's title."""

    title = forms.CharField(
        label="Title",
        max_length=Document._meta.get_field("title").max_length,
        error_messages={
            "required": "A title cannot be blank.",
            "max_length": "A title has at most %(limit_value)d characters "
            "(this one has %(show_value)d).",
        },
    )

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "title-form"
        self.helper.form_show_labels = False
        self.helper.layout = Layout(
            FieldWithButtons(
                Field("title", aria_label="Title", dir="auto"),
                StrictButton("Save title", type="submit", css_class="btn-outline-primary"),
            )
        )


class ApiTokenCreateForm(forms.Form):
    """A user's new API token for their own scripts."""

    name = forms.CharField(
        label="What it is for",
        max_length=100,
        help_text="For example the script or machine that will use it.",
    )
    days = forms.IntegerField(
        label="Days until it expires", min_value=1, max_value=365, required=False
    )

    def __init__(self, *args: Any, default_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = (
            f"{default_days} if left empty; at most a year. Revoke a token as soon as "
            "nothing uses it."
        )
        self.fields["days"].widget.attrs["placeholder"] = str(default_days)
        self.helper = FormHelper()
        self.helper.form_id = "token-form"
        self.helper.layout = Layout(
            Div(
                Div(Field("name"), css_class="col-md-6"),
                Div(Field("days"), css_class="col-md-3"),
                css_class="row g-2",
            )
        )
        self.helper.add_input(Submit("submit", "Create token"))
