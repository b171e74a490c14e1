"""Residents join the Citizens' Panel with recorded consent, manage their details by an emailed
link, leave, and have their personal data deleted while their anonymised answers stay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    AuditEvent,
    Comment,
    Consent,
    Demographics,
    GpPractice,
    OutboundMessage,
    PanelMembership,
    Person,
    Place,
    PpgMembership,
    Response,
    Role,
    utcnow,
)
from engage.services import responses as runner
from tests.conftest import post_form
from tests.factories import create_survey

JOIN = {
    "given_name": "Aisha",
    "family_name": "Khan",
    "email": "aisha@example.org",
    "contact_preference": "email",
    "place": "elsewhere",
    "postcode": "bb1 1aa",
    "age_band": "35-44",
    "sex": "Female",
    "ethnicity": "Asian or Asian British",
    "disability": "No",
    "long_term_condition": "Prefer not to say",
    "carer": "Yes",
    "consent_demographics": "y",
    "consent_panel": "y",
}


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _join(client, **changes):
    return post_form(client, "/panel/join", {**JOIN, **changes})


def _profile_link() -> str:
    body = db.session.scalars(
        select(OutboundMessage.body).order_by(OutboundMessage.id.desc())
    ).first()
    return re.search(r"http://localhost(/panel/profile/\S+)", body).group(1)


def test_resident_joins_the_panel_with_consent_recorded(client):
    response = _join(client)
    assert response.headers["Location"].endswith("/panel/joined")
    person = db.session.scalar(select(Person))
    assert person.email == "aisha@example.org" and person.postcode == "BB1 1AA"
    consents = {c.purpose: c for c in person.consents}
    assert set(consents) == {"panel_membership", "demographics"}
    # The consent records the version of the notice the resident was shown.
    version = consents["panel_membership"].notice_version
    assert f"Privacy notice version {version}." in client.get("/privacy").get_data(as_text=True)
    assert consents["panel_membership"].given_at is not None
    assert person.demographics.ethnicity == "Asian or Asian British"
    assert _count(PanelMembership, PanelMembership.left_on.is_(None)) == 1
    message = db.session.scalar(select(OutboundMessage))
    assert message.to_address == "aisha@example.org" and message.status == "outbox"
    assert "/panel/profile/" in message.body


def test_demographics_are_not_kept_without_their_own_consent(client):
    page = _join(client, consent_demographics="")
    assert "Tick the box if we can use your answers about you" in page.get_data(as_text=True)
    blank = {
        k: ""
        for k in ("age_band", "sex", "ethnicity", "disability", "long_term_condition", "carer")
    }
    _join(client, consent_demographics="", **blank)
    person = db.session.scalar(select(Person))
    assert person.demographics is None
    assert [c.purpose for c in person.consents] == ["panel_membership"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consent_panel": ""}, "You need to agree to join the Citizens&#39; Panel"),
        ({"given_name": ""}, "Enter your first name"),
        ({"email": ""}, "Enter your email address, or choose another way to contact you"),
        (
            {"contact_preference": "text", "phone": ""},
            "Enter your phone number, or choose another way to contact you",
        ),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"postcode": "nonsense"}, "Enter a postcode, like BB1 1AA"),
    ],
)
def test_joining_with_a_mistake_explains_it_and_keeps_what_was_typed(client, changes, message):
    page = _join(client, **changes)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and message in html
    assert _count(Person) == 0, "nothing is stored until the form is right"
    assert 'value="Khan"' in html


def test_joining_twice_with_one_email_sends_a_link_instead_of_a_duplicate(client, app):
    _join(client)
    _join(app.test_client())
    assert _count(Person) == 1
    assert _count(OutboundMessage) == 2


def test_member_changes_their_details_through_the_emailed_link(client):
    _join(client)
    link = _profile_link()
    page = client.get(link).get_data(as_text=True)
    assert "Panel details" in page and "aisha@example.org" in page
    post_form(
        client,
        link,
        {
            "contact_preference": "phone",
            "phone": "07700 900123",
            "place": "elsewhere",
            "age_band": "45-54",
            "sex": "Female",
            "consent_demographics": "y",
        },
    )
    db.session.expire_all()
    person = db.session.scalar(select(Person))
    assert person.contact_preference == "phone" and person.demographics.age_band == "45-54"


def test_withdrawing_consent_to_demographics_deletes_them(client):
    _join(client)
    post_form(client, _profile_link(), {"contact_preference": "email", "place": "elsewhere"})
    db.session.expire_all()
    person = db.session.scalar(select(Person))
    assert person.demographics is None and _count(Demographics) == 0
    withdrawn = [c for c in person.consents if c.purpose == "demographics"]
    assert withdrawn and withdrawn[0].withdrawn_at is not None


def test_asking_for_a_link_says_the_same_whether_or_not_you_are_a_member(client):
    _join(client)
    before = _count(OutboundMessage)
    unknown = post_form(client, "/panel/manage", {"email": "stranger@example.org"})
    known = post_form(client, "/panel/manage", {"email": "AISHA@example.org"})

    def strip(response):
        html = re.sub(r"\S+@example\.org", "EMAIL", response.get_data(as_text=True))
        return re.sub(r'nonce="[^"]+"', "", html)

    assert strip(unknown) == strip(known), "the page must not reveal who is a member"
    assert _count(OutboundMessage) == before + 1


def test_an_expired_or_unknown_link_does_not_open_a_profile(client):
    _join(client)
    link = _profile_link()
    person = db.session.scalar(select(Person))
    person.profile_token_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(link).status_code == 404
    assert client.get("/panel/profile/not-a-real-token").status_code == 404


def test_member_can_leave_the_panel(client):
    _join(client)
    link = _profile_link()
    post_form(client, f"{link}/leave", {})
    membership = db.session.scalar(select(PanelMembership))
    assert membership.left_on is not None
    consent = db.session.scalar(select(Consent).where(Consent.purpose == "panel_membership"))
    assert consent.withdrawn_at is not None


def test_erasure_removes_personal_data_and_keeps_anonymised_answers(client, app):
    _join(client)
    person = db.session.scalar(select(Person))
    survey = create_survey()
    started = runner.start_response(survey, person_id=person.id)
    runner.save_answers(
        started.response,
        survey.sections[1],
        {"fft": "Good", "comments": "My name is Aisha and the bus was late"},
    )
    runner.submit(started.response.id)
    link = _profile_link()

    done = post_form(client, f"{link}/delete", {})
    assert done.headers["Location"].endswith("/panel/deleted")
    db.session.expire_all()
    erased = db.session.get(Person, person.id)
    assert erased.erased_at is not None
    assert (erased.given_name, erased.family_name, erased.email, erased.phone, erased.postcode) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert _count(Demographics) == 0
    assert _count(Response, Response.person_id.is_not(None)) == 0
    assert _count(Response, Response.status == "submitted") == 1, "answers are kept"
    assert _count(Comment) == 1, "the comment stays for analysis (moderation redacts names)"
    assert _count(PanelMembership, PanelMembership.left_on.is_(None)) == 0
    outbox = " ".join(db.session.scalars(select(OutboundMessage.to_address)))
    assert "aisha" not in outbox
    logged = str([(e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    assert "aisha" not in logged.lower() and "Khan" not in logged
    assert client.get(link).status_code == 404, "the old link must stop working"


def test_engagement_team_erases_on_request_and_sees_the_outbox(client, auth):
    _join(client)
    person = db.session.scalar(select(Person))
    auth.login(Role.ENGAGEMENT)
    assert "Aisha Khan" in client.get("/staff/panel").get_data(as_text=True)
    assert "Welcome to the" in client.get("/staff/outbox").get_data(as_text=True)
    post_form(client, f"/staff/panel/{person.id}", {"action": "erase"})
    db.session.expire_all()
    assert db.session.get(Person, person.id).erased_at is not None
    assert "Aisha" not in client.get("/staff/panel").get_data(as_text=True)


def test_engagement_team_manages_a_ppg(client, auth):
    place = Place(code="BWD", name="Blackburn with Darwen", kind="place")
    practice = GpPractice(code="Z81001", name="Cathedral Quarter Surgery", place=place)
    db.session.add_all([place, practice])
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/ppgs/{practice.id}"
    post_form(
        client,
        url,
        {"action": "add", "given_name": "Tom", "family_name": "Hart", "email": "tom@example.org"},
    )
    again = post_form(
        client,
        url,
        {"action": "add", "given_name": "Tom", "family_name": "Hart", "email": "tom@example.org"},
    )
    assert "Tom Hart is already in this PPG" in again.get_data(as_text=True)
    membership = db.session.scalar(select(PpgMembership))
    assert membership.left_on is None
    post_form(client, url, {"action": "remove", "membership_id": membership.id})
    db.session.expire_all()
    assert db.session.get(PpgMembership, membership.id).left_on is not None
    assert "Cathedral Quarter Surgery" in client.get("/staff/ppgs").get_data(as_text=True)


def test_a_resident_who_asks_for_letters_is_asked_where_to_write(client):
    """'Letter' with no address made a member the team had no way to reach."""
    letters = {**JOIN, "email": "", "contact_preference": "post"}
    refused = _join(client, **letters)
    assert refused.status_code == 200
    assert "Enter your postal address, or choose another way to contact you" in (
        refused.get_data(as_text=True)
    )
    assert _count(Person) == 0
    address = "12 Church Street\nBlackburn"
    assert _join(client, **letters, address=address).status_code == 302
    person = db.session.scalar(select(Person))
    assert (person.contact_preference, person.address) == ("post", address)


def test_the_address_is_in_a_subject_access_export_and_goes_with_erasure(client):
    _join(client, address="12 Church Street\nBlackburn")
    person = db.session.scalar(select(Person))
    from engage.services import panel, subject_access

    exported = subject_access.export_person(person.id, requested_by="test")
    assert exported["contact_details"]["postal_address"] == "12 Church Street\nBlackburn"
    panel.erase(person.id)
    db.session.expire_all()
    assert db.session.get(Person, person.id).address is None


def test_changing_to_letters_without_an_address_is_refused_on_the_profile(client):
    _join(client)
    link = _profile_link()
    page = client.get(link)
    assert page.status_code == 200
    changed = post_form(
        client, link, {"contact_preference": "post", "place": "elsewhere", "address": ""}
    )
    assert "Enter your postal address, or choose another way to contact you" in (
        changed.get_data(as_text=True)
    )
    assert db.session.scalar(select(Person.contact_preference)) == "email"


def test_the_team_finds_a_member_who_phones_by_name_email_or_number(client, auth):
    _join(client, phone="07700 900123")
    _join(client, given_name="Brian", family_name="Hodgson", email="brian@example.org")
    auth.login(Role.ENGAGEMENT)

    def found(search: str) -> tuple[bool, bool]:
        html = client.get("/staff/panel", query_string={"q": search}).get_data(as_text=True)
        return "Aisha Khan" in html, "Brian Hodgson" in html

    assert found("khan") == (True, False)
    assert found("BRIAN@example") == (False, True)
    assert found("07700900123") == (True, False), "a number typed without its spaces"
    assert found("aisha hodgson") == (False, False), "every word must match"
    assert found("%") == (False, False), "a wildcard is taken literally"
    assert found("") == (True, True)


def test_a_members_page_reads_in_words_not_codes(client, auth):
    _join(client, contact_preference="post", address="12 Church Street\nBlackburn")
    person = db.session.scalar(select(Person))
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/panel/{person.id}").get_data(as_text=True)
    assert "Letter" in page and ">post<" not in page
    assert "Panel membership" in page and "panel_membership" not in page
    assert "Letter" in client.get("/staff/panel").get_data(as_text=True)
    assert "Staff sign in" not in page, "the footer does not offer sign-in to someone signed in"
