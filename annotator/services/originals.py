"""The originals on disk: each import's files staged beside their final names so that a
rolled-back batch leaves none behind, and a sweep that removes only files no document
references."""

from __future__ import annotations

import contextlib
import datetime
import functools
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from stat import S_ISREG
from types import TracebackType
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DatabaseError

from annotator.models import Document

logger = logging.getLogger("annotator.services.originals")


@functools.lru_cache(maxsize=256)  # the documents of a corpus share their file's
def original_storage_name(source_sha256: str, filename: str) -> str:
    """Where an original file is kept: named by its hash, so never by user input.

    The same bytes imported twice (into two projects, say) share one stored file.
    """
    suffix = PurePath(filename).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 10:
        suffix = ""
    return f"originals/{source_sha256[:2]}/{source_sha256}{suffix}"


# An original's file name: its SHA-256 and the suffix of the file it came from.
ORIGINAL_NAME = re.compile(r"^[0-9a-f]{64}(?:\.[0-9a-z]{1,9})?$")
# Beside an original, while a transaction that stores it is open: ".<name>.<token>.staged";
# while it is being removed: ".sweeping"; ".part" from before originals were staged.
STAGED_ORIGINAL = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.(?:staged|sweeping|part)$")


class StagedOriginals:
    """The originals one transaction stores: kept once it commits, removed if it rolls back.

    Each original is written whole under a staged name beside its final one (owner-only,
    0600), then hard-linked to its final name, so that it is readable there at once, and
    the staged name holds it for the transaction. When the transaction commits, the staged
    names go and the final ones stay (put back from the staged one, if a rollback elsewhere
    took it meanwhile). When it rolls back, the staged names go and so does each final one
    that nothing else holds: no other transaction in flight (each holds a link of its own,
    so the file has more than one) and no document (committed, or earlier in the enclosing
    transaction). Several projects may share an original by its hash, and none loses it to
    another's rollback.

    Use it as a context manager around the transaction, and register ``publish`` with
    ``transaction.on_commit`` inside it. What a killed process leaves (staged names, and
    final ones no document refers to) is for ``manage.py sweep_originals``, and so is what
    an enclosing transaction that rolls back later leaves: Django says nothing of that.
    The originals folder must be on a file system with hard links (any local one is).
    Storages other than the file system get the original under its final name at once.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path, Path]] = []
        self._names: set[str] = set()

    def __enter__(self) -> StagedOriginals:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is not None:
            self.discard()

    def store(self, *, data: bytes, source_sha256: str, filename: str) -> str:
        """Keep the original bytes unchanged for this transaction; return their storage name."""
        name = original_storage_name(source_sha256, filename)
        if name in self._names:  # the file of a corpus, kept once for all its documents
            return name
        self._names.add(name)
        if isinstance(default_storage, FileSystemStorage):
            final = Path(default_storage.path(name))
            self._staged.append((name, _stage_original(final, data), final))
        elif not default_storage.exists(name):
            stored = default_storage.save(name, ContentFile(data))
            if stored != name:  # another import of the same bytes won the race: keep one copy
                default_storage.delete(stored)
        return name

    def publish(self) -> None:
        """The transaction committed: its originals stay under their final names."""
        for _, staged, final in self._staged:
            try:
                os.link(staged, final)
            except FileExistsError:
                pass
            except OSError:  # the sweep puts it in place from the staged name
                logger.exception("original %s could not be put under its name", final)
                continue
            staged.unlink(missing_ok=True)
        self._staged.clear()
        self._names.clear()

    def discard(self) -> None:
        """The transaction rolled back: remove what only it held."""
        for _, staged, _ in self._staged:
            staged.unlink(missing_ok=True)
        # Held by another transaction in flight or not, before asking about documents: one
        # that commits after this look still held its link during it.
        alone = {name: final for name, _, final in self._staged if _links(final) == 1}
        self._staged.clear()
        self._names.clear()
        try:
            referenced = _referenced(alone)
            _remove_unreferenced({n: f for n, f in alone.items() if n not in referenced})
        except DatabaseError:  # nothing is removed without knowing; the sweep will
            logger.warning("rolled-back originals left for sweep_originals", exc_info=True)


def _links(path: Path) -> int:
    try:
        return path.stat().st_nlink
    except FileNotFoundError:
        return 0


def _referenced(names: Mapping[str, Any]) -> set[str]:
    """Which of these storage names a document refers to."""
    found: set[str] = set()
    listed = list(names)
    for start in range(0, len(listed), 500):
        found.update(
            Document.objects.filter(source_file__in=listed[start : start + 500]).values_list(
                "source_file", flat=True
            )
        )
    return found


def _remove_unreferenced(candidates: Mapping[str, Path]) -> set[str]:
    """Remove the originals that neither a document nor a transaction in flight holds;
    return the names removed.

    Each is first moved aside (an atomic rename), so that no import can take it up any
    more (one that tries writes its own), then looked at again: a link that another
    transaction made before the move, or a document that committed meanwhile, puts it back.
    """
    aside: dict[str, tuple[Path, Path]] = {}
    for name, final in candidates.items():
        moved = final.with_name(f".{final.name}.{secrets.token_hex(6)}.sweeping")
        try:
            os.rename(final, moved)
        except FileNotFoundError:
            continue
        if _links(moved) > 1:
            _put_back(moved, final)
        else:
            aside[name] = (final, moved)
    if not aside:
        return set()
    try:
        referenced = _referenced(aside)
    except DatabaseError:
        for final, moved in aside.values():
            _put_back(moved, final)
        raise
    removed = set()
    for name, (final, moved) in aside.items():
        if name in referenced:
            _put_back(moved, final)
        else:
            moved.unlink(missing_ok=True)
            removed.add(name)
    return removed


def _put_back(moved: Path, final: Path) -> None:
    with contextlib.suppress(FileExistsError):  # the same bytes were kept again meanwhile
        os.link(moved, final)
    moved.unlink(missing_ok=True)


@dataclass(frozen=True)
class SweptOriginal:
    """A file ``originals_sweep`` removed (or would remove), or put back under its name."""

    name: str
    size: int
    kind: str
    """"staged" (left by an import that did not finish), "unreferenced" (no document
    refers to it) or "restored" (a staged copy of a document's missing original)."""
    freed: int
    """Bytes its removal gives back: its size if it was the file's last name, else 0."""


@dataclass(frozen=True)
class _Found:
    name: str
    path: Path
    stat: os.stat_result
    final: str = ""
    """For a staged file, the storage name of the original it stands beside."""


def originals_sweep(
    *, older_than: datetime.timedelta, dry_run: bool = False
) -> list[SweptOriginal]:
    """Remove the files under ``originals/`` that no document refers to and that were last
    changed more than ``older_than`` ago; never a file a document refers to.

    Those are the staged files of imports that were killed (their transaction never ended),
    and originals whose documents are gone or never committed. Age spares the files of
    imports still running: a staged file is new while its transaction is open, and so is
    the original it links to. A staged file whose original is missing while a document
    refers to it (a process killed between its commit and putting the original in place)
    is put back under its name instead. With ``dry_run`` nothing changes and the list says
    what would. Only for originals kept on the file system (the settings' storage).
    """
    if not isinstance(default_storage, FileSystemStorage):
        raise ValueError("Originals are not kept on the file system here; nothing to sweep.")
    location = Path(default_storage.path(""))
    cutoff = datetime.datetime.now(tz=datetime.UTC).timestamp() - older_than.total_seconds()
    found = _originals_on_disk(location)
    finals = [entry for entry in found if not entry.final]
    referenced = _referenced(
        {entry.name: None for entry in finals}
        | {entry.final: None for entry in found if entry.final}
    )
    # The staged files of one original are its other links; it may go once they all do.
    stale_links: dict[tuple[int, int], int] = {}
    restored: list[SweptOriginal] = []
    gone: list[tuple[_Found, str]] = []
    for entry in found:
        # A link, unlink or write changes a file's ctime: the last time anything held it.
        if entry.final and entry.stat.st_ctime < cutoff:
            stale_links[_inode(entry)] = stale_links.get(_inode(entry), 0) + 1
            final = location / entry.final
            if entry.final in referenced and not final.exists():
                restored.append(SweptOriginal(entry.final, entry.stat.st_size, "restored", 0))
                if not dry_run:
                    _put_back(entry.path, final)
                continue
            gone.append((entry, "staged"))
            if not dry_run:
                entry.path.unlink(missing_ok=True)
    unreferenced = {
        entry.name: entry
        for entry in finals
        if entry.name not in referenced
        and entry.stat.st_ctime < cutoff
        and entry.stat.st_nlink - 1 == stale_links.get(_inode(entry), 0)
    }
    if dry_run:
        removed = set(unreferenced)
    else:
        removed = _remove_unreferenced({name: e.path for name, e in unreferenced.items()})
    gone += [(unreferenced[name], "unreferenced") for name in sorted(removed)]
    # Space comes back when a file's last link goes: count each file once, and only then.
    links_gone: dict[tuple[int, int], int] = {}
    for entry, _ in gone:
        links_gone[_inode(entry)] = links_gone.get(_inode(entry), 0) + 1
    swept = list(restored)
    for entry, kind in gone:
        key = _inode(entry)
        links_gone[key] -= 1
        freed = entry.stat.st_size if links_gone[key] == 0 and _all_gone(entry, gone) else 0
        swept.append(SweptOriginal(entry.name, entry.stat.st_size, kind, freed))
    return sorted(swept, key=lambda item: item.name)


def _inode(entry: _Found) -> tuple[int, int]:
    return (entry.stat.st_dev, entry.stat.st_ino)


def _all_gone(entry: _Found, gone: list[tuple[_Found, str]]) -> bool:
    return sum(1 for other, _ in gone if _inode(other) == _inode(entry)) == entry.stat.st_nlink


def _originals_on_disk(location: Path) -> list[_Found]:
    """The originals and the staged files beside them, as the storage names them."""
    found = []
    for folder, _, files in os.walk(location / "originals"):
        here = Path(folder)
        for file in files:
            path = here / file
            stat = path.lstat()
            if not S_ISREG(stat.st_mode):
                continue
            name = path.relative_to(location).as_posix()
            staged = STAGED_ORIGINAL.match(file)
            if staged and ORIGINAL_NAME.match(staged["name"]):
                final = (here / staged["name"]).relative_to(location).as_posix()
                found.append(_Found(name, path, stat, final))
            elif ORIGINAL_NAME.match(file):
                found.append(_Found(name, path, stat))
    return found


def _stage_original(final: Path, data: bytes) -> Path:
    """Write ``data`` under a staged name beside ``final`` and link it to ``final``; return
    the staged name. When ``final`` exists (the same bytes, kept by hash), the staged name
    is a link to it and nothing is written."""
    staged = final.with_name(f".{final.name}.{secrets.token_hex(6)}.staged")
    try:
        os.link(final, staged)
        return staged
    except FileNotFoundError:
        pass
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        descriptor = os.open(staged, flags, 0o600)
    except FileNotFoundError:  # the first original in this folder
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(staged, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    # Whole before it has its name, so no reader sees it half written; FileExistsError: the
    # same bytes were kept meanwhile by another import.
    with contextlib.suppress(FileExistsError):
        os.link(staged, final)
    return staged
