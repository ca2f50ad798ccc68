from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile

from annotator.extractors import importable_suffixes
from annotator.formats.reading import CODE_POINTS, UTF16
from annotator.models import (
    Document,
    DocumentStatus,
    Project,
    ResolutionReason,
    Role,
    TextDirection,
)
from annotator.selectors.exporting import ExportLayer
from annotator.selectors.moderation import QueueFilterOptions

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


# What a source's offsets count when its spans carry no quote to say it (doccano's label).
OFFSET_CHOICES = [
    ("", "As the format says (doccano: UTF-16 units; this product's JSONL: code points)"),
    (UTF16, "UTF-16 code units (JavaScript editors: doccano, Label Studio)"),
    (CODE_POINTS, "Unicode code points (Python tools, doccano's API)"),
]


class ImportForm(forms.Form):
    # Django takes declared fields off the class, so this does not hide Form.files.
    files = MultipleFileField(label="Files")  # type: ignore[assignment]
    offsets = forms.ChoiceField(
        label="Offsets of spans without a quote",
        choices=OFFSET_CHOICES,
        required=False,
        help_text="Matters only for texts with characters outside the Basic Multilingual Plane "
        "(emoji, CJK Extension B): a span with a quote (Label Studio, brat, W3C, this product's "
        "export) is placed by its quote whatever this says. The unit used is recorded with "
        "each document.",
    )

    @staticmethod
    def help_text() -> str:
        """What the form takes, the suffixes from the importer's registry."""
        return (
            "Text, Markdown, HTML, PDF (with a text layer), Word, and corpora with their spans, "
            "each kept in a layer of its own: JSONL (doccano, this product), Label Studio JSON "
            "and JSON-MIN, W3C Web Annotation, brat (.txt with its .ann, and annotation.conf), "
            "CoNLL / IOB, WebAnno TSV 3, UIMA XMI with its TypeSystem.xml (INCEpTION); ZIP "
            "archives of these, and this product's own JSONL export bundles. Several at once "
            f"are fine. File names ending in {', '.join(importable_suffixes())}."
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
    """The queue's filters. Documents and categories are offered as choices (the documents
    with open items and the categories of the chosen project, or of every project the user
    moderates), or as boxes for an id and a code when there are too many to list. Either way
    the query parameters are the same (``?document=ID&category=CODE``) and any id or code is
    valid: one that is not among the choices is added to them, and simply matches nothing."""

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
            ("attributes", "Attributes"),
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

    def __init__(
        self,
        *args: Any,
        projects: Any,
        options: QueueFilterOptions | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "project").choices = [("", "All my projects")] + [
            (project.slug, project.name) for project in projects
        ]
        if options is not None and options.documents is not None:
            self._offer("document", "Document", "Any document", _document_choices(options))
        if options is not None and options.categories is not None:
            self._offer("category", "Category", "Any category", _category_choices(options))
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

    def _offer(self, name: str, label: str, anything: str, choices: list[Any]) -> None:
        """Make a field a list of ``choices``; a value asked for that is not among them (an
        old link, a document whose items are all resolved) is added, so it stays chosen."""
        field = self.fields[name]
        field.label = label
        asked = str(self.data.get(name, "")).strip() if self.is_bound else ""
        offered = {str(value) for choice in choices for value in _values(choice)}
        if asked and asked not in offered:
            shown = (
                f"{asked} (not in the taxonomy)"
                if name == "category"
                else f"#{asked} (no open items)"
            )
            choices = [*choices, (asked, shown)]
        field.widget = forms.Select(choices=[("", anything), *choices])


def _values(choice: tuple[Any, Any]) -> list[Any]:
    """The value of one choice, or the values of an optgroup's choices."""
    value, label = choice
    return [inner for inner, _ in label] if isinstance(label, list) else [value]


def _grouped(rows: list[tuple[Any, str, str]]) -> list[Any]:
    """``(value, label, project name)`` rows as choices, in optgroups by project when there
    are several projects."""
    projects = list(dict.fromkeys(project for _, _, project in rows))
    if len(projects) <= 1:
        return [(value, label) for value, label, _ in rows]
    return [
        (project, [(value, label) for value, label, of in rows if of == project])
        for project in projects
    ]


def _document_choices(options: QueueFilterOptions) -> list[Any]:
    documents = options.documents or []
    return _grouped([(pk, f"{title[:80]} (#{pk})", project) for pk, title, project in documents])


def _category_choices(options: QueueFilterOptions) -> list[Any]:
    """One choice per code (the queue filters by code across projects), named as the
    projects name it; a name that several codes share shows its code too."""
    names: dict[str, list[str]] = {}
    for code, name, _ in options.categories or []:
        if name not in names.setdefault(code, []):
            names[code].append(name)
    labels = {code: " / ".join(given) for code, given in names.items()}
    uses = Counter(labels.values())
    return [
        (code, f"{label} ({code})" if uses[label] > 1 else label) for code, label in labels.items()
    ]


class ResolveForm(forms.Form):
    """A moderator's decision on one queue item."""

    version = forms.IntegerField(min_value=1, max_value=LARGEST_ID, widget=forms.HiddenInput)
    decision = forms.CharField(widget=forms.HiddenInput, required=False)
    spans = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Spans proposed"
    )
    reason = forms.ChoiceField(required=False, choices=ResolutionReason.choices, label="Reason")
    rationale = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Rationale"
    )

    def __init__(
        self,
        *args: Any,
        span_choices: Any,
        reviewers: Sequence[str],
        **kwargs: Any,
    ) -> None:
        """``reviewers`` are the item's reviewers' letters (A, B…): a decision names the
        letter ("accept:A"), never a user id, which would say who the reviewer is."""
        super().__init__(*args, **kwargs)
        _choice_field(self, "spans").choices = span_choices
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
            Field("reason"),
            Field("rationale"),
        )


class ReopenForm(forms.Form):
    """Undo a resolved item's decision, at the version the moderator saw, saying why."""

    version = forms.IntegerField(min_value=1, max_value=LARGEST_ID, widget=forms.HiddenInput)
    rationale = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why reopen it",
    )

    def __init__(self, *args: Any, action: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "reopen-form"
        self.helper.form_action = action
        self.helper.layout = Layout(
            Field("version"),
            Field("rationale"),
            StrictButton(
                "Undo this decision and reopen the item",
                type="submit",
                css_class="btn-outline-secondary",
            ),
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

    def __init__(
        self, *args: Any, parents: Sequence[Any], code_locked: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "parent").choices = [("", "None: a top-level category")] + [
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
        _choice_field(self, "reviewer").queryset = reviewers  # type: ignore[attr-defined]
        _choice_field(self, "documents").choices = [(pk, str(pk)) for pk in document_ids]

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


class DocumentMetadataForm(forms.Form):
    """A manager's correction of a document's description (its title has a form of its
    own, ``DocumentTitleForm``)."""

    publisher = forms.CharField(
        label="Publisher",
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    source_url = forms.URLField(
        label="Source URL", required=False, max_length=2000, assume_scheme="https"
    )
    published_on = forms.DateField(
        label="Publication date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.CharField(
        label="Language",
        required=False,
        max_length=35,
        help_text="A BCP 47 tag, for example ug-Arab or en.",
    )
    direction = forms.ChoiceField(label="Direction", choices=TextDirection.choices)
    fields_text = forms.CharField(
        label="Other fields",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto", "spellcheck": "false"}),
        help_text="One a line, as name: value (for example “author: Human Rights Watch”). "
        "Delete a line to remove its field.",
    )

    def __init__(self, *args: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_id = "metadata-form"
        self.helper.layout = Layout(
            Div(
                Div(Field("publisher"), css_class="col-md-6"),
                Div(Field("published_on"), css_class="col-md-6"),
                css_class="row g-2",
            ),
            Field("source_url"),
            Div(
                Div(Field("language"), css_class="col-md-6"),
                Div(Field("direction"), css_class="col-md-6"),
                css_class="row g-2",
            ),
            Field("fields_text"),
        )
        self.helper.add_input(Submit("submit", "Save the description"))

    @staticmethod
    def fields_as_text(fields: dict[str, str]) -> str:
        return "\n".join(f"{key}: {value}" for key, value in fields.items())

    def clean_fields_text(self) -> dict[str, str]:
        """The free fields, from their lines."""
        fields: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["fields_text"].splitlines(), start=1):
            if not line.strip():
                continue
            key, separator, value = line.partition(":")
            if not separator or not key.strip():
                raise forms.ValidationError(f"Line {number} is not “name: value”.")
            if key.strip() in fields:
                raise forms.ValidationError(f"The field {key.strip()!r} is given twice.")
            fields[key.strip()] = value.strip()
        return fields


class NewPasswordForm(SetPasswordForm):
    """A new account's owner chooses their password (from their set-password link)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "set-password-form"
        self.helper.add_input(Submit("submit", "Set my password"))
