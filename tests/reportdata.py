"""Builders for report tests: places, themes, a current run, linked intentions and comments."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    AnalysisRun,
    Comment,
    CommentTheme,
    Intention,
    Place,
    Theme,
    ThemeIntentionLink,
    Topic,
)
from engage.services import intentions

_keys = itertools.count(1)


@dataclass
class World:
    run: AnalysisRun
    blackpool: Place
    lancashire: Place
    pennine: Place
    waits: Theme
    transport: Theme
    food: Theme
    intention: Intention


def make_world() -> World:
    """Three places, three themes, the catalogue; waits confirmed and transport suggested for
    intention 1."""
    if db.session.scalar(select(Intention.id).limit(1)) is None:
        intentions.load_catalogue()
    lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    blackpool = Place(code="BPL", name="Blackpool", kind="place", parent=lsc)
    lancashire = Place(code="LAN", name="Lancashire", kind="place", parent=lsc)
    pennine = Place(code="ELA", name="Pennine", kind="footprint", parent=lancashire)
    waits = Theme(slug="waits", name="Waiting times", description="Waiting to be seen.")
    transport = Theme(slug="transport", name="Getting there", description="Buses, parking.")
    food = Theme(slug="food", name="Hospital food", description="Meals on the ward.")
    run = AnalysisRun(status="succeeded", is_current=True)
    db.session.add_all([lsc, blackpool, lancashire, pennine, waits, transport, food, run])
    db.session.flush()
    intention = db.session.get(Intention, 1)
    assert intention is not None
    db.session.add_all(
        [
            ThemeIntentionLink(theme_id=waits.id, intention_id=1, state="confirmed", score=0.8),
            ThemeIntentionLink(theme_id=transport.id, intention_id=1, state="suggested"),
            ThemeIntentionLink(theme_id=food.id, intention_id=1, state="rejected"),
        ]
    )
    db.session.commit()
    return World(run, blackpool, lancashire, pennine, waits, transport, food, intention)


def add_comments(
    world: World,
    theme: Theme,
    n: int,
    *,
    text: str = "The wait was long",
    place: Place | None = None,
    age_band: str | None = "45-54",
    sex: str | None = "Female",
    ethnicity: str | None = "White",
    decile: int | None = 5,
    received_at: datetime = datetime(2025, 3, 10, 12, 0),
    state: str = "approved",
    survey_id: int | None = None,
    respondent: str | None = None,
    source: str = "model",
) -> list[Comment]:
    """``n`` comments on ``theme`` from ``n`` different people (or one, given ``respondent``)."""
    made = []
    for _ in range(n):
        key = next(_keys)
        comment = Comment(
            source="survey",
            source_key=f"k{key}",
            survey_id=survey_id,
            original_text=f"{text} said Jane Smith of 1 High Street",
            redacted_text=f"{text} said [NAME] of [ADDRESS]",
            moderation_state=state,
            respondent_key=respondent or f"r{key}",
            received_at=received_at,
            place_id=(place or world.blackpool).id,
            age_band=age_band,
            sex=sex,
            ethnicity=ethnicity,
            deprivation_decile=decile,
        )
        db.session.add(comment)
        db.session.flush()
        db.session.add(
            CommentTheme(
                comment_id=comment.id,
                theme_id=theme.id,
                run_id=world.run.id if source == "model" else None,
                source=source,
            )
        )
        made.append(comment)
    db.session.commit()
    return made


def mark_representative(world: World, theme: Theme, comments: list[Comment]) -> None:
    number = len(world.run.topics)
    db.session.add(
        Topic(
            run_id=world.run.id,
            number=number,
            label=theme.name,
            theme_id=theme.id,
            representative_comment_ids=[c.id for c in comments],
        )
    )
    db.session.commit()
