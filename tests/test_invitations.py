"""The team invites a segment of panel or PPG members; a personal link opens the survey."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    Comment,
    Demographics,
    GpPractice,
    Invitation,
    OutboundMessage,
    PanelMembership,
    Person,
    Place,
    PpgMembership,
    Response,
    Role,
)
from engage.services import invitations, panel
from tests.conftest import post_form
from tests.factories import create_survey


def _member(ref, place, age_band="45-54", email=True, ppg=None, panel_member=True):
    person = Person(
        ref=ref, given_name=ref.title(), email=f"{ref}@example.org" if email else None, place=place
    )
    person.demographics = Demographics(age_band=age_band, sex="Female", ethnicity="White")
    db.session.add(person)
    if panel_member:
        db.session.add(PanelMembership(person=person, joined_on=date(2025, 1, 1)))
    if ppg is not None:
        db.session.add(PpgMembership(person=person, practice=ppg, joined_on=date(2025, 1, 1)))
    return person


def _world():
    lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    bpl = Place(code="BPL", name="Blackpool", kind="place", parent=lsc)
    bwd = Place(code="BWD", name="Blackburn with Darwen", kind="place", parent=lsc)
    surgery = GpPractice(code="Z81001", name="Promenade Medical Centre", place=bpl)
    db.session.add_all([lsc, bpl, bwd, surgery])
    people = {
        "ann": _member("ann", bpl),
        "bob": _member("bob", bpl, age_band="75+"),
        "cal": _member("cal", bwd),
        "dee": _member("dee", bpl, email=False),
        "eve": _member("eve", bpl, ppg=surgery, panel_member=False),
    }
    db.session.commit()
    return {"bpl": bpl, "bwd": bwd, "surgery": surgery, **people}


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_segment_gets_invitations_once_and_only_matching_members(app):
    world = _world()
    survey = create_survey(audience="panel")
    segment = invitations.Segment(audience="panel", place_id=world["bpl"].id, age_bands=["45-54"])
    first = invitations.invite(survey.id, segment)
    assert (first.invited, first.already_invited, first.no_email) == (1, 0, 1)
    assert _count(OutboundMessage, OutboundMessage.to_address == "ann@example.org") == 1
    again = invitations.invite(survey.id, segment)
    assert (again.invited, again.already_invited) == (0, 1)
    everyone_at_icb = invitations.Segment(audience="panel")
    assert {p.given_name for p in invitations.segment_people(everyone_at_icb)} == {
        "Ann",
        "Bob",
        "Cal",
        "Dee",
    }


def test_leavers_and_erased_people_are_never_invited(app):
    world = _world()
    panel.leave_panel(world["bob"])
    panel.erase(world["cal"].id)
    names = {p.given_name for p in invitations.segment_people(invitations.Segment())}
    assert names == {"Ann", "Dee"}


def test_a_ppg_segment_reaches_that_practices_group(app):
    world = _world()
    segment = invitations.Segment(audience="ppg", practice_id=world["surgery"].id)
    assert [p.given_name for p in invitations.segment_people(segment)] == ["Eve"]


def test_a_personal_link_opens_an_invitation_only_survey_without_signing_in(app, client):
    world = _world()
    survey = create_survey(audience="panel")
    assert "Citizens" in client.get(f"/surveys/{survey.slug}").get_data(as_text=True)
    invitations.invite(
        survey.id, invitations.Segment(place_id=world["bpl"].id, age_bands=["45-54"])
    )
    body = db.session.scalar(select(OutboundMessage.body))
    link = re.search(r"http://localhost(/i/\S+)", body).group(1)

    landing = client.get(link)
    assert landing.headers["Location"].endswith(f"/surveys/{survey.slug}")
    start = client.get(f"/surveys/{survey.slug}").get_data(as_text=True)
    assert "Start now" in start
    response = db.session.scalar(select(Response))
    assert response.person_id == world["ann"].id and response.place_id == world["bpl"].id
    invitation = db.session.scalar(select(Invitation))
    assert invitation.opened_at is not None and invitation.response_id == response.id

    post_form(client, f"/surveys/{survey.slug}", {})
    post_form(
        client,
        f"/surveys/{survey.slug}/section/1",
        {"consent": "Yes", "hospital": "Royal Preston Hospital", "modes": ["Bus"]},
    )
    post_form(client, f"/surveys/{survey.slug}/section/2", {"fft": "Good", "comments": "Fine"})
    post_form(client, f"/surveys/{survey.slug}/check", {})
    comment = db.session.scalar(select(Comment))
    assert comment.age_band == "45-54" and comment.place_id == world["bpl"].id
    assert invitations.summary(survey.id) == {"invited": 1, "opened": 1, "submitted": 1}

    # Opening the link again after sending goes to the confirmation, not a second response.
    client.get(link)
    again = post_form(client, f"/surveys/{survey.slug}", {})
    assert again.headers["Location"].endswith("/confirmation")
    assert _count(Response) == 1


def test_an_unknown_link_is_not_found(client):
    assert client.get("/i/not-a-real-link").status_code == 404


def test_team_cannot_invite_to_a_survey_that_is_not_open(app, client, auth):
    _world()
    survey = create_survey(status="closed", slug="closed-one")
    auth.login(Role.ENGAGEMENT)
    page = post_form(
        client, f"/staff/invitations/{survey.id}", {"audience": "panel", "action": "send"}
    )
    assert "Publish the survey before inviting people to it" in page.get_data(as_text=True)
    assert _count(Invitation) == 0


def test_team_counts_then_sends_from_the_invitations_page(app, client, auth):
    world = _world()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    counted = post_form(
        client, url, {"audience": "panel", "place": world["bpl"].id, "action": "preview"}
    )
    assert "<strong>3</strong> current members match" in counted.get_data(as_text=True)
    assert _count(Invitation) == 0, "counting sends nothing"
    sent = post_form(
        client,
        url,
        {"audience": "panel", "place": world["bpl"].id, "action": "send"},
        follow_redirects=True,
    )
    assert "2 invitations sent" in sent.get_data(as_text=True)
    assert _count(Invitation) == 2
