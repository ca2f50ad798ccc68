"""Taxonomy files: parse and check a project's categories from JSON or YAML.

Pure functions, no Django. A file holds a ``categories`` list (or is that list). Each
category has ``code``, ``name`` and optionally ``definition``, ``colour`` (#RRGGBB),
``shortcut`` (one character), ``retired`` (true for a category offered for no new span),
``group`` (``violation``, the default, or ``entity`` for the people, places and dates that
incidents name; a subcategory is in its parent's group) and either nested ``children`` or
a ``parent`` code, so hierarchical taxonomies can be written either way::

    categories:
      - code: detention
        name: Arbitrary detention
        colour: "#0072B2"
        shortcut: "1"
        definition: Deprivation of liberty without legal basis ...
        children:
          - code: enforced_disappearance
            name: Enforced disappearance

Every problem in a file is reported at once, each naming the category it is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any

import yaml

# The limits of the database's category (annotator.models.Category, which the tests hold
# these to): a file beyond them is refused here, with every problem named, rather than
# failing half-way through loading.
CODE_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
COLOUR_MAX_LENGTH = 7  # "#RRGGBB", all that COLOUR_PATTERN matches
SHORTCUT_MAX_LENGTH = 1
CODE_PATTERN = re.compile(rf"^[-a-zA-Z0-9_]{{1,{CODE_MAX_LENGTH}}}$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOUR = "#0072B2"
# The groups of categories: the violations a passage describes, and the entities (victims,
# perpetrators, places, dates) that incidents are made of. The editor and agreement keep
# them apart. The first is the default.
GROUPS = ("violation", "entity")
DEFAULT_GROUP = GROUPS[0]
GROUP_MAX_LENGTH = 16
KNOWN_KEYS = {
    "code",
    "name",
    "definition",
    "colour",
    "color",
    "shortcut",
    "parent",
    "children",
    "retired",
    "group",
}


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    definition: str
    colour: str
    shortcut: str
    parent: str | None
    order: int
    retired: bool = False
    group: str = DEFAULT_GROUP


def parse_taxonomy(content: str | bytes, *, filename: str = "taxonomy.yaml") -> list[CategorySpec]:
    """Parse a JSON or YAML taxonomy (by the file name's suffix) into checked categories.

    Categories come back parents first, in file order, which is also their ``order``.
    (``annotator.taxonomy_relations.parse_taxonomy_file`` reads its relation types too.)
    """
    return taxonomy_from_data(read_taxonomy_data(content, filename=filename))


def read_taxonomy_data(content: str | bytes, *, filename: str = "taxonomy.yaml") -> Any:
    """The data of a JSON or YAML file (by the file name's suffix), unchecked."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise TaxonomyError([f"{filename} is not UTF-8 text."]) from error
    try:
        if PurePath(filename).suffix.lower() == ".json":
            data = json.loads(content)
        else:
            data = yaml.safe_load(content)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise TaxonomyError([f"{filename} cannot be parsed: {error}"]) from error
    return data


def taxonomy_from_data(data: Any) -> list[CategorySpec]:
    """Check already-parsed taxonomy data (a mapping with ``categories``, or a list)."""
    if isinstance(data, Mapping):
        data = data.get("categories")
    if not isinstance(data, list) or not data:
        raise TaxonomyError(["The taxonomy must have a non-empty list of categories."])

    problems: list[str] = []
    flat: list[tuple[Mapping[str, Any], str | None]] = []
    _flatten(data, parent=None, into=flat, problems=problems, path="categories")

    specs: list[CategorySpec] = []
    groups: dict[str, str | None] = {}  # as the file gives them (None: not given)
    seen_codes: set[str] = set()
    shortcuts: dict[str, str] = {}
    for order, (item, nested_parent) in enumerate(flat):
        code = str(item.get("code", "")).strip()
        label = f"category {code!r}" if code else f"category #{order + 1}"
        if not CODE_PATTERN.match(code):
            problems.append(
                f"{label}: code must be 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
                "underscores."
            )
        elif code in seen_codes:
            problems.append(f"{label}: code is used twice.")
        seen_codes.add(code)
        unknown = sorted(set(item) - KNOWN_KEYS)
        if unknown:
            problems.append(f"{label}: unknown keys {', '.join(unknown)}.")
        name = str(item.get("name") or "").strip()
        if not name:
            problems.append(f"{label}: name is missing.")
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(
                f"{label}: name has {len(name)} characters; at most {NAME_MAX_LENGTH} fit."
            )
        colour = str(item.get("colour") or item.get("color") or DEFAULT_COLOUR).strip()
        if not COLOUR_PATTERN.match(colour):
            problems.append(f"{label}: colour {colour!r} is not #RRGGBB.")
        shortcut = str(item.get("shortcut") or "").strip()
        if len(shortcut) > SHORTCUT_MAX_LENGTH:
            problems.append(f"{label}: shortcut {shortcut!r} must be a single key.")
        elif shortcut and shortcut in shortcuts:
            problems.append(
                f"{label}: shortcut {shortcut!r} is already used by {shortcuts[shortcut]!r}."
            )
        elif shortcut:
            shortcuts[shortcut] = code
        explicit_parent = item.get("parent")
        if explicit_parent is not None and nested_parent is not None:
            problems.append(f"{label}: has both a parent key and an enclosing category.")
        parent = nested_parent if explicit_parent is None else str(explicit_parent).strip()
        definition = str(item.get("definition") or "").strip()
        retired = item.get("retired", False)
        if not isinstance(retired, bool):
            problems.append(f"{label}: retired must be true or false.")
        group = item.get("group")
        if group is not None and group not in GROUPS:
            problems.append(f"{label}: group {group!r} is not one of {', '.join(GROUPS)}.")
            group = None
        groups[code] = group
        problems.extend(
            f"{label}: {field} contains the NUL character (U+0000), which cannot be stored."
            for field, value in (("name", name), ("definition", definition))
            if "\x00" in value
        )
        specs.append(
            CategorySpec(
                code=code,
                name=name,
                definition=definition,
                colour=colour.upper(),
                shortcut=shortcut,
                parent=parent or None,
                order=order,
                retired=retired is True,
            )
        )

    codes = {spec.code for spec in specs}
    for spec in specs:
        if spec.parent is not None and spec.parent not in codes:
            problems.append(f"category {spec.code!r}: parent {spec.parent!r} is not defined.")
    if not problems:
        problems.extend(_cycles(specs))
    if problems:
        raise TaxonomyError(problems)
    specs, group_problems = _grouped(specs, groups)
    if group_problems:
        raise TaxonomyError(group_problems)
    return _parents_first(specs)


def _grouped(
    specs: list[CategorySpec], given: Mapping[str, str | None]
) -> tuple[list[CategorySpec], list[str]]:
    """The categories with their groups: as given, else their parent's, else the default.
    A subcategory given another group than its parent's is a problem (a victim cannot be a
    kind of detention)."""
    parents = {spec.code: spec.parent for spec in specs}
    resolved: dict[str, str] = {}

    def group_of(code: str) -> str:
        if code not in resolved:
            parent = parents.get(code)
            inherited = group_of(parent) if parent is not None else DEFAULT_GROUP
            resolved[code] = given.get(code) or inherited
        return resolved[code]

    problems = []
    for spec in specs:
        parent = spec.parent
        if parent is not None and group_of(spec.code) != group_of(parent):
            problems.append(
                f"category {spec.code!r}: group {group_of(spec.code)!r} is not its parent "
                f"{parent!r}'s group {group_of(parent)!r}."
            )
    return [replace(spec, group=group_of(spec.code)) for spec in specs], problems


def _flatten(
    items: list[Any],
    *,
    parent: str | None,
    into: list[tuple[Mapping[str, Any], str | None]],
    problems: list[str],
    path: str,
) -> None:
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(f"{path}[{index}] is not a mapping of category fields.")
            continue
        into.append((item, parent))
        children = item.get("children")
        if children is None:
            continue
        if not isinstance(children, list):
            problems.append(f"{path}[{index}].children must be a list.")
            continue
        _flatten(
            children,
            parent=str(item.get("code", "")).strip(),
            into=into,
            problems=problems,
            path=f"{path}[{index}].children",
        )


def _cycles(specs: list[CategorySpec]) -> list[str]:
    parents = {spec.code: spec.parent for spec in specs}
    problems = []
    for spec in specs:
        seen = {spec.code}
        current = spec.parent
        while current is not None:
            if current in seen:
                problems.append(f"category {spec.code!r}: its parents form a cycle.")
                break
            seen.add(current)
            current = parents.get(current)
    return problems


def _parents_first(specs: list[CategorySpec]) -> list[CategorySpec]:
    placed: set[str] = set()
    ordered: list[CategorySpec] = []
    remaining = list(specs)
    while remaining:
        ready = [s for s in remaining if s.parent is None or s.parent in placed]
        ordered.extend(ready)
        placed.update(s.code for s in ready)
        remaining = [s for s in remaining if s.code not in placed]
    return ordered


def taxonomy_data(specs: Iterable[CategorySpec]) -> dict[str, Any]:
    """The taxonomy file's data for these categories: ``{"categories": [...]}``, children
    nested under their parent, siblings by ``order`` then code, and only the keys that
    differ from a file's defaults (a definition, shortcut or ``retired`` when there is
    one, a ``group`` other than the parent's or the default). ``parse_taxonomy`` of it as
    YAML or JSON gives the same categories back."""
    by_parent: dict[str | None, list[CategorySpec]] = {}
    for spec in specs:
        by_parent.setdefault(spec.parent, []).append(spec)

    def entries(parent: str | None, group: str = DEFAULT_GROUP) -> list[dict[str, Any]]:
        items = []
        for spec in sorted(by_parent.get(parent, []), key=lambda s: (s.order, s.code)):
            item: dict[str, Any] = {"code": spec.code, "name": spec.name, "colour": spec.colour}
            if spec.group != group:
                item["group"] = spec.group
            if spec.shortcut:
                item["shortcut"] = spec.shortcut
            if spec.definition:
                item["definition"] = spec.definition
            if spec.retired:
                item["retired"] = True
            children = entries(spec.code, spec.group)
            if children:
                item["children"] = children
            items.append(item)
        return items

    return {"categories": entries(None)}


def taxonomy_yaml(specs: Iterable[CategorySpec], *, comment: str = "") -> str:
    """The taxonomy file, as YAML, of these categories (see ``taxonomy_data``)."""
    return taxonomy_dump(taxonomy_data(specs), comment=comment)


def taxonomy_dump(data: Mapping[str, Any], *, comment: str = "") -> str:
    """Taxonomy file data (``taxonomy_data``'s) as YAML, after ``comment`` lines."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines.append("# A taxonomy file: load it with manage.py load_taxonomy or on the taxonomy page.")
    body = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body


def in_file_order(specs: list[CategorySpec]) -> list[CategorySpec]:
    """The categories with ``order`` renumbered 0, 1, 2… as a nested file lists them: each
    parent before its children, siblings by their ``order`` then code. Parents first."""
    by_parent: dict[str | None, list[CategorySpec]] = {}
    for spec in specs:
        by_parent.setdefault(spec.parent, []).append(spec)
    ordered: list[CategorySpec] = []

    def visit(parent: str | None) -> None:
        for spec in sorted(by_parent.get(parent, []), key=lambda s: (s.order, s.code)):
            ordered.append(spec)
            visit(spec.code)

    visit(None)
    placed = {spec.code for spec in ordered}
    ordered.extend(spec for spec in specs if spec.code not in placed)  # parents not given
    renumbered = [replace(spec, order=index) for index, spec in enumerate(ordered)]
    return _parents_first(renumbered)
