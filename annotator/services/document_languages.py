"""Detecting, after import, the language of documents that came without one.

A single document (text, PDF, HTML without ``lang``, DOCX) gets its language detected when
it is imported. A corpus's documents (JSONL, Label Studio, brat, CoNLL, XMI, WebAnno, W3C)
do not: detection costs 1-3 ms a document, ten times what the corpus import may spend on
one. They are detected afterwards, in batches, by ``languages_detect`` (the document list's
button, the ``detect_languages`` command).

What a batch records is what the importer records: ``language`` and
``metadata["language_detected"] = {"code", "confidence"}``. A document whose language
cannot be told (too little text, the detector unsure, a language it does not know such as
Uyghur) keeps an empty language and gets ``metadata["language_detected"] = {"code": "",
"confidence": None}``: tried, so that no later batch tries it again. Only documents with an
empty language and no ``language_detected`` are taken, so a language a manager set or
cleared by hand is never overwritten. (A single document the importer could not tell has no
``language_detected`` either: the first batch tries it once more, then marks it.)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from annotator.extractors import detect_language
from annotator.models import Document, Project
from annotator.selectors.document_languages import (
    LANGUAGE_DETECTED,
    undetected_document_count,
    undetected_documents,
)
from annotator.services.audit import audit_record, audited

# A batch of 2,000 documents takes about five seconds.
DEFAULT_LIMIT = 2000
# The most a batch may take: it bounds the batch's transaction and its audit event.
MAX_LIMIT = 10_000
# Texts can be megabytes each: they are read so many at a time.
TEXTS_READ_AT_ONCE = 50
UPDATE_BATCH_SIZE = 500
LANGUAGE_DETECT_ACTION = "documents.language_detect"
UNDETERMINED: dict[str, Any] = {"code": "", "confidence": None}


@dataclass(frozen=True)
class LanguageDetection:
    """What a batch did: documents given a language, documents whose language could not be
    told (recorded as tried), and documents still to be tried after it."""

    detected: int
    undetermined: int
    remaining: int

    def summary(self) -> str:
        """In a sentence: "Detected the language of 3 documents; 1 could not be told; none
        remain." """
        remaining = {0: "none remain", 1: "1 remains"}.get(
            self.remaining, f"{self.remaining} remain"
        )
        return (
            f"Detected the language of {self.detected} "
            f"document{'' if self.detected == 1 else 's'}; "
            f"{self.undetermined} could not be told; {remaining}."
        )


def languages_detect(
    *, project: Project, actor: User | None, limit: int = DEFAULT_LIMIT
) -> LanguageDetection:
    """Detect the language of the next ``limit`` documents of the project, in import order,
    that declare none and have not been tried; record each (see the module) in one
    transaction with one audit event for the batch.

    The texts are read and detected before the transaction, which then only writes: the
    rows are not locked for the seconds detection takes, and a document that a manager gave
    a language meanwhile is left as they set it. A batch with nothing to do records nothing.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"The limit is a number of documents from 1 to {MAX_LIMIT}.")
    found: dict[int, dict[str, Any] | None] = {}
    texts = undetected_documents(project=project).only("pk", "text")[:limit]
    for document in texts.iterator(chunk_size=TEXTS_READ_AT_ONCE):
        found[document.pk] = detect_language(document.text)
    if not found:
        return LanguageDetection(
            detected=0, undetermined=0, remaining=undetected_document_count(project=project)
        )
    return _languages_record(project=project, actor=actor, found=found)


@audited
def _languages_record(
    *, project: Project, actor: User | None, found: dict[int, dict[str, Any] | None]
) -> LanguageDetection:
    """Write the detections of a batch on the documents that are still to be tried (locked),
    and the batch's audit event."""
    still = (
        undetected_documents(project=project)
        .filter(pk__gte=min(found), pk__lte=max(found))
        .select_for_update()
        .only("pk", "language", "metadata")
    )
    documents = [document for document in still if document.pk in found]
    by_code: dict[str, list[int]] = defaultdict(list)
    for document in documents:
        detected = found[document.pk]
        if detected is not None:
            document.language = detected["code"]
        document.metadata = {**document.metadata, LANGUAGE_DETECTED: detected or UNDETERMINED}
        by_code[detected["code"] if detected else ""].append(document.pk)
    Document.objects.bulk_update(documents, ["language", "metadata"], batch_size=UPDATE_BATCH_SIZE)
    undetermined = len(by_code.get("", ()))
    result = LanguageDetection(
        detected=len(documents) - undetermined,
        undetermined=undetermined,
        remaining=undetected_document_count(project=project),
    )
    if documents:
        audit_record(
            actor=actor,
            action=LANGUAGE_DETECT_ACTION,
            object_type="project",
            object_id=project.pk,
            project=project,
            after={
                "detected": result.detected,
                "undetermined": result.undetermined,
                "remaining": result.remaining,
                # Each code's documents (by id, "" for those not told) as runs of ids.
                "documents": {code: id_runs(ids) for code, ids in sorted(by_code.items())},
            },
        )
    return result


def id_runs(ids: list[int]) -> list[int | list[int]]:
    """Ascending ids, each run of consecutive ones as ``[first, last]``: ``[1, 2, 3, 7]``
    becomes ``[[1, 3], 7]``. A batch's documents follow each other in import order, so its
    audit event stays small however many it holds."""
    spans: list[list[int]] = []
    for number in ids:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return [first if first == last else [first, last] for first, last in spans]
