"""The outbox lists what Engage sent without the messages themselves; the team opens one on
purpose, and each reading is logged: who, which message, to whom (by id), never the text.
A personal link in a message is always shown masked (tests/test_personal_links.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    AuditEvent,
    Demographics,
    GpPractice,
    Invitation,
    OutboundMessage,
    PanelMembership,
    Person,
    Role,
)
from engage.services import audit, invitations, mailer
from engage.services.panel import MESSAGE_SHOWN
from tests.factories import create_survey

BODY = "Dear Gwen,\n\nYour personal link: http://localhost/panel/profile/QZ-SECRET-77"


def _message() -> OutboundMessage:
    person = Person(ref="ref-outbox", given_name="Gwen", email="gwen@example.org")
    db.session.add(person)
    db.session.add(PanelMembership(person=person, joined_on=date(2026, 1, 5)))
    db.session.commit()
    return mailer.queue_message(
        "profile_link", "gwen@example.org", "Manage your details", BODY, person_id=person.id
    )


def _shown_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == MESSAGE_SHOWN)))


def test_the_outbox_lists_messages_without_their_text(client, auth):
    message = _message()
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "Manage your details" in html and "gwen@example.org" in html, "the list is the record"
    assert "QZ-SECRET-77" not in html and "Dear Gwen" not in html, "a body is on the list page"
    assert f'href="/staff/outbox/{message.id}"' in html, "no way to open the message"
    assert _shown_events() == [], "listing the outbox is not reading a message"


def test_opening_a_message_shows_it_and_logs_who_read_which_without_the_text(client, auth):
    message = _message()
    user = auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/outbox/{message.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dear Gwen" in html, "the team cannot read the message"
    assert "QZ-SECRET-77" not in html and "/panel/profile/••••" in html, "the link is usable"
    assert "recorded in the audit log" in html, "the page does not say the reading is logged"

    (event,) = _shown_events()
    assert (event.user_id, event.actor) == (user.id, user.email), "who read it is not recorded"
    assert (event.entity_type, event.entity_id) == ("OutboundMessage", str(message.id))
    assert event.after == {"kind": "profile_link", "person_id": message.person_id}
    logged = str([(e.before, e.after, e.note) for e in db.session.scalars(select(AuditEvent))])
    for value in ("QZ-SECRET-77", "Dear Gwen", "gwen@example.org"):
        assert value not in logged, f"{value!r} was copied into the audit log"

    client.get(f"/staff/outbox/{message.id}")
    assert len(_shown_events()) == 2, "every reading is logged, not only the first"


def test_an_admin_sees_message_readings_on_the_audit_page(client, auth):
    message = _message()
    auth.login(Role.ENGAGEMENT)
    client.get(f"/staff/outbox/{message.id}")
    auth.logout()
    auth.login(Role.ADMIN)
    html = client.get(f"/staff/admin/audit?kind={MESSAGE_SHOWN}").get_data(as_text=True)
    assert f"profile_link message to person {message.person_id} shown" in html
    assert "Message to a resident opened in the outbox" in html, "the filter names the kind"
    assert "engagement@example.org" in html


def test_a_message_that_does_not_exist_is_not_found_and_logs_nothing(client, auth):
    auth.login(Role.ENGAGEMENT)
    assert client.get("/staff/outbox/999").status_code == 404
    assert _shown_events() == []


def test_only_the_team_that_manages_the_panel_can_read_a_message(client, auth):
    message = _message()
    for role in (Role.VIEWER, Role.COMMISSIONER):
        auth.login(role)
        assert client.get(f"/staff/outbox/{message.id}").status_code == 403, role
        auth.logout()
    assert _shown_events() == []


def _invited_by(segment: invitations.Segment, ref: str, ethnicity: str) -> OutboundMessage:
    person = Person(ref=ref, given_name=ref.title(), email=f"{ref}@example.org")
    person.demographics = Demographics(age_band="45-54", sex="Female", ethnicity=ethnicity)
    db.session.add(person)
    db.session.add(PanelMembership(person=person, joined_on=date(2026, 1, 5)))
    db.session.commit()
    survey = create_survey(status="open")
    assert invitations.invite(survey.id, segment).invited == 1
    invitation = db.session.scalars(select(Invitation).where(Invitation.person_id == person.id))
    message = db.session.get(OutboundMessage, invitation.one().message_id)
    assert message is not None
    return message


def test_who_was_invited_for_their_ethnic_group_is_not_listed_and_reading_it_is_logged(
    app, client, auth
):
    with app.test_request_context():
        chosen = _invited_by(invitations.Segment(ethnicities=["Asian or Asian British"]), "raj",
                             "Asian or Asian British")  # fmt: skip
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "raj@example.org" not in html, "the list reveals who is in an ethnic group"
    assert f"/staff/outbox/{chosen.id}" not in html, "a row per hidden message can be counted"
    assert "chosen by age, sex or ethnic group are not listed or counted" in html

    page = client.get(f"/staff/outbox/{chosen.id}").get_data(as_text=True)
    assert "raj@example.org" in page, "opening the message on purpose shows its recipient"
    access = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == audit.SPECIAL_CATEGORY_ACCESS)
        )
    )
    assert [(a.entity_id, a.after["categories"]) for a in access] == [
        (str(chosen.person_id), ["ethnicity"])
    ]


def _listed(html: str) -> tuple[str, int]:
    """The outbox's stated total and how many rows its table has."""
    total = html.split("is sending (", 1)[1].split(")", 1)[0]
    return total, html.split("<tbody", 1)[1].count("<tr")


def test_how_many_were_invited_by_age_sex_or_ethnic_group_cannot_be_counted_in_the_outbox(
    app, client, auth
):
    _message()
    auth.login(Role.ENGAGEMENT)
    before = _listed(client.get("/staff/outbox").get_data(as_text=True))
    for ref, age_band, sex, ethnicity in [
        ("raj", "25-34", "Male", "Asian or Asian British"),
        ("kim", "45-54", "Male", "White"),
        ("lee", "25-34", "Female", "White"),
    ]:
        person = Person(ref=ref, given_name=ref.title(), email=f"{ref}@example.org")
        person.demographics = Demographics(age_band=age_band, sex=sex, ethnicity=ethnicity)
        db.session.add_all([person, PanelMembership(person=person, joined_on=date(2026, 1, 5))])
    db.session.commit()
    survey = create_survey(status="open")
    with app.test_request_context():
        for segment in [
            invitations.Segment(ethnicities=["Asian or Asian British"]),
            invitations.Segment(age_bands=["45-54"]),
            invitations.Segment(sexes=["Female"]),
        ]:
            assert invitations.invite(survey.id, segment).invited == 1
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert _listed(html) == before == ("1", 1), "the outbox counts who was chosen so"
    for ref in ("raj", "kim", "lee"):
        assert f"{ref}@example.org" not in html


def test_an_invitation_chosen_by_place_keeps_its_recipient_listed(app, client, auth):
    with app.test_request_context():
        _invited_by(invitations.Segment(), "kim", "White")
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "kim@example.org" in html and _listed(html) == ("1", 1)


def test_a_segment_too_long_to_store_still_says_it_chose_by_ethnic_group(app, client, auth):
    # A 146-character practice name, every age band and two ethnic groups: over the 200 stored.
    practice = GpPractice(code="Z99999", name="The " + "Very Long Name " * 9 + "Surgery")
    db.session.add(practice)
    db.session.commit()
    segment = invitations.Segment(
        audience="panel",
        practice_id=practice.id,
        age_bands=["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"],
        ethnicities=["Asian or Asian British", "White"],
    )
    with app.test_request_context():
        described = segment.describe()
        assert len(described) <= 200 and described.endswith("ethnic group (2 chosen)")
        chosen = _invited_by(segment, "sam", "White")
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "sam@example.org" not in html, "a cut-off description hid the ethnic-group choice"
    assert chosen.person_id is not None


def test_what_chose_a_recipient_is_read_from_the_invitation_not_its_description(app, client, auth):
    with app.test_request_context():
        chosen = _invited_by(invitations.Segment(ethnicities=["Mixed"]), "ola", "Mixed")
    # The description is for people; rewording it (or a future shortening) must not un-hide.
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.message_id == chosen.id)
    ).one()
    invitation.segment = "Citizens' Panel (1 criterion chosen)"
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/outbox").get_data(as_text=True)
    assert "ola@example.org" not in html, "the outbox decided from the description's words"
