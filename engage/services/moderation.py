"""Moderation: approve a comment's redaction (as proposed or edited), hide it, or send it back.

Every state change is a conditional UPDATE on the state the moderator saw, so two moderators
acting on the same comment never overwrite each other: the second is told what happened. The
changes go through Core UPDATEs, so this module writes its own audit events, with the states,
reasons and who acted, but never the comment's text (original, proposed or redacted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, String, cast, func, select, update

from engage.extensions import db
from engage.models import Comment, Person, Response, Survey, User, utcnow
from engage.models.base import as_utc
from engage.services import audit, redaction
from engage.services.comments import known_details
from engage.services.errors import Conflict, DomainError, NotFound

PAGE_SIZE = 25
STATES = ("pending", "approved", "hidden")
STATE_LABELS = {"pending": "Pending", "approved": "Approved", "hidden": "Hidden"}
HIDE_REASONS = {"abuse": "Abuse", "spam": "Spam", "off_topic": "Off-topic", "other": "Other"}
# A moderator's edit may never keep these: the detector finds them reliably (see bench/pii.py).
STRUCTURED_KINDS = (redaction.PHONE, redaction.EMAIL, redaction.NHS_NUMBER, redaction.POSTCODE)
KIND_LABELS = {
    redaction.PHONE: "phone number",
    redaction.EMAIL: "email address",
    redaction.NHS_NUMBER: "NHS number",
    redaction.POSTCODE: "postcode",
    redaction.DATE_OF_BIRTH: "date of birth",
    redaction.ADDRESS: "address",
    redaction.NAME: "name",
}
MAX_REDACTED_LENGTH = 20_000
MAX_NOTE_LENGTH = 180  # hidden_reason holds 200 characters: "other: " and the note
_TOKEN = re.compile("|".join(re.escape(t) for t in redaction.TOKENS.values()))
_KIND_OF_TOKEN = {token: kind for kind, token in redaction.TOKENS.items()}


@dataclass(frozen=True)
class QueueFilter:
    """What the queue is narrowed to; ``personal_data`` is True, False or None for either."""

    state: str = "pending"
    source: str | None = None
    survey_id: int | None = None
    personal_data: bool | None = None


@dataclass(frozen=True)
class Segment:
    """A run of text, and the kind of personal data it is (or stands for), if any."""

    text: str
    kind: str | None = None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind or "", "")


@dataclass
class BulkResult:
    """What a bulk action did, and which comments it left alone because they had moved on."""

    done: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


# --- Reading -------------------------------------------------------------------------------


def _filtered(f: QueueFilter) -> Select[tuple[Comment]]:
    stmt = select(Comment).where(Comment.moderation_state == f.state)
    if f.source:
        stmt = stmt.where(Comment.source == f.source)
    if f.survey_id is not None:
        stmt = stmt.where(Comment.survey_id == f.survey_id)
    if f.personal_data is not None:
        # pii_kinds is a JSON list; "[]" is how an empty one is stored on both databases.
        found = func.coalesce(cast(Comment.pii_kinds, String), "[]") != "[]"
        stmt = stmt.where(found if f.personal_data else ~found)
    return stmt


def list_queue(f: QueueFilter, page: int = 1) -> tuple[list[Comment], int]:
    """One page of comments in a state, oldest first (first come, first served), and the total."""
    fill_missing_proposals()
    stmt = _filtered(f)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))  # type: ignore[attr-defined]
    rows = db.session.scalars(
        stmt.order_by(Comment.received_at, Comment.id)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return list(rows), int(total or 0)


def state_counts() -> dict[str, int]:
    """How many comments are in each state."""
    rows = db.session.execute(
        select(Comment.moderation_state, func.count()).group_by(Comment.moderation_state)
    )
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: n for state, n in rows if state in counts})
    return counts


def sources() -> list[str]:
    return list(db.session.scalars(select(Comment.source).distinct().order_by(Comment.source)))


def surveys_with_comments() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Survey.id, Survey.title)
        .where(Survey.id.in_(select(Comment.survey_id).where(Comment.survey_id.is_not(None))))
        .order_by(Survey.title)
    )
    return [(sid, title) for sid, title in rows]


def survey_titles(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(Survey.id, Survey.title).where(Survey.id.in_(wanted)))
    return {sid: title for sid, title in rows}


def get_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id, populate_existing=True)
    if comment is None:
        raise NotFound("There is no such comment. It may have been deleted.")
    return comment


def moderator_name(comment: Comment) -> str | None:
    if comment.moderated_by_id is None:
        return None
    user = db.session.get(User, comment.moderated_by_id)
    return user.name if user else None


def _known(comment: Comment) -> list[str]:
    if comment.response_id is None:
        return []
    person_id = db.session.scalar(
        select(Response.person_id).where(Response.id == comment.response_id)
    )
    return known_details(db.session.get(Person, person_id)) if person_id else []


def findings(comment: Comment) -> list[redaction.Finding]:
    """What the detector finds in the original, with the respondent's own details."""
    return redaction.detect(comment.original_text, _known(comment))


def proposed_text(comment: Comment) -> str:
    """The stored proposal, or one computed now for comments that arrived before the detector."""
    if comment.proposed_redaction is not None:
        return comment.proposed_redaction
    return redaction.redact(comment.original_text, findings(comment))


def fill_missing_proposals(limit: int = 500) -> int:
    """Store proposals for comments that have none yet, so filters on personal data see them.

    A derived value, not a moderator's decision, so it is not audited (and it holds text).
    """
    ids = list(
        db.session.scalars(
            select(Comment.id).where(Comment.proposed_redaction.is_(None)).limit(limit)
        )
    )
    for comment_id in ids:
        comment = db.session.get(Comment, comment_id)
        if comment is None:
            continue
        found = findings(comment)
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id, Comment.proposed_redaction.is_(None))
            .values(
                proposed_redaction=redaction.redact(comment.original_text, found),
                pii_kinds=sorted({f.kind for f in found}),
            )
            .execution_options(synchronize_session=False)
        )
    if ids:
        db.session.commit()
        db.session.expire_all()
    return len(ids)


def token_segments(text: str) -> list[Segment]:
    """Split a redacted text into plain runs and the tokens that stand for personal data."""
    out: list[Segment] = []
    cursor = 0
    for m in _TOKEN.finditer(text):
        if m.start() > cursor:
            out.append(Segment(text[cursor : m.start()]))
        out.append(Segment(m.group(), _KIND_OF_TOKEN[m.group()]))
        cursor = m.end()
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out


def finding_segments(text: str, found: Sequence[redaction.Finding]) -> list[Segment]:
    """Split an original text into plain runs and the personal data the detector found."""
    out: list[Segment] = []
    cursor = 0
    for f in sorted(found, key=lambda f: f.start):
        if f.start < cursor:
            continue
        if f.start > cursor:
            out.append(Segment(text[cursor : f.start]))
        out.append(Segment(text[f.start : f.end], f.kind))
        cursor = f.end
    if cursor < len(text):
        out.append(Segment(text[cursor:]))
    return out


def kind_labels(kinds: Iterable[str]) -> list[str]:
    return [KIND_LABELS.get(k, k) for k in kinds]


def hidden_reason_label(value: str | None) -> str:
    """'off_topic' → 'Off-topic'; 'other: duplicate' → 'Other: duplicate'."""
    if not value:
        return ""
    key, _, note = value.partition(": ")
    label = HIDE_REASONS.get(key, key)
    return f"{label}: {note}" if note else label


def next_pending_id(after: Comment | None = None) -> int | None:
    """The next pending comment in queue order after ``after``, wrapping round to the first."""
    stmt = select(Comment.id).where(Comment.moderation_state == "pending")
    if after is not None:
        later = db.session.scalar(
            stmt.where(
                (Comment.received_at > after.received_at)
                | ((Comment.received_at == after.received_at) & (Comment.id > after.id))
            )
            .order_by(Comment.received_at, Comment.id)
            .limit(1)
        )
        if later is not None:
            return later
        stmt = stmt.where(Comment.id != after.id)
    return db.session.scalar(stmt.order_by(Comment.received_at, Comment.id).limit(1))


# --- Checking an edit ----------------------------------------------------------------------


def structured_identifiers(text: str, known: Iterable[str] = ()) -> list[redaction.Finding]:
    """Phone numbers, emails, NHS numbers and postcodes still in ``text``."""
    return [f for f in redaction.detect(text, known) if f.kind in STRUCTURED_KINDS]


def describe_leftovers(found: Sequence[redaction.Finding]) -> str:
    """'a phone number (07700 900123) and a postcode (PR1 2HE)'."""
    parts = []
    for f in found:
        label = KIND_LABELS[f.kind]
        article = "an" if label[0] in "aeiouAEIOU" or label.startswith("NHS") else "a"
        parts.append(f"{article} {label} ({f.text})")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def check_redaction(comment: Comment, text: str) -> str:
    """The edited redaction, tidied, or a DomainError saying what personal data it still holds."""
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise DomainError("Enter the redacted text, or hide the comment instead")
    if len(cleaned) > MAX_REDACTED_LENGTH:
        raise DomainError(f"The redacted text must be {MAX_REDACTED_LENGTH:,} characters or fewer")
    left = structured_identifiers(cleaned, _known(comment))
    if left:
        raise DomainError(
            f"The redacted text still contains {describe_leftovers(left)}. "
            "Remove it, or replace it with a marker such as [phone number]"
        )
    return cleaned


# --- Changing state ------------------------------------------------------------------------


def _who(user: User) -> audit.Actor:
    return audit.Actor(user.id, user.email)


def _conflict(comment_id: int, expected: str) -> Conflict:
    db.session.rollback()
    now = db.session.get(Comment, comment_id, populate_existing=True)
    if now is None:
        return Conflict("This comment has been deleted.")
    who = moderator_name(now) or "someone else"
    when = f" at {as_utc(now.moderated_at):%H:%M on %-d %B}" if now.moderated_at else ""
    return Conflict(
        f"{who} changed this comment to {STATE_LABELS[now.moderation_state].lower()}{when} "
        f"while you were looking at it, when it was {expected}. Your change was not saved: "
        "check the comment as it is now."
    )


def _change(
    comment_id: int,
    expected: str,
    values: dict[str, object],
    user: User,
    action: str,
    details: dict[str, object],
) -> bool:
    """Move one comment from ``expected`` to a new state and log it; False if it had moved on."""
    now = utcnow()
    result = db.session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.moderation_state == expected)
        .values(moderated_by_id=user.id, moderated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
        return False
    event = audit.record(db.session, action, "Comment", str(comment_id), actor=_who(user))
    event.before = {"moderation_state": expected}
    event.after = {
        "moderation_state": values["moderation_state"],
        "moderated_by_id": user.id,
        "moderated_at": now.isoformat(),
        **details,
    }
    return True


def _allowed(expected: str, states: Sequence[str], what: str) -> None:
    if expected not in states:
        label = STATE_LABELS.get(expected, expected).lower()
        raise DomainError(f"A comment that is {label} cannot be {what}")


def _approve_values(comment: Comment, text: str) -> dict[str, object]:
    return {"moderation_state": "approved", "redacted_text": text, "hidden_reason": None}


def approve(comment_id: int, user: User, expected: str = "pending") -> Comment:
    """Approve the comment with the detector's proposed redaction."""
    _allowed(expected, ("pending",), "approved as proposed")
    comment = get_comment(comment_id)
    text = proposed_text(comment)
    if not _change(
        comment_id,
        expected,
        _approve_values(comment, text),
        user,
        "approve",
        {"redaction": "as proposed"},
    ):
        raise _conflict(comment_id, expected)
    db.session.commit()
    return get_comment(comment_id)


def approve_edited(comment_id: int, user: User, text: str, expected: str = "pending") -> Comment:
    """Approve the comment with a moderator's own redaction, refused if it still holds an id.

    Works from any state: an approved comment's redaction can be corrected, and a hidden one
    approved after all.
    """
    _allowed(expected, STATES, "approved")
    comment = get_comment(comment_id)
    cleaned = check_redaction(comment, text)
    edited = cleaned != proposed_text(comment)
    if not _change(
        comment_id,
        expected,
        _approve_values(comment, cleaned),
        user,
        "approve",
        {"redaction": "edited" if edited else "as proposed"},
    ):
        raise _conflict(comment_id, expected)
    db.session.commit()
    return get_comment(comment_id)


def _reason(reason: str, note: str | None) -> str:
    if reason not in HIDE_REASONS:
        raise DomainError("Select why you are hiding the comment")
    note = (note or "").strip()
    if reason == "other" and not note:
        raise DomainError("Say why you are hiding the comment")
    if len(note) > MAX_NOTE_LENGTH:
        raise DomainError(f"The reason must be {MAX_NOTE_LENGTH} characters or fewer")
    return f"{reason}: {note}" if note else reason


def hide(
    comment_id: int, user: User, reason: str, note: str | None = None, expected: str = "pending"
) -> Comment:
    """Hide the comment from analysis and reports, with the reason."""
    _allowed(expected, ("pending", "approved"), "hidden")
    hidden_reason = _reason(reason, note)
    get_comment(comment_id)
    if not _change(
        comment_id,
        expected,
        {"moderation_state": "hidden", "hidden_reason": hidden_reason},
        user,
        "hide",
        {"reason": reason},
    ):
        raise _conflict(comment_id, expected)
    db.session.commit()
    return get_comment(comment_id)


def return_to_pending(comment_id: int, user: User, expected: str) -> Comment:
    """Send an approved or hidden comment back to the queue; it leaves analysis until approved."""
    _allowed(expected, ("approved", "hidden"), "returned to pending")
    get_comment(comment_id)
    if not _change(
        comment_id,
        expected,
        {"moderation_state": "pending", "hidden_reason": None},
        user,
        "reopen",
        {},
    ):
        raise _conflict(comment_id, expected)
    db.session.commit()
    return get_comment(comment_id)


def _bulk(ids: Sequence[int], apply: object) -> BulkResult:
    result = BulkResult()
    for comment_id in dict.fromkeys(ids):  # each once, in the order given
        comment = db.session.get(Comment, comment_id, populate_existing=True)
        if comment is None:
            result.missing.append(comment_id)
        elif apply(comment):  # type: ignore[operator]
            result.done.append(comment_id)
        else:
            result.skipped.append(comment_id)
    db.session.commit()
    return result


def bulk_approve(ids: Sequence[int], user: User) -> BulkResult:
    """Approve each pending comment with its proposed redaction; others are left alone."""
    if not ids:
        raise DomainError("Select the comments to approve")
    return _bulk(
        ids,
        lambda c: _change(
            c.id,
            "pending",
            _approve_values(c, proposed_text(c)),
            user,
            "approve",
            {"redaction": "as proposed", "bulk": True},
        ),
    )


def bulk_hide(ids: Sequence[int], user: User, reason: str, note: str | None = None) -> BulkResult:
    """Hide each pending comment with the same reason; others are left alone."""
    if not ids:
        raise DomainError("Select the comments to hide")
    hidden_reason = _reason(reason, note)
    return _bulk(
        ids,
        lambda c: _change(
            c.id,
            "pending",
            {"moderation_state": "hidden", "hidden_reason": hidden_reason},
            user,
            "hide",
            {"reason": reason, "bulk": True},
        ),
    )


def moderated_at(comment: Comment) -> datetime | None:
    return as_utc(comment.moderated_at) if comment.moderated_at else None
