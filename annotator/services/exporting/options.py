"""What an export is asked for, what it gives back, and its refusal."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from annotator.selectors.exporting import ExportLayer

if TYPE_CHECKING:
    from annotator.services.exporting.summary import ExportSummary


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ExportOptions:
    format: str
    layer: str = ExportLayer.GOLD
    status: str = ""
    category: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    names: bool = False
    bundle: bool = False
    bom: bool = False

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> ExportOptions:
        """The options named in ``values`` (a form's cleaned data, a command's options);
        other keys are ignored and missing ones keep their defaults."""
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})

    def described(self) -> dict[str, Any]:
        described = asdict(self)
        for key in ("since", "until"):
            described[key] = described[key].isoformat() if described[key] else None
        return described


@dataclass
class Export:
    filename: str
    content_type: str
    chunks: Iterator[bytes]
    documents: int
    manifest: dict[str, Any] = field(default_factory=dict)
    summary: ExportSummary | None = None
    """Set when the stream has been read to its end."""
