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
    chosen_by_age = invitations.Totals("fewer than 10", "fewer than 10", "fewer than 10")
    assert invitations.summary(survey.id) == invitations.Summary(
        invitations.Totals("0", "0", "0"), chosen_by_age
    )

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


# --- small numbers: choosing by age, sex or ethnic group never prints a count under 10 -----------


def _sent_rows(html):
    return html.split("<h2>Sent</h2>", 1)[1].split("<tbody", 1)[1].split("</tbody>", 1)[0]


def test_a_small_count_of_members_chosen_by_age_reads_fewer_than_ten_but_can_still_be_invited(
    app, client, auth
):
    world = _world()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    chosen = {"audience": "panel", "place": world["bpl"].id, "age_bands": ["45-54"]}

    counted = post_form(client, url, {**chosen, "action": "preview"}).get_data(as_text=True)
    assert "<strong>Fewer than 10</strong> current members match" in counted
    assert "<strong>2</strong>" not in counted, "the exact small count was printed"
    assert "counts from 1 to 9 show as" in counted, "the page does not say why"

    sent = post_form(client, url, {**chosen, "action": "send"}, follow_redirects=True)
    html = sent.get_data(as_text=True)
    assert _count(Invitation) == 1, "a small demographic segment can still be invited"
    assert "Fewer than 10 invitations sent." in html
    assert "1 invitations sent" not in html and "1 have no email" not in html
    rows = _sent_rows(html)
    assert rows.count("<tr") == 1, "one row per person would count them"
    assert "aged 45-54" in rows and "fewer than 10" in rows
    assert ">1<" not in rows, "the sent table printed the small count"


def test_counts_of_members_chosen_by_sex_or_ethnic_group_are_suppressed_too(app, client, auth):
    world = _world()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    for criterion in ({"sexes": ["Female"]}, {"ethnicities": ["White"]}):
        page = post_form(
            client,
            url,
            {"audience": "panel", "place": world["bpl"].id, **criterion, "action": "preview"},
        )
        html = page.get_data(as_text=True)
        assert "<strong>Fewer than 10</strong> current members match" in html, criterion
        assert "<strong>3</strong>" not in html, criterion


def test_a_count_by_place_alone_or_of_none_is_exact_and_of_many_by_age_rounded(app, client, auth):
    world = _world()
    for i in range(10):
        _member(f"older{i}", world["bwd"], age_band="75+")
    db.session.commit()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"

    def matching(data):
        page = post_form(client, url, {"audience": "panel", **data, "action": "preview"})
        html = page.get_data(as_text=True)
        return html.split("<strong>", 1)[1].split("</strong>", 1)[0]

    assert matching({"place": world["bpl"].id}) == "3", "a place is not special-category data"
    assert matching({"age_bands": ["75+"]}) == "10", "11 at or over 10 is shown, rounded"
    assert matching({"age_bands": ["16-24"]}) == "0", "zero identifies nobody"

    sent = post_form(
        client, url, {"audience": "panel", "age_bands": ["75+"], "action": "send"}
    ).status_code
    assert sent == 302
    rows = _sent_rows(client.get(url).get_data(as_text=True))
    assert ">10<" in rows and ">0<" in rows, "a large batch shows its numbers, rounded"
    assert ">11<" not in rows and "fewer than" not in rows


def test_a_practice_whose_name_reads_like_a_criterion_is_still_counted_exactly(app, client, auth):
    world = _world()
    practice = GpPractice(code="Z81002", name="Riverside (for people aged 65 and over)")
    db.session.add(practice)
    db.session.commit()
    _member("fay", world["bpl"], ppg=practice, panel_member=False)
    db.session.commit()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    data = {"audience": "ppg", "practice": practice.id, "action": "send"}
    post_form(client, url, data)
    rows = _sent_rows(client.get(url).get_data(as_text=True))
    assert "aged 65 and over" in rows
    assert ">1<" in rows and "fewer than" not in rows, "a place-only batch was treated as by age"


# --- differencing: protected counts cannot be subtracted from each other or from exact ones -----


def _preston(white: int, asian: int):
    preston = Place(code="PRE", name="Preston", kind="place")
    db.session.add(preston)
    for i in range(white + asian):
        person = _member(f"pr{i}", preston)
        person.demographics.ethnicity = "White" if i < white else "Asian or Asian British"
    db.session.commit()
    return preston


def _shown_count(client, url, data):
    page = post_form(client, url, {"audience": "panel", **data, "action": "preview"})
    html = page.get_data(as_text=True)
    return html.split("<strong>", 1)[1].split("</strong>", 1)[0], html


def test_overlapping_previews_are_rounded_so_a_small_group_cannot_be_subtracted_out(
    app, client, auth
):
    preston = _preston(white=13, asian=3)
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    everyone, _ = _shown_count(client, url, {"place": preston.id})
    white, html = _shown_count(client, url, {"place": preston.id, "ethnicities": ["White"]})
    assert everyone == "16", "a count by place alone stays exact"
    assert white == "15", "16 minus an exact 13 would give the 3 Asian members away"
    assert "rounded to the nearest 5" in html, "the page does not say the count is rounded"


def test_the_survey_totals_keep_exact_and_protected_invitations_apart(app, client, auth):
    world = _world()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    post_form(client, url, {"audience": "panel", "place": world["bwd"].id, "action": "send"})
    post_form(client, url, {"audience": "panel", "age_bands": ["75+"], "action": "send"})

    html = client.get(url).get_data(as_text=True)
    assert "Chosen by place or practice: 1 invited, 0 opened their link" in html
    assert "Chosen by age, sex or ethnic group: fewer than 10 invited" in html
    # An exact 1 by place beside a total of 2 would say exactly 1 was chosen by age.
    assert "2 invited" not in html, "a total mixed an exact and a protected count"
    overview = client.get("/staff/invitations").get_data(as_text=True)
    assert ">2<" not in overview and "and fewer than 10 by age, sex or ethnic group" in overview


def test_a_survey_invited_by_place_alone_shows_exact_totals(app, client, auth):
    world = _world()
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    post_form(client, url, {"audience": "panel", "place": world["bpl"].id, "action": "send"})
    html = client.get(url).get_data(as_text=True)
    assert "<p>2 invited, 0 opened their link, 0 sent their answers.</p>" in html
    assert "rounded" not in html.split("<h2>Sent</h2>")[0].split("</h1>")[1].split("<form")[0]


def test_sending_to_a_place_does_not_count_who_an_ethnic_group_invitation_reached(
    app, client, auth
):
    preston = _preston(white=13, asian=3)
    survey = create_survey(audience="panel")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/invitations/{survey.id}"
    chosen = {"audience": "panel", "place": preston.id}
    post_form(client, url, {**chosen, "ethnicities": ["Asian or Asian British"], "action": "send"})
    sent = post_form(client, url, {**chosen, "action": "send"}, follow_redirects=True)
    html = sent.get_data(as_text=True)
    assert "3 people had already been invited" not in html, "the earlier small count leaked"
    assert "15 invitations sent. Fewer than 10 people had already been invited" in html
    assert "rounded to the nearest 5" in html
    assert _count(Invitation) == 16, "everyone is still invited, once"
