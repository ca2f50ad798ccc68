"""The agreement figures."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from annotator.api.schemas.base import InputSchema, StatusName


class AgreementQuery(InputSchema):
    status: StatusName | Literal[""] = ""
    language: str = Field("", max_length=35)
    q: str = Field("", max_length=200)


class AgreementOut(Schema):
    project: str
    filters: dict[str, str]
    computed_at: str
    reviewers: dict[str, str]
    figures: dict[str, Any]
    documents: list[dict[str, Any]]
    taxonomy_versions: dict[str, Any] = Field(
        description="Which taxonomy versions the submitted spans were made under."
    )
