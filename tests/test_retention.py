"""Personal data past its retention period is deleted; anonymised insight stays."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    AuditEvent,
    Comment,
    OutboundMessage,
    PanelMembership,
    Person,
    Response,
    utcnow,
)
from engage.services import retention
from tests.factories import create_survey


def _person(ref, left_days_ago=None, email="x@example.org"):
    person = Person(ref=ref, given_name="Jo", family_name="Bloggs", email=email)
    db.session.add(person)
    db.session.flush()
    left = date.today() - timedelta(days=left_days_ago) if left_days_ago is not None else None
    db.session.add(PanelMembership(person_id=person.id, joined_on=date(2024, 1, 1), left_on=left))
    return person


def test_people_who_left_long_ago_are_erased_and_members_are_not(app):
    gone = _person("gone", left_days_ago=400, email="gone@example.org")
    recent = _person("recent", left_days_ago=10, email="recent@example.org")
    member = _person("member", email="member@example.org")
    db.session.commit()
    report = retention.apply()
    assert report.erased_people == 1
    db.session.expire_all()
    assert db.session.get(Person, gone.id).email is None
    assert db.session.get(Person, gone.id).erased_at is not None
    assert db.session.get(Person, recent.id).email == "recent@example.org"
    assert db.session.get(Person, member.id).email == "member@example.org"


def test_a_dry_run_counts_and_deletes_nothing(app):
    gone = _person("gone", left_days_ago=400, email="gone@example.org")
    db.session.commit()
    report = retention.apply(dry_run=True)
    assert report.erased_people == 1 and "Would erase 1" in report.summary()
    db.session.expire_all()
    assert db.session.get(Person, gone.id).email == "gone@example.org"


def test_abandoned_responses_go_and_submitted_ones_stay(app):
    survey = create_survey()
    old = utcnow() - timedelta(days=200)
    abandoned = Response(survey_id=survey.id, reference="ABANDON1", started_at=old)
    submitted = Response(
        survey_id=survey.id, reference="SUBMIT01", started_at=old, submitted_at=old,
        status="submitted",
    )  # fmt: skip
    fresh = Response(survey_id=survey.id, reference="FRESH001")
    db.session.add_all([abandoned, submitted, fresh])
    db.session.commit()
    assert retention.apply().deleted_responses == 1
    refs = set(db.session.scalars(select(Response.reference)))
    assert refs == {"SUBMIT01", "FRESH001"}


def test_old_outbox_messages_are_blanked(app):
    old = utcnow() - timedelta(days=200)
    db.session.add_all(
        [
            OutboundMessage(kind="invitation", to_address="a@example.org", subject="S",
                            body="Dear Jo", status="sent", created_at=old),
            OutboundMessage(kind="invitation", to_address="b@example.org", subject="S",
                            body="Dear Al", status="queued", created_at=old),
        ]
    )  # fmt: skip
    db.session.commit()
    assert retention.apply().blanked_messages == 1
    bodies = {m.to_address: m.body for m in db.session.scalars(select(OutboundMessage))}
    assert "Dear Jo" not in bodies.values() and bodies["b@example.org"] == "Dear Al"


def test_old_messages_left_in_the_outbox_without_an_email_server_are_blanked_too(app):
    """Without SMTP the outbox is where messages end: their bodies hold live personal links."""
    old = utcnow() - timedelta(days=200)
    db.session.add(
        OutboundMessage(kind="invitation", to_address="c@example.org", subject="S",
                        body="Dear Sam, http://localhost/i/secret", status="outbox",
                        created_at=old)
    )  # fmt: skip
    db.session.commit()
    assert retention.apply().blanked_messages == 1
    message = db.session.scalar(select(OutboundMessage))
    assert "secret" not in message.body and message.to_address != "c@example.org"


def test_original_text_of_long_approved_comments_is_replaced_by_the_redaction(app):
    old = utcnow() - timedelta(days=400)
    c = Comment(
        source="survey", source_key="r1", original_text="Call me on 07700 900123",
        redacted_text="Call me on [phone number]", moderation_state="approved", moderated_at=old,
    )  # fmt: skip
    pending = Comment(source="survey", source_key="r2", original_text="Ring 07700 900124")
    db.session.add_all([c, pending])
    db.session.commit()
    report = retention.apply()
    assert report.trimmed_comments == 1
    db.session.expire_all()
    assert db.session.get(Comment, c.id).original_text == "Call me on [phone number]"
    assert db.session.get(Comment, pending.id).original_text == "Ring 07700 900124"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "apply_retention"))
    assert event is not None and "07700" not in (event.note or "")


def test_periods_are_configurable(app):
    _person("gone", left_days_ago=40)
    db.session.commit()
    assert retention.apply(dry_run=True).erased_people == 0
    app.config["ENGAGE_RETAIN_LEAVERS_DAYS"] = 30
    assert retention.apply(dry_run=True).erased_people == 1


def test_the_command_line_says_what_it_did(app, runner):
    _person("gone", left_days_ago=400)
    db.session.commit()
    result = runner.invoke(args=["apply-retention", "--dry-run"])
    assert result.exit_code == 0 and "Would erase 1 people" in result.output
    assert (
        db.session.scalar(select(func.count(Person.id)).where(Person.erased_at.is_not(None))) == 0
    )
