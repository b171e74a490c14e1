"""Invite a segment of panel or PPG members to a survey; each gets a personal link."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    Demographics,
    GpPractice,
    Invitation,
    PanelMembership,
    Person,
    Place,
    PpgMembership,
    Response,
    Survey,
    utcnow,
)
from engage.services import mailer
from engage.services import responses as runner
from engage.services.errors import DomainError, NotFound


@dataclass
class Segment:
    audience: str = "panel"  # panel or ppg
    place_id: int | None = None
    practice_id: int | None = None
    age_bands: list[str] = field(default_factory=list)
    sexes: list[str] = field(default_factory=list)
    ethnicities: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = ["Citizens' Panel" if self.audience == "panel" else "PPG members"]
        if self.practice_id:
            practice = db.session.get(GpPractice, self.practice_id)
            parts.append(f"of {practice.name}" if practice else "")
        if self.place_id:
            place = db.session.get(Place, self.place_id)
            parts.append(f"in {place.name}" if place else "")
        for label, values in (
            ("aged", self.age_bands),
            ("sex", self.sexes),
            ("ethnic group", self.ethnicities),
        ):
            if values:
                parts.append(f"{label} {', '.join(values)}")
        return " ".join(p for p in parts if p)[:200]


@dataclass
class InviteResult:
    invited: int
    already_invited: int
    no_email: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def segment_people(segment: Segment) -> list[Person]:
    """Current members matching the segment; erased people and leavers are never included."""
    # Distinct ids, not rows: PostgreSQL cannot compare Person's JSON columns for DISTINCT.
    stmt = select(Person.id).where(Person.erased_at.is_(None))
    if segment.audience == "ppg":
        stmt = stmt.join(PpgMembership, PpgMembership.person_id == Person.id).where(
            PpgMembership.left_on.is_(None)
        )
        if segment.practice_id:
            stmt = stmt.where(PpgMembership.practice_id == segment.practice_id)
    else:
        stmt = stmt.join(PanelMembership, PanelMembership.person_id == Person.id).where(
            PanelMembership.left_on.is_(None)
        )
    if segment.place_id:
        stmt = stmt.where(Person.place_id.in_(_place_and_children(segment.place_id)))
    if segment.age_bands or segment.sexes or segment.ethnicities:
        stmt = stmt.join(Demographics, Demographics.person_id == Person.id)
        if segment.age_bands:
            stmt = stmt.where(Demographics.age_band.in_(segment.age_bands))
        if segment.sexes:
            stmt = stmt.where(Demographics.sex.in_(segment.sexes))
        if segment.ethnicities:
            stmt = stmt.where(Demographics.ethnicity.in_(segment.ethnicities))
    ids = stmt.distinct().scalar_subquery()
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))


def _place_and_children(place_id: int) -> list[int]:
    ids = [place_id]
    ids += list(db.session.scalars(select(Place.id).where(Place.parent_id == place_id)))
    return ids


def invite(survey_id: int, segment: Segment) -> InviteResult:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("There is no such survey")
    if survey.status != "open":
        raise DomainError("Publish the survey before inviting people to it")
    already = set(
        db.session.scalars(select(Invitation.person_id).where(Invitation.survey_id == survey.id))
    )
    result = InviteResult(0, 0, 0)
    description = segment.describe()
    for person in segment_people(segment):
        if person.id in already:
            result.already_invited += 1
            continue
        if not person.email:
            result.no_email += 1
            continue
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            survey_id=survey.id, person_id=person.id, token_hash=_hash(token), segment=description
        )
        db.session.add(invitation)
        db.session.commit()
        message = mailer.queue_message(
            "invitation",
            person.email,
            f"Have your say: {survey.title}",
            _invitation_body(
                survey, person, url_for("survey.invited", token=token, _external=True)
            ),
            person_id=person.id,
            survey_id=survey.id,
        )
        invitation.message_id = message.id
        db.session.commit()
        result.invited += 1
    return result


def _invitation_body(survey: Survey, person: Person, link: str) -> str:
    greeting = f"Dear {person.given_name}," if person.given_name else "Hello,"
    closes = f"\n\nThe survey closes on {survey.closes_on:%-d %B %Y}." if survey.closes_on else ""
    return (
        f"{greeting}\n\nAs a member, you are invited to take part in '{survey.title}'.\n\n"
        f"{survey.purpose}\n\nThis link is personal to you, so please do not share it:\n"
        f"{link}{closes}\n\nIf you need the survey in another format or language, reply "
        "to this email.\n\nNHS Lancashire and South Cumbria Integrated Care Board"
    )


def open_invitation(token: str) -> tuple[Invitation, str] | None:
    """The invitation for a personal link, and a resume secret for its response."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.person_id is None:
        return None
    survey = db.session.get(Survey, invitation.survey_id)
    if survey is None:
        return None
    response = db.session.get(Response, invitation.response_id) if invitation.response_id else None
    invitation.opened_at = invitation.opened_at or utcnow()
    if response is None:
        started = runner.start_response(survey, person_id=invitation.person_id)
        person = db.session.get(Person, invitation.person_id)
        started.response.place_id = person.place_id if person else None
        invitation.response_id = started.response.id
        db.session.commit()
        return invitation, started.token
    return invitation, runner.reissue_resume_link(response)


def list_invitations(survey_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.survey_id == survey_id)
            .order_by(Invitation.id.desc())
            .limit(500)
        )
    )


def summary(survey_id: int) -> dict[str, int]:
    invited = (
        db.session.scalar(
            select(func.count(Invitation.id)).where(Invitation.survey_id == survey_id)
        )
        or 0
    )
    opened = (
        db.session.scalar(
            select(func.count(Invitation.id)).where(
                Invitation.survey_id == survey_id, Invitation.opened_at.is_not(None)
            )
        )
        or 0
    )
    submitted = (
        db.session.scalar(
            select(func.count(Invitation.id))
            .join(Response, Response.id == Invitation.response_id)
            .where(Invitation.survey_id == survey_id, Response.status == "submitted")
        )
        or 0
    )
    return {"invited": int(invited), "opened": int(opened), "submitted": int(submitted)}


def invitable_surveys() -> list[Survey]:
    return list(
        db.session.scalars(select(Survey).where(Survey.status == "open").order_by(Survey.title))
    )
