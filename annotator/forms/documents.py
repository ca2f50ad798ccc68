"""Forms of documents: the list's filters, import, export, the title and the description."""

from __future__ import annotations

from typing import Any

from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile

from annotator.extractors import importable_suffixes
from annotator.formats.reading import CODE_POINTS, UTF16
from annotator.forms.base import Button, choice_field
from annotator.models import (
    Document,
    DocumentStatus,
    TextDirection,
)
from annotator.selectors.exporting import ExportLayer


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


class AssignReviewerForm(forms.Form):
    reviewer: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Assign a reviewer", empty_label=None
    )

    def __init__(self, *args: Any, reviewers: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "reviewer").queryset = reviewers  # type: ignore[attr-defined]
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
        choice_field(self, "format").choices = formats
        choice_field(self, "category").choices = [("", "Every category")] + [
            (category.code, category.name) for category in categories
        ]
        if not manager:
            del self.fields["names"]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("download", "Export"))
        # A dry run: what the file would hold, shown on the page before downloading.
        self.helper.add_input(Button("preview", "Preview", css_class="btn-outline-secondary"))


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
