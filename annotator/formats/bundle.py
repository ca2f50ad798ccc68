"""Export bundles: recognise one, and check it against its manifest (pure: bytes in, problems out).

A bundle is the ZIP that ``export_corpus --bundle`` makes: a folder ``<stem>/`` holding the
data file(s), ``taxonomy.json`` and ``manifest.json``, whose ``files`` map gives the SHA-256
of every other file and whose ``documents`` give each document's text SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from annotator.formats.jsonl import json_lines
from annotator.text import text_sha256

PRODUCT = "annotator"
MANIFEST = "manifest.json"
TAXONOMY = "taxonomy.json"


@dataclass
class Verification:
    files: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Bundle:
    """Where a bundle's files are in its archive, and what its manifest says."""

    root: str
    """The folder holding ``manifest.json`` ("" when it is at the top of the archive)."""
    manifest: dict[str, Any]

    @property
    def format(self) -> str:
        value = self.manifest.get("format")
        return value if isinstance(value, str) else ""

    def path(self, name: str) -> str:
        """The archive name of a file the manifest lists (by its name inside the bundle)."""
        return f"{self.root}/{name}" if self.root else name

    def relative(self, path: str) -> str | None:
        """A member's name inside the bundle, or None when it lies outside the bundle's folder."""
        if not self.root:
            return path
        prefix = f"{self.root}/"
        return path[len(prefix) :] if path.startswith(prefix) else None


def find_bundle(members: Mapping[str, bytes]) -> Bundle | None:
    """The bundle these archive members make, or None when they are not one of this product's.

    They are a bundle when exactly one of them is a ``manifest.json`` and it is a JSON object
    naming this product (``"product": "annotator …"``) with a ``files`` map.
    """
    manifests = [name for name in members if PurePosixPath(name).name == MANIFEST]
    if len(manifests) != 1:
        return None
    try:
        manifest = json.loads(members[manifests[0]])
    except ValueError:
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    product = manifest.get("product")
    if not isinstance(product, str) or product.split(" ", 1)[0] != PRODUCT:
        return None
    root = str(PurePosixPath(manifests[0]).parent)
    return Bundle(root="" if root == "." else root, manifest=manifest)


def verify_bundle(source: str | IO[bytes]) -> Verification:
    """Check every file's SHA-256 against ``manifest.json``, and every text it can read.

    A file missing, added or changed is a problem; so is a document text (a JSONL line or a
    brat ``.txt``) whose SHA-256 is not the one the manifest lists for that document.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        return Verification(problems=[f"Not a readable ZIP file ({error})."])
    with archive:
        members = {
            info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()
        }
    return verify_members(members)


def verify_members(members: Mapping[str, bytes]) -> Verification:
    """``verify_bundle`` on the files of an archive already read (name in the archive: bytes)."""
    result = Verification()
    manifests = [name for name in members if PurePosixPath(name).name == MANIFEST]
    if len(manifests) != 1:
        result.problems.append("The bundle has no manifest.json (or more than one).")
        return result
    try:
        manifest = json.loads(members[manifests[0]])
    except ValueError as error:
        result.problems.append(f"manifest.json is not valid JSON ({error}).")
        return result
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict):
        result.problems.append('manifest.json has no "files" map of SHA-256 hashes.')
        return result
    root = str(PurePosixPath(manifests[0]).parent)
    bundle = Bundle(root="" if root == "." else root, manifest=manifest)
    present: dict[str, bytes] = {}
    for path, data in members.items():
        name = bundle.relative(path)
        if name is None:
            result.problems.append(f"{path} lies outside the bundle's folder {bundle.root}/.")
        elif name != MANIFEST:
            present[name] = data
    for name in sorted(set(present) - set(listed)):
        result.problems.append(f"{name} is in the bundle but not in the manifest.")
    for name in sorted(set(listed) - set(present)):
        result.problems.append(f"{name} is in the manifest but missing from the bundle.")
    expected = _expected_texts(manifest, result.problems)
    for name in sorted(set(present) & set(listed)):
        data = present[name]
        result.files += 1
        if hashlib.sha256(data).hexdigest() != listed[name]:
            result.problems.append(f"{name} has changed: its SHA-256 is not the manifest's.")
            continue
        result.documents += _check_texts(name, data, expected, result.problems)
    return result


def _expected_texts(manifest: dict[str, Any], problems: list[str]) -> dict[str, str]:
    documents = manifest.get("documents", [])
    if not isinstance(documents, list) or not all(
        isinstance(d, dict) and "id" in d and isinstance(d.get("text_sha256"), str)
        for d in documents
    ):
        problems.append('manifest.json\'s "documents" is not a list of ids and text SHA-256s.')
        return {}
    return {str(d["id"]): d["text_sha256"] for d in documents}


def _check_texts(name: str, data: bytes, expected: dict[str, str], problems: list[str]) -> int:
    """Check the document texts a data file holds; return how many were checked."""
    checked = 0
    if name.endswith(".jsonl"):
        for number, line in json_lines(data):
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"))
            except ValueError as error:
                problems.append(f"{name} line {number}: not a JSON line ({error}).")
                continue
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                problems.append(f'{name} line {number}: no "text" to check.')
                continue
            checked += 1
            if text_sha256(record["text"]) != expected.get(str(record.get("id"))):
                problems.append(f"{name} line {number}: the text's SHA-256 is not the manifest's.")
    elif name.endswith(".txt"):
        stem = PurePosixPath(name).stem
        key = str(int(stem)) if stem.isdigit() else stem
        if key in expected:
            checked += 1
            if hashlib.sha256(data).hexdigest() != expected[key]:
                problems.append(f"{name}: the text's SHA-256 is not the manifest's.")
    return checked


# What a taxonomy file (``annotator.taxonomy``) takes from each category the export wrote.
_TAXONOMY_KEYS = ("code", "name", "definition", "colour", "shortcut", "group")
# What else a bundle's taxonomy may list, passed on as a taxonomy file lists them.
_TAXONOMY_LISTS = ("relation_types", "incident_roles")


def taxonomy_file_data(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """A bundle's ``taxonomy.json`` in the form ``annotator.taxonomy_relations`` parses.

    The export writes ``{"categories": [...], "relation_types": [...], "incident_roles":
    [...]}``; bundles made before it listed relation types and incident roles hold the bare
    list of categories, which reads the same without them. Each category is ``{code, name,
    definition, parent, group}``, with ``""`` as the parent of a top-level category; a
    taxonomy file has a ``categories`` list whose categories name a parent only when they
    have one. The relation types and incident roles are already in a taxonomy file's form,
    and are kept only when the bundle lists them (a taxonomy file without the key says
    nothing about them). The export carries no colour or shortcut, so categories loaded
    from it get the default colour and no key (both are kept should a later export write
    them). Raises ``ValueError`` when it is not such a list.
    """
    try:
        exported = json.loads(data)
    except ValueError as error:
        raise ValueError(f"taxonomy.json is not valid JSON ({error}).") from None
    items = exported.get("categories") if isinstance(exported, dict) else exported
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError("taxonomy.json is not a list of categories.")
    categories = []
    for item in items:
        category = {key: item[key] for key in _TAXONOMY_KEYS if item.get(key) not in (None, "")}
        if item.get("parent"):
            category["parent"] = item["parent"]
        categories.append(category)
    file_data: dict[str, list[dict[str, Any]]] = {"categories": categories}
    for key in _TAXONOMY_LISTS:
        if isinstance(exported, dict) and key in exported:
            listed = exported[key]
            if not isinstance(listed, list) or not all(isinstance(i, dict) for i in listed):
                raise ValueError(f"taxonomy.json's {key} is not a list.")
            file_data[key] = listed
    return file_data
