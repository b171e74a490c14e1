"""Comments: how one arrives (redaction proposed, respondent keyed) and how the team lists them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, exists, func, or_, select

from engage.extensions import db
from engage.models import Comment, CommentCode, Person, Place
from engage.services import redaction
from engage.services.themes import effective_comment_themes

PAGE_SIZE = 25
STATES = ("pending", "approved", "hidden")


def known_details(person: Person | None) -> list[str]:
    """What we already know identifies the respondent, so the detector can look for it."""
    if person is None or person.erased_at is not None:
        return []
    values = [person.given_name, person.family_name, person.email, person.phone, person.postcode]
    return [v for v in values if v]


def prepare(comment: Comment, known: Iterable[str] = ()) -> Comment:
    """Ready a new comment for moderation: propose a redaction and key its respondent.

    Every comment arrives pending, whatever its source; nothing reads ``original_text``
    downstream, so until a moderator approves it the comment is in no analysis or report.
    """
    proposal = redaction.propose(comment.original_text, known)
    comment.proposed_redaction = proposal.redacted_text
    comment.pii_kinds = sorted({f.kind for f in proposal.findings})
    comment.moderation_state = comment.moderation_state or "pending"
    if comment.language is None:
        # Offline detection (lingua); a comment not in English is flagged for a translation.
        from engage.services import language

        comment.language = language.stored(language.detect(comment.original_text))
    if comment.respondent_key is None and comment.response_id is not None:
        comment.respondent_key = f"response:{comment.response_id}"
    return comment


def analysable_text(comment: Comment) -> str | None:
    """The text analysis and reports may read: the English translation, else the redacted text."""
    if comment.moderation_state != "approved":
        return None
    return comment.translation_text or comment.redacted_text


@dataclass(frozen=True)
class CommentFilter:
    """What the team narrows the comments to; every field is optional."""

    text: str | None = None
    code_id: int | None = None
    theme_id: int | None = None
    place_id: int | None = None
    survey_id: int | None = None
    source: str | None = None
    state: str | None = None
    received_from: date | None = None
    received_to: date | None = None


def escape_like(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape="\\"``: its % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _place_and_below(place_id: int) -> list[int]:
    """A place and every place inside it (a footprint's neighbourhoods count as the footprint)."""
    children: dict[int | None, list[int]] = {}
    for pid, parent in db.session.execute(select(Place.id, Place.parent_id)):
        children.setdefault(parent, []).append(pid)
    found, todo = [], [place_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def filtered(filters: CommentFilter | None = None) -> Select[tuple[Comment]]:
    """Comments matching ``filters``, newest first.

    The text search reads the original as well as the redacted text: only the engagement role
    (and admins) reach the pages that search, and they may read both.
    """
    f = filters or CommentFilter()
    stmt = select(Comment)
    if f.state in STATES:
        stmt = stmt.where(Comment.moderation_state == f.state)
    if f.text and f.text.strip():
        pattern = f"%{escape_like(f.text.strip())}%"
        stmt = stmt.where(
            or_(
                *(
                    col.ilike(pattern, escape="\\")
                    for col in (
                        Comment.original_text,
                        Comment.redacted_text,
                        Comment.translation_text,
                    )
                )
            )
        )
    if f.code_id is not None:
        stmt = stmt.where(
            exists().where(CommentCode.comment_id == Comment.id, CommentCode.code_id == f.code_id)
        )
    if f.theme_id is not None:
        themed = effective_comment_themes().subquery()
        stmt = stmt.where(
            Comment.id.in_(select(themed.c.comment_id).where(themed.c.theme_id == f.theme_id))
        )
    if f.place_id is not None:
        stmt = stmt.where(Comment.place_id.in_(_place_and_below(f.place_id)))
    if f.survey_id is not None:
        stmt = stmt.where(Comment.survey_id == f.survey_id)
    if f.source:
        stmt = stmt.where(Comment.source == f.source)
    if f.received_from is not None:
        stmt = stmt.where(Comment.received_at >= datetime.combine(f.received_from, time.min))
    if f.received_to is not None:
        stmt = stmt.where(
            Comment.received_at < datetime.combine(f.received_to + timedelta(days=1), time.min)
        )
    return stmt.order_by(Comment.received_at.desc(), Comment.id.desc())


def matching_ids(filters: CommentFilter | None = None) -> list[int]:
    """The ids of every matching comment, in list order."""
    stmt = filtered(filters).with_only_columns(Comment.id)
    return list(db.session.scalars(stmt))


def list_comments(
    page: int = 1, state: str | None = None, filters: CommentFilter | None = None
) -> tuple[list[Comment], int]:
    """One page of matching comments, and how many match in all."""
    if filters is None:
        filters = CommentFilter(state=state)
    elif state is not None:
        filters = replace(filters, state=state)
    stmt = filtered(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return list(rows), int(total or 0)


def sources() -> list[str]:
    """The sources comments have come from, for a filter's choices."""
    return list(db.session.scalars(select(Comment.source).distinct().order_by(Comment.source)))
