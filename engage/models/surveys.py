"""Surveys, their questions, and residents' responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.models.base import Base, utcnow
from engage.models.intentions import Intention
from engage.models.people import GpPractice
from engage.models.structure import new_structure_token

survey_intention = Table(
    "survey_intention",
    Base.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("intention_id", ForeignKey("intention.id", ondelete="CASCADE"), primary_key=True),
)

# Which GP practices' PPGs a survey with the "ppg" audience is for.
survey_practice = Table(
    "survey_practice",
    Base.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("practice_id", ForeignKey("gp_practice.id", ondelete="CASCADE"), primary_key=True),
)


class Survey(Base):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(20), default="public")  # public, panel, ppg
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft, open, closed
    opens_on: Mapped[date | None]
    closes_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # A fresh random value whenever its sections, questions or translations change (set by
    # ``engage.models.structure`` on every flush that changes them): resident pages cache the
    # survey's structure by it. Random, not a counter, so a rolled-back change's value never
    # comes back for a different structure.
    structure_token: Mapped[str] = mapped_column(
        String(32), default=new_structure_token, server_default="0"
    )

    sections: Mapped[list[Section]] = relationship(
        back_populates="survey", order_by="Section.position", cascade="all, delete-orphan"
    )
    intentions: Mapped[list[Intention]] = relationship(secondary=survey_intention)
    practices: Mapped[list[GpPractice]] = relationship(secondary=survey_practice)


class Section(Base):
    __tablename__ = "survey_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    # Simple routing: show only when an earlier question was answered with any listed value:
    # ``{"question": key, "in": [values]}``, or ``{"question": key, "equals": value}`` for one.
    show_if: Mapped[dict[str, Any] | None]

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("section_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("survey_section.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text, default="")
    # What to say when a required answer is missing, e.g. "Select which hospital you visited".
    error_message: Mapped[str | None] = mapped_column(String(300))
    required: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list[str]] = mapped_column(default=list)
    show_if: Mapped[dict[str, Any] | None]

    section: Mapped[Section] = relationship(back_populates="questions")


class Response(Base):
    """A submission; resumable while in progress, submitted exactly once."""

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    survey_version: Mapped[int] = mapped_column(default=1)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="online")  # online, paper, event
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    language: Mapped[str] = mapped_column(String(10), default="en")
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    # From the resident's postcode answer: the decile of where they live (1 is most deprived)
    # and, when no full postcode is known to the lookup, its district (e.g. PR1).
    deprivation_decile: Mapped[int | None] = mapped_column(SmallInteger)
    postcode_district: Mapped[str | None] = mapped_column(String(4))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    # Save and come back: a long secret for the link and a short code to type, both hashed.
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    resume_code_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    survey: Mapped[Survey] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    value: Mapped[Any] = mapped_column(JSON)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class SurveyTranslation(Base):
    """A survey in another language: its strings keyed as in the English original.

    ``strings`` maps keys such as ``survey.title``, ``question.<id>.label``,
    ``question.<id>.option.<value>`` to the translated text. Choice answers are stored by the
    option's value, so results combine across languages.
    """

    __tablename__ = "survey_translation"
    __table_args__ = (UniqueConstraint("survey_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    strings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published: Mapped[bool] = mapped_column(default=False)
    # A qualified translator confirmed it; until then residents see it marked as unreviewed.
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
