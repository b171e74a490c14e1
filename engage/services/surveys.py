"""Surveys as residents and staff see them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from engage.extensions import db
from engage.models import Survey


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
