"""Tokens, and the value each reviewer gives each token, for the token-level figures.

A token is a run of letters, digits and combining marks, or any other single non-space
character (``TOKEN``). A reviewer's value for a token is the category of the span covering
it, several categories joined with ``+`` when spans of different categories cover it, and
``NO_CATEGORY`` when no span does. The CoNLL writer cuts its tokens here too, so that its
tokens are the agreement page's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np

Span = tuple[int, int, str]

NO_CATEGORY = "(none)"
MASK_BITS = 62

# Combining marks stay with their letter (Arabic vowel signs, Hebrew points, accents that NFC
# could not compose); zero-width (non-)joiners belong to the word too.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf-\u05c7\u0610-\u061a\u064b-\u065f"
    "\u0670\u06d6-\u06ed\u200c\u200d"
)
TOKEN = re.compile(rf"[\w{_MARKS}]+|[^\w\s]")
TOKEN_WORD = re.compile(rf"[\w{_MARKS}]")


def tokens(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The start and end code-point offsets of the text's tokens (as ``TOKEN`` finds them).

    Computed on arrays of code points rather than with the regular expression, which is
    several times slower on a corpus of millions of tokens; a test holds the two equal.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    classes = _character_classes()[np.minimum(points, 0xFFFF)]
    for index in np.flatnonzero(points > 0xFFFF):  # outside the BMP: rare, classified one by one
        classes[index] = _character_class(text[index])
    word, other = classes == WORD, classes == OTHER
    before = np.concatenate(([False], word[:-1]))
    after = np.concatenate((word[1:], [False]))
    starts = np.flatnonzero(other | (word & ~before))
    ends = np.flatnonzero(other | (word & ~after)) + 1
    return starts.astype(np.int64), ends.astype(np.int64)


SPACE, WORD, OTHER = 0, 1, 2


def _character_class(character: str) -> int:
    if TOKEN_WORD.fullmatch(character):
        return WORD
    return SPACE if character.isspace() else OTHER


@functools.cache
def _character_classes() -> np.ndarray:
    """The class of every character of the Basic Multilingual Plane, computed once."""
    return np.array([_character_class(chr(point)) for point in range(0x10000)], dtype=np.uint8)


class TokenValues:
    """Numbers for token values: 0 is no category, then categories and their combinations."""

    def __init__(self, categories: Sequence[str]) -> None:
        self.categories = list(categories)
        self._category_index = {code: i for i, code in enumerate(self.categories)}
        self.names: list[str] = [NO_CATEGORY]
        self._index: dict[bytes, int] = {}

    def matrix(
        self, starts: np.ndarray, ends: np.ndarray, layers: Sequence[Sequence[Span]]
    ) -> np.ndarray:
        """Each token's value under each layer: a layers × tokens array, for one document.

        A category covers a token when one of its spans shares a code point with it; which
        categories cover a token is a boolean row, and each distinct row is a value.
        """
        n_tokens, n_categories = len(starts), len(self.categories)
        rows = [
            (layer, s, e, self._category_index[c])
            for layer, spans in enumerate(layers)
            for s, e, c in spans
        ]
        if not rows or not n_tokens:
            return np.zeros((len(layers), n_tokens), dtype=np.int64)
        array = np.array(rows, dtype=np.int64)
        first = np.searchsorted(ends, array[:, 1], side="right")
        last = np.searchsorted(starts, array[:, 2], side="left")
        keep = first < last  # a span over spaces alone covers no token
        array, first, last = array[keep], first[keep], last[keep]
        # Coverage by layer and category: +1 where a span's tokens begin, -1 after they end.
        slot = array[:, 0] * n_categories + array[:, 3]
        steps = np.zeros((len(layers) * n_categories, n_tokens + 1), dtype=np.int64)
        np.add.at(steps, (slot, first), 1)
        np.add.at(steps, (slot, last), -1)
        by_category = (np.cumsum(steps, axis=1)[:, :n_tokens] > 0).reshape(
            len(layers), n_categories, n_tokens
        )
        covered = by_category.transpose(0, 2, 1).reshape(-1, n_categories)  # (layer, token) rows
        if n_categories <= MASK_BITS:
            # One integer per token (a bit per category) makes the distinct rows cheap to find.
            masks = covered @ (np.int64(1) << np.arange(n_categories, dtype=np.int64))
            distinct, inverse = np.unique(masks, return_inverse=True)
            patterns = (distinct[:, None] >> np.arange(n_categories)) & 1 == 1
        else:
            patterns, inverse = np.unique(covered, axis=0, return_inverse=True)
        codes = np.array([self._code(pattern) for pattern in patterns], dtype=np.int64)
        return codes[inverse.reshape(-1)].reshape(len(layers), n_tokens)

    def _code(self, row: np.ndarray) -> int:
        if not row.any():
            return 0
        key = np.packbits(row).tobytes()
        if key not in self._index:
            self._index[key] = len(self.names)
            self.names.append("+".join(sorted(np.array(self.categories)[row])))
        return self._index[key]
