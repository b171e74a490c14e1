"""Figures for the staff dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Comment, Intention, PanelMembership, Response, Survey


@dataclass(frozen=True)
class Summary:
    surveys: int
    open_surveys: int
    responses: int
    comments: int
    pending_comments: int
    panel_members: int
    intentions: int


def summary() -> Summary:
    def count(stmt: object) -> int:
        return int(db.session.scalar(stmt) or 0)  # type: ignore[arg-type]

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
    )
