"""Reading the audit log, and logging staff access to special-category data."""

from __future__ import annotations

from sqlalchemy import select

from engage.extensions import db
from engage.models import AuditEvent
from engage.services import audit

PAGE_SIZE = 50


# How the audit page names each kind of event; any other action is shown as it is stored.
KIND_NAMES = {
    audit.SPECIAL_CATEGORY_ACCESS: "Special-category data shown to staff",
    audit.MESSAGE_SHOWN: "Message to a resident opened in the outbox",
}


def list_events(
    page: int = 1, entity_type: str | None = None, kind: str | None = None
) -> tuple[list[AuditEvent], bool]:
    """One page of events, newest first, and whether there are more."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if kind:
        stmt = stmt.where(AuditEvent.action == kind)
    rows = list(db.session.scalars(stmt.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def kinds() -> list[tuple[str, str]]:
    """Each kind of event in the log (its action) with the name the audit page shows."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return [(a, KIND_NAMES.get(a, a)) for a in actions]


def log_special_category_access(person_id: int, categories: list[str], purpose: str) -> None:
    """Record, and commit, that the signed-in staff member was shown this person's data."""
    if audit.record_special_category_access(db.session, person_id, categories, purpose):
        db.session.commit()


def entity_types() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)
        )
    )
