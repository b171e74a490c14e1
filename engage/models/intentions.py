"""The commissioning-intentions catalogue, from the ICB's own plans."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engage.models.base import Base


class IntentionDomain(Base):
    """A life-course domain, cross-cutting area or programme, with its context."""

    __tablename__ = "intention_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    year: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # life_course, cross_cutting, programme
    source: Mapped[str] = mapped_column(String(10))
    source_section: Mapped[str] = mapped_column(String(200))
    ambitions: Mapped[list[str]] = mapped_column(default=list)
    outcome_measures: Mapped[list[str]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)


class Intention(Base):
    __tablename__ = "intention"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    year: Mapped[str] = mapped_column(String(10), index=True)
    domain: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # intention, medium_term_priority
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))
    source_section: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    # Kept rather than deleted when a new catalogue drops it, so links and responses survive.
    retired: Mapped[bool] = mapped_column(default=False)
