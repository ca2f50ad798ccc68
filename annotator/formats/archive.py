"""Reading the files of a ZIP archive safely: no path escapes, no bombs.

An uploaded archive is untrusted. Every member is read into memory (never extracted to
disk), so a path such as ``../../etc/passwd`` cannot write anywhere; such a member is still
refused, by name, because it says the archive was made to do harm or by mistake. A *ZIP bomb*
(a small file that inflates to gigabytes) is stopped by limits on the number of files and on
the total uncompressed size, counted on the bytes actually inflated, not on the sizes the
archive declares.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

# Folders and files that archiving tools add and nobody means to import.
_IGNORED_PARTS = ("__MACOSX",)
_CHUNK = 1 << 16


class ArchiveError(ValueError):
    """The archive as a whole cannot be read; the message says why."""


@dataclass(frozen=True)
class Member:
    """One file of an archive: its bytes, or why it was not read."""

    name: str
    data: bytes | None
    error: str = ""


def zip_members(
    data: bytes, *, max_files: int, max_total_bytes: int, max_file_bytes: int
) -> list[Member]:
    """The files of a ZIP archive, in archive order.

    Raises ``ArchiveError`` for what makes the whole archive suspect (not a ZIP, more than
    ``max_files`` files, more than ``max_total_bytes`` once inflated). A single member that
    cannot be read (a path escaping the archive, encryption, a ZIP inside the ZIP, more than
    ``max_file_bytes``) comes back with an ``error`` and the others are read.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ArchiveError(f"The file is not a readable ZIP archive ({error}).") from None
    with archive:
        infos = [info for info in archive.infolist() if _wanted(info)]
        if len(infos) > max_files:
            raise ArchiveError(
                f"The archive holds {len(infos):,} files; at most {max_files:,} are accepted "
                "in one archive."
            )
        declared = sum(info.file_size for info in infos)
        if declared > max_total_bytes:
            raise ArchiveError(_too_big(declared, max_total_bytes))
        members, inflated = [], 0
        for info in infos:
            problem = _member_problem(info, max_file_bytes)
            if problem:
                members.append(Member(info.filename, None, problem))
                continue
            remaining = max_total_bytes - inflated
            try:
                content = _read(archive, info, min(max_file_bytes, remaining))
            except _TooLarge:
                # Sizes an archive declares can lie: the limits hold on what was inflated.
                if max_file_bytes < remaining:
                    members.append(Member(info.filename, None, _file_too_big(max_file_bytes)))
                    continue
                raise ArchiveError(_too_big(max_total_bytes + 1, max_total_bytes)) from None
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
                members.append(Member(info.filename, None, f"It could not be read ({error})."))
                continue
            inflated += len(content)
            members.append(Member(info.filename, content))
        return members


class _TooLarge(Exception):
    pass


def _wanted(info: zipfile.ZipInfo) -> bool:
    if info.is_dir():
        return False
    parts = PurePosixPath(info.filename.replace("\\", "/")).parts
    return not any(part in _IGNORED_PARTS or part.startswith("._") for part in parts)


def _member_problem(info: zipfile.ZipInfo, max_file_bytes: int) -> str:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or ".." in path.parts or (len(name) > 1 and name[1] == ":"):
        return "Its path leads outside the archive's folder; it was not read."
    if info.flag_bits & 0x1:
        return "It is encrypted; add it without a password."
    if path.suffix.lower() == ".zip":
        return "An archive inside an archive is not opened; add its files instead."
    if info.file_size > max_file_bytes:
        return _file_too_big(max_file_bytes)
    return ""


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, stopping as soon as more than ``limit`` have been inflated."""
    buffer = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            buffer += chunk
            if len(buffer) > limit:
                raise _TooLarge
    return bytes(buffer)


def _too_big(size: int, limit: int) -> str:
    return (
        f"The archive inflates to more than {limit / 1e6:,.0f} MB (at least "
        f"{size / 1e6:,.0f} MB); split it into smaller archives."
    )


def _file_too_big(limit: int) -> str:
    return f"It is larger than the limit of {limit / 1e6:,.0f} MB for one file."
