"""Writes on a document's description once it is imported: its title, its fields
(publisher, date, language…) and the free fields of its metadata, each audited with what
it was before. The text, its hashes and the original never change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from annotator.models import Document
from annotator.services.audit import audit_record, audited
from annotator.services.documents import TITLE_CHANGED_BY_MANAGER, TITLE_MAX_LENGTH, json_safe


@audited
def document_retitle(*, document: Document, title: str, actor: User | None) -> Document:
    """Correct a document's title, recording the old and the new one in the audit log.

    The title is stripped and its runs of whitespace made single spaces; a blank title, or
    one longer than the field allows, raises ValidationError and changes nothing. The text,
    its hashes and the original file never change. The same title again records nothing.
    """
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "A title cannot be blank."})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {
                "title": f"A title has at most {TITLE_MAX_LENGTH} characters "
                f"(this one has {len(title)})."
            }
        )
    current = Document.objects.select_for_update().only("title", "metadata").get(pk=document.pk)
    if current.title == title:
        return document
    before: dict[str, Any] = {"title": current.title}
    if "title_source" in current.metadata:
        before["title_source"] = current.metadata["title_source"]
    current.title = title
    current.metadata = {**current.metadata, "title_source": TITLE_CHANGED_BY_MANAGER}
    current.clean_fields(exclude=[f.name for f in Document._meta.fields if f.name != "title"])
    current.save(update_fields=["title", "metadata"])
    audit_record(
        actor=actor,
        action="document.retitle",
        object_type="document",
        object_id=document.pk,
        project=document.project,
        document=document,
        before=before,
        after={"title": title, "title_source": TITLE_CHANGED_BY_MANAGER},
    )
    document.title, document.metadata = current.title, current.metadata
    return document


# What a manager may correct about a document besides its title; the text, the original and
# their hashes never change.
DOCUMENT_METADATA_FIELDS = (
    "language",
    "direction",
    "source_url",
    "publisher",
    "published_on",
    "metadata",
)


@audited
def document_update(*, document: Document, actor: User | None, changes: dict[str, Any]) -> Document:
    """Correct a document's metadata (``DOCUMENT_METADATA_FIELDS``); the audit log keeps what
    each field was and became. The title has its own service, ``document_retitle``."""
    unknown = set(changes) - set(DOCUMENT_METADATA_FIELDS)
    if unknown:
        raise ValidationError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    current = (
        Document.objects.select_for_update()
        .only("project_id", *DOCUMENT_METADATA_FIELDS)
        .get(pk=document.pk)
    )
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return document
    before = json_safe({name: getattr(current, name) for name in changed})
    for name in changed:
        setattr(current, name, changes[name])
        setattr(document, name, changes[name])
    current.clean_fields(exclude=[f.name for f in Document._meta.fields if f.name not in changed])
    current.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="document.update",
        object_type="document",
        object_id=document.pk,
        project=document.project,
        document=document,
        before=before,
        after=json_safe({name: changes[name] for name in changed}),
    )
    return document


# Keys of ``Document.metadata`` the product writes itself: where the title came from, the
# corpus line or item, its bytes in the corpus file and the id a document came from, the
# encoding its text was read in. They are provenance, never edited by hand.
PROVENANCE_METADATA_KEYS = frozenset(
    {"title_source", "source_line", "source_item", "source_bytes", "source_id", "encoding"}
)
METADATA_KEY_MAX_LENGTH = 64
METADATA_VALUE_MAX_LENGTH = 2000


def editable_metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The free fields of a document's metadata, which a manager may edit: every entry
    whose value is text and whose key is not provenance. The others (what an extractor
    found as lists or numbers, the provenance) are kept as they are."""
    return {
        key: value
        for key, value in metadata.items()
        if isinstance(value, str) and key not in PROVENANCE_METADATA_KEYS
    }


def _checked_free_fields(fields: Mapping[str, str]) -> dict[str, str]:
    problems = []
    checked: dict[str, str] = {}
    for raw_key, raw_value in fields.items():
        key, value = " ".join(str(raw_key).split()), str(raw_value).strip()
        if not key:
            problems.append("A metadata field needs a name.")
        elif len(key) > METADATA_KEY_MAX_LENGTH:
            problems.append(f"The field name {key[:20]!r}… is longer than 64 characters.")
        elif key in PROVENANCE_METADATA_KEYS:
            problems.append(f"{key!r} is recorded by the product itself and cannot be set.")
        elif key in DOCUMENT_METADATA_FIELDS or key == "title":
            problems.append(f"{key!r} has a field of its own.")
        elif key in checked:
            problems.append(f"The field {key!r} is given twice.")
        elif len(value) > METADATA_VALUE_MAX_LENGTH:
            problems.append(f"The value of {key!r} is longer than 2,000 characters.")
        elif "\x00" in key or "\x00" in value:
            problems.append(f"The field {key!r} contains the NUL character (U+0000).")
        elif value:
            checked[key] = value
    if problems:
        raise ValidationError({"metadata": problems})
    return checked


@audited
def document_metadata_edit(
    *,
    document: Document,
    actor: User | None,
    title: str | None = None,
    changes: Mapping[str, Any] | None = None,
    free_fields: Mapping[str, str] | None = None,
) -> Document:
    """A manager's correction of a document's description: its title
    (``document_retitle``), any of ``DOCUMENT_METADATA_FIELDS`` but ``metadata``
    (``document_update``), and its free metadata fields, which ``free_fields`` replaces
    (an empty value removes a field; provenance and structured values stay). Each change is
    in the audit log with what it was; the text, the original and their hashes never
    change."""
    wanted = dict(changes or {})
    if "metadata" in wanted:
        raise ValidationError({"metadata": "Give the free metadata fields as free_fields."})
    if free_fields is not None:
        kept = {
            key: value
            for key, value in document.metadata.items()
            if key not in editable_metadata(document.metadata)
        }
        wanted["metadata"] = {**kept, **_checked_free_fields(free_fields)}
    if title is not None:
        document_retitle(document=document, title=title, actor=actor)
    if wanted:
        if "metadata" in wanted:
            # The title's provenance may just have changed: merge into what is stored now.
            wanted["metadata"] = {
                **{k: v for k, v in document.metadata.items() if k in PROVENANCE_METADATA_KEYS},
                **wanted["metadata"],
            }
        document_update(document=document, actor=actor, changes=wanted)
    return document
