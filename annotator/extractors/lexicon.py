"""Whether a string is a word of a language, by how often it is written: wordfreq's lists.

The PDF extractor asks it at a line-end hyphen that the document itself does not decide
(it spells the word neither way): "Uyghur-" "majority" are two words of English and
"Uyghurmajority" is none, so the hyphen is a compound's and stays; "deten-" "tion" make a
word, so the hyphen was the word processor's.

A string counts as a word from ``KNOWN_ZIPF`` on wordfreq's Zipf scale (3 is a word in a
million; 0 a string wordfreq has never seen). Short strings are words of every language
("tur", "sun"): a half counts only from ``WORD_LETTERS`` letters, so a name broken into
syllables is never taken for a compound.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from wordfreq import available_languages, zipf_frequency

KNOWN_ZIPF = 2.5
WORD_LETTERS = (4, 3)  # letters a compound's first and second halves have at least


@functools.cache
def lexicon(language: str | None) -> Callable[[str], float] | None:
    """How often a word is written in ``language`` (ISO 639-1), on the Zipf scale; None
    where wordfreq has no list for the language."""
    if not language or language not in available_languages():
        return None
    return functools.partial(zipf_frequency, lang=language)


def two_words(first: str, second: str, language: str | None) -> bool | None:
    """Whether ``first`` and ``second`` are two words of the language and their join is
    none (a compound: keep its hyphen); None when the language has no word list."""
    frequency = lexicon(language)
    if frequency is None:
        return None
    if frequency(first + second) > 0:
        return False
    return (
        len(first) >= WORD_LETTERS[0]
        and len(second) >= WORD_LETTERS[1]
        and frequency(first) >= KNOWN_ZIPF
        and frequency(second) >= KNOWN_ZIPF
    )
