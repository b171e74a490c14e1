"""The audit log: every change a staff member (or a CLI operator) makes, with before and after.

Changes are captured at flush time from the ORM's own attribute history, so no service can
forget to log, and the audit rows are written in the same transaction as the change.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from engage.models import AuditEvent, utcnow

REDACTED = "[redacted]"
# Never copy these into the log: secrets, and free text that may hold personal data.
SENSITIVE_FIELDS = frozenset({"password_hash", "original_text", "token_hash"})


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str


_cli_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("cli_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute changes made inside the block to ``actor`` (CLI commands, jobs)."""
    token = _cli_actor.set(actor)
    try:
        yield
    finally:
        _cli_actor.reset(token)


def current_actor() -> Actor | None:
    explicit = _cli_actor.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return Actor(current_user.id, current_user.email)
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def _snapshot(obj: Any, only: set[str] | None = None) -> dict[str, Any]:
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if only is not None and key not in only:
            continue
        out[key] = REDACTED if key in SENSITIVE_FIELDS else _plain(getattr(obj, key))
    return out


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        hidden = attr.key in SENSITIVE_FIELDS
        before[attr.key] = REDACTED if hidden else _plain(old)
        after[attr.key] = REDACTED if hidden else _plain(new)
    return before, after


def _entity_id(obj: Any) -> str | None:
    ident = inspect(obj).identity
    return ":".join(str(i) for i in ident) if ident else None


def _after_flush(session: Session, _ctx: Any) -> None:
    actor = current_actor()
    if actor is None:
        return  # residents' own submissions are not staff changes
    rows: list[dict[str, Any]] = []

    def add(action: str, obj: Any, before: Any, after: Any) -> None:
        rows.append(
            {
                "at": utcnow(),
                "user_id": actor.user_id,
                "actor": actor.label,
                "action": action,
                "entity_type": type(obj).__name__,
                "entity_id": _entity_id(obj),
                "before": before,
                "after": after,
            }
        )

    for obj in session.new:
        if not isinstance(obj, AuditEvent):
            add("create", obj, None, _snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _changes(obj)
        if before or after:
            add("update", obj, before, after)
    for obj in session.deleted:
        if not isinstance(obj, AuditEvent):
            add("delete", obj, _snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def record(
    session: Session,
    action: str,
    entity_type: str,
    entity_id: str | None,
    note: str | None = None,
    actor: Actor | None = None,
) -> None:
    """Log an event that is not a row change (a sign-in, an export, a view of personal data)."""
    who = actor or current_actor()
    session.add(
        AuditEvent(
            user_id=who.user_id if who else None,
            actor=who.label if who else "anonymous",
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            note=note,
        )
    )


_installed = False


def init_app(app: Flask) -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
