"""Comments as the engagement team lists them."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Comment

PAGE_SIZE = 25
STATES = ("pending", "approved", "hidden")


def list_comments(page: int = 1, state: str | None = None) -> tuple[list[Comment], int]:
    stmt = select(Comment)
    count = select(func.count(Comment.id))
    if state in STATES:
        stmt = stmt.where(Comment.moderation_state == state)
        count = count.where(Comment.moderation_state == state)
    rows = db.session.scalars(
        stmt.order_by(Comment.received_at.desc(), Comment.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return list(rows), int(db.session.scalar(count) or 0)
