"""The data model: projects, their taxonomy and members, documents, annotations, the
relations between them and incident records, audit.

One module per domain (as in services, selectors and views), all importable from here.
Models hold fields, database constraints and properties computed from their own row.
Writes go through ``annotator.services``; reads that list rows go through
``annotator.selectors``.
"""

from __future__ import annotations

from annotator.models.agreement import AgreementReport
from annotator.models.annotations import Annotation, EvidenceStatus, SourceType
from annotator.models.audit import (
    INSTALLATION_CHAIN,
    AuditChainHead,
    AuditEvent,
    project_chain,
)
from annotator.models.documents import (
    SHA256_HEX_LENGTH,
    Assignment,
    Document,
    DocumentStatus,
    ImportedRelation,
    ImportedSpan,
    TextDirection,
)
from annotator.models.gold_incidents import GoldIncident, GoldIncidentSlot, IncidentItem
from annotator.models.gold_relations import GoldRelation, RelationItem
from annotator.models.importing import ImportOutcome, ImportRow, ImportRun, ImportState, ImportVia
from annotator.models.incidents import Incident, IncidentRole, IncidentSlot
from annotator.models.moderation import (
    GoldOrigin,
    GoldSpan,
    ItemStatus,
    ModerationItem,
    Resolution,
    ResolutionReason,
)
from annotator.models.projects import (
    HEX_COLOUR,
    Category,
    CategoryGroup,
    Membership,
    Project,
    Role,
    TaxonomyVersion,
)
from annotator.models.relations import Relation, RelationType
from annotator.models.tokens import ApiToken

__all__ = [
    "HEX_COLOUR",
    "INSTALLATION_CHAIN",
    "SHA256_HEX_LENGTH",
    "AgreementReport",
    "Annotation",
    "ApiToken",
    "Assignment",
    "AuditChainHead",
    "AuditEvent",
    "Category",
    "CategoryGroup",
    "Document",
    "DocumentStatus",
    "EvidenceStatus",
    "GoldIncident",
    "GoldIncidentSlot",
    "GoldOrigin",
    "GoldRelation",
    "GoldSpan",
    "ImportOutcome",
    "ImportRow",
    "ImportRun",
    "ImportState",
    "ImportVia",
    "ImportedRelation",
    "ImportedSpan",
    "Incident",
    "IncidentItem",
    "IncidentRole",
    "IncidentSlot",
    "ItemStatus",
    "Membership",
    "ModerationItem",
    "Project",
    "Relation",
    "RelationItem",
    "RelationType",
    "Resolution",
    "ResolutionReason",
    "Role",
    "SourceType",
    "TaxonomyVersion",
    "TextDirection",
    "project_chain",
]
