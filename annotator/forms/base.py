"""What every form shares: the id bound, buttons, and one-button action forms."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

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
