"""Template helpers for document text."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from annotator.models import Document, EvidenceStatus, SourceType, TextDirection
from annotator.text import lines

register = template.Library()


@register.simple_tag
def document_lines(document: Document) -> SafeString:
    """One ``<p>`` per line of the canonical text, with the code-point offset where it starts.

    Every line is escaped, so document text is never interpreted as HTML. Built in one
    join rather than a template loop: a long report has thousands of lines. For a paged
    source the first line of each page carries ``data-page``, which the style sheet shows in
    the margin (generated content, so never part of the text or of a selection).
    """
    direction = document.direction if document.direction in TextDirection.values else "auto"
    page_starts = list(document.page_starts or [])
    parts = []
    page = 0
    for line in lines(document.text):
        marker = ""
        while page < len(page_starts) and page_starts[page] <= line.start:
            page += 1
            marker = f' data-page="{page}"'
        parts.append(
            f'<p class="doc-line" dir="{direction}" data-offset="{line.start}"{marker}>'
            f"{escape(line.text)}</p>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


@register.filter
def figure(value: float | None, undefined: str = "undefined") -> str:
    """A statistic to three decimals, or ``undefined`` (the argument: "–" for F1) when it
    could not be computed (None)."""
    if value is None:
        return undefined
    return floatformat(value, 3)


@register.filter
def evidence_status_label(value: str) -> str:
    """The name of an evidence status code ("likely" → "Likely"); an unknown code as is."""
    return str(EvidenceStatus(value).label) if value in EvidenceStatus.values else value


@register.filter
def source_type_label(value: str) -> str:
    """The name of a source type code ("victim" → "Victim testimony"); unknown ones as is."""
    return str(SourceType(value).label) if value in SourceType.values else value
