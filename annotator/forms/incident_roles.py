"""The form of one incident role of the taxonomy, as the taxonomy page edits it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms

from annotator.forms.base import (
    category_list,
    code_and_name,
    item_definition_field,
    item_name_field,
    side_by_side,
    taxonomy_code_field,
)
from annotator.taxonomy_incidents import Involvement


def involvements_text(involvements: Sequence[Involvement]) -> str:
    """The involvements as the form shows them: one ``code: Name`` a line."""
    return "\n".join(f"{involvement.code}: {involvement.name}" for involvement in involvements)


class IncidentRoleForm(forms.Form):
    """An incident role: its code (only when it is created: exports and incidents name it),
    name, definition, the categories a span filling it may have (a category allows its
    subcategories; none allows any), whether several spans may fill it, the involvements a
    filled slot may carry, and whether it is retired."""

    code = taxonomy_code_field(
        example="victims",
        help_text="Stable identifier in exports, for example victims. Fixed once the role exists.",
    )
    name = item_name_field()
    definition = item_definition_field(
        help_text="The guideline reviewers see while they fill the role."
    )
    categories = forms.MultipleChoiceField(
        label="Categories",
        required=False,
        help_text="The categories a span filling the role may have; none: any.",
    )
    multiple = forms.BooleanField(
        label="Several spans may fill it (such as victims)",
        required=False,
    )
    involvements = forms.CharField(
        label="Involvements",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text="What a filled slot may say of its span, one a line as code: Name, for "
        "example direct: Direct. None: a slot says nothing of it.",
    )
    retired = forms.BooleanField(
        label="Retired (takes no new span; existing incidents keep it)",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[tuple[str, str]],
        creating: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        category_list(self, "categories", categories)
        if not creating:
            del self.fields["code"]
        self.helper = FormHelper()
        self.helper.form_id = "incident-role-form"
        self.helper.layout = Layout(
            *code_and_name(creating=creating),
            side_by_side("categories", "involvements"),
            Field("multiple"),
            Field("retired"),
        )
        self.helper.add_input(
            Submit("submit", "Add the incident role" if creating else "Save incident role")
        )

    def clean_involvements(self) -> tuple[Involvement, ...]:
        """``code: Name`` lines into involvements (the service checks the codes)."""
        found = []
        for number, line in enumerate(self.cleaned_data["involvements"].splitlines(), start=1):
            if not line.strip():
                continue
            code, colon, name = line.partition(":")
            if not colon:
                raise forms.ValidationError(
                    f"Line {number} has no colon: write code: Name, for example direct: Direct."
                )
            found.append(Involvement(code=code.strip(), name=name.strip()))
        return tuple(found)
