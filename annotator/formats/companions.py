"""Which files of an upload or an archive are read together: a brat ``.txt`` with its
``.ann``, a UIMA XMI with the ``TypeSystem.xml`` it was written with. Pure: names and bytes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

TYPESYSTEM = "typesystem.xml"


def companions_of(read: Mapping[str, bytes]) -> tuple[dict[str, dict[str, bytes]], set[str]]:
    """For the files of an archive (or of one upload), by name: the files each is read with
    (a brat ``.txt`` its ``.ann``, an XMI the nearest ``TypeSystem.xml``: in its folder, a
    folder above, or the archive's only one), and the names read only as companions."""
    companions: dict[str, dict[str, bytes]] = {}
    consumed: set[str] = set()
    lowered = {name.lower(): name for name in read}
    typesystems = [name for name in read if PurePosixPath(name).name.lower() == TYPESYSTEM]
    for name in read:
        path = PurePosixPath(name)
        if path.suffix.lower() == ".ann":
            txt = lowered.get(str(path.with_suffix(".txt")).lower())
            if txt is not None:
                companions.setdefault(txt, {})["ann"] = read[name]
                consumed.add(name)
        elif path.suffix.lower() == ".xmi":
            found = None
            for folder in path.parents:
                prefix = "" if str(folder) == "." else f"{folder}/"
                found = next(
                    (t for t in typesystems if t.lower() == f"{prefix}{TYPESYSTEM}".lower()), None
                )
                if found:
                    break
            if found is None and len(typesystems) == 1:
                found = typesystems[0]
            if found is not None:
                companions.setdefault(name, {})[TYPESYSTEM] = read[found]
    return companions, consumed
