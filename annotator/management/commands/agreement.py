"""Print a project's agreement figures, as on its agreement page."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from annotator.corpus_agreement import (
    FIGURE_COLUMNS,
    few_documents,
    figure_rows,
    figures_document,
    reading,
)
from annotator.formats.tabular import csv_lines
from annotator.management.commands._project import ProjectCommand
from annotator.models import DocumentStatus, Project
from annotator.selectors.agreement import (
    agreement_document_rows,
    agreement_document_values,
    agreement_documents,
    reviewer_names,
)
from annotator.services.agreement import AgreementFilters, agreement_report


class Command(ProjectCommand):
    help = (
        "Agreement between a project's reviewers: unitizing alpha, token kappa and alpha, span "
        "F1, reviewers against gold, with bootstrap intervals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument("--status", choices=DocumentStatus.values, default="")
        parser.add_argument("--language", default="", help="Only documents in this language.")
        parser.add_argument(
            "--query", default="", help="Only documents whose title or text has it."
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Compute again even if the stored figures are current.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = self.project(options)
        filters = AgreementFilters(
            query=options["query"], status=options["status"], language=options["language"]
        )
        report = agreement_report(project=project, filters=filters, refresh=options["refresh"])
        figures = report.figures
        names = reviewer_names(project=project, reviewer_ids=figures["reviewers"])
        documents = agreement_document_values(
            documents=agreement_document_rows(
                documents=agreement_documents(project=project, **filters.as_dict())
            )
        )
        if options["format"] == "json":
            document = figures_document(
                project=project.slug,
                filters=report.filters,
                computed_at=report.computed_at.isoformat(),
                names=names,
                figures=figures,
                documents=documents,
                hide_ids=project.anonymous_moderation,
            )
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=1))
        elif options["format"] == "csv":
            rows = figure_rows(figures, names=names, documents=documents)
            for line in csv_lines(FIGURE_COLUMNS, rows):
                self.stdout.write(line, ending="")
        else:
            self._table(project, report, names, documents)

    def _table(self, project: Project, report: Any, names: dict, documents: list[dict]) -> None:
        figures = report.figures
        write = self.stdout.write
        write(
            f"Agreement in {project.name} ({project.slug}): "
            f"{_count(figures['documents'], 'document')} with two or more submitted layers, "
            f"{_count(len(figures['reviewers']), 'reviewer')}, "
            f"{_count(figures['spans'], 'span')}, {_count(figures['tokens'], 'token')}."
        )
        write(f"Computed {report.computed_at:%Y-%m-%d %H:%M:%S} UTC in {report.seconds} s.\n")
        labels = {
            "unitizing_alpha": "Unitizing alpha (characters)",
            "token_alpha": "Nominal alpha (tokens)",
            "token_kappa": "Cohen's kappa (tokens, mean of pairs)",
            "f1_exact": "Span F1 between reviewers, exact",
            "f1_overlap": "Span F1 between reviewers, overlap",
        }
        rough = figures["bootstrap"].get("few_documents", few_documents(figures["documents"]))
        for key, label in labels.items():
            estimate = figures["headline"][key]
            rough_on = figures["documents"] if rough else None
            write(_estimate_line(label, estimate, rough_on, alpha=key.endswith("alpha")))
        write("\nBy category (unitizing alpha, F1 exact, F1 overlap, spans):")
        for row in figures["categories"]:
            write(
                f"  {row['code']:<28} {_number(row['unitizing_alpha']):>9} "
                f"{_number(row['f1_exact']):>9} {_number(row['f1_overlap']):>9} {row['spans']:>8}"
            )
        for matching, confusion in figures.get("confusion", {}).items():
            write(
                f"\nCategory confusion between reviewers, spans matched {matching} "
                f"({_count(confusion['pairs'], 'pair')}, {confusion['agreeing']} agreeing):"
            )
            for cell in confusion["cells"]:
                write(f"  {cell['a']:<28} {cell['b']:<28} {cell['count']:>8}")
        write(
            "\nEvidence attributes of spans matched by boundaries and category "
            "(nominal alpha, matched spans):"
        )
        attribute_labels = {
            "evidence_status": "Status of the allegation",
            "source_type": "Type of source",
        }
        for key, label in attribute_labels.items():
            estimate = figures.get("attributes", {}).get(key)
            if estimate is None:
                write(f"  {label:<40} {'—':>9}")
                continue
            rests_on = estimate["documents"] if estimate["few_documents"] else None
            line = _estimate_line(label, estimate, rests_on, alpha=True)
            write(f"{line}  on {_count(estimate['units'], 'span')}")
        write("\nReviewer pairs (shared documents, kappa, F1 exact, F1 overlap):")
        for row in figures["pairs"]:
            pair = f"{names.get(row['a'], row['a'])} and {names.get(row['b'], row['b'])}"
            write(
                f"  {pair:<28} {row['documents']:>9} {_number(row['kappa']):>9} "
                f"{_number(row['f1_exact']):>9} {_number(row['f1_overlap']):>9}"
            )
        write("\nDocuments, least agreement first (unitizing alpha, open items):")
        for row in documents[:20]:
            write(
                f"  #{row['id']:<7} {_number(row['agreement']):>9} {row['open_items']:>5}  "
                f"{row['title'][:60]}"
            )
        if len(documents) > 20:
            write(f"  … and {len(documents) - 20} more (use --format csv or json for all).")
        gold = figures["gold"]
        write(
            f"\nReviewers against gold on {gold['documents']} reconciled documents "
            "(category, precision, recall, F1, F1 overlap):"
        )
        for row in gold["rows"]:
            reviewer = names.get(row["reviewer"], row["reviewer"])
            write(
                f"  {reviewer:<20} {row['category'] or 'all':<24} "
                f"{_number(row['precision']):>9} {_number(row['recall']):>9} "
                f"{_number(row['f1']):>9} {_number(row['f1_overlap']):>9}"
            )


def _estimate_line(
    label: str, estimate: dict[str, Any], rough_on: int | None, *, alpha: bool
) -> str:
    """One figure with its interval (flagged as rough when ``rough_on``, the number of
    documents it rests on, is given) and, for an alpha, its reading."""
    line = f"  {label:<40} {_number(estimate['value']):>9}"
    if estimate["low"] is not None:
        line += f"  95% CI {_number(estimate['low'])} to {_number(estimate['high'])}"
        if rough_on is not None:
            line += f", rough: resting on only {_count(rough_on, 'document')}"
    if alpha:
        line += f"  ({reading(estimate['value'])})"
    return line


def _number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
