"""Relations between spans of a reviewer's layer, and the project's relation types."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from annotator.api.schemas.base import Id, InputSchema, Version
from annotator.services.annotations import NOTE_MAX_LENGTH


class RelationTypeOut(Schema):
    code: str
    name: str
    definition: str
    symmetric: bool = Field(description="No direction: A to B is the same relation as B to A.")
    source_categories: list[str] = Field(
        description="The categories allowed at the source (and their subcategories); empty: any."
    )
    target_categories: list[str] = Field(
        description="The categories allowed at the target (and their subcategories); empty: any."
    )
    retired: bool = Field(description="Offered for no new relation; kept on old ones.")


class RelationOut(Schema):
    id: int
    document: int
    source: int = Field(description="The id of the span the relation goes from.")
    target: int = Field(description="The id of the span it goes to.")
    type: str = Field(description="The relation type's code.")
    note: str
    version: int
    created_at: datetime
    updated_at: datetime


class RelationConflictOut(Schema):
    detail: str
    current: RelationOut


class RelationIn(InputSchema):
    source: Id = Field(description="The id of one of your spans of the document.")
    target: Id = Field(description="The id of another of your spans of the document.")
    type: str = Field(min_length=1, max_length=64, description="The relation type's code.")
    note: str = Field("", max_length=NOTE_MAX_LENGTH)


class RelationPatch(InputSchema):
    version: Version
    type: str | None = Field(None, min_length=1, max_length=64)
    note: str | None = Field(None, max_length=NOTE_MAX_LENGTH)
