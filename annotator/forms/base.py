"""What every form shares: the id bound, buttons, and one-button action forms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Submit
from django import forms

from annotator.taxonomy import CODE_MAX_LENGTH, CODE_PATTERN, NAME_MAX_LENGTH

# The largest id (and version) the database holds: a signed 64-bit integer, the range of
# Django's BigAutoField. A larger number in a form or a URL is invalid input, never a query:
# SQLite cannot bind it (OverflowError). Text fields need no such care for U+0000: Django's
# forms.CharField refuses it (ProhibitNullCharactersValidator), which PostgreSQL cannot store.
LARGEST_ID = 2**63 - 1


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form's choice field, to set its choices once the form knows them."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    return field


# How many categories a list shows at once before it scrolls.
LIST_ROWS = 8


def category_list(form: forms.BaseForm, name: str, categories: Sequence[tuple[str, str]]) -> None:
    """Offer the project's categories (code, label) in a form's list of several, as tall
    as LIST_ROWS at most (the relation types' ends, the incident roles' categories)."""
    field = choice_field(form, name)
    field.choices = list(categories)
    field.widget.attrs["size"] = min(LIST_ROWS, max(len(categories), 2))


def taxonomy_code_field(*, example: str, help_text: str) -> forms.RegexField:
    """The code of a new relation type or incident role, as a taxonomy file allows it."""
    return forms.RegexField(
        label="Code",
        regex=CODE_PATTERN,
        max_length=CODE_MAX_LENGTH,
        help_text=help_text,
        error_messages={
            "invalid": f"A code is 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
            f"underscores, for example {example}."
        },
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


def item_name_field() -> forms.CharField:
    """A relation type's or incident role's name, in its own direction."""
    return forms.CharField(
        label="Name", max_length=NAME_MAX_LENGTH, widget=forms.TextInput({"dir": "auto"})
    )


def item_definition_field(*, help_text: str) -> forms.CharField:
    """A relation type's or incident role's definition: the guideline reviewers see."""
    return forms.CharField(
        label="Definition",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=help_text,
    )


def code_and_name(*, creating: bool) -> tuple[Div, Field]:
    """The head of a taxonomy item's form layout: its code (only when it is created: a code
    is fixed) beside its name, then its definition."""
    code = [Div(Field("code"), css_class="col-md-4")] if creating else []
    return Div(*code, Div(Field("name"), css_class="col-md-8"), css_class="row g-2"), Field(
        "definition"
    )


def side_by_side(first: str, second: str) -> Div:
    """Two fields of a form in two columns (one on a narrow screen)."""
    return Div(
        Div(Field(first), css_class="col-md-6"),
        Div(Field(second), css_class="col-md-6"),
        css_class="row g-2",
    )
