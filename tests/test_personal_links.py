"""A personal link opens a resident's survey or details without signing in, so only the
resident may hold it: the team sees it masked in the outbox, and once a message has gone to the
email server the stored copy keeps no live link."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import Invitation, OutboundMessage, PanelMembership, Person, Role, utcnow
from engage.services import invitations, mailer, panel, retention
from engage.services.mailer import MASKED_TOKEN, mask_personal_links
from tests.factories import create_survey

TOKEN = "Zq3-_x9PLkq0a8JfVv1RkYwQe2t6nH5sDcB7mUo4gIA"


# --- the masking function ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"http://localhost/i/{TOKEN}", "http://localhost/i/••••"),
        (f"https://engage.example.nhs.uk/i/{TOKEN}?lang=pl", "https://engage.example.nhs.uk/i/••••?lang=pl"),
        (f"http://localhost/panel/profile/{TOKEN}", "http://localhost/panel/profile/••••"),
        (f"http://localhost/panel/profile/{TOKEN}/delete", "http://localhost/panel/profile/••••/delete"),
        (f"http://localhost/surveys/bus-survey/resume/{TOKEN}", "http://localhost/surveys/bus-survey/resume/••••"),
        (f"Your link:\nhttp://localhost/i/{TOKEN}.\nThanks", "Your link:\nhttp://localhost/i/••••.\nThanks"),
        (f"(http://localhost/i/{TOKEN}) and http://localhost/i/{TOKEN}2",
         "(http://localhost/i/••••) and http://localhost/i/••••"),
    ],
)  # fmt: skip
def test_the_token_of_a_personal_link_is_masked_and_the_rest_kept(app, text, masked):
    assert mask_personal_links(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "http://localhost/you-said-we-did/7",  # a public page: a link anyone may follow
        "http://localhost/panel/manage",  # asks for a link by email; holds no token
        f"https://www.nhs.uk/conditions/{TOKEN}",  # no Engage route takes a token there
        f"http://localhost/i/{TOKEN}/",  # not a route: the link would not work
        f"See /i/{TOKEN} or i/{TOKEN}",  # not a link at all
    ],
)
def test_links_that_are_not_personal_are_left_as_they_are(app, text):
    assert mask_personal_links(text) == text


def test_every_route_that_takes_a_token_is_masked_as_the_app_builds_it(app):
    # Matched by the routes themselves, not a list of paths, so a new one is covered too.
    from flask import url_for

    with app.test_request_context(base_url="https://engage.example.nhs.uk/lsc"):
        for rule in app.url_map.iter_rules():
            if "token" in rule.arguments:
                values = {name: "a-slug" for name in rule.arguments} | {"token": TOKEN}
                link = url_for(rule.endpoint, **values, _external=True)
                assert "/lsc/" in link, f"not built under the app's mount point: {link}"
                masked = mask_personal_links(f"Open {link} today")
                assert TOKEN not in masked, f"{rule.endpoint}'s link kept its token"
                assert MASKED_TOKEN in masked and "/lsc/" in masked, masked


def test_masking_twice_changes_nothing_more(app):
    once = mask_personal_links(f"http://localhost/i/{TOKEN}")
    assert mask_personal_links(once) == once


# --- the outbox -------------------------------------------------------------------------------


def _invite(app, *names: str) -> list[OutboundMessage]:
    """Panel members of these names, each invited to a new survey: their messages in order."""
    for name in names:
        person = Person(ref=f"ref-{name}", given_name=name, email=f"{name.lower()}@example.org")
        db.session.add(person)
        db.session.add(PanelMembership(person=person, joined_on=date(2026, 1, 5)))
    db.session.commit()
    survey = create_survey(status="open")
    with app.test_request_context():
        invitations.invite(survey.id, invitations.Segment())
    ids = db.session.scalars(select(Invitation.message_id).order_by(Invitation.id))
    return [db.session.get_one(OutboundMessage, i) for i in ids]


def _invitation_message(app) -> tuple[OutboundMessage, str]:
    (message,) = _invite(app, "Nia")
    token = re.search(r"/i/(\S+)", message.body)
    assert token, "the invitation has no personal link"
    return message, token.group(1)


def test_the_team_reads_an_invitation_without_its_personal_link(app, client, auth):
    message, token = _invitation_message(app)
    auth.login(Role.ENGAGEMENT)
    html = client.get(f"/staff/outbox/{message.id}").get_data(as_text=True)
    assert "Dear Nia" in html, "the team cannot read the message"
    assert token not in html, "a staff member could use the resident's link"
    assert "http://localhost/i/••••" in html
    assert "The personal link is hidden: only the resident can use it" in html
    assert token not in client.get("/staff/outbox").get_data(as_text=True)


def test_without_an_email_server_the_outbox_keeps_the_link_for_the_resident(app, client, auth):
    # The demo: nothing is sent, the stored message is the resident's only copy of the link.
    message, token = _invitation_message(app)
    assert message.status == "outbox" and token in message.body
    auth.login(Role.ENGAGEMENT)
    client.get(f"/staff/outbox/{message.id}")
    auth.logout()
    assert client.get(f"/i/{token}").status_code == 302, "masking on the page broke the link"


# --- delivery ---------------------------------------------------------------------------------


class FakeSMTP:
    """An email server that accepts (or refuses) every message."""

    sent: list[EmailMessage] = []
    refuse = False

    def __init__(self, host: str, port: int, timeout: int) -> None:
        pass

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def send_message(self, email: EmailMessage) -> None:
        if FakeSMTP.refuse:
            raise OSError("connection refused")
        FakeSMTP.sent.append(email)


@pytest.fixture
def smtp(app, monkeypatch):
    monkeypatch.setattr(mailer.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    monkeypatch.setattr(FakeSMTP, "refuse", False)
    app.config["ENGAGE_SMTP_HOST"] = "smtp.example.nhs.uk"
    return FakeSMTP


def test_a_sent_message_keeps_no_live_link_but_the_resident_got_it(app, smtp):
    message, _ = _invitation_message(app)
    db.session.refresh(message)
    (email,) = smtp.sent
    token = re.search(r"/i/(\S+)", email.get_content()).group(1)
    assert message.status == "sent"
    assert token not in message.body, "a live personal link stayed in the database"
    assert "http://localhost/i/••••" in message.body and "Dear Nia" in message.body
    assert invitations.open_invitation(token) is not None, "the resident's link stopped working"


def test_a_message_the_server_refused_keeps_no_live_link_either(app, smtp):
    smtp.refuse = True
    person = Person(ref="ref-tom", given_name="Tom", email="tom@example.org")
    db.session.add(person)
    db.session.add(PanelMembership(person=person, joined_on=date(2026, 1, 5)))
    db.session.commit()
    with app.test_request_context():
        sent = panel.send_profile_link(person)
    assert sent is not None
    db.session.refresh(sent)
    assert sent.status == "failed" and "/panel/profile/••••" in sent.body
    assert person.profile_token_hash is not None


def test_erasure_and_retention_still_blank_a_message_whose_link_was_removed(app, smtp):
    # Neither reads the body to find what to blank: a masked body is blanked like any other.
    erased, old = _invite(app, "Nia", "Ian")
    assert MASKED_TOKEN in erased.body and MASKED_TOKEN in old.body
    panel.erase(erased.person_id)
    db.session.refresh(erased)
    assert (erased.to_address, erased.body) == ("[erased]", "[erased]")

    old.created_at = utcnow() - timedelta(days=200)
    db.session.commit()
    assert retention.apply().blanked_messages == 1
    db.session.refresh(old)
    assert old.body == "[deleted under the retention policy]"
