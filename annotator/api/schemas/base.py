"""What every schema shares: bounded ids, input without NUL, errors, and the statuses an
operation documents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, field_validator
from pydantic_core import PydanticCustomError

# The largest id the database holds (a signed 64-bit integer, Django's BigAutoField). A
# larger number in a URL is refused as invalid input before any query: SQLite cannot even
# bind it (OverflowError, a 500).
LARGEST_ID = 2**63 - 1


NUL_MESSAGE = "contains the NUL character (U+0000), which cannot be stored"


def without_nul(value: str) -> str:
    """``value`` unchanged; refused when it holds U+0000, which PostgreSQL cannot store in
    text (it would fail deep in a query with a DataError, a 500)."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    return value


Id = Annotated[int, Field(ge=1, le=LARGEST_ID)]


Version = Annotated[
    int, Field(ge=1, le=LARGEST_ID, description="The version the change is based on.")
]


# Project slugs in URLs: only NUL is refused here; any other slug is simply not found.
Slug = Annotated[str, AfterValidator(without_nul)]


class DictOut(BaseModel):
    """An answer the view builds as dicts (a page of documents, an import's report, its
    rows): validated by pydantic's core alone. A ninja ``Schema`` reads every object through
    its attribute getter, in Python: ten times the cost for a page of 500 rows."""


class ErrorOut(Schema):
    detail: str


class InputSchema(Schema):
    """What a caller sends: no text field may hold U+0000."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str):
            without_nul(value)
        return value


def responses(
    success: dict[int, Any],
    *,
    forbidden: bool = False,
    conflict: type[Schema] | None = None,
    too_large: bool = False,
) -> dict[int, Any]:
    """Every status an operation answers, for its OpenAPI description: ``success``, and the
    errors (a JSON object with ``detail``) that any operation can give, 400 invalid input,
    401 not authenticated and 404 not found (or not yours to see); with ``forbidden`` 403
    (not allowed, or a browser's missing CSRF token), with ``conflict`` 409 (a stale
    version, answered with that schema: the detail and what is there now), with
    ``too_large`` 413 (a body or an upload over the limits)."""
    statuses: dict[int, Any] = {**success, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut}
    if forbidden:
        statuses[403] = ErrorOut
    if conflict is not None:
        statuses[409] = conflict
    if too_large:
        statuses[413] = ErrorOut
    return dict(sorted(statuses.items()))


Username = Annotated[
    str,
    Field(min_length=1, max_length=150, description="A user name."),
    AfterValidator(without_nul),
]


RoleName = Literal["manager", "moderator", "reviewer"]


StatusName = Literal["new", "in_annotation", "awaiting_moderation", "in_moderation", "reconciled"]


DirectionName = Literal["auto", "ltr", "rtl"]
