"""Figures for the staff dashboard."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select

from engage.extensions import db
from engage.models import Comment, Intention, PanelMembership, Response, Survey
from engage.services import survey_results
from engage.services.survey_results import FftSummary, ResultsFilter


@dataclass(frozen=True)
class Summary:
    surveys: int
    open_surveys: int
    responses: int
    comments: int
    pending_comments: int
    panel_members: int
    intentions: int
    worker_seen_seconds_ago: int | None


def summary() -> Summary:
    def count(stmt: Select[tuple[int]]) -> int:
        return int(db.session.scalar(stmt) or 0)

    return Summary(
        surveys=count(select(func.count(Survey.id))),
        open_surveys=count(select(func.count(Survey.id)).where(Survey.status == "open")),
        responses=count(select(func.count(Response.id)).where(Response.status == "submitted")),
        comments=count(select(func.count(Comment.id))),
        pending_comments=count(
            select(func.count(Comment.id)).where(Comment.moderation_state == "pending")
        ),
        panel_members=count(
            select(func.count(PanelMembership.id)).where(PanelMembership.left_on.is_(None))
        ),
        intentions=count(select(func.count(Intention.id)).where(Intention.retired.is_(False))),
        worker_seen_seconds_ago=_worker_seen(),
    )


def fft_last_year(today: date | None = None) -> FftSummary:
    """The Friends and Family Test over the last 12 months: every survey's answers and imports."""
    today = today or date.today()
    return survey_results.fft_summary(None, ResultsFilter(date_from=today - timedelta(days=365)))


def _worker_seen() -> int | None:
    from engage import jobs

    beat = jobs.last_heartbeat()
    return None if beat is None else max(int(time.time() - beat), 0)
