from __future__ import annotations

from typing import Any

from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from annotator.models import DocumentStatus


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


class ActionForm(forms.Form):
    """A form that is only a button: posting it asks the server to do one thing."""

    def __init__(
        self, *args: Any, label: str, action: str, style: str = "btn-primary", **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.form_class = "d-inline"
        self.helper.add_input(Submit("submit", label, css_class=style))


class AssignReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(queryset=None, label="Assign a reviewer", empty_label=None)

    def __init__(self, *args: Any, reviewers: Any, action: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.add_input(Submit("submit", "Assign", css_class="btn-outline-primary"))
