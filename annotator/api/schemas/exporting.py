"""Exports."""

from __future__ import annotations

from datetime import date

from ninja import Field, Schema

from annotator.api.schemas.base import InputSchema
from annotator.services.exporting import SUMMARY_COUNTS


class ExportQuery(InputSchema):
    format: str = Field(description="jsonl, csv, w3c, brat, conll, spacy or huridocs.")
    layer: str = Field("gold", description="gold, reviewers (every submitted layer) or all.")
    status: str = Field("", description="Only documents with this status.")
    category: str = Field("", description="Only spans of this category code.")
    since: date | None = Field(None, description="Imported on or after this day.")
    until: date | None = Field(None, description="Imported on or before this day.")
    names: bool = Field(False, description="User names instead of pseudonyms (managers).")
    bundle: bool = Field(False, description="A ZIP with the taxonomy and a manifest.")
    bom: bool = Field(False, description="CSV: start with a UTF-8 byte-order mark.")


class ExportSummaryOut(Schema):
    format: str
    layer: str
    documents: int = Field(description="Documents in the file.")
    counts: dict[str, int] = Field(
        description="Spans, in all: "
        + "; ".join(f"{key}: {label}" for key, label in SUMMARY_COUNTS.items())
        + ". Each format has the counts that apply to it: spans_selected and spans_written "
        "always; CoNLL, spaCy and brat also what they dropped, widened or split."
    )
    categories: dict[str, dict[str, int]] = Field(
        description="The same counts for each category code of the spans selected."
    )
    relations: dict[str, int] = Field(
        default_factory=dict,
        description="Relations between the spans selected (selected: reviewers' layers have "
        "them) and in the file (written): brat, JSONL and W3C write them, CSV in a bundle "
        "(relations.csv), CoNLL and spaCy cannot.",
    )
    incidents: dict[str, int] = Field(
        default_factory=dict,
        description="Incident records of the spans selected (selected) and those written "
        "(written): JSONL, brat (E events), W3C, the CSV bundle (incidents.csv) and huridocs "
        "hold them; CoNLL and spaCy cannot.",
    )
