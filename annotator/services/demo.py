"""The demo: a project loaded from seeds/, with one account per role.

Idempotent: running it again creates nothing that exists already, and never overwrites
what someone changed in the demo project (its settings, its taxonomy in the admin).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from annotator.models import (
    Assignment,
    Document,
    EvidenceStatus,
    Membership,
    Project,
    Role,
    SourceType,
)
from annotator.services.annotations import annotation_create
from annotator.services.assignment_plans import AutoAssignReport, assignments_auto
from annotator.services.assignments import review_submit
from annotator.services.importing import ImportReport, SourceFile, documents_import
from annotator.services.incidents import incident_create, incident_slot_add
from annotator.services.moderation_start import moderation_start, moderation_started
from annotator.services.projects import membership_set, project_create
from annotator.services.relations import relation_create
from annotator.services.taxonomy import TaxonomyReport, taxonomy_load
from annotator.taxonomy_relations import parse_taxonomy_file
from annotator.text import sha256_hex

DEMO_ACCOUNTS: tuple[tuple[str, Role], ...] = (
    ("demo-manager", Role.MANAGER),
    ("demo-moderator", Role.MODERATOR),
    ("demo-reviewer-1", Role.REVIEWER),
    ("demo-reviewer-2", Role.REVIEWER),
)
MANIFEST_NAME = "demo.yaml"


@dataclass(frozen=True)
class AccountResult:
    username: str
    role: Role
    password: str | None  # set only when this run created the account or reset its password


@dataclass
class SeedReport:
    project: Project
    project_created: bool
    taxonomy: TaxonomyReport
    imports: ImportReport
    accounts: list[AccountResult] = field(default_factory=list)
    assignments: AutoAssignReport | None = None
    annotations_made: int = 0


def _read_manifest(seeds_dir: Path) -> dict[str, Any]:
    manifest_path = seeds_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise FileNotFoundError(f"No {MANIFEST_NAME} in {seeds_dir}.")
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or "project" not in manifest:
        raise ValueError(f"{manifest_path} must be a mapping with a 'project' section.")
    return manifest


def _demo_accounts(*, project: Project, reset_passwords: bool) -> list[AccountResult]:
    user_model = get_user_model()
    results = []
    for username, role in DEMO_ACCOUNTS:
        user = user_model.objects.filter(username=username).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = user_model.objects.create_user(username=username, password=password)
        elif reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        # A role someone changed in the admin stays as they set it.
        if not Membership.objects.filter(project=project, user=user).exists():
            membership_set(project=project, user=user, role=role)
        results.append(AccountResult(username, role, password))
    return results


@transaction.atomic
def demo_seed(*, seeds_dir: Path, reset_passwords: bool = False) -> SeedReport:
    """Load seeds/ into the demo project and make sure the demo accounts exist."""
    manifest = _read_manifest(seeds_dir)
    project_fields = dict(manifest["project"])
    project = Project.objects.filter(slug=project_fields["slug"]).first()
    project_created = project is None
    if project is None:
        project = project_create(**project_fields)

    taxonomy_path = seeds_dir / manifest.get("taxonomy", "taxonomy.yaml")
    taxonomy_file = parse_taxonomy_file(taxonomy_path.read_bytes(), filename=taxonomy_path.name)
    taxonomy = taxonomy_load(
        project=project,
        specs=taxonomy_file.categories,
        relation_types=taxonomy_file.relation_types,
        incident_roles=taxonomy_file.incident_roles,
        update_existing=False,
        source=taxonomy_path.name,
    )

    accounts = _demo_accounts(project=project, reset_passwords=reset_passwords)
    manager = get_user_model().objects.get(username=DEMO_ACCOUNTS[0][0])

    sources = []
    for entry in manifest.get("documents", []):
        entry = dict(entry)
        path = seeds_dir / entry.pop("file")
        sources.append(SourceFile(name=path.name, data=path.read_bytes(), metadata=entry))
    imports = documents_import(project=project, sources=sources, imported_by=manager)
    assignments = assignments_auto(project=project, actor=manager)
    annotated = _demo_annotations(
        project=project, seeds_dir=seeds_dir, spec=manifest.get("annotations")
    )
    return SeedReport(project, project_created, taxonomy, imports, accounts, assignments, annotated)


def _quote_offsets(text: str, quote: str, occurrence: int) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.find(quote, start + 1)
        if start == -1:
            raise ValueError(
                f"The demo quote {quote!r} (occurrence {occurrence}) is not in the text."
            )
    return start, start + len(quote)


def _demo_annotations(*, project: Project, seeds_dir: Path, spec: dict[str, Any] | None) -> int:
    """Create the demo reviewers' annotations and the relations between them, and submit
    them; return how many annotations were made.

    A reviewer who already has spans on the document, or has submitted it, is left alone,
    so that running the seed again changes nothing.
    """
    if not spec:
        return 0
    source = (seeds_dir / spec["file"]).read_bytes()
    document = Document.objects.get(project=project, source_sha256=sha256_hex(source))
    categories = {category.code: category for category in project.categories.all()}
    relation_types = {kind.code: kind for kind in project.relation_types.all()}
    users = get_user_model().objects
    made = 0
    for username, spans in spec["reviewers"].items():
        reviewer = users.get(username=username)
        assignment = Assignment.objects.get(document=document, reviewer=reviewer)
        if assignment.submitted or document.annotations.filter(reviewer=reviewer).exists():
            continue
        made_spans = {}
        for entry in spans:
            start, end = _quote_offsets(document.text, entry["quote"], entry.get("occurrence", 1))
            made_spans[entry["quote"]] = annotation_create(
                document=document,
                reviewer=reviewer,
                category=categories[entry["category"]],
                start=start,
                end=end,
                quote=entry["quote"],
                note=entry.get("note", ""),
                evidence_status=entry.get("status", EvidenceStatus.UNKNOWN),
                source_type=entry.get("source", SourceType.OTHER),
            )
            made += 1
        for link in spec.get("relations", {}).get(username, []):
            relation_create(
                document=document,
                reviewer=reviewer,
                source_id=made_spans[link["from"]].pk,
                target_id=made_spans[link["to"]].pk,
                relation_type=relation_types[link["type"]],
            )
        _demo_incidents(
            document=document,
            reviewer=reviewer,
            spans=made_spans,
            records=spec.get("incidents", {}).get(username, []),
        )
        review_submit(document=document, reviewer=reviewer)
    document.refresh_from_db()
    if spec.get("moderate") and not moderation_started(document):
        moderation_start(document=document, actor=users.get(username=DEMO_ACCOUNTS[1][0]))
    return made


def _demo_incidents(
    *,
    document: Document,
    reviewer: Any,
    spans: dict[str, Any],
    records: list[dict[str, Any]],
) -> None:
    """Record a demo reviewer's incidents: the act and each role's spans named by quote
    (a role's entry is a quote, or ``{quote, involvement}``)."""
    roles = {role.code: role for role in document.project.incident_roles.all()}
    for record in records:
        incident = incident_create(
            document=document,
            reviewer=reviewer,
            act_id=spans[record["act"]].pk,
            evidence_status=record.get("evidence_status", EvidenceStatus.UNKNOWN),
        )
        for code, entries in record.get("roles", {}).items():
            for entry in entries:
                filled = entry if isinstance(entry, dict) else {"quote": entry}
                incident_slot_add(
                    incident_id=incident.pk,
                    actor=reviewer,
                    role=roles[code],
                    annotation_id=spans[filled["quote"]].pk,
                    involvement=filled.get("involvement", ""),
                )
