"""The retention policy: personal data is kept only as long as it is needed, then deleted.

Run daily by the worker (``engage.jobs.tasks.apply_retention``) and on demand with
``engage apply-retention [--dry-run]``. Each rule is a period in days, set in configuration:

- people who left the panel and every PPG: their personal data is erased (as on request);
- responses started but never submitted: deleted with their answers and resume links;
- the outbox: addresses and bodies of messages sent, refused, or left in the outbox where no
  email server is set, are blanked;
- comments: the original text of approved comments is replaced by the redacted text, so the
  personal data a resident wrote about themselves goes while the insight stays.

Anonymised answers, comments and counts are kept: they identify no one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, exists, select, update

from engage.extensions import db
from engage.models import (
    Answer,
    Comment,
    OutboundMessage,
    PanelMembership,
    Person,
    PpgMembership,
    Response,
    utcnow,
)

DEFAULTS = {
    "ENGAGE_RETAIN_LEAVERS_DAYS": 180,
    "ENGAGE_RETAIN_UNSUBMITTED_DAYS": 90,
    "ENGAGE_RETAIN_OUTBOX_DAYS": 90,
    "ENGAGE_RETAIN_ORIGINAL_TEXT_DAYS": 365,
}


@dataclass
class RetentionReport:
    erased_people: int = 0
    deleted_responses: int = 0
    blanked_messages: int = 0
    trimmed_comments: int = 0
    dry_run: bool = False
    periods: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        verb = "Would" if self.dry_run else "Did"
        return (
            f"{verb} erase {self.erased_people} people who left, delete "
            f"{self.deleted_responses} unsubmitted responses, blank {self.blanked_messages} "
            f"outbox messages and drop the original text of {self.trimmed_comments} comments."
        )


def _days(key: str) -> int:
    return int(current_app.config.get(key) or DEFAULTS[key])


def apply(dry_run: bool = False, today: date | None = None) -> RetentionReport:
    from engage.services import panel

    today = today or date.today()
    now = utcnow()
    periods = {k: _days(k) for k in DEFAULTS}
    report = RetentionReport(dry_run=dry_run, periods=periods)

    # People who left everything long enough ago.
    leavers_before = today - timedelta(days=periods["ENGAGE_RETAIN_LEAVERS_DAYS"])
    still_member = exists().where(
        PanelMembership.person_id == Person.id,
        (PanelMembership.left_on.is_(None)) | (PanelMembership.left_on > leavers_before),
    )
    still_ppg = exists().where(
        PpgMembership.person_id == Person.id,
        (PpgMembership.left_on.is_(None)) | (PpgMembership.left_on > leavers_before),
    )
    ever_member = exists().where(PanelMembership.person_id == Person.id)
    ever_ppg = exists().where(PpgMembership.person_id == Person.id)
    leavers = list(
        db.session.scalars(
            select(Person.id).where(
                Person.erased_at.is_(None), ever_member | ever_ppg, ~still_member, ~still_ppg
            )
        )
    )
    report.erased_people = len(leavers)

    # Responses started and abandoned.
    abandoned_before = now - timedelta(days=periods["ENGAGE_RETAIN_UNSUBMITTED_DAYS"])
    abandoned = list(
        db.session.scalars(
            select(Response.id).where(
                Response.submitted_at.is_(None),
                Response.status != "submitted",
                Response.started_at < abandoned_before,
            )
        )
    )
    report.deleted_responses = len(abandoned)

    outbox_before = now - timedelta(days=periods["ENGAGE_RETAIN_OUTBOX_DAYS"])
    old_messages = (
        # "outbox": delivered to the outbox page because no email server is set; it stays
        # there with its live personal links unless this rule takes it.
        OutboundMessage.status.in_(("sent", "failed", "outbox")),
        OutboundMessage.created_at < outbox_before,
        OutboundMessage.body != "[deleted under the retention policy]",
        OutboundMessage.body != "[erased]",
    )
    report.blanked_messages = len(
        db.session.scalars(select(OutboundMessage.id).where(*old_messages)).all()
    )

    text_before = now - timedelta(days=periods["ENGAGE_RETAIN_ORIGINAL_TEXT_DAYS"])
    old_text = (
        Comment.moderation_state == "approved",
        Comment.redacted_text.is_not(None),
        Comment.moderated_at < text_before,
        Comment.original_text != Comment.redacted_text,
    )
    report.trimmed_comments = len(db.session.scalars(select(Comment.id).where(*old_text)).all())
    db.session.rollback()
    if dry_run:
        return report

    for person_id in leavers:
        panel.erase(person_id)
    if abandoned:
        db.session.execute(delete(Answer).where(Answer.response_id.in_(abandoned)))
        db.session.execute(
            update(Comment).where(Comment.response_id.in_(abandoned)).values(response_id=None)
        )
        db.session.execute(delete(Response).where(Response.id.in_(abandoned)))
    db.session.execute(
        update(OutboundMessage)
        .where(*old_messages)
        .values(to_address="[deleted]", body="[deleted under the retention policy]")
    )
    db.session.execute(update(Comment).where(*old_text).values(original_text=Comment.redacted_text))
    from engage.services import audit

    audit.record(
        db.session, "apply_retention", "retention", None, note=report.summary(),
        actor=audit.current_actor() or audit.Actor(None, "retention policy"),
    )  # fmt: skip
    db.session.commit()
    return report
