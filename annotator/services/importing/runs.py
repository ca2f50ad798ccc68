"""An import's report kept as it goes (``ImportRun`` and its rows; reads of it are in
``annotator.selectors.importing``).

The rows of each batch are written in a small transaction of their own once the batch has
committed, so that a process that dies in the middle of a long import leaves a report of
what it committed: the web request cut by its server's timeout, the command killed. A run
that stops on an exception it can see (KeyboardInterrupt, a worker's SystemExit, a bug)
says so itself; one killed outright is known by its silence (``ImportRun.shown_state``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from annotator.models import (
    ImportOutcome,
    ImportRow,
    ImportRun,
    ImportState,
    ImportVia,
    Project,
)
from annotator.services.bulk import bulk_insert, unsaved
from annotator.services.importing.bundles import bundle_taxonomy_load, loaded_offer, taxonomy_note
from annotator.services.importing.report import FileResult, OfferedTaxonomy, Outcome, logger

# A running import says it is alive at most this often between batches (one UPDATE).
TOUCH_EVERY_SECONDS = 60.0

_COUNTED = {
    Outcome.IMPORTED: "imported",
    Outcome.DUPLICATE: "duplicates",
    Outcome.FAILED: "failed",
    Outcome.NOTE: "notes",
}
# Each outcome as the row stores it, mapped once rather than once a row.
_ROW_OUTCOME = {outcome: ImportOutcome(str(outcome)) for outcome in Outcome}


def import_run_start(*, project: Project, started_by: User | None, via: ImportVia) -> ImportRun:
    """A new run, "running", with no rows yet."""
    run = ImportRun(project=project, started_by=started_by, via=via)
    run.full_clean(exclude=["project", "started_by"], validate_constraints=False)
    run.save()
    return run


class RunRecorder:
    """Keeps a run's rows as the results come, and writes them when told (after a batch
    has committed) or when enough have waited; says the run is alive in between."""

    def __init__(self, run: ImportRun, *, rows_per_write: int) -> None:
        self.run = run
        self._rows_per_write = rows_per_write
        self._pending: list[tuple[int, FileResult]] = []
        self._touched = time.monotonic()

    def add(self, index: int, result: FileResult) -> None:
        self._pending.append((index, result))

    def write(self, *, if_many: bool = False) -> None:
        """Write the waiting rows in one small transaction (with ``if_many``, only once as
        many wait as one write takes); with none waiting, say the run is alive."""
        if if_many and len(self._pending) < self._rows_per_write:
            self._touch()
            return
        if not self._pending:
            self._touch()
            return
        rows = [_row(self.run, index, result) for index, result in self._pending]
        counts = dict.fromkeys(_COUNTED.values(), 0)
        for _, result in self._pending:
            counts[_COUNTED[result.outcome]] += 1
        with transaction.atomic():
            bulk_insert(rows)
            ImportRun.objects.filter(pk=self.run.pk).update(
                touched_at=timezone.now(),
                **{field: F(field) + number for field, number in counts.items() if number},
            )
        self._pending.clear()
        self._touched = time.monotonic()

    def finish(self) -> None:
        self.write()
        self._end(ImportState.FINISHED)

    def interrupt(self) -> None:
        """The import stops on an exception: keep the rows known so far (the files that
        failed, and every batch committed), and say it was interrupted. Never raises."""
        try:
            self.write()
            self._end(ImportState.INTERRUPTED)
        except DatabaseError:
            logger.exception("the report of import run %s could not be completed", self.run.pk)

    def _touch(self) -> None:
        if time.monotonic() - self._touched < TOUCH_EVERY_SECONDS:
            return
        ImportRun.objects.filter(pk=self.run.pk).update(touched_at=timezone.now())
        self._touched = time.monotonic()

    def _end(self, state: ImportState) -> None:
        now = timezone.now()
        ImportRun.objects.filter(pk=self.run.pk).update(
            state=state, finished_at=now, touched_at=now
        )
        self.run.refresh_from_db()


def _row(run: ImportRun, index: int, result: FileResult) -> ImportRow:
    taxonomy = result.taxonomy
    # By the run's id, built positionally (``unsaved``): a thousand rows a batch.
    return unsaved(
        ImportRow,
        {
            "run_id": run.pk,
            "index": index,
            "name": result.name,
            "outcome": _ROW_OUTCOME[result.outcome],
            "reason": result.reason,
            "document_id": result.document_id,
            "spans": result.spans,
            "taxonomy": taxonomy.as_record() if taxonomy is not None else None,
        },
    )


# --- a bundle's taxonomy, loaded from the report -----------------------------------------


@dataclass(frozen=True)
class TaxonomyLoaded:
    row: str
    """The name of the row (the bundle's taxonomy.json)."""
    created: list[str]
    """The categories created."""
    created_relation_types: list[str] = field(default_factory=list)
    created_incident_roles: list[str] = field(default_factory=list)


@transaction.atomic
def import_row_taxonomy_load(
    *, run: ImportRun, index: int, actor: User | None
) -> TaxonomyLoaded | None:
    """Create the categories, relation types and incident roles of the bundle's taxonomy
    offered in row ``index`` that the project lacks; None when there is no such offer or it
    was loaded already.

    The row then says they were loaded. Raises ``TaxonomyError`` if the taxonomy cannot be
    loaded (and changes nothing).
    """
    row = ImportRow.objects.select_for_update().filter(run=run, index=index).first()
    if row is None or not row.taxonomy_offered or row.taxonomy is None:
        return None
    offer = OfferedTaxonomy.from_record(row.taxonomy)
    report = bundle_taxonomy_load(
        project=run.project,
        categories=offer.categories,
        relation_types=offer.relation_types,
        incident_roles=offer.incident_roles,
        actor=actor,
        source=row.name,
    )
    offer = loaded_offer(offer, report)
    row.reason = taxonomy_note(offer)
    row.taxonomy = offer.as_record()
    row.save(update_fields=["reason", "taxonomy"])
    return TaxonomyLoaded(
        row=row.name,
        created=report.created,
        created_relation_types=report.relation_types.created,
        created_incident_roles=report.incident_roles.created,
    )
