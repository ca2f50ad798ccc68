"""Checking an export bundle against its manifest (pure: a ZIP file in, problems out)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

from annotator.text import text_sha256


@dataclass
class Verification:
    files: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_bundle(source: str | IO[bytes]) -> Verification:
    """Check every file's SHA-256 against ``manifest.json``, and every text it can read.

    A file missing, added or changed is a problem; so is a document text (a JSONL line or a
    brat ``.txt``) whose SHA-256 is not the one the manifest lists for that document.
    """
    result = Verification()
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        result.problems.append(f"Not a readable ZIP file ({error}).")
        return result
    with archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        manifests = [name for name in names if PurePosixPath(name).name == "manifest.json"]
        if len(manifests) != 1:
            result.problems.append("The bundle has no manifest.json (or more than one).")
            return result
        root = str(PurePosixPath(manifests[0]).parent)
        try:
            manifest: dict[str, Any] = json.loads(archive.read(manifests[0]))
        except ValueError as error:
            result.problems.append(f"manifest.json is not valid JSON ({error}).")
            return result
        listed: dict[str, str] = manifest.get("files", {})
        present = {_relative(name, root) for name in names} - {"manifest.json"}
        for name in sorted(present - set(listed)):
            result.problems.append(f"{name} is in the bundle but not in the manifest.")
        for name in sorted(set(listed) - present):
            result.problems.append(f"{name} is in the manifest but missing from the bundle.")
        expected = {str(d["id"]): d["text_sha256"] for d in manifest.get("documents", [])}
        for name in sorted(present & set(listed)):
            data = archive.read(f"{root}/{name}" if root != "." else name)
            result.files += 1
            if hashlib.sha256(data).hexdigest() != listed[name]:
                result.problems.append(f"{name} has changed: its SHA-256 is not the manifest's.")
                continue
            result.documents += _check_texts(name, data, expected, result.problems)
    return result


def _relative(name: str, root: str) -> str:
    return name if root == "." else str(PurePosixPath(name).relative_to(root))


def _check_texts(name: str, data: bytes, expected: dict[str, str], problems: list[str]) -> int:
    """Check the document texts a data file holds; return how many were checked."""
    checked = 0
    if name.endswith(".jsonl"):
        for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            record = json.loads(line)
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
