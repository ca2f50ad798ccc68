"""Documents and their description."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from annotator.api.schemas.base import DictOut, DirectionName, InputSchema, StatusName


class DocumentOut(Schema):
    id: int
    project: str
    title: str
    text: str
    text_sha256: str
    text_length: int = Field(description="Length in Unicode code points.")
    language: str
    direction: str
    source_sha256: str
    status: str
    publisher: str
    source_url: str
    published_on: date | None
    source_filename: str
    content_type: str
    imported_at: datetime
    metadata: dict[str, str] = Field(description="The free metadata fields.")


class DocumentSummaryOut(DictOut):
    id: int
    title: str
    status: StatusName
    language: str
    direction: DirectionName
    text_length: int
    imported_at: datetime
    assigned: int | None = Field(description="Reviewers assigned (moderators and managers).")
    submitted: int | None = Field(description="Layers submitted (moderators and managers).")


class DocumentPageOut(DictOut):
    count: int
    page: int
    pages: int
    results: list[DocumentSummaryOut]


class DocumentsQuery(InputSchema):
    q: str = Field("", max_length=200, description="Title or text contains.")
    status: StatusName | Literal[""] = ""
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


class DocumentPatch(InputSchema):
    title: str | None = Field(None, min_length=1, max_length=500)
    publisher: str | None = Field(None, max_length=300)
    source_url: str | None = Field(None, max_length=2000)
    published_on: date | None = None
    language: str | None = Field(None, max_length=35)
    direction: DirectionName | None = None
    metadata: dict[str, str] | None = Field(
        None,
        max_length=200,
        description="The free metadata fields, replacing the ones there (an empty value "
        "removes one); what the product records itself stays.",
    )
