"""Export a project's annotated corpus from the command line."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from annotator.management.commands._project import ProjectCommand
from annotator.models import Role
from annotator.selectors.exporting import ExportLayer
from annotator.services.exporting import (
    FORMATS,
    ExportError,
    ExportOptions,
    ExportSummary,
    export_start,
)


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from None


class Command(ProjectCommand):
    help = (
        "Export a project's annotations: jsonl, csv, w3c, brat, conll or spacy; the gold "
        "layer, every submitted reviewer's layer, or all; reviewers as pseudonyms."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--format", required=True, choices=list(FORMATS))
        parser.add_argument("--layer", default=ExportLayer.GOLD, choices=ExportLayer.values)
        parser.add_argument(
            "--output", required=True, help="The file to write, or - for standard output."
        )
        parser.add_argument("--status", default="", help="Only documents with this status.")
        parser.add_argument("--category", default="", help="Only spans of this category code.")
        parser.add_argument("--since", type=_date, help="Imported on or after (YYYY-MM-DD).")
        parser.add_argument("--until", type=_date, help="Imported on or before (YYYY-MM-DD).")
        parser.add_argument(
            "--names", action="store_true", help="Reviewers' user names instead of pseudonyms."
        )
        parser.add_argument(
            "--bundle",
            action="store_true",
            help="A ZIP with the data, the taxonomy and a manifest of SHA-256 hashes.",
        )
        parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM.")

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options)
        choice = ExportOptions.from_values(options)
        to_stdout = options["output"] == "-"
        fmt = FORMATS[choice.format]  # argparse allowed only these
        if to_stdout and (choice.bundle or fmt.archive or fmt.binary):
            raise CommandError(
                "Standard output takes single text files only; give --output a file name for "
                "bundles, brat and spaCy."
            )
        bar = tqdm(unit="document", file=sys.stderr, disable=None)
        try:
            export = export_start(
                project=project, options=choice, actor=None, role=Role.MANAGER,
                progress=lambda n: bar.update(n - bar.n),
            )  # fmt: skip
        except ExportError as error:
            bar.close()
            raise CommandError(str(error)) from None
        bar.total = export.documents
        if to_stdout:
            for chunk in export.chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            bar.close()
            # The data is on standard output; what it holds goes beside it.
            self.stderr.write("\n".join(summary_lines("standard output", export.summary)))
            return
        path = Path(options["output"])
        with path.open("wb") as stream:
            for chunk in export.chunks:
                stream.write(chunk)
        bar.close()
        self.stdout.write("\n".join(summary_lines(str(path), export.summary)))


def summary_lines(where: str, summary: ExportSummary | None) -> list[str]:
    """What the written file holds: a line in all, a line for each thing done to spans,
    then the same counts for each category."""
    if summary is None:
        raise CommandError(f"Wrote {where}, but the export ended without its summary.")
    counts = dict(summary.counts)
    selected, written = counts.pop("spans_selected"), counts.pop("spans_written")
    lines = [
        f"Wrote {where}: {summary.documents} documents, {written} spans written of "
        f"{selected} selected."
    ]
    labels = summary.labels()
    lines += [f"  {labels[key]}: {count}" for key, count in counts.items()]
    keys = list(summary.counts)
    table = [["category", *keys]]
    table += [[code, *map(str, values.values())] for code, values in summary.categories.items()]
    widths = [max(len(row[column]) for row in table) for column in range(len(keys) + 1)]
    lines.append("By category:")
    for row in table:
        cells = [row[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines
