"""Which language a comment is in, offline, and the English translations the team adds.

Detection uses lingua (its models ship inside the wheel: nothing is downloaded), restricted to
English and the community languages most spoken here, which makes it faster and far less likely
to mistake one language for a rare one. Short texts are unreliable, so under ``MIN_LETTERS``
letters it says "unknown" (stored as no language, as before detection existed), unless the
text is written wholly in another script: then it is certainly not English, whatever it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Comment
from engage.services.errors import DomainError, NotFound

UNKNOWN = "unknown"  # too short or too unsure to say: stored as NULL, analysed as before
UNDETERMINED = "und"  # ISO 639 "undetermined": not English, but not sure which language
MIN_LETTERS = 20
# How far ahead of the runner-up the winner must be, as lingua measures it (0 to 1).
MIN_RELATIVE_DISTANCE = 0.1
MAX_TRANSLATION = 5000

# ISO 639-1 code -> English name, for the languages detection chooses among.
DETECTED_LANGUAGES = {
    "en": "English",
    "ur": "Urdu",
    "pa": "Punjabi",
    "gu": "Gujarati",
    "bn": "Bengali",
    "pl": "Polish",
}
LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DETECTED_LANGUAGES
    ]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .build()
    )


def detect(text: str | None) -> str:
    """An ISO 639-1 code from DETECTED_LANGUAGES, UNDETERMINED, or UNKNOWN."""
    # Letters and the vowel signs that Indic scripts write as combining marks.
    letters = [ch for ch in text or "" if unicodedata.category(ch)[0] in "LM"]
    if not letters:
        return UNKNOWN
    latin = sum(1 for ch in letters if LATIN_LETTER.match(ch))
    if len(letters) < MIN_LETTERS:
        # Too short to tell Urdu from Punjabi, or English from Polish; but no Latin letters at
        # all means it is not English, and it must not go into English clustering untranslated.
        return UNDETERMINED if latin == 0 else UNKNOWN
    found = _detector().detect_language_of(text)
    if found is None:
        return UNDETERMINED if latin == 0 else UNKNOWN
    return str(found.iso_code_639_1.name).lower()


def stored(detected: str) -> str | None:
    """What goes in ``Comment.language``: unknown is stored as nothing."""
    return None if detected == UNKNOWN else detected


def language_name(code: str | None) -> str:
    if code == UNDETERMINED:
        return "a language other than English (not determined)"
    return DETECTED_LANGUAGES.get(code or "", code or "unknown")


def needs_translation(comment: Comment) -> bool:
    """Not in English and no English translation yet: analysis leaves it out."""
    return comment.language not in (None, "en") and not comment.translation_text


@dataclass(frozen=True)
class Translated:
    comment_id: int
    cleared: bool


def set_translation(comment_id: int, text: str | None, code: str | None = None) -> Translated:
    """Correct a comment's language and add, change or (empty text) remove its translation."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("There is no such comment")
    if code is not None and code not in DETECTED_LANGUAGES and code != UNDETERMINED:
        raise DomainError(f"Unknown language: {code}")
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_TRANSLATION:
        raise DomainError(f"The translation must be {MAX_TRANSLATION:,} characters or fewer")
    language = code or comment.language
    if language not in (None, "en") and not cleaned and not comment.translation_text:
        raise DomainError("Enter the English translation of the comment")
    comment.language = language
    # An English comment needs no translation; one left behind would replace its own words.
    comment.translation_text = (cleaned or None) if language != "en" else None
    db.session.commit()
    return Translated(comment.id, cleared=not cleaned)


@dataclass(frozen=True)
class LeftOut:
    """Approved comments that analysis leaves out because nobody has translated them yet."""

    total: int
    by_language: dict[str, int]


def left_out_untranslated(
    survey_id: int | None = None,
    source: str | None = None,
    date_from: Any = None,
    date_to: Any = None,
) -> LeftOut:
    """Count, by language, the approved comments in a scope that are not in English and have no
    translation: the ones ``analysis.scoped_comments`` leaves out. Same filters as its Scope."""
    stmt = select(Comment.language, func.count()).where(
        Comment.moderation_state == "approved",
        Comment.language.is_not(None),
        Comment.language != "en",
        Comment.translation_text.is_(None),
    )
    if survey_id:
        stmt = stmt.where(Comment.survey_id == survey_id)
    if source:
        stmt = stmt.where(Comment.source == source)
    if date_from:
        stmt = stmt.where(Comment.received_at >= datetime.combine(date_from, time.min))
    if date_to:
        stmt = stmt.where(
            Comment.received_at < datetime.combine(date_to, time.min) + timedelta(days=1)
        )
    counts = {str(lang): int(n) for lang, n in db.session.execute(stmt.group_by(Comment.language))}
    return LeftOut(total=sum(counts.values()), by_language=counts)


def left_out_in_scope(scope: Any) -> LeftOut:
    """``left_out_untranslated`` for an ``analysis.Scope`` (or its stored parameters)."""
    if isinstance(scope, dict):
        from engage.services.analysis import Scope

        scope = Scope.from_params(scope)
    return left_out_untranslated(scope.survey_id, scope.source, scope.date_from, scope.date_to)
