"""Template helpers for document text."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotator.models import Document, TextDirection
from annotator.text import lines

register = template.Library()


@register.simple_tag
def document_lines(document: Document) -> SafeString:
    """One ``<p>`` per line of the canonical text, with the code-point offset where it starts.

    Every line is escaped, so document text is never interpreted as HTML. Built in one
    join rather than a template loop: a long report has thousands of lines.
    """
    direction = document.direction if document.direction in TextDirection.values else "auto"
    return mark_safe(  # noqa: S308 - every piece of text below is escaped
        "".join(
            f'<p class="doc-line" dir="{direction}" data-offset="{line.start}">'
            f"{escape(line.text)}</p>"
            for line in lines(document.text)
        )
    )
