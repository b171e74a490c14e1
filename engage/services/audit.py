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

from flask import Flask, has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, scoped_session

from engage.models import AuditEvent, utcnow

AnySession = Session | scoped_session[Any]

REDACTED = "[redacted]"
# Never copy these into the log: secrets, free text that may hold personal data, and residents'
# contact and special-category details (the log must not become a second copy that erasure
# would miss). Models may add their own with ``__audit_redact__``.
SENSITIVE_FIELDS = frozenset(
    {
        "password_hash",
        "totp_secret",
        "original_text",
        "token_hash",
        "resume_token_hash",
        "resume_code_hash",
        "given_name",
        "family_name",
        "phone",
        "address",
        "postcode",
        "value",
    }
)


def _sensitive(obj: Any) -> frozenset[str]:
    return SENSITIVE_FIELDS | frozenset(getattr(obj, "__audit_redact__", ()))


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str


_cli_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("cli_actor", default=None)
# When set, row changes are counted here and logged as one event (bulk loads and imports).
_summary: contextvars.ContextVar[dict[str, set[int]] | None] = contextvars.ContextVar(
    "audit_summary", default=None
)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute changes made inside the block to ``actor`` (CLI commands, jobs)."""
    token = _cli_actor.set(actor)
    try:
        yield
    finally:
        _cli_actor.reset(token)


@contextmanager
def summarised(session: AnySession, action: str, note: str) -> Iterator[None]:
    """Log the block's row changes as one event, counting records per change and kind."""
    seen: dict[str, set[int]] = {}
    token = _summary.set(seen)
    try:
        yield
    finally:
        _summary.reset(token)
    if seen:
        event = record(session, action, "bulk", None, note=note)
        event.after = {key: len(ids) for key, ids in sorted(seen.items())}
        session.commit()


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


def _snapshot(obj: Any) -> dict[str, Any]:
    hidden = _sensitive(obj)
    return {
        attr.key: REDACTED if attr.key in hidden else _plain(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    sensitive = _sensitive(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        hidden = attr.key in sensitive
        before[attr.key] = REDACTED if hidden else _plain(old)
        after[attr.key] = REDACTED if hidden else _plain(new)
    return before, after


def _entity_id(obj: Any) -> str | None:
    ident = inspect(obj).identity
    return ":".join(str(i) for i in ident) if ident else None


def _changed(session: Session) -> Iterator[tuple[str, Any]]:
    """The (action, object) pairs of this flush that are worth logging."""
    for obj in session.new:
        if not isinstance(obj, AuditEvent):
            yield "create", obj
    for obj in session.dirty:
        if not isinstance(obj, AuditEvent) and session.is_modified(obj, include_collections=False):
            yield "update", obj
    for obj in session.deleted:
        if not isinstance(obj, AuditEvent):
            yield "delete", obj


def _after_flush(session: Session, _ctx: Any) -> None:
    actor = current_actor()
    if actor is None:
        return  # residents' own submissions are not staff changes
    seen = _summary.get()
    if seen is not None:
        for action, obj in _changed(session):
            key = tuple(inspect(obj).mapper.primary_key_from_instance(obj))
            seen.setdefault(f"{action} {type(obj).__name__}", set()).add(hash(key))
        return
    rows: list[dict[str, Any]] = []
    for action, obj in _changed(session):
        if action == "create":
            before, after = None, _snapshot(obj)
        elif action == "delete":
            before, after = _snapshot(obj), None
        else:
            before, after = _changes(obj)
            if not (before or after):
                continue
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
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def record(
    session: AnySession,
    action: str,
    entity_type: str,
    entity_id: str | None,
    note: str | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Log an event that is not a row change (a sign-in, an export, a view of personal data)."""
    who = actor or current_actor()
    event = AuditEvent(
        user_id=who.user_id if who else None,
        actor=who.label if who else "anonymous",
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        note=note,
    )
    session.add(event)
    return event


# The action of an event saying a staff member was shown a named person's special-category data.
SPECIAL_CATEGORY_ACCESS = "access"
# A staff member opened one message in the outbox (engage.services.panel).
MESSAGE_SHOWN = "message_shown"


def record_special_category_access(
    session: AnySession, person_id: int, categories: list[str] | tuple[str, ...], purpose: str
) -> AuditEvent | None:
    """Log that staff were shown these kinds of a person's special-category data, never the values.

    Who (the actor), whose (the person's id), what (the kinds, such as "ethnicity", and the page),
    why (``purpose``) and when. Nothing is logged when nothing was shown.
    """
    kinds = sorted(set(categories))
    if not kinds:
        return None
    route = request.endpoint if has_request_context() else None
    event = record(
        session,
        SPECIAL_CATEGORY_ACCESS,
        "Person",
        str(person_id),
        note=f"special-category data shown ({', '.join(kinds)}) for {purpose}",
    )
    event.after = {"categories": kinds, "purpose": purpose, "route": route}
    return event


_installed = False


def init_app(app: Flask) -> None:
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
