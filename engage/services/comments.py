"""Comments: how one arrives (redaction proposed, respondent keyed) and how the team lists them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Comment, Person
from engage.services import redaction

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
    if comment.respondent_key is None and comment.response_id is not None:
        comment.respondent_key = f"response:{comment.response_id}"
    return comment


def analysable_text(comment: Comment) -> str | None:
    """The text analysis and reports may read: the English translation, else the redacted text."""
    if comment.moderation_state != "approved":
        return None
    return comment.translation_text or comment.redacted_text


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
