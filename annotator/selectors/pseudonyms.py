"""How a document's reviewers appear to whoever reads about them: by user name, or by a
pseudonym of that document, "Reviewer A", "Reviewer B"…

Every page that shows a reviewer to someone else asks here, and nowhere else. The rule
(``reviewer_names_visible``):

- Reviewers never see other reviewers (blind annotation): no page shows them any, and the
  answer for them is no.
- In a project that moderates anonymously, moderators see pseudonyms everywhere: on the
  document page and its Reopen buttons, in the history (who did it, and the JSON of what
  was done), on the moderation item page and in what its form posts.
- Managers see user names even then: they assign reviewers by name (the assignment form
  lists the project's reviewers not yet on the document) and manage the accounts, so
  hiding names from them would hide nothing.
- Without anonymous moderation, moderators and managers see user names.

Pseudonyms belong to one document: its reviewers are lettered in the order they were
assigned to it. Assignments are never deleted, so a reviewer added later gets the next
letter and no letter ever moves to someone else; the same person has unrelated letters
in different documents, so that work cannot be followed from one document to the next.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.access import DocumentAccess, ProjectAccess
from annotator.models import Assignment, AuditEvent

UNKNOWN_LETTER = "?"

# Keys of audit snapshots (``before``/``after``) that hold a reviewer's user id, or a list
# of them; ``versions`` is keyed by reviewer id, and each ``gold`` row is a gold span's
# snapshot (``proposed_by``, ``matched_by``) or, in events logged before gold spans kept
# their attributes, ``[start, end, category, [reviewer ids]]``.
_REVIEWER_KEYS = frozenset({"reviewer"})
_REVIEWER_LIST_KEYS = frozenset({"reviewers", "proposed_by", "matched_by"})
# Keys that hold some member's id: rewritten only when that member is one of the reviewers.
_USER_KEYS = frozenset({"user"})


def reviewer_names_visible(access: ProjectAccess | DocumentAccess) -> bool:
    """May this member see the user names of a project's reviewers (see the module)?"""
    if access.is_reviewer:
        return False
    if not access.project.anonymous_moderation:
        return True
    return access.is_manager


def pseudonym_letter(index: int) -> str:
    """The letter of the reviewer assigned ``index``-th (from 0): A … Z, then AA, AB …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _reviewer_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdecimal():
        return int(value)
    return None


@dataclass(frozen=True)
class ReviewerLabels:
    """How the reviewers of one document are shown to one viewer.

    ``letters`` maps each reviewer's user id to their letter, in assignment order;
    ``names`` holds their user names, and is None when the viewer may not see them.
    """

    letters: Mapping[int, str]
    names: Mapping[int, str] | None

    @property
    def names_visible(self) -> bool:
        return self.names is not None

    def is_reviewer(self, user_id: object) -> bool:
        return _reviewer_id(user_id) in self.letters

    def letter(self, reviewer_id: object) -> str:
        reviewer = _reviewer_id(reviewer_id)
        return UNKNOWN_LETTER if reviewer is None else self.letters.get(reviewer, UNKNOWN_LETTER)

    def pseudonym(self, reviewer_id: object) -> str:
        return f"Reviewer {self.letter(reviewer_id)}"

    def shown(self, reviewer_id: object) -> str:
        """The reviewer as this viewer sees them: their user name, or their pseudonym."""
        reviewer = _reviewer_id(reviewer_id)
        if self.names is not None and reviewer is not None and reviewer in self.names:
            return self.names[reviewer]
        return self.pseudonym(reviewer_id)

    def lettered(self, reviewer_id: object) -> str:
        """The reviewer with their letter always (the moderation page decides by letter):
        "A: alice", or "Reviewer A"."""
        reviewer = _reviewer_id(reviewer_id)
        if self.names is not None and reviewer is not None and reviewer in self.names:
            return f"{self.letter(reviewer)}: {self.names[reviewer]}"
        return self.pseudonym(reviewer_id)

    def ordered(self, reviewer_ids: Iterable[object]) -> list[int]:
        """These reviewers' ids in letter order (any not lettered last, by id)."""
        ids = {reviewer for value in reviewer_ids if (reviewer := _reviewer_id(value)) is not None}
        position = {reviewer: index for index, reviewer in enumerate(self.letters)}
        return sorted(ids, key=lambda reviewer: (position.get(reviewer, len(position)), reviewer))

    def reviewer_for(self, letter: str) -> int | None:
        """The reviewer a posted letter stands for; None for a letter no reviewer has."""
        for reviewer, own in self.letters.items():
            if own == letter:
                return reviewer
        return None

    def actor(self, user_id: int | None, username: str) -> str:
        """Who did something, as the history shows it: a reviewer by ``shown``, anyone
        else (manager, moderator) by user name, nobody as "system"."""
        if user_id is None:
            return "system"
        if self.is_reviewer(user_id):
            return self.shown(user_id)
        return username

    def snapshot(self, value: Any) -> Any:
        """An audit snapshot (``before`` or ``after``) as this viewer may read it: the
        reviewers' ids in it replaced by their pseudonyms when names are hidden."""
        if self.names_visible:
            return value
        return self._hide(value)

    def _hide(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._hide(item) for item in value]
        if not isinstance(value, dict):
            return value
        hidden: dict[str, Any] = {}
        for key, item in value.items():
            reviewer = key in _REVIEWER_KEYS and _reviewer_id(item) is not None
            if reviewer or (key in _USER_KEYS and self.is_reviewer(item)):
                hidden[key] = self.pseudonym(item)
            elif key in _REVIEWER_LIST_KEYS and isinstance(item, list):
                hidden[key] = self._pseudonyms(item)
            elif key == "versions" and isinstance(item, dict):
                hidden[key] = self._versions(item)
            elif key == "gold" and isinstance(item, list):
                hidden[key] = [self._gold_row(row) for row in item]
            else:
                hidden[key] = self._hide(item)
        return hidden

    def _pseudonyms(self, values: list[Any]) -> list[Any]:
        # In letter order: the log sorts reviewers by user id, and that order would tell
        # whose account is older.
        ids = [value for value in values if _reviewer_id(value) is not None]
        others = [self._hide(value) for value in values if _reviewer_id(value) is None]
        return [self.pseudonym(reviewer) for reviewer in self.ordered(ids)] + others

    def _versions(self, versions: dict[Any, Any]) -> dict[str, Any]:
        by_reviewer = {_reviewer_id(key): value for key, value in versions.items()}
        shown = {
            self.pseudonym(reviewer): self._hide(by_reviewer[reviewer])
            for reviewer in self.ordered(versions)
        }
        for key, value in versions.items():
            if _reviewer_id(key) is None:
                shown[str(key)] = self._hide(value)
        return shown

    def _gold_row(self, row: Any) -> Any:
        if isinstance(row, list) and len(row) == 4 and isinstance(row[3], list):
            return [*row[:3], self._pseudonyms(row[3])]
        return self._hide(row)


def labels_for(
    access: ProjectAccess | DocumentAccess, *, assignments: Sequence[Assignment]
) -> ReviewerLabels:
    """The labels of a document's reviewers from its assignments, already read in
    assignment order (``assignment_list``) with their reviewers; no query."""
    ordered = sorted(assignments, key=lambda assignment: (assignment.assigned_at, assignment.pk))
    letters = {
        assignment.reviewer_id: pseudonym_letter(index) for index, assignment in enumerate(ordered)
    }
    names = None
    if reviewer_names_visible(access):
        names = {
            assignment.reviewer_id: assignment.reviewer.get_username() for assignment in ordered
        }
    return ReviewerLabels(letters=letters, names=names)


def document_reviewer_labels(
    access: ProjectAccess | DocumentAccess, *, document_id: int
) -> ReviewerLabels:
    """The labels of a document's reviewers for this viewer, in one query."""
    assignments = Assignment.objects.filter(document_id=document_id).order_by("assigned_at", "pk")
    letters: dict[int, str] = {}
    names: dict[int, str] | None = None
    if reviewer_names_visible(access):
        names = {}
        rows = assignments.values_list("reviewer_id", "reviewer__username")
        for index, (reviewer, username) in enumerate(rows):
            letters[reviewer] = pseudonym_letter(index)
            names[reviewer] = username
    else:
        # The names are not even read for a viewer who may not see them.
        for index, reviewer in enumerate(assignments.values_list("reviewer_id", flat=True)):
            letters[reviewer] = pseudonym_letter(index)
    return ReviewerLabels(letters=letters, names=names)


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event as the history page shows it to one viewer."""

    event: AuditEvent
    who: str
    before: str
    after: str


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def history_entries(events: Iterable[AuditEvent], *, labels: ReviewerLabels) -> list[HistoryEntry]:
    """A page of a document's history (events with their actors) for the viewer of
    ``labels``: reviewers who acted, and reviewers named in each event's snapshots, as
    that viewer may see them."""
    return [
        HistoryEntry(
            event=event,
            who=labels.actor(event.actor_id, event.actor.get_username() if event.actor else ""),
            before=_json_text(labels.snapshot(event.before)),
            after=_json_text(labels.snapshot(event.after)),
        )
        for event in events
    ]
