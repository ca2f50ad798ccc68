"""Incident roles of a taxonomy file: the slots of an incident record that spans fill.

Pure functions, no Django. Beside its ``categories`` and ``relation_types`` a file may list
``incident_roles``, after the HURIDOCS Events Standard Formats (an event's act, and the
persons involved in it as victims, perpetrators or sources)::

    incident_roles:
      - code: perpetrators
        name: Perpetrators
        definition: Who carried out, ordered or allowed the act.
        categories: [perpetrator]   # optional: any category when absent
        multiple: true              # several spans may fill it; false: one
        involvements:               # optional: what a filled slot may say of its span
          - {code: direct, name: Direct}
          - {code: indirect, name: Indirect}

A role has ``code``, ``name`` and optionally ``definition``, ``categories`` (the codes a
span filling it may have; a category allows its subcategories too), ``multiple``,
``involvements`` (codes with names, each code once) and ``retired``. Problems are added to
the caller's list, so that a file's are all reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annotator.taxonomy import CODE_MAX_LENGTH, CODE_PATTERN, NAME_MAX_LENGTH

INCIDENT_ROLE_KEYS = {
    "code",
    "name",
    "definition",
    "categories",
    "multiple",
    "involvements",
    "retired",
}


@dataclass(frozen=True)
class Involvement:
    """How a span filling a slot is involved (a perpetrator's: direct, indirect…)."""

    code: str
    name: str


@dataclass(frozen=True)
class IncidentRoleSpec:
    """An incident role as a file gives it; no categories allow any category."""

    code: str
    name: str
    definition: str = ""
    categories: tuple[str, ...] = ()
    multiple: bool = False
    involvements: tuple[Involvement, ...] = ()
    order: int = 0
    retired: bool = False


def incident_roles_from_data(
    items: Any, categories: set[str] | None, problems: list[str]
) -> list[IncidentRoleSpec]:
    """Check a file's ``incident_roles`` list against its category codes (None: they
    could not be read, so are not checked), adding every problem to ``problems``."""
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append("incident_roles must be a list.")
        return []
    specs: list[IncidentRoleSpec] = []
    seen: set[str] = set()
    for order, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(f"incident_roles[{order}] is not a mapping of incident role fields.")
            continue
        code = str(item.get("code", "")).strip()
        label = f"incident role {code!r}" if code else f"incident role #{order + 1}"
        if not CODE_PATTERN.match(code):
            problems.append(
                f"{label}: code must be 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
                "underscores."
            )
        elif code in seen:
            problems.append(f"{label}: code is used twice.")
        seen.add(code)
        unknown = sorted(str(key) for key in set(item) - INCIDENT_ROLE_KEYS)
        if unknown:
            problems.append(f"{label}: unknown keys {', '.join(unknown)}.")
        name = _name(item.get("name"), label, problems)
        definition = str(item.get("definition") or "").strip()
        if "\x00" in definition:
            problems.append(
                f"{label}: definition contains the NUL character (U+0000), which cannot be stored."
            )
        flags = {}
        for key in ("multiple", "retired"):
            value = item.get(key, False)
            if not isinstance(value, bool):
                problems.append(f"{label}: {key} must be true or false.")
            flags[key] = value is True
        specs.append(
            IncidentRoleSpec(
                code=code,
                name=name,
                definition=definition,
                categories=_categories(item.get("categories"), label, categories, problems),
                multiple=flags["multiple"],
                involvements=_involvements(item.get("involvements"), label, problems),
                order=order,
                retired=flags["retired"],
            )
        )
    return specs


def _name(value: Any, label: str, problems: list[str]) -> str:
    name = str(value or "").strip()
    if not name:
        problems.append(f"{label}: name is missing.")
    elif len(name) > NAME_MAX_LENGTH:
        problems.append(f"{label}: name has {len(name)} characters; at most {NAME_MAX_LENGTH} fit.")
    elif "\x00" in name:
        problems.append(
            f"{label}: name contains the NUL character (U+0000), which cannot be stored."
        )
    return name


def _categories(
    value: Any, label: str, categories: set[str] | None, problems: list[str]
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        problems.append(f"{label}: categories must be a list of category codes.")
        return ()
    codes = tuple(dict.fromkeys(code.strip() for code in value))
    if categories is not None:
        missing = [code for code in codes if code not in categories]
        if missing:
            problems.append(
                f"{label}: categories names categories the file does not define: "
                f"{', '.join(repr(code) for code in missing)}."
            )
    return codes


def _involvements(value: Any, label: str, problems: list[str]) -> tuple[Involvement, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(f"{label}: involvements must be a list of codes with names.")
        return ()
    found: list[Involvement] = []
    seen: set[str] = set()
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, Mapping) or set(entry) - {"code", "name"}:
            problems.append(
                f"{label}: involvement #{number} must be a mapping of code and name only."
            )
            continue
        code = str(entry.get("code", "")).strip()
        where = f"{label}, involvement {code!r}" if code else f"{label}, involvement #{number}"
        if not CODE_PATTERN.match(code):
            problems.append(
                f"{where}: code must be 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
                "underscores."
            )
        elif code in seen:
            problems.append(f"{where}: code is used twice.")
        seen.add(code)
        found.append(Involvement(code=code, name=_name(entry.get("name"), where, problems)))
    return tuple(found)


def incident_roles_data(specs: Iterable[IncidentRoleSpec]) -> list[dict[str, Any]]:
    """The ``incident_roles`` list of a file, in ``order``, with only the keys that differ
    from a file's defaults; ``incident_roles_from_data`` of it gives the same roles back."""
    items = []
    for spec in sorted(specs, key=lambda s: (s.order, s.code)):
        item: dict[str, Any] = {"code": spec.code, "name": spec.name}
        if spec.definition:
            item["definition"] = spec.definition
        if spec.categories:
            item["categories"] = list(spec.categories)
        if spec.multiple:
            item["multiple"] = True
        if spec.involvements:
            item["involvements"] = [{"code": i.code, "name": i.name} for i in spec.involvements]
        if spec.retired:
            item["retired"] = True
        items.append(item)
    return items
