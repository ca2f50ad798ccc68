"""Forms of moderation and agreement: the queue's filters, decisions on an item, reopening."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms

from annotator.forms.base import LARGEST_ID, choice_field
from annotator.models import (
    DocumentStatus,
    ResolutionReason,
)
from annotator.selectors.moderation import QueueFilterOptions


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
        choice_field(self, "project").choices = [("", "All my projects")] + [
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
        choice_field(self, "spans").choices = span_choices
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
