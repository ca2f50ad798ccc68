"""This product's own export bundles: verified against their manifest, their JSONL corpus
imported, their taxonomy offered."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import User
from django.db.models import OuterRef, Subquery

from annotator.extractors import COMPANION_FILE_NAMES, CORPUS_SUFFIXES
from annotator.formats.archive import Member
from annotator.formats.bundle import MANIFEST, TAXONOMY, Bundle, taxonomy_file_data, verify_members
from annotator.formats.companions import companions_of
from annotator.models import Category, ImportedSpan, Project
from annotator.services.audit import audited
from annotator.services.importing.corpora import corpus
from annotator.services.importing.report import (
    Context,
    FileResult,
    OfferedTaxonomy,
    Outcome,
    Ready,
    SourceFile,
    count_of,
    failed,
)
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import TaxonomyError, taxonomy_from_data

# Bundles whose data files are imported. The readers of brat, CoNLL and W3C files would read
# those bundles' files too, but they are refused as before until that is decided.
IMPORTABLE_FORMATS = ("jsonl",)


def bundle_entries(
    source: SourceFile, members: list[Member], bundle: Bundle, context: Context
) -> Iterator[FileResult | Ready]:
    """A bundle's files: verified together, then its corpus, its taxonomy, its manifest."""
    read = {member.name: member.data for member in members if member.data is not None}
    verification = verify_members(read)
    if not verification.intact:
        yield from unverified(source, members, bundle, verification.problems)
        return
    data_files = [
        member.name
        for member in members
        if bundle.relative(member.name) not in (MANIFEST, TAXONOMY, None)
    ]
    importable = bundle.format in IMPORTABLE_FORMATS and all(
        PurePath(name).suffix.lower() in (*CORPUS_SUFFIXES, ".txt")
        or PurePath(name).name.lower() in COMPANION_FILE_NAMES
        for name in data_files
    )
    companions, consumed = companions_of({name: read[name] for name in data_files if name in read})
    taxonomy_path = bundle.path(TAXONOMY)
    # Loaded (when asked) before the corpus is written, so its spans find their categories.
    taxonomy = (
        bundle_taxonomy(f"{source.name}/{taxonomy_path}", read[taxonomy_path], context)
        if taxonomy_path in read
        else None
    )
    refused_format = False
    for member in members:
        name = f"{source.name}/{member.name}"
        relative = bundle.relative(member.name)
        if member.data is None:
            yield failed(name, member.error)
        elif relative == MANIFEST:
            yield FileResult(
                name,
                Outcome.NOTE,
                f"Verified: {count_of(verification.files, 'file')} match it "
                f"({count_of(verification.documents, 'document text')} checked against their "
                "SHA-256).",
            )
        elif relative == TAXONOMY and taxonomy is not None:
            yield taxonomy
        elif importable and member.name in consumed:
            continue  # read with the file it belongs to (a brat .ann with its .txt)
        elif importable and PurePath(member.name).name.lower() == "annotation.conf":
            yield FileResult(
                name,
                Outcome.NOTE,
                "brat's configuration: the bundle's taxonomy.json is offered instead.",
            )
        elif importable:
            yield from corpus(
                SourceFile(
                    name,
                    member.data,
                    source.metadata,
                    source.offset_unit,
                    companions.get(member.name, {}),
                ),
                context,
            )
        elif not refused_format:
            refused_format = True
            yield failed(
                name if len(data_files) == 1 else f"{source.name}/{bundle.root}/",
                f"This bundle holds a {bundle.format or 'unnamed'} export, which cannot be "
                "imported yet; a JSONL bundle can (export with the format JSON Lines and a "
                "bundle, or export_corpus --format jsonl --bundle).",
            )


def unverified(
    source: SourceFile, members: list[Member], bundle: Bundle, problems: list[str]
) -> Iterator[FileResult]:
    """Every file of a bundle that does not match its manifest, refused."""
    listed = "; ".join(problems)
    for member in members:
        name = f"{source.name}/{member.name}"
        relative = bundle.relative(member.name)
        if member.data is None:
            yield failed(name, member.error)
        elif relative == MANIFEST:
            yield failed(
                name,
                f"The bundle does not match its manifest ({count_of(len(problems), 'problem')}), "
                "so nothing of it was imported.",
            )
        elif relative == TAXONOMY:
            yield failed(name, "Not offered: the bundle does not match its manifest.")
        else:
            yield failed(
                name,
                "Not imported: the bundle does not match its manifest, so its corpus is not "
                f"what was exported: {listed}",
            )


def bundle_taxonomy(name: str, data: bytes, context: Context) -> FileResult:
    """The report's row for a bundle's taxonomy; its missing categories loaded if asked."""
    try:
        file_data = taxonomy_file_data(data)
    except ValueError as error:
        return failed(name, str(error))
    return taxonomy_offer(name, file_data, context)


def taxonomy_offer(name: str, file_data: dict[str, Any], context: Context) -> FileResult:
    """The report's row for a taxonomy that came with an import (a bundle's taxonomy.json,
    brat's annotation.conf), in a taxonomy file's form: a note saying which of its categories
    the project lacks, those loaded when asked (``load_taxonomy``)."""
    try:
        specs = taxonomy_from_data(file_data)
    except TaxonomyError as error:
        return failed(name, f"It is not a taxonomy that can be loaded: {error}")
    existing = set(Category.objects.filter(project=context.project).values_list("code", flat=True))
    missing = tuple(spec.code for spec in specs if spec.code not in existing)
    offer = OfferedTaxonomy(categories=tuple(file_data["categories"]), missing=missing)
    if context.load_taxonomy and missing:
        try:
            created = bundle_taxonomy_load(
                project=context.project,
                categories=offer.categories,
                actor=context.imported_by,
                source=name,
            )
        except TaxonomyError as error:
            return failed(name, f"Its categories could not be loaded: {error}")
        offer = OfferedTaxonomy(offer.categories, tuple(created), loaded=True)
    return FileResult(
        name, Outcome.NOTE, taxonomy_note(len(specs), offer.missing, offer.loaded), taxonomy=offer
    )


def taxonomy_note(total: int, missing: Sequence[str], loaded: bool) -> str:
    """What the report says of a bundle's taxonomy."""
    held = f"It holds {total} categor{'y' if total == 1 else 'ies'}"
    if not missing:
        return f"{held}, all of them already in this project."
    codes = ", ".join(missing)
    if loaded:
        return f"{held}; the {len(missing)} not yet in this project were loaded: {codes}."
    return f"{held}; {len(missing)} not yet in this project: {codes}."


@audited
def bundle_taxonomy_load(
    *,
    project: Project,
    categories: Sequence[Mapping[str, Any]],
    actor: User | None,
    source: str,
) -> list[str]:
    """Create the categories of a bundle's taxonomy that the project lacks; return their codes.

    ``categories`` are in a taxonomy file's form (``taxonomy_file_data``) and are checked
    again here. A category the project has is never changed. Spans imported before, whose
    category code names one of the new categories, are linked to it.
    """
    specs = taxonomy_from_data({"categories": [dict(category) for category in categories]})
    report = taxonomy_load(
        project=project, specs=specs, update_existing=False, actor=actor, source=source
    )
    if report.created:
        ImportedSpan.objects.filter(
            document__project=project, category__isnull=True, category_code__in=report.created
        ).update(
            category=Subquery(
                Category.objects.filter(project=project, code=OuterRef("category_code")).values(
                    "pk"
                )[:1]
            )
        )
    return report.created
