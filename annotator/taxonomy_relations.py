"""Relation types of a taxonomy file, and the whole file (categories, relation types and
incident roles, the last in ``annotator.taxonomy_incidents``).

Pure functions, no Django. Beside its ``categories`` a file may list ``relation_types``,
the links a reviewer may draw from one span to another::

    relation_types:
      - code: denies
        name: Denies
        definition: An official statement denying the allegation it points to.
        source_categories: [official_denial]   # optional: any category when absent
        target_categories: [detention, torture]
      - code: same_incident
        name: Same incident
        symmetric: true       # no direction: A–B is B–A, stored once

A relation type has ``code``, ``name`` and optionally ``definition``, ``symmetric``
(false: the relation goes from its source to its target), ``retired``, and the lists of
category codes allowed at its source and at its target end (a category allows its
subcategories too). A symmetric type has no ends to tell apart, so its two lists, when
given, are the same. Every problem in the file, categories and relation types alike, is
reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.taxonomy import (
    CODE_MAX_LENGTH,
    CODE_PATTERN,
    NAME_MAX_LENGTH,
    CategorySpec,
    TaxonomyError,
    read_taxonomy_data,
    taxonomy_data,
    taxonomy_dump,
    taxonomy_from_data,
)
from annotator.taxonomy_incidents import (
    IncidentRoleSpec,
    incident_roles_data,
    incident_roles_from_data,
)

RELATION_TYPE_KEYS = {
    "code",
    "name",
    "definition",
    "symmetric",
    "source_categories",
    "target_categories",
    "retired",
}
ENDS = ("source_categories", "target_categories")


@dataclass(frozen=True)
class RelationTypeSpec:
    """A relation type as a file gives it; empty category lists allow any category."""

    code: str
    name: str
    definition: str = ""
    symmetric: bool = False
    source_categories: tuple[str, ...] = ()
    target_categories: tuple[str, ...] = ()
    order: int = 0
    retired: bool = False


@dataclass(frozen=True)
class TaxonomyFile:
    """A whole taxonomy file: its categories (parents first), its relation types and its
    incident roles (in file order). ``lists_relation_types`` is False for a file without
    the key, which says nothing about them (a file written before there were relation
    types); ``lists_incident_roles`` the same of incident roles."""

    categories: list[CategorySpec]
    relation_types: list[RelationTypeSpec] = field(default_factory=list)
    lists_relation_types: bool = False
    incident_roles: list[IncidentRoleSpec] = field(default_factory=list)
    lists_incident_roles: bool = False


def parse_taxonomy_file(content: str | bytes, *, filename: str = "taxonomy.yaml") -> TaxonomyFile:
    """Parse a JSON or YAML taxonomy file (by the file name's suffix), checking it whole."""
    return taxonomy_file_from_data(read_taxonomy_data(content, filename=filename))


def taxonomy_file_from_data(data: Any) -> TaxonomyFile:
    """Check already-parsed file data: a mapping with ``categories`` and perhaps
    ``relation_types`` and ``incident_roles``, or a bare list of categories."""
    problems: list[str] = []
    categories: list[CategorySpec] = []
    try:
        categories = taxonomy_from_data(data)
    except TaxonomyError as error:
        problems.extend(error.problems)
    listed = isinstance(data, Mapping) and "relation_types" in data
    roles_listed = isinstance(data, Mapping) and "incident_roles" in data
    relation_types: list[RelationTypeSpec] = []
    incident_roles: list[IncidentRoleSpec] = []
    if listed or roles_listed:
        known = _category_codes(data, categories)
        if listed:
            relation_types = _relation_types(data["relation_types"], known, problems)
        if roles_listed:
            incident_roles = incident_roles_from_data(data["incident_roles"], known, problems)
    if problems:
        raise TaxonomyError(problems)
    return TaxonomyFile(
        categories,
        relation_types,
        lists_relation_types=listed,
        incident_roles=incident_roles,
        lists_incident_roles=roles_listed,
    )


def _category_codes(data: Mapping[str, Any], parsed: list[CategorySpec]) -> set[str] | None:
    """The file's category codes, to check the relation types' ends against; None when the
    categories could not be read at all (their problems are reported already)."""
    if parsed:
        return {spec.code for spec in parsed}
    codes: set[str] = set()

    def collect(items: Any) -> None:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping):
                codes.add(str(item.get("code", "")).strip())
                collect(item.get("children"))

    collect(data.get("categories"))
    return codes or None


def _relation_types(
    items: Any, categories: set[str] | None, problems: list[str]
) -> list[RelationTypeSpec]:
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append("relation_types must be a list.")
        return []
    specs: list[RelationTypeSpec] = []
    seen: set[str] = set()
    for order, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(f"relation_types[{order}] is not a mapping of relation type fields.")
            continue
        code = str(item.get("code", "")).strip()
        label = f"relation type {code!r}" if code else f"relation type #{order + 1}"
        if not CODE_PATTERN.match(code):
            problems.append(
                f"{label}: code must be 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
                "underscores."
            )
        elif code in seen:
            problems.append(f"{label}: code is used twice.")
        elif categories is not None and code in categories:
            # brat's annotation.conf, which exports write, names both in one namespace.
            problems.append(f"{label}: code is also a category's; name it otherwise.")
        seen.add(code)
        unknown = sorted(set(item) - RELATION_TYPE_KEYS)
        if unknown:
            problems.append(f"{label}: unknown keys {', '.join(unknown)}.")
        name = str(item.get("name") or "").strip()
        if not name:
            problems.append(f"{label}: name is missing.")
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(
                f"{label}: name has {len(name)} characters; at most {NAME_MAX_LENGTH} fit."
            )
        definition = str(item.get("definition") or "").strip()
        problems.extend(
            f"{label}: {key} contains the NUL character (U+0000), which cannot be stored."
            for key, value in (("name", name), ("definition", definition))
            if "\x00" in value
        )
        flags = {}
        for key in ("symmetric", "retired"):
            value = item.get(key, False)
            if not isinstance(value, bool):
                problems.append(f"{label}: {key} must be true or false.")
            flags[key] = value is True
        ends = {key: _end(item.get(key), key, label, categories, problems) for key in ENDS}
        if flags["symmetric"] and ends["source_categories"] != ends["target_categories"]:
            if ends["source_categories"] and ends["target_categories"]:
                problems.append(
                    f"{label}: a symmetric relation type has no source or target to tell "
                    "apart, so its source_categories and target_categories must be the same."
                )
            else:  # one list given: it is both ends'
                both = ends["source_categories"] or ends["target_categories"]
                ends = dict.fromkeys(ENDS, both)
        specs.append(
            RelationTypeSpec(
                code=code,
                name=name,
                definition=definition,
                symmetric=flags["symmetric"],
                source_categories=ends["source_categories"],
                target_categories=ends["target_categories"],
                order=order,
                retired=flags["retired"],
            )
        )
    return specs


def _end(
    value: Any, key: str, label: str, categories: set[str] | None, problems: list[str]
) -> tuple[str, ...]:
    """One end's category codes, each checked against the file's categories, in file
    order without repeats."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        problems.append(f"{label}: {key} must be a list of category codes.")
        return ()
    codes = tuple(dict.fromkeys(code.strip() for code in value))
    if categories is not None:
        missing = [code for code in codes if code not in categories]
        if missing:
            problems.append(
                f"{label}: {key} names categories the file does not define: "
                f"{', '.join(repr(code) for code in missing)}."
            )
    return codes


def relation_types_data(specs: Iterable[RelationTypeSpec]) -> list[dict[str, Any]]:
    """The ``relation_types`` list of a file, in ``order``, with only the keys that differ
    from a file's defaults. A symmetric type writes its one list as ``source_categories``."""
    items = []
    for spec in sorted(specs, key=lambda s: (s.order, s.code)):
        item: dict[str, Any] = {"code": spec.code, "name": spec.name}
        if spec.definition:
            item["definition"] = spec.definition
        if spec.symmetric:
            item["symmetric"] = True
        if spec.source_categories:
            item["source_categories"] = list(spec.source_categories)
        if spec.target_categories and not spec.symmetric:
            item["target_categories"] = list(spec.target_categories)
        if spec.retired:
            item["retired"] = True
        items.append(item)
    return items


def taxonomy_file_data(
    categories: Iterable[CategorySpec],
    relation_types: Sequence[RelationTypeSpec] = (),
    incident_roles: Sequence[IncidentRoleSpec] = (),
) -> dict[str, Any]:
    """The file's data: ``taxonomy_data``'s categories, and ``relation_types`` and
    ``incident_roles`` when there are any (a taxonomy without them writes the file it
    always did). ``taxonomy_file_from_data`` of it gives the same back."""
    data = taxonomy_data(categories)
    if relation_types:
        data["relation_types"] = relation_types_data(relation_types)
    if incident_roles:
        data["incident_roles"] = incident_roles_data(incident_roles)
    return data


def taxonomy_file_yaml(
    categories: Iterable[CategorySpec],
    relation_types: Sequence[RelationTypeSpec] = (),
    incident_roles: Sequence[IncidentRoleSpec] = (),
    *,
    comment: str = "",
) -> str:
    """The whole taxonomy file as YAML (see ``taxonomy_file_data``)."""
    return taxonomy_dump(
        taxonomy_file_data(categories, relation_types, incident_roles), comment=comment
    )
