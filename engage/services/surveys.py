"""Surveys as residents and staff see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from engage.extensions import db
from engage.models import Question, Section, Survey, SurveyTranslation
from engage.models.structure import pending_changes


def list_open_surveys(today: date | None = None) -> list[Survey]:
    """Surveys that are open now and offered to the public."""
    today = today or date.today()
    stmt = (
        select(Survey)
        .where(Survey.status == "open", Survey.audience == "public")
        .where(or_(Survey.opens_on.is_(None), Survey.opens_on <= today))
        .where(or_(Survey.closes_on.is_(None), Survey.closes_on >= today))
        .order_by(Survey.closes_on)
    )
    return list(db.session.scalars(stmt))


def count_surveys_by_status() -> dict[str, int]:
    rows = db.session.execute(select(Survey.status, func.count()).group_by(Survey.status))
    return {status: n for status, n in rows}


# --- a survey's structure, cached per process ------------------------------------------------


@dataclass(frozen=True)
class QuestionView:
    """A question as resident pages use it: read-only, shared between requests."""

    id: int
    section_id: int
    position: int
    key: str
    kind: str
    text: str
    hint: str
    error_message: str | None
    required: bool
    options: tuple[str, ...]
    show_if: dict[str, Any] | None


@dataclass(frozen=True)
class SectionView:
    id: int
    position: int
    title: str
    show_if: dict[str, Any] | None
    questions: tuple[QuestionView, ...]


@dataclass(frozen=True)
class Structure:
    """A survey's sections, questions and published translations as of ``token``."""

    survey_id: int
    token: str
    sections: tuple[SectionView, ...]
    # Each published translation's strings, by language code.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    questions: dict[int, QuestionView] = field(default_factory=dict)  # by id
    kinds: frozenset[str] = frozenset()


def structure_of(survey: Survey) -> Structure:
    """The survey's sections, questions and published translations, cached by its token.

    Any change to them gives the survey a new ``structure_token`` in the same transaction
    (``engage.models.structure``), so a cached copy is used only while it is current. A session
    that has itself changed some structure, not yet committed, reads it afresh and keeps nothing.
    """
    if pending_changes(db.session()):
        return _load_structure(survey.id, survey.structure_token)
    cache: dict[int, Structure] = current_app.extensions.setdefault("engage_structures", {})
    cached = cache.get(survey.id)
    if cached is not None and cached.token == survey.structure_token:
        return cached
    loaded = _load_structure(survey.id, survey.structure_token)
    # Its three reads are separate statements: a builder commit between them would leave a
    # mixed copy. Keep it only if the token is still the one the page was read with.
    current = db.session.scalar(select(Survey.structure_token).where(Survey.id == survey.id))
    if current == survey.structure_token:
        cache[survey.id] = loaded
    return loaded


def _load_structure(survey_id: int, token: str) -> Structure:
    sections = db.session.execute(
        select(Section.id, Section.position, Section.title, Section.show_if)
        .where(Section.survey_id == survey_id)
        .order_by(Section.position, Section.id)
    ).all()
    by_section: dict[int, list[QuestionView]] = {s.id: [] for s in sections}
    rows = db.session.execute(
        select(
            Question.id,
            Question.section_id,
            Question.position,
            Question.key,
            Question.kind,
            Question.text,
            Question.hint,
            Question.error_message,
            Question.required,
            Question.options,
            Question.show_if,
        )
        .join(Section, Question.section_id == Section.id)
        .where(Section.survey_id == survey_id)
        .order_by(Question.position, Question.id)
    )
    for row in rows:
        if row.section_id not in by_section:  # a section added since the read above
            continue
        by_section[row.section_id].append(
            QuestionView(
                id=row.id,
                section_id=row.section_id,
                position=row.position,
                key=row.key,
                kind=row.kind,
                text=row.text,
                hint=row.hint,
                error_message=row.error_message,
                required=bool(row.required),
                options=tuple(row.options or ()),
                show_if=row.show_if,
            )
        )
    views = tuple(
        SectionView(s.id, s.position, s.title, s.show_if, tuple(by_section[s.id])) for s in sections
    )
    published = db.session.execute(
        select(SurveyTranslation.language, SurveyTranslation.strings).where(
            SurveyTranslation.survey_id == survey_id, SurveyTranslation.published.is_(True)
        )
    )
    questions = {q.id: q for s in views for q in s.questions}
    return Structure(
        survey_id=survey_id,
        token=token,
        sections=views,
        translations={language: dict(strings or {}) for language, strings in published},
        questions=questions,
        kinds=frozenset(q.kind for q in questions.values()),
    )
