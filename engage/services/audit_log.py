"""Reading the audit log."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.models import AuditEvent

PAGE_SIZE = 50


def list_events(page: int = 1, entity_type: str | None = None) -> tuple[list[AuditEvent], bool]:
    """One page of events, newest first, and whether there are more."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    rows = list(db.session.scalars(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def entity_types() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
        )
    )
