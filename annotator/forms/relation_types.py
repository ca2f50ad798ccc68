"""The form of one relation type of the taxonomy, as the taxonomy page edits it."""

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


class RelationTypeForm(forms.Form):
    """A relation type: its code (only when it is created: exports and relations name it),
    name, definition, direction, the categories allowed at each end (a category allows its
    subcategories; none allows any) and whether it is retired. A symmetric type has one
    list of categories, for either end."""

    code = taxonomy_code_field(
        example="denies",
        help_text="Stable identifier in exports, for example denies; no category's code. "
        "Fixed once the relation type exists.",
    )
    name = item_name_field()
    definition = item_definition_field(
        help_text="The guideline reviewers see while they link spans."
    )
    symmetric = forms.BooleanField(
        label="Symmetric (no direction: A to B is the same relation as B to A)",
        required=False,
        help_text="A symmetric type has no source or target: choose its categories in the "
        "first list, and leave the second empty.",
    )
    source_categories = forms.MultipleChoiceField(
        label="Source categories (for a symmetric type: either end's)",
        required=False,
        help_text="The categories the span a relation starts from may have; none: any.",
    )
    target_categories = forms.MultipleChoiceField(
        label="Target categories",
        required=False,
        help_text="The categories the span a relation points to may have; none: any.",
    )
    retired = forms.BooleanField(
        label="Retired (offered for no new relation; existing relations keep it)",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[tuple[str, str]],
        creating: bool,
        direction_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for end in ("source_categories", "target_categories"):
            category_list(self, end, categories)
        if not creating:
            del self.fields["code"]
        if direction_locked:
            self.fields["symmetric"].disabled = True
            self.fields["symmetric"].help_text = "Fixed: relations of this type exist."
        self.helper = FormHelper()
        self.helper.form_id = "relation-type-form"
        self.helper.layout = Layout(
            *code_and_name(creating=creating),
            Field("symmetric"),
            side_by_side("source_categories", "target_categories"),
            Field("retired"),
        )
        self.helper.add_input(
            Submit("submit", "Add the relation type" if creating else "Save relation type")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        source = cleaned.get("source_categories") or []
        target = cleaned.get("target_categories") or []
        if cleaned.get("symmetric") and source and target and set(source) != set(target):
            self.add_error(
                "target_categories",
                "A symmetric relation type has no source or target to tell apart: choose its "
                "categories in the first list only (or the same in both).",
            )
        return cleaned
