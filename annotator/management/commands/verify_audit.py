"""Check the audit log's hash chain from the first event to the last."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from annotator.services.audit import audit_verify


class Command(BaseCommand):
    help = "Prove that the audit log's hash chain is intact, or name the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if not result.intact:
            where = f"event #{result.first_broken}: " if result.first_broken else ""
            raise CommandError(f"The audit log is broken at {where}{result.problem}.")
        self.stdout.write(f"The audit log is intact: {result.events} events, every hash holds.")
