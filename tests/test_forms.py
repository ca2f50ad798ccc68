"""Forms as they render: the markup a browser gets."""

from __future__ import annotations

import re

from crispy_forms.utils import render_crispy_form

from annotator.forms.base import ActionForm


def button_classes(html: str) -> list[str]:
    match = re.search(r'<input type="submit"[^>]*class="([^"]*)"', html)
    assert match, f"no submit button in {html}"
    return match.group(1).split()


def test_an_outline_button_is_not_also_a_filled_primary_button():
    # crispy's Submit adds btn-primary to every button: with an outline style on top, the
    # label was drawn blue on blue ("Reopen" and "Assign" on the document page).
    form = ActionForm(label="Reopen", action="/reopen/", style="btn-sm btn-outline-secondary")
    classes = button_classes(render_crispy_form(form))
    assert "btn-primary" not in classes, classes
    assert {"btn", "btn-sm", "btn-outline-secondary"} <= set(classes), classes


def test_a_plain_action_button_is_primary():
    classes = button_classes(render_crispy_form(ActionForm(label="Go", action="/go/")))
    assert {"btn", "btn-primary"} <= set(classes), classes
