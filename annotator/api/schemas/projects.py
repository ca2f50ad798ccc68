"""Projects, the taxonomy, members and accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from annotator.api.schemas.base import InputSchema, RoleName, Username


class CategoryOut(Schema):
    code: str
    name: str
    definition: str
    colour: str
    shortcut: str
    parent: str | None
    group: Literal["violation", "entity"] = Field(
        "violation", description="Violations, or the entities (victims, places…) of incidents."
    )
    retired: bool = Field(False, description="Offered for no new span; kept on old ones.")


class ProjectOut(Schema):
    slug: str
    name: str = Field(description="The project's title.")
    description: str
    guidelines: str
    reviewers_per_document: int
    blind_annotation: bool
    anonymous_moderation: bool
    auto_accept_unanimous: bool
    created_at: datetime
    role: RoleName | None = Field(description="Your role in the project.")
    taxonomy_version: int | None = Field(description="The current taxonomy version.")


class ProjectIn(InputSchema):
    slug: str = Field(min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    guidelines: str = Field("", max_length=200_000)
    reviewers_per_document: int = Field(2, ge=1, le=100)
    blind_annotation: bool = True
    anonymous_moderation: bool = False
    auto_accept_unanimous: bool = True
    managers: list[Username] = Field(
        default_factory=list,
        max_length=50,
        description="Other managers, by user name; you become a manager yourself.",
    )


class ProjectPatch(InputSchema):
    slug: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=20_000)
    guidelines: str | None = Field(None, max_length=200_000)
    reviewers_per_document: int | None = Field(None, ge=1, le=100)
    blind_annotation: bool | None = None
    anonymous_moderation: bool | None = None
    auto_accept_unanimous: bool | None = None


class TaxonomyOut(Schema):
    version: int | None = Field(description="The current taxonomy version.")
    categories: list[dict[str, Any]] = Field(
        description="The taxonomy file's data: each category's code, name, colour and, when "
        "they have one, shortcut, definition, retired and nested children. PUT it back "
        "(changed) to change the taxonomy."
    )
    relation_types: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The relation types a reviewer may draw between spans: code, name and, "
        "when they have one, definition, symmetric, source_categories, target_categories and "
        "retired.",
    )
    incident_roles: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The roles spans fill in an incident record: code, name and, when they "
        "have one, definition, categories, multiple, involvements and retired.",
    )


class TaxonomyIn(InputSchema):
    categories: list[dict[str, Any]] = Field(
        max_length=5000, description="As GET returns it (or with parent codes instead of nesting)."
    )
    relation_types: list[dict[str, Any]] | None = Field(
        None,
        max_length=1000,
        description="As GET returns them; leave out to keep the relation types as they are.",
    )
    incident_roles: list[dict[str, Any]] | None = Field(
        None,
        max_length=1000,
        description="As GET returns them; leave out to keep the incident roles as they are.",
    )
    retire_missing: bool = Field(
        True, description="Retire the categories the file does not list (never deleted)."
    )
    dry_run: bool = Field(False, description="Say what would change, changing nothing.")


class FieldChangeOut(Schema):
    field: str
    before: Any
    after: Any


class RelationTypeChangesOut(Schema):
    created: list[str]
    updated: dict[str, list[FieldChangeOut]]
    unchanged: list[str]
    retired: list[str] = Field(description="Relation types not in the file, retired.")
    reordered: bool


class IncidentRoleChangesOut(Schema):
    created: list[str]
    updated: dict[str, list[FieldChangeOut]]
    unchanged: list[str]
    retired: list[str] = Field(description="Incident roles not in the file, retired.")
    reordered: bool


class TaxonomyChangeOut(Schema):
    applied: bool = Field(description="False for a dry run, or when nothing changes.")
    version: int | None = Field(description="The taxonomy version made, if one was.")
    created: list[str]
    updated: dict[str, list[FieldChangeOut]] = Field(
        description="For each category updated, each field that changes."
    )
    unchanged: list[str]
    retired: list[str] = Field(description="Categories not in the file, retired.")
    reordered: bool = Field(description="Whether the categories come in a new order.")
    relation_types: RelationTypeChangesOut
    incident_roles: IncidentRoleChangesOut


class TaxonomyVersionOut(Schema):
    number: int
    created_at: datetime
    created_by: str | None


class TaxonomyVersionDataOut(TaxonomyVersionOut):
    guidelines: str
    taxonomy: dict[str, Any]


class MemberOut(Schema):
    username: str
    role: RoleName
    since: datetime
    is_active: bool
    has_password: bool = Field(description="False until the account's owner sets one.")
    last_login: datetime | None
    open_assignments: int
    submitted_assignments: int


class MemberIn(InputSchema):
    username: Username
    role: RoleName = "reviewer"


class MemberPatch(InputSchema):
    role: RoleName


class MemberRemovedOut(Schema):
    username: str
    unassigned: list[int] = Field(description="Documents they had not started: unassigned.")
    kept: list[int] = Field(description="Documents with their work in them: still theirs.")


class UserIn(InputSchema):
    username: Username
    email: str = Field("", max_length=254)
    role: RoleName = "reviewer"


class NewUserOut(Schema):
    username: str
    role: RoleName
    set_password_url: str = Field(
        description="A one-time link with which the account's owner sets their password "
        "(three days; shown only in this answer)."
    )


class PasswordSetIn(InputSchema):
    uid: str = Field(min_length=1, max_length=64, description="The link's first part.")
    token: str = Field(min_length=1, max_length=128, description="The link's second part.")
    password: str = Field(min_length=1, max_length=4096)
    api_token: str = Field(
        "", max_length=100, description="If given, make an API token with this name."
    )


class PasswordSetOut(Schema):
    username: str
    api_token: str | None = Field(description="The new API token, shown only here.")
