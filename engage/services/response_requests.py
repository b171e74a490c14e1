"""A resident's request about one response, found by the reference on their confirmation page.

The confirmation page tells everyone who sends a survey to keep its reference "if you want to
ask us about your answers, or ask us to delete them". Most respondents are anonymous members of
the public, so the reference is the only way to find what they sent: the engagement team looks
it up, gives them a copy (their right of access) or deletes it (erasure).

Deleting a response removes it completely, unlike erasing a panel member, which keeps their
anonymised answers: here the resident asked for these answers to go. Their comments go with it,
and with the comments every coding, theme assignment and copy the analysis holds: a topic's
representative comments, a coding sample's list and a theme's examples that quote it. Bulk
statements keep the comment text out of the audit log, which records one event instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from engage.extensions import db
from engage.models import (
    Answer,
    CodingSample,
    Comment,
    Question,
    Response,
    Survey,
    Theme,
    Topic,
)
from engage.services import audit
from engage.services.errors import NotFound
from engage.services.responses import CODE_ALPHABET
from engage.services.subject_access import isoformat

RESPONSE_SHOWN = "response_shown"
RESPONSE_EXPORTED = "response_exported"
RESPONSE_DELETED = "response_deleted"

_REFERENCE = re.compile(rf"^(?:ENG)?([{CODE_ALPHABET}]{{8}})$")


def normalise_reference(typed: str) -> str | None:
    """``ENG-XXXXXXXX`` from what a resident read out or typed: any case, spaces, dashes, no
    prefix. None when it cannot be a reference (the page says so rather than "not found")."""
    # Phones turn a typed hyphen into a dash; people read references out in groups.
    compact = re.sub(r"[\s\-_.\u2010-\u2015]", "", typed or "").upper()
    found = _REFERENCE.match(compact)
    return f"ENG-{found.group(1)}" if found else None


@dataclass(frozen=True)
class Answered:
    question: str
    answer: str


@dataclass(frozen=True)
class ResponseRecord:
    """What the team sees before acting on a request: enough to check it is the right one."""

    id: int
    reference: str
    survey: str
    status: str
    started_at: datetime
    submitted_at: datetime | None
    channel: str
    language: str
    from_panel_member: bool
    answers: list[Answered]
    comments: int


def response_id(typed: str) -> int:
    """The id of the response with this reference, however it was typed; NotFound if none."""
    reference = normalise_reference(typed)
    found = (
        db.session.scalar(select(Response.id).where(Response.reference == reference))
        if reference
        else None
    )
    if found is None:
        raise NotFound(f"There is no response with the reference {typed.strip()[:20]}.")
    return found


def show(response_id: int) -> ResponseRecord:
    """The response with its answers in question order, for the team; logs that it was shown."""
    response = db.session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response.")
    comments = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.response_id == response.id)
    )
    record = ResponseRecord(
        id=response.id,
        reference=response.reference,
        survey=response.survey.title,
        status=response.status,
        started_at=response.started_at,
        submitted_at=response.submitted_at,
        channel=response.channel,
        language=response.language,
        from_panel_member=response.person_id is not None,
        answers=_answers(response),
        comments=comments or 0,
    )
    # The answers may hold what a resident wrote about themselves: who looked, and why.
    audit.record(
        db.session,
        RESPONSE_SHOWN,
        "Response",
        str(response.id),
        note=f"response {response.reference} shown for its sender's request",
    )
    db.session.commit()
    return record


def _answers(response: Response) -> list[Answered]:
    rows = db.session.execute(
        select(Question.text, Question.kind, Question.options, Answer.value)
        .join(Answer, Answer.question_id == Question.id)
        .where(Answer.response_id == response.id)
        .order_by(Question.section_id, Question.position)
    ).all()
    return [Answered(text, _shown(kind, options, value)) for text, kind, options, value in rows]


def _shown(kind: str, options: list[str] | None, value: Any) -> str:
    """An answer as the resident saw it: a rating's words, a date written out, a list joined."""
    if kind == "rating" and isinstance(value, int) and options and 0 < value <= len(options):
        return options[value - 1]
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return "" if value is None else str(value)


def export(response_id: int, requested_by: str) -> dict[str, Any]:
    """Everything held for one response, for the resident who sent it (right of access)."""
    response = db.session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response.")
    comments = db.session.scalars(
        select(Comment).where(Comment.response_id == response.id).order_by(Comment.id)
    ).all()
    data: dict[str, Any] = {
        "about": (
            "Your answers to a survey of NHS Lancashire and South Cumbria ICB's Engage service, "
            f"exported on {date.today().isoformat()}."
        ),
        "reference": response.reference,
        "survey": db.session.get(Survey, response.survey_id).title,  # type: ignore[union-attr]
        "status": response.status,
        "started": isoformat(response.started_at),
        "submitted": isoformat(response.submitted_at),
        "language": response.language,
        "how_it_was_sent": response.channel,
        "postcode_district": response.postcode_district,
        "answers": [
            {"question": a.question, "answer": a.answer} for a in _answers(response)
        ],  # fmt: skip
        "comments": [
            {
                "text": c.original_text,
                "as_published_after_removing_personal_details": c.redacted_text,
                "moderation": c.moderation_state,
            }
            for c in comments
        ],
    }
    audit.record(
        db.session,
        RESPONSE_EXPORTED,
        "Response",
        str(response.id),
        note=f"response {response.reference} exported for its sender, by {requested_by}",
    )
    db.session.commit()
    return data


@dataclass(frozen=True)
class Deleted:
    reference: str
    answers: int
    comments: int


def delete_response(response_id: int) -> Deleted:
    """Delete a response, its answers, its comments and every copy the analysis holds of them.

    All in one transaction: a failure part-way leaves the response as it was.
    """
    response = db.session.get(Response, response_id)
    if response is None:
        raise NotFound("There is no such response; it may have been deleted already.")
    reference = response.reference
    comments = db.session.execute(
        select(
            Comment.id, Comment.original_text, Comment.redacted_text, Comment.translation_text
        ).where(Comment.response_id == response.id)
    ).all()
    comment_ids = {c.id for c in comments}
    texts = {
        t.strip()
        for c in comments
        for t in (c.original_text, c.redacted_text, c.translation_text)
        if t and t.strip()
    }
    if comment_ids:
        _forget_copies(comment_ids, texts)
        # Codings, coded marks and theme assignments go with them (ON DELETE CASCADE).
        db.session.execute(delete(Comment).where(Comment.id.in_(comment_ids)))
    answers = (
        db.session.scalar(select(func.count(Answer.id)).where(Answer.response_id == response.id))
        or 0
    )
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    db.session.execute(delete(Response).where(Response.id == response.id))
    audit.record(
        db.session,
        RESPONSE_DELETED,
        "Response",
        str(response_id),
        note=(
            f"response {reference} deleted at its sender's request, with "
            f"{answers} answers and {len(comment_ids)} comments"
        ),
    )
    db.session.commit()
    return Deleted(reference, answers, len(comment_ids))


def _forget_copies(comment_ids: set[int], texts: set[str]) -> None:
    """Take the comments out of the lists that refer to them by id or quote them.

    Bulk UPDATEs, not ORM changes: the audit log records an ORM change's before and after, and
    a theme's examples before would be the very quote being deleted.
    """
    lists: list[tuple[Any, Any, Any]] = [
        (Topic, Topic.representative_comment_ids, lambda v: v not in comment_ids),
        (CodingSample, CodingSample.comment_ids, lambda v: v not in comment_ids),
        (Theme, Theme.examples, lambda v: str(v).strip() not in texts),
    ]
    for model, column, keep in lists:
        for row_id, values in db.session.execute(select(model.id, column)).all():
            kept = [v for v in values or [] if keep(v)]
            if len(kept) != len(values or []):
                db.session.execute(
                    update(model).where(model.id == row_id).values({column.key: kept})
                )
