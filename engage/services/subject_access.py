"""A subject-access export: everything Engage holds about one resident, in one JSON file.

UK GDPR Article 15 gives a resident the right to a copy of their personal data. This gathers
it from every table that refers to the person (contact details, communication needs,
demographics, consents, memberships, responses with their answers, comments from those
responses, messages sent, invitations) so a request can be met in minutes, by the resident
through their profile link or by the engagement team. Each export is written to the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    Comment,
    GpPractice,
    Invitation,
    OutboundMessage,
    PanelMembership,
    Person,
    PpgMembership,
    Question,
    Response,
    Survey,
)
from engage.services import audit
from engage.services.errors import NotFound


def isoformat(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(person_id: int, requested_by: str) -> dict[str, Any]:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person")
    demo = person.demographics
    responses = db.session.scalars(
        select(Response).where(Response.person_id == person.id).order_by(Response.started_at)
    ).all()
    response_ids = [r.id for r in responses]
    questions = {
        q.id: q.text
        for q in db.session.scalars(
            select(Question).where(
                Question.id.in_([a.question_id for r in responses for a in r.answers])
            )
        )
    }
    surveys = {s.id: s.title for s in db.session.scalars(select(Survey))}
    practices = {p.id: p.name for p in db.session.scalars(select(GpPractice))}
    comments = (
        db.session.scalars(select(Comment).where(Comment.response_id.in_(response_ids))).all()
        if response_ids
        else []
    )
    data: dict[str, Any] = {
        "about": (
            "Everything NHS Lancashire and South Cumbria ICB's Engage service holds about you, "
            f"exported on {datetime.now().date().isoformat()}."
        ),
        "reference": person.ref,
        "erased_at": isoformat(person.erased_at),
        "contact_details": {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "phone": person.phone,
            "postal_address": person.address,
            "postcode": person.postcode,
            "place": person.place.name if person.place else None,
            "contact_preference": person.contact_preference,
            "joined": isoformat(person.created_at),
        },
        "communication_needs": {
            "preferred_language": person.preferred_language,
            "needs": list(person.communication_needs or []),
            "other": person.communication_other,
        },
        "demographics": (
            {
                "age_band": demo.age_band,
                "sex": demo.sex,
                "ethnicity": demo.ethnicity,
                "disability": demo.disability,
                "long_term_condition": demo.long_term_condition,
                "carer": demo.carer,
                "deprivation_decile": demo.deprivation_decile,
            }
            if demo is not None
            else None
        ),
        "consents": [
            {
                "purpose": c.purpose,
                "privacy_notice_version": c.notice_version,
                "given": isoformat(c.given_at),
                "withdrawn": isoformat(c.withdrawn_at),
            }
            for c in person.consents
        ],
        "citizens_panel": [
            {"joined": isoformat(m.joined_on), "left": isoformat(m.left_on)}
            for m in db.session.scalars(
                select(PanelMembership).where(PanelMembership.person_id == person.id)
            )
        ],
        "patient_participation_groups": [
            {
                "practice": practices.get(m.practice_id),
                "joined": isoformat(m.joined_on),
                "left": isoformat(m.left_on),
            }
            for m in db.session.scalars(
                select(PpgMembership).where(PpgMembership.person_id == person.id)
            )
        ],  # fmt: skip
        "survey_responses": [
            {
                "survey": surveys.get(r.survey_id),
                "reference": r.reference,
                "status": r.status,
                "started": isoformat(r.started_at),
                "submitted": isoformat(r.submitted_at),
                "language": r.language,
                "answers": [
                    {"question": questions.get(a.question_id), "answer": a.value} for a in r.answers
                ],
            }
            for r in responses
        ],
        "comments": [
            {
                "text": c.original_text,
                "as_published_after_removing_personal_details": c.redacted_text,
                "moderation": c.moderation_state,
                "received": isoformat(c.received_at),
            }
            for c in comments
        ],
        "messages_sent_to_you": [
            {
                "kind": m.kind,
                "subject": m.subject,
                "status": m.status,
                "created": isoformat(m.created_at),
                "sent": isoformat(m.sent_at),
            }
            for m in db.session.scalars(
                select(OutboundMessage).where(OutboundMessage.person_id == person.id)
            )
        ],  # fmt: skip
        "invitations": [
            {"survey": surveys.get(i.survey_id), "how_you_were_chosen": i.segment}
            for i in db.session.scalars(select(Invitation).where(Invitation.person_id == person.id))
        ],
    }
    audit.record(
        db.session, "subject_access", "person", str(person.id), note=f"exported for {requested_by}"
    )
    if audit.current_actor() is not None:  # staff, not the resident: log which kinds they saw
        shown = [k for k, v in (data["demographics"] or {}).items() if v is not None]
        if any(data["communication_needs"].values()):
            shown.append("communication needs")
        audit.record_special_category_access(
            db.session, person.id, shown, "a subject access request"
        )
    db.session.commit()
    return data
