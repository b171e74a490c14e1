"""Plain dataclasses the pipeline returns; nothing here knows about models."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Assignment:
    id: str
    topic: int  # -1: outlier
    theme: str | None  # main theme slug, None: no theme
    themes: list[str]  # main theme first, then every further theme
    probability: float  # of the main theme, or of the topic when there is no theme


@dataclass
class Topic:
    id: int
    label: str
    keywords: list[str]
    size: int
    representative_ids: list[str]
    theme: str | None = None  # the theme this topic stands for
    candidate: bool = False  # matches no theme: a candidate new theme

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Evidence:
    shared_terms: list[str]
    closest_sentences: list[tuple[str, float]]  # (sentence, similarity)


@dataclass
class IntentionMatch:
    key: str
    title: str
    score: float
    evidence: Evidence


@dataclass
class ThemeIntentions:
    theme: str
    matches: list[IntentionMatch] = field(default_factory=list)
