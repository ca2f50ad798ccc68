"""Bytes for the network: a ZIP made entry by entry, text gathered into blocks."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any


class _Sink:
    """A write-only file for ``zipfile`` whose bytes are taken away as they come."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def zip_stream(
    entries: Iterator[tuple[str, Iterable[str | bytes]]], manifest: dict[str, Any], bundle: bool
) -> Iterator[bytes]:
    """A ZIP produced entry by entry; a bundle ends with its manifest of file hashes."""
    sink = _Sink()
    files: dict[str, str] = {}
    # zipfile writes to any object with write() and flush(); its stubs want a real file.
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        root = ""
        for name, pieces in entries:
            root = name.split("/", 1)[0]
            digest = hashlib.sha256()
            with archive.open(name, "w", force_zip64=True) as entry:
                for piece in pieces:
                    data = piece.encode("utf-8") if isinstance(piece, str) else piece
                    digest.update(data)
                    entry.write(data)
                    if len(sink._buffer) > 1 << 16:
                        yield sink.take()
            files[name.split("/", 1)[1]] = digest.hexdigest()
            yield sink.take()
        if bundle:
            manifest["files"] = files
            archive.writestr(
                f"{root}/manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1)
            )
    yield sink.take()


def encoded(pieces: Iterable[str | bytes]) -> Iterator[bytes]:
    """Pieces as bytes, gathered into blocks of about 64 KiB for the network."""
    block: list[bytes] = []
    size = 0
    for piece in pieces:
        data = piece.encode("utf-8") if isinstance(piece, str) else piece
        block.append(data)
        size += len(data)
        if size >= 1 << 16:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)
