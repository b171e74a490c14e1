"""A resident, or the team on their behalf, gets a copy of everything Engage holds about them."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    Answer,
    AuditEvent,
    Comment,
    Consent,
    Demographics,
    PanelMembership,
    Person,
    Response,
    Role,
)
from engage.services import panel
from tests.factories import create_survey


def _member():
    survey = create_survey()
    person = Person(
        ref="ref-1", given_name="Asha", family_name="Patel", email="asha@example.org",
        preferred_language="ur", communication_needs=["large_print"],
    )  # fmt: skip
    person.demographics = Demographics(age_band="35-44", ethnicity="Pakistani")
    db.session.add(person)
    db.session.flush()
    db.session.add_all(
        [
            Consent(person_id=person.id, purpose="panel_membership", notice_version="2026-1"),
            PanelMembership(person_id=person.id, joined_on=date(2026, 1, 5)),
        ]
    )
    question = survey.sections[0].questions[0]
    response = Response(survey_id=survey.id, reference="REF00001", person_id=person.id)
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=question.id, value="Too far"))
    db.session.add(
        Comment(source="survey", source_key="sa1", response_id=response.id,
                original_text="Call me on 07700 900123", redacted_text="Call me on [phone number]")
    )  # fmt: skip
    db.session.commit()
    return person


def test_the_team_downloads_everything_held_about_a_person_and_it_is_audited(client, auth):
    person = _member()
    auth.login(Role.ENGAGEMENT)
    response = client.get(f"/staff/panel/{person.id}/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["contact_details"]["email"] == "asha@example.org"
    assert data["communication_needs"] == {
        "preferred_language": "ur", "needs": ["large_print"], "other": None,
    }  # fmt: skip
    assert data["demographics"]["ethnicity"] == "Pakistani"
    assert data["consents"][0]["privacy_notice_version"] == "2026-1"
    assert data["survey_responses"][0]["answers"][0]["answer"] == "Too far"
    assert data["comments"][0]["text"] == "Call me on 07700 900123"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subject_access"))
    assert event is not None and event.entity_id == str(person.id)


def test_a_resident_downloads_their_own_data_through_their_profile_link(client):
    person = _member()
    token = panel.issue_profile_token(person)
    db.session.commit()
    response = client.get(f"/panel/profile/{token}/your-data.json")
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True))["reference"] == "ref-1"
    assert client.get("/panel/profile/not-a-real-token/your-data.json").status_code == 404


def test_viewers_and_commissioners_cannot_export_a_person(client, auth):
    person = _member()
    for role in (Role.VIEWER, Role.COMMISSIONER):
        auth.login(role)
        assert client.get(f"/staff/panel/{person.id}/data.json").status_code == 403
        auth.logout()


def test_after_erasure_the_export_holds_no_personal_details(client, auth):
    person = _member()
    panel.erase(person.id)
    auth.login(Role.ENGAGEMENT)
    data = json.loads(client.get(f"/staff/panel/{person.id}/data.json").get_data(as_text=True))
    assert data["erased_at"] is not None
    assert data["contact_details"]["email"] is None and data["demographics"] is None
    assert data["communication_needs"]["needs"] == []
