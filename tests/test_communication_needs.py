"""Accessible Information Standard: panel members record their language and communication needs;
invitations go in their language where the survey has it; the team sees the needs not yet met."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    AuditEvent,
    Invitation,
    OutboundMessage,
    PanelMembership,
    Person,
    Role,
    SurveyTranslation,
)
from engage.services import invitations, panel
from engage.services.errors import DomainError
from tests.conftest import post_form
from tests.factories import create_survey

JOIN = {
    "given_name": "Aleksandra",
    "email": "ola@example.org",
    "contact_preference": "email",
    "place": "elsewhere",
    "consent_panel": "y",
}


def _member(name: str, language: str | None = None, needs: tuple[str, ...] = ()) -> Person:
    person = Person(
        ref=name,
        given_name=name.title(),
        email=f"{name}@example.org",
        preferred_language=language,
        communication_needs=list(needs),
    )
    db.session.add_all([person, PanelMembership(person=person, joined_on=date(2025, 1, 1))])
    db.session.commit()
    return person


def _translate(survey, language: str, published: bool = True, **strings: str) -> None:
    db.session.add(
        SurveyTranslation(
            survey_id=survey.id,
            language=language,
            strings={"survey.title": strings.get("title", f"[{language}] title")},
            published=published,
        )
    )
    db.session.commit()


def test_a_resident_records_language_and_needs_when_joining(app, client):
    response = post_form(
        client,
        "/panel/join",
        {
            **JOIN,
            "preferred_language": "pl",
            "communication_needs": ["bsl", "large_print"],
            "communication_other": "Please phone my daughter first",
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "ola@example.org"))
    assert person.preferred_language == "pl"
    assert person.communication_needs == ["large_print", "bsl"], "kept in a stable order"
    assert person.communication_other == "Please phone my daughter first"


def test_communication_needs_never_reach_the_audit_log(app, client, auth):
    person = _member("umar", language="ur", needs=("bsl",))
    person.communication_other = "Needs an Urdu interpreter"
    db.session.commit()
    auth.login(Role.ENGAGEMENT)  # staff actions are audited; a resident's own are not
    post_form(client, f"/staff/panel/{person.id}", {"action": "erase"})
    erased = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "Person", AuditEvent.action == "update")
    )
    assert erased is not None, "the erasure is audited"
    assert erased.before["communication_other"] == "[redacted]"
    logged = str(erased.before) + str(erased.after)
    assert "interpreter" not in logged and "'ur'" not in logged and "bsl" not in logged


def test_the_profile_shows_and_changes_recorded_needs(app, client):
    person = _member("bilal", language="ur", needs=("easy_read",))
    token = panel.issue_profile_token(person)
    db.session.commit()
    url = f"/panel/profile/{token}"
    html = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert '<option value="ur" selected>' in html
    assert 'value="easy_read" checked' in html
    post_form(
        client,
        url,
        {
            "contact_preference": "email",
            "place": "elsewhere",
            "preferred_language": "en",
            "communication_needs": ["someone_to_help"],
        },
    )
    db.session.refresh(person)
    assert person.preferred_language == "en"
    assert person.communication_needs == ["someone_to_help"]


def test_too_long_other_needs_are_refused_with_a_message(app, client):
    html = post_form(
        client, "/panel/join?lang=en", {**JOIN, "communication_other": "x" * 201}
    ).get_data(as_text=True)
    assert "Anything else must be 200 characters or fewer" in html
    assert db.session.scalar(select(Person)) is None


def test_unknown_needs_are_a_domain_error_not_silently_stored():
    with pytest.raises(DomainError, match="braille"):
        panel.CommunicationNeeds(needs=("braille",))


def test_erasing_a_member_deletes_their_needs(app):
    person = _member("cara", language="pl", needs=("bsl",))
    person.communication_other = "Interpreter"
    db.session.commit()
    panel.erase(person.id)
    db.session.refresh(person)
    assert (person.preferred_language, person.communication_needs) == (None, [])
    assert person.communication_other is None


def test_invitations_go_in_the_members_language_where_the_survey_has_it(app):
    survey = create_survey(audience="panel", closes_on=date(2030, 3, 27))
    _translate(survey, "pl", title="Dojazd do szpitala")
    _translate(survey, "ur", published=False)  # a draft is not sent to anyone
    _member("ola", language="pl")
    _member("umar", language="ur")
    _member("emma")
    with app.test_request_context():
        result = invitations.invite(survey.id, invitations.Segment())
    assert result.invited == 3
    mail = {m.to_address: m for m in db.session.scalars(select(OutboundMessage))}
    polish = mail["ola@example.org"]
    assert polish.subject == "Wyraź swoją opinię: Dojazd do szpitala"
    assert "Dzień dobry, Ola," in polish.body and "27 marca 2030" in polish.body
    urdu_reader = mail["umar@example.org"]
    assert urdu_reader.subject == "Have your say: Getting to hospital", "unpublished: English"
    assert mail["emma@example.org"].body.startswith("Dear Emma,")


def test_the_invitation_link_opens_the_survey_in_the_members_language(app, client):
    survey = create_survey(audience="panel")
    _translate(survey, "pl")
    person = _member("ola", language="pl")
    with app.test_request_context():
        invitations.invite(survey.id, invitations.Segment())
    body = db.session.scalar(
        select(OutboundMessage.body).where(OutboundMessage.person_id == person.id)
    )
    link = next(line for line in body.splitlines() if "/i/" in line)
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert '<html lang="pl"' in page


def test_the_team_sees_how_many_invited_members_have_needs_not_yet_met(app, client, auth):
    survey = create_survey(audience="panel")
    _translate(survey, "pl")
    _member("ola", language="pl")  # met: published Polish translation
    _member("umar", language="ur")  # not met: no Urdu translation
    _member("gita", language="gu", needs=("large_print",))
    _member("lee", needs=("bsl",))
    _member("emma")
    with app.test_request_context():
        invitations.invite(survey.id, invitations.Segment())
    unmet = invitations.unmet_needs(survey.id)
    assert unmet.members == 3
    assert unmet.languages == {"ur": 1, "gu": 1}
    assert unmet.needs == {"large_print": 1, "bsl": 1}

    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/invitations/{survey.id}").get_data(as_text=True)
    assert "3 invited members have needs this survey does not yet meet" in page
    assert "1 reads Urdu: the survey has no published Urdu translation" in page
    assert "1 needs large print: arrange this outside Engage" in page
    overview = client.get("/staff/invitations").get_data(as_text=True)
    assert "Invited with needs not yet met" in overview
    assert db.session.scalar(select(Invitation.id)) is not None
