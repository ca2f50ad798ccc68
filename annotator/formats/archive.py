"""Reading the files of a ZIP archive safely: no path escapes, no bombs.

An uploaded archive is untrusted. Every member is read into memory (never extracted to
disk), so a path such as ``../../etc/passwd`` cannot write anywhere; such a member is still
refused, by name, because it says the archive was made to do harm or by mistake. A *ZIP bomb*
(a small file that inflates to gigabytes) is stopped by limits on the number of files and on
the total uncompressed size, counted on the bytes actually inflated, not on the sizes the
archive declares.

Formats that are ZIP packages themselves (a Word .docx: XML parts and media in a ZIP) are
read with ``package_parts``: before anything is parsed, the sizes the package declares and
how many times its compressed size each part claims to inflate to are checked, and then
every part is inflated through the same capped reader, so that a package whose headers lie
is stopped as it inflates. A few hundred kilobytes of repeated XML inflate to hundreds of
megabytes, which an XML parser turns into gigabytes and a document of tens of millions of
characters.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

# Folders and files that archiving tools add and nobody means to import.
_IGNORED_PARTS = ("__MACOSX",)
_CHUNK = 1 << 16
_MB = 1_000_000


class ArchiveError(ValueError):
    """The archive as a whole cannot be read; the message says why."""


class PackageTooLarge(ArchiveError):
    """A ZIP-based document holds, or would inflate to, more than its limits allow."""


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


@dataclass(frozen=True)
class PackageLimits:
    """How much a ZIP-based document (a .docx) may hold once inflated.

    ``max_total_bytes`` for the whole package and ``max_part_bytes`` for any one part;
    ``max_ratio`` is how many times its compressed size a part, or the whole package, may
    inflate to. Text and XML deflate about ten times and pictures hardly at all; only a
    made-up file reaches a hundred. Parts of up to ``ratio_allowance`` bytes are not held to
    the ratio, since a small part of repeated markup can compress far better and costs
    nothing to parse. The defaults let through a document at the text limit (five million
    characters are some 20 to 40 MB of WordprocessingML) with its pictures.
    """

    max_total_bytes: int = 100 * _MB
    max_part_bytes: int = 50 * _MB
    max_parts: int = 10_000
    max_ratio: int = 100
    ratio_allowance: int = 1 * _MB


DOCUMENT_PACKAGE_LIMITS = PackageLimits()


def package_parts(
    package: zipfile.ZipFile, *, package_size: int, limits: PackageLimits = DOCUMENT_PACKAGE_LIMITS
) -> dict[str, bytes]:
    """The parts of a ZIP-based document, inflated within ``limits``, by name.

    ``package_size`` is the size of the file the package was read from. Raises
    ``PackageTooLarge`` before inflating anything when the declared sizes or ratios are over
    the limits, and while inflating when a part gives more than it declared (the limits
    hold on what was declared, so they hold on what is inflated); ``ArchiveError`` when a
    part is damaged. Their messages are clauses ("its part word/document.xml inflates
    to …"). Encrypted parts are the caller's to refuse first. A name that appears twice is
    the last one's, as ``zipfile`` reads it, and both count.
    """
    infos = [info for info in package.infolist() if not info.is_dir()]
    _check_declared(infos, package_size, limits)
    parts: dict[str, bytes] = {}
    for info in infos:
        # Every limit holds on the declared sizes, so a part may give no more than it
        # declared: one byte beyond is a header that lies, and reading stops there.
        try:
            content = _read(package, info, info.file_size)
        except _TooLarge:
            raise PackageTooLarge(
                f"its part {info.filename} inflates to more than the {info.file_size:,} bytes "
                "its header declares; it was stopped there"
            ) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
            raise ArchiveError(
                f"its part {info.filename} is damaged ({error}): what it holds is not what the "
                "package says"
            ) from None
        parts[info.filename] = content
    return parts


def stored_package(parts: Mapping[str, bytes]) -> bytes:
    """``parts`` as a ZIP without compression, for a reader that opens the package itself:
    it then reads exactly the bytes ``package_parts`` counted."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as package:
        for name, content in parts.items():
            package.writestr(name, content)
    return buffer.getvalue()


def _ratio_bound(compressed: int, limits: PackageLimits) -> int:
    return max(limits.ratio_allowance, limits.max_ratio * compressed)


def _check_declared(infos: list[zipfile.ZipInfo], package_size: int, limits: PackageLimits) -> None:
    if len(infos) > limits.max_parts:
        raise PackageTooLarge(
            f"it holds {len(infos):,} parts; a document may hold at most {limits.max_parts:,}"
        )
    for info in infos:
        compressed = min(info.compress_size, package_size)
        if info.file_size > _ratio_bound(compressed, limits):
            raise PackageTooLarge(
                f"its part {info.filename} inflates to {info.file_size / max(compressed, 1):,.0f} "
                f"times its compressed size ({_size(info.file_size)} from "
                f"{_size(compressed)}), as only a ZIP bomb does; at most "
                f"{limits.max_ratio} times is accepted"
            )
        if info.file_size > limits.max_part_bytes:
            raise PackageTooLarge(
                f"its part {info.filename} inflates to {_size(info.file_size)}; one part "
                f"may inflate to at most {_size(limits.max_part_bytes)}"
            )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_total_bytes:
        raise PackageTooLarge(
            f"it inflates to {_size(declared)}; a document may inflate to at most "
            f"{_size(limits.max_total_bytes)}"
        )
    if declared > _ratio_bound(package_size, limits):
        raise PackageTooLarge(
            f"it inflates to {declared / max(package_size, 1):,.0f} times its size "
            f"({_size(declared)} from {_size(package_size)}), as only a ZIP bomb "
            f"does; at most {limits.max_ratio} times is accepted"
        )


def _size(size: int) -> str:
    if size >= _MB:
        return f"{size / _MB:,.1f} MB"
    return f"{size / 1000:,.0f} KB" if size >= 1000 else f"{size:,} bytes"
