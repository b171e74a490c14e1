"""Surveys in other languages: which strings a translation has, what it may not leave out, and
how the runner shows it with English wherever a string is missing.

Strings are keyed as in ``SurveyTranslation``: ``survey.title``, ``survey.purpose``,
``section.<id>.title``, ``question.<id>.label``, ``question.<id>.hint``,
``question.<id>.error``, ``question.<id>.option.<value>``. Answers to choice questions are
stored by the English option value, so results combine across languages whatever is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from markupsafe import Markup
from sqlalchemy import select

from engage import i18n
from engage.extensions import db
from engage.models import Question, Survey, SurveyTranslation, utcnow
from engage.services.errors import DomainError, NotFound

CHOICE_KINDS = ("single_choice", "multi_choice", "fft", "consent", "rating")
MAX_STRING = 2000


@dataclass(frozen=True)
class Entry:
    """One English string of a survey and where it appears, for the side-by-side editor."""

    key: str
    english: str
    where: str  # e.g. "Question 2: label"
    long: bool = False


def entries(survey: Survey) -> list[Entry]:
    """Every string a translation of ``survey`` may give, in the order a resident meets them."""
    found = [Entry("survey.title", survey.title, "Survey title")]
    if survey.purpose:
        found.append(Entry("survey.purpose", survey.purpose, "Survey purpose", long=True))
    number = 0
    for s_number, section in enumerate(survey.sections, start=1):
        found.append(Entry(f"section.{section.id}.title", section.title, f"Section {s_number}"))
        for q in section.questions:
            number += 1
            base = f"question.{q.id}"
            found.append(Entry(f"{base}.label", q.text, f"Question {number}", long=True))
            if q.hint:
                found.append(Entry(f"{base}.hint", q.hint, f"Question {number}: hint", long=True))
            if q.error_message:
                found.append(
                    Entry(f"{base}.error", q.error_message, f"Question {number}: error message")
                )
            if q.kind in CHOICE_KINDS:
                for option in q.options or []:
                    found.append(
                        Entry(f"{base}.option.{option}", option, f"Question {number}: option")
                    )
    return found


def _routing_uses(survey: Survey) -> dict[tuple[str, str], str]:
    """(question key, option value) -> the section or question whose routing depends on it."""
    options = {q.key: q.options or [] for sec in survey.sections for q in sec.questions}
    uses: dict[tuple[str, str], str] = {}

    def note(rule: dict[str, Any] | None, where: str) -> None:
        if not rule or not rule.get("question"):
            return
        key = rule["question"]
        # One answer ("equals") or any of several ("in"): each is an answer routing needs.
        values = rule["in"] if isinstance(rule.get("in"), list) else [rule.get("equals")]
        for value in values:
            # A rating rule names the option by position (1 = first); others by its value.
            if isinstance(value, int) and 0 < value <= len(options.get(key, [])):
                value = options[key][value - 1]
            uses[(key, str(value))] = where

    for section in survey.sections:
        note(section.show_if, f"section '{section.title}'")
        for q in section.questions:
            note(q.show_if, f"question '{q.text}'")
    return uses


def missing(survey: Survey, strings: dict[str, str]) -> list[str]:
    """What a translation may not leave out before residents see it, each named.

    The title, and for every required question its wording and every option; for any
    question, an option that routing depends on. A resident must never meet a required
    question, or an answer that decides what comes next, only partly in their language.
    """
    have = {k for k, v in strings.items() if (v or "").strip()}
    problems = [] if "survey.title" in have else ["The survey title is not translated"]
    uses = _routing_uses(survey)
    number = 0
    for section in survey.sections:
        for q in section.questions:
            number += 1
            base = f"question.{q.id}"
            if q.required and f"{base}.label" not in have:
                problems.append(f"Question {number} ('{q.text}') is required but not translated")
            if q.kind not in CHOICE_KINDS:
                continue
            for option in q.options or []:
                if f"{base}.option.{option}" in have:
                    continue
                if q.required:
                    problems.append(
                        f"Question {number} ('{q.text}') is required but its option "
                        f"'{option}' is not translated"
                    )
                elif (q.key, option) in uses:
                    problems.append(
                        f"Option '{option}' of question {number} ('{q.text}') is not translated, "
                        f"and the routing of {uses[(q.key, option)]} depends on it"
                    )
    return problems


def get_translation(survey_id: int, language: str) -> SurveyTranslation | None:
    return db.session.scalar(
        select(SurveyTranslation).where(
            SurveyTranslation.survey_id == survey_id, SurveyTranslation.language == language
        )
    )


def list_translations(survey_id: int) -> list[SurveyTranslation]:
    return list(
        db.session.scalars(
            select(SurveyTranslation)
            .where(SurveyTranslation.survey_id == survey_id)
            .order_by(SurveyTranslation.language)
        )
    )


def save_translation(
    survey_id: int,
    language: str,
    strings: dict[str, str],
    publish: bool,
    reviewed_by: str | None = None,
) -> SurveyTranslation:
    """Keep a translation's strings; publish it only when nothing required is missing.

    A refused publication saves nothing and raises a DomainError naming every missing string.
    """
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("There is no such survey")
    known = {e.key for e in entries(survey)}
    cleaned = {k: v.strip() for k, v in strings.items() if k in known and (v or "").strip()}
    too_long = [k for k, v in cleaned.items() if len(v) > MAX_STRING]
    if too_long:
        raise DomainError(f"Each text must be {MAX_STRING:,} characters or fewer")
    if publish:
        problems = missing(survey, cleaned)
        if problems:
            raise DomainError("This translation cannot be published yet: " + "; ".join(problems))
    translation = get_translation(survey_id, language)
    if translation is None:
        translation = SurveyTranslation(survey_id=survey_id, language=language)
        db.session.add(translation)
    translation.strings = cleaned
    translation.published = publish
    if reviewed_by and reviewed_by.strip():
        translation.reviewed_by = reviewed_by.strip()[:120]
        translation.reviewed_at = utcnow()
    translation.updated_at = utcnow()
    db.session.commit()
    return translation


class Shown:
    """A survey's strings in one language, falling back to English with the fallback marked.

    ``page_language`` is the language of the page around the survey. It differs from
    ``language`` when the survey is translated into a language the residents' interface is not
    (a Punjabi survey on an English page), and in the builder's preview, whose staff page is
    always English: then each translated string is marked with its own ``lang`` and ``dir``, and
    English fallbacks need no mark.
    """

    def __init__(
        self,
        survey: Survey,
        language: str,
        strings: dict[str, str] | None,
        page_language: str | None = None,
        available: list[str] | None = None,
    ) -> None:
        self.survey = survey
        self.language = language
        self.strings = strings or {}
        self.page_language = page_language or language
        self.available = available or []  # languages with a published translation
        self.fell_back = False

    @property
    def translated(self) -> bool:
        return bool(self.strings)

    @property
    def beside_english_interface(self) -> bool:
        """The survey is in a language the residents' interface has no catalogue for, so the
        rest of their page is English and says so.

        Asked of the residents' interface, not of ``page_language``: the preview of a Polish
        survey sits on an English staff page, yet Polish residents get a Polish interface, so
        the notice would misdescribe their page.
        """
        return self.translated and self.language not in i18n.supported()

    def get(self, key: str, english: str) -> str | Markup:
        """The translated string (marked when the page is in another language), or the English
        one, marked ``lang="en"`` on a page in another language."""
        text = self.strings.get(key)
        if text:
            if self.language == self.page_language:
                return text
            return Markup('<span lang="{}" dir="{}">{}</span>').format(
                self.language, i18n.direction(self.language), text
            )
        if self.language != "en" and english:
            self.fell_back = True
        if self.page_language == "en" or not english:
            return english
        return Markup('<span lang="en" dir="ltr">{}</span>').format(english)

    def plain(self, key: str, english: str) -> str:
        """For places that cannot carry markup: page titles and error messages."""
        return self.strings.get(key) or english

    def title(self) -> str | Markup:
        return self.get("survey.title", self.survey.title)

    def purpose(self) -> str | Markup:
        return self.get("survey.purpose", self.survey.purpose)

    def section(self, section: Any) -> str | Markup:
        return self.get(f"section.{section.id}.title", section.title)

    def label(self, q: Question) -> str | Markup:
        return self.get(f"question.{q.id}.label", q.text)

    def hint(self, q: Question) -> str | Markup:
        return self.get(f"question.{q.id}.hint", q.hint) if q.hint else ""

    def error(self, q: Question) -> str | Markup | None:
        return self.get(f"question.{q.id}.error", q.error_message) if q.error_message else None

    def option(self, q: Question, value: str) -> str | Markup:
        return self.get(f"question.{q.id}.option.{value}", value)


def preview(survey: Survey, language: str) -> Shown:
    """The survey as a resident reading ``language`` would see it, its draft translation included:
    a preview is where the team checks a translation before publishing it."""
    if language == "en":
        return Shown(survey, "en", None)
    draft = get_translation(survey.id, language)
    return Shown(
        survey, language, draft.strings if draft else None, page_language=i18n.current_language()
    )


def for_resident(survey: Survey) -> Shown:
    """The survey in the resident's chosen language where it has a published translation.

    That may be a language the interface has no catalogue for: the survey is shown in it and
    the page around it in English. The survey's languages are offered on its pages. The
    published strings come from the survey's cached structure; the result is kept for the
    request, as a page may ask more than once.
    """
    # On the request, not g: a test's outer app context would share g between requests.
    cache: dict[int, Shown] = request.__dict__.setdefault("engage_shown", {})
    if survey.id in cache:
        return cache[survey.id]
    from engage.services.surveys import structure_of

    published = structure_of(survey).translations
    available = ["en", *sorted(published)] if published else []
    if available:
        i18n.offer_survey_languages(survey.slug, available)
    chosen, page = i18n.resident_language(), i18n.current_language()
    if chosen == "en":
        result = Shown(survey, "en", None, page, available)
    else:
        result = Shown(survey, chosen, published.get(chosen), page, available)
    cache[survey.id] = result
    return result
