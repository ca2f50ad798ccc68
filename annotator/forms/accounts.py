"""Forms of accounts: log-in, API tokens, setting a password."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Log in"))


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


class NewPasswordForm(SetPasswordForm):
    """A new account's owner chooses their password (from their set-password link)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "set-password-form"
        self.helper.add_input(Submit("submit", "Set my password"))
