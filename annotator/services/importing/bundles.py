"""This product's own export bundles: verified against their manifest, their JSONL corpus
imported, their taxonomy offered: its categories, relation types and incident roles that
the project lacks are created when asked, and those it has are never changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import User
from django.db.models import OuterRef, Subquery

from annotator.extractors import COMPANION_FILE_NAMES, CORPUS_SUFFIXES
from annotator.formats.archive import Member
from annotator.formats.bundle import MANIFEST, TAXONOMY, Bundle, taxonomy_file_data, verify_members
from annotator.formats.companions import companions_of
from annotator.models import Category, ImportedSpan, Project
from annotator.selectors.incidents import incident_role_specs
from annotator.selectors.relations import relation_type_specs
from annotator.services.audit import audited
from annotator.services.importing.corpora import corpus
from annotator.services.importing.relations import imported_relation_types_link
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
from annotator.services.incident_roles import COMPARED_FIELDS as ROLE_FIELDS
from annotator.services.relation_types import COMPARED_FIELDS as RELATION_FIELDS
from annotator.services.taxonomy import TaxonomyReport, taxonomy_load
from annotator.taxonomy import TaxonomyError
from annotator.taxonomy_relations import TaxonomyFile, taxonomy_file_from_data

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
    brat's annotation.conf), in a taxonomy file's form: a note saying which of its
    categories, relation types and incident roles the project lacks, those loaded when
    asked (``load_taxonomy``), and which of those the project has it defines otherwise
    (kept as they are)."""
    try:
        taxonomy = taxonomy_file_from_data(file_data)
    except TaxonomyError as error:
        return failed(name, f"It is not a taxonomy that can be loaded: {error}")
    offer = _offer(context.project, file_data, taxonomy)
    if context.load_taxonomy and offer.lacking:
        try:
            report = bundle_taxonomy_load(
                project=context.project,
                categories=offer.categories,
                relation_types=offer.relation_types,
                incident_roles=offer.incident_roles,
                actor=context.imported_by,
                source=name,
            )
        except TaxonomyError as error:
            return failed(name, f"Its taxonomy could not be loaded: {error}")
        offer = loaded_offer(offer, report)
    return FileResult(name, Outcome.NOTE, taxonomy_note(offer), taxonomy=offer)


def _offer(project: Project, file_data: dict[str, Any], taxonomy: TaxonomyFile) -> OfferedTaxonomy:
    """What the project lacks of a taxonomy, and what it defines otherwise."""
    existing = set(Category.objects.filter(project=project).values_list("code", flat=True))
    relation_types = {spec.code: spec for spec in relation_type_specs(project=project)}
    roles = {spec.code: spec for spec in incident_role_specs(project=project)}
    differing = [
        *_differing("relation type", taxonomy.relation_types, relation_types, RELATION_FIELDS),
        *_differing("incident role", taxonomy.incident_roles, roles, ROLE_FIELDS),
    ]
    return OfferedTaxonomy(
        categories=tuple(file_data["categories"]),
        missing=tuple(spec.code for spec in taxonomy.categories if spec.code not in existing),
        relation_types=tuple(file_data.get("relation_types", ())),
        missing_relation_types=tuple(
            spec.code for spec in taxonomy.relation_types if spec.code not in relation_types
        ),
        incident_roles=tuple(file_data.get("incident_roles", ())),
        missing_incident_roles=tuple(
            spec.code for spec in taxonomy.incident_roles if spec.code not in roles
        ),
        differing=tuple(differing),
    )


def _differing(
    noun: str, specs: Sequence[Any], stored: Mapping[str, Any], fields: Sequence[str]
) -> Iterator[str]:
    """A note for each of ``specs`` the project has (``stored``, by code) with other
    ``fields``; lists of category codes are compared as sets (the order is the project's)."""

    def value(spec: Any, name: str) -> Any:
        found = getattr(spec, name)
        is_codes = isinstance(found, tuple) and all(isinstance(item, str) for item in found)
        return frozenset(found) if is_codes else found

    for spec in specs:
        if spec.code not in stored:
            continue
        other = [name for name in fields if value(spec, name) != value(stored[spec.code], name)]
        if other:
            yield (
                f"this project's {noun} {spec.code!r} differs from the bundle's "
                f"({', '.join(other)}) and is kept as it is"
            )


def loaded_offer(offer: OfferedTaxonomy, report: TaxonomyReport) -> OfferedTaxonomy:
    """The offer once loaded: what the load created is what was missing."""
    return replace(
        offer,
        missing=tuple(report.created),
        missing_relation_types=tuple(report.relation_types.created),
        missing_incident_roles=tuple(report.incident_roles.created),
        loaded=True,
    )


def _held(number: int, noun: str, plural: str) -> str:
    return f"{number} {noun if number == 1 else plural}"


def taxonomy_note(offer: OfferedTaxonomy) -> str:
    """What the report says of a bundle's taxonomy."""
    total, missing, loaded = len(offer.categories), offer.missing, offer.loaded
    others = [
        (len(listed), absent, noun, plural)
        for listed, absent, noun, plural in (
            (offer.relation_types, offer.missing_relation_types, "relation type", "relation types"),
            (offer.incident_roles, offer.missing_incident_roles, "incident role", "incident roles"),
        )
        if listed
    ]
    counts = [_held(total, "category", "categories")]
    counts += [_held(number, noun, plural) for number, _, noun, plural in others]
    held = "It holds " + (
        counts[0] if len(counts) == 1 else f"{', '.join(counts[:-1])} and {counts[-1]}"
    )
    differing = "".join(f"; {note}" for note in offer.differing)
    if not offer.lacking:
        return f"{held}, all of them already in this project{differing}."
    if not any(absent for _, absent, _, _ in others):
        codes = ", ".join(missing)
        if loaded:
            text = f"{held}; the {len(missing)} not yet in this project were loaded: {codes}"
        else:
            text = f"{held}; {len(missing)} not yet in this project: {codes}"
        return text + differing + "."
    parts = [
        f"{plural if len(absent) != 1 else noun} {', '.join(absent)}"
        for absent, noun, plural in (
            (missing, "category", "categories"),
            *((absent, noun, plural) for _, absent, noun, plural in others),
        )
        if absent
    ]
    lacking = "; ".join(parts)
    if loaded:
        return f"{held}; those not yet in this project were loaded: {lacking}{differing}."
    return f"{held}; not yet in this project: {lacking}{differing}."


@audited
def bundle_taxonomy_load(
    *,
    project: Project,
    categories: Sequence[Mapping[str, Any]],
    relation_types: Sequence[Mapping[str, Any]] = (),
    incident_roles: Sequence[Mapping[str, Any]] = (),
    actor: User | None,
    source: str,
) -> TaxonomyReport:
    """Create the categories, relation types and incident roles of a bundle's taxonomy that
    the project lacks; the report says which (``created``, ``relation_types.created``,
    ``incident_roles.created``).

    They are in a taxonomy file's form (``taxonomy_file_data``) and are checked again here.
    What the project has is never changed, whatever the bundle says of it. Spans imported
    before, whose category code names one of the new categories, are linked to it, and
    imported relations so to the new relation types.
    """
    taxonomy = taxonomy_file_from_data(
        {
            "categories": [dict(category) for category in categories],
            "relation_types": [dict(item) for item in relation_types],
            "incident_roles": [dict(item) for item in incident_roles],
        }
    )
    report = taxonomy_load(
        project=project,
        specs=taxonomy.categories,
        relation_types=taxonomy.relation_types,
        incident_roles=taxonomy.incident_roles,
        update_existing=False,
        actor=actor,
        source=source,
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
    imported_relation_types_link(project=project, codes=report.relation_types.created)
    return report
