"""Import reports."""

from __future__ import annotations

from typing import Literal

from ninja import Field

from annotator.api.schemas.base import DictOut


class ImportResultOut(DictOut):
    name: str = Field(description="The file (or archive member, or corpus line).")
    outcome: Literal["imported", "duplicate", "failed", "note"] = Field(
        description="imported, duplicate or failed; note for a file that is no document and "
        "nothing wrong: a bundle's manifest.json (verified) or taxonomy.json (its categories, "
        "and those the project lacks, loaded with load_taxonomy)."
    )
    reason: str
    document: int | None = Field(description="The new document, or the one it duplicates.")
    spans: int = Field(description="Spans imported with it into its import layer.")


class ImportReportOut(DictOut):
    run: int = Field(description="The import run that keeps this report.")
    report_url: str = Field(
        description="The run's report page (for the project's managers), kept after the "
        "request: what each file became, also when an import was cut short."
    )
    imported: int
    duplicates: int
    failed: int
    notes: int = Field(description="Rows that are notes (see outcome).")
    results: list[ImportResultOut]
