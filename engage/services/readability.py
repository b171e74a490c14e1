"""How easy a question is to read, as a UK reading age, with a warning above the NHS level.

The NHS content guide asks for text most people can read: a reading age of about 9 to 11.
Flesch-Kincaid grade (US school years) plus 5 gives a UK reading age. Syllables are counted by
vowel groups, a heuristic that is right for most everyday English words; on a few words any
formula is noise, so texts under ``MIN_WORDS`` are not scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NHS_MAX_READING_AGE = 11
MIN_WORDS = 4
WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
SENTENCE_END = re.compile(r"[.!?]+")


def syllables(word: str) -> int:
    word = word.lower().removesuffix("'s")
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # a silent final e: "care", "make"
    return max(count, 1)


@dataclass(frozen=True)
class Readability:
    words: int
    reading_age: float | None  # None when the text is too short to score

    @property
    def too_hard(self) -> bool:
        return self.reading_age is not None and self.reading_age > NHS_MAX_READING_AGE

    def describe(self) -> str:
        if self.reading_age is None:
            return "Too short to measure reading age"
        age = max(round(self.reading_age), 5)
        if self.too_hard:
            return (
                f"Reading age about {age}: above the NHS guide's {NHS_MAX_READING_AGE}. "
                "Use shorter sentences and everyday words"
            )
        return f"Reading age about {age}: within the NHS guide's {NHS_MAX_READING_AGE}"


def measure(text: str | None) -> Readability:
    """Flesch-Kincaid reading age of ``text`` (a question, with its hint if any)."""
    words = WORD.findall(text or "")
    if len(words) < MIN_WORDS:
        return Readability(len(words), None)
    sentences = max(len([s for s in SENTENCE_END.split(text or "") if WORD.search(s)]), 1)
    total_syllables = sum(syllables(w) for w in words)
    grade = 0.39 * len(words) / sentences + 11.8 * total_syllables / len(words) - 15.59
    return Readability(len(words), grade + 5)
