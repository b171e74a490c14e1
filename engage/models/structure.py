"""A survey's structure token: changed in the same transaction as any change to its structure.

A survey's structure is its sections, their questions (wording, options, routing, order) and its
translations. Resident pages cache it per process by ``Survey.structure_token``
(``engage.services.surveys.structure_of``), so every change to it must give the survey a new
token, whoever makes it: the builder, the translation editor, imports, the demo loader, a CLI
command. These session events do that for every change made through a session (objects added,
changed or deleted, and bulk UPDATE, DELETE or INSERT statements, ORM or Core), in the flush or
statement that writes it, so the token commits or rolls back with the change itself. A change
made outside any session (a statement on a bare connection, psql) is not seen: restart the web
processes after one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

CHANGED = "engage_structure_changed"  # session.info: this transaction changed some structure


def new_structure_token() -> str:
    return secrets.token_hex(16)


def _kinds() -> tuple[type, ...]:
    from engage.models.surveys import Question, Section, SurveyTranslation

    return (Section, Question, SurveyTranslation)


def pending_changes(session: Session) -> bool:
    """Whether this session has changed any survey's structure in its open transaction."""
    if session.info.get(CHANGED):
        return True
    kinds = _kinds()
    return any(
        isinstance(obj, kinds)
        for group in (session.new, session.dirty, session.deleted)
        for obj in group
    )


def _loaded(obj: Any, name: str) -> Any:
    """An attribute's value as held in memory, without loading it (None when not held)."""
    return inspect(obj).dict.get(name)


def _owners(session: Session, changed: Iterable[Any]) -> tuple[set[int], set[int], bool]:
    """(survey ids, section ids whose survey changed, whether some owner is unknown)."""
    from engage.models.surveys import Question, Section, SurveyTranslation

    surveys: set[int] = set()
    sections: set[int] = set()
    unknown = False
    for obj in changed:
        if isinstance(obj, (Section, SurveyTranslation)):
            survey_id = _loaded(obj, "survey_id")
            if survey_id is None and isinstance(obj, Section) and _loaded(obj, "survey"):
                survey_id = obj.survey.id
            if survey_id is None:
                unknown = True
            else:
                surveys.add(survey_id)
        elif isinstance(obj, Question):
            section_id = _loaded(obj, "section_id")
            if section_id is None and _loaded(obj, "section") is not None:
                section_id = obj.section.id
            if section_id is None:
                unknown = True
            else:
                sections.add(section_id)
            # A question moved from another section: that section's survey changed too.
            for earlier in inspect(obj).attrs.section_id.history.deleted or ():
                if earlier is not None:
                    sections.add(earlier)
    return surveys, sections, unknown


def _renew(session: Session, surveys: set[int], sections: set[int], every: bool) -> None:
    from engage.models.surveys import Section, Survey

    token = new_structure_token()
    table = cast(Table, Survey.__table__)
    conn = session.connection()
    if every:
        conn.execute(update(table).values(structure_token=token))
    else:
        if sections:
            owning = select(Section.survey_id).where(Section.id.in_(sorted(sections)))
            surveys = surveys | set(conn.scalars(owning))
        if surveys:
            conn.execute(
                update(table).where(table.c.id.in_(sorted(surveys))).values(structure_token=token)
            )
    session.info[CHANGED] = True


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    kinds = _kinds()
    changed = [o for o in session.new if isinstance(o, kinds)]
    changed += [o for o in session.deleted if isinstance(o, kinds)]
    changed += [
        o
        for o in session.dirty
        if isinstance(o, kinds) and session.is_modified(o, include_collections=False)
    ]
    if not changed:
        return
    surveys, sections, unknown = _owners(session, changed)
    _renew(session, surveys, sections, every=unknown)


STRUCTURE_TABLES = frozenset({"survey_section", "question", "survey_translation"})


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    """A bulk UPDATE, DELETE or INSERT through the session, ORM-enabled or on the table."""
    if state.is_select or not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in STRUCTURE_TABLES:
        # Which surveys a bulk statement touches is not known here: renew them all.
        _renew(state.session, set(), set(), every=True)


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
