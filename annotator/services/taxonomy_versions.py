"""The numbered versions of a project's guidelines and taxonomy (``TaxonomyVersion``).

Every change of the taxonomy or of the guidelines makes the project's next version, in the
same transaction, kept whole: the guidelines and the taxonomy file's data (categories,
relation types and incident roles), so that a corpus can say which definitions its reviewers read.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max

from annotator.models import Project, TaxonomyVersion
from annotator.selectors.incidents import incident_role_specs
from annotator.selectors.projects import taxonomy_specs
from annotator.selectors.relations import relation_type_specs
from annotator.services.audit import audit_record
from annotator.taxonomy_relations import taxonomy_file_data


def _count(entries: list[dict[str, Any]]) -> int:
    return sum(1 + _count(entry.get("children", [])) for entry in entries)


def taxonomy_version_create(*, project: Project, actor: User | None) -> TaxonomyVersion:
    """The project's next taxonomy version: its guidelines and taxonomy as they are now, in
    the caller's transaction. The project's row is locked, so two changes at once get
    consecutive numbers."""
    locked = Project.objects.select_for_update().only("pk", "guidelines").get(pk=project.pk)
    latest = TaxonomyVersion.objects.filter(project_id=project.pk).aggregate(n=Max("number"))
    data = taxonomy_file_data(
        taxonomy_specs(project=project),
        relation_type_specs(project=project),
        incident_role_specs(project=project),
    )
    version = TaxonomyVersion.objects.create(
        project_id=project.pk,
        number=(latest["n"] or 0) + 1,
        guidelines=locked.guidelines,
        taxonomy=data,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="taxonomy.version",
        object_type="taxonomy_version",
        object_id=version.pk,
        project=project,
        after={"number": version.number, "categories": _count(data["categories"])},
    )
    return version
