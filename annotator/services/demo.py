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

from annotator.models import Membership, Project, Role
from annotator.services.assignments import AutoAssignReport, assignments_auto
from annotator.services.importing import ImportReport, SourceFile, documents_import
from annotator.services.projects import membership_set, project_create
from annotator.services.taxonomy import TaxonomyReport, taxonomy_load
from annotator.taxonomy import parse_taxonomy

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
    specs = parse_taxonomy(taxonomy_path.read_bytes(), filename=taxonomy_path.name)
    taxonomy = taxonomy_load(project=project, specs=specs, update_existing=False)

    accounts = _demo_accounts(project=project, reset_passwords=reset_passwords)
    manager = get_user_model().objects.get(username=DEMO_ACCOUNTS[0][0])

    sources = []
    for entry in manifest.get("documents", []):
        entry = dict(entry)
        path = seeds_dir / entry.pop("file")
        sources.append(SourceFile(name=path.name, data=path.read_bytes(), metadata=entry))
    imports = documents_import(project=project, sources=sources, imported_by=manager)
    assignments = assignments_auto(project=project, actor=manager)
    return SeedReport(project, project_created, taxonomy, imports, accounts, assignments)
