"""Residents who need help can reach the engagement team: wherever a page tells them to contact
it, the team's email, phone number and address are there, as the ICB configured them. The
accessibility statement says what the 2018 accessibility regulations require."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import csrf_token_from
from tests.factories import create_survey

EMAIL = "engagement@example.nhs.uk"
PHONE = "01632 960123"
ADDRESS = "Engagement team, Example House, 2 Sample Road, Preston"

ONE_QUESTION = [
    (
        "Your views",
        [{"key": "comments", "kind": "free_text_long", "text": "Tell us", "required": False}],
    )
]


@pytest.fixture
def configured(app):
    app.config.update(
        ENGAGE_CONTACT_EMAIL=EMAIL, ENGAGE_CONTACT_PHONE=PHONE, ENGAGE_CONTACT_ADDRESS=ADDRESS
    )
    return app


def _post(client, url, data=None):
    page = client.get(url)
    return client.post(
        url,
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **(data or {})},
        follow_redirects=True,
    )


def assert_gives_contact_details(html: str, page: str, email: bool = True) -> None:
    if email:
        assert f'href="mailto:{EMAIL}"' in html, f"{page}: no link to the team's email"
    assert 'href="tel:+441632960123"' in html, f"{page}: the phone number is not a tel: link"
    assert f">{PHONE}</a>" in html, f"{page}: the phone number is not written as configured"
    address = re.search(r"<address[^>]*>(.*?)</address>", html, re.S)
    assert address, f"{page}: no postal address"
    lines = [line.strip() for line in address.group(1).split("<br>")]
    assert lines == ["Engagement team", "Example House", "2 Sample Road", "Preston"], (
        f"{page}: the address is not one line per part: {lines}"
    )


def test_the_survey_start_page_tells_residents_how_to_get_help(configured, client):
    create_survey()
    html = client.get("/surveys/every-kind").get_data(as_text=True)
    assert '<a href="#get-help">contact the engagement team</a>' in html
    assert 'id="get-help"' in html, "the help link goes nowhere on the page"
    assert_gives_contact_details(html, "start page")


def test_the_confirmation_page_says_how_to_ask_about_the_answers(configured, client):
    create_survey(sections=ONE_QUESTION)
    _post(client, "/surveys/every-kind")
    _post(client, "/surveys/every-kind/section/1", {"comments": "", "action": "continue"})
    html = _post(client, "/surveys/every-kind/check").get_data(as_text=True)
    reference = re.search(r"ENG-[A-Z0-9]{8}", html)
    assert reference, "the answers were not sent"
    assert f"Tell us your reference, {reference.group(0)}, when you contact" in html
    assert_gives_contact_details(html, "confirmation page")


def test_residents_without_email_are_given_a_phone_number_and_address(configured, client):
    html = client.get("/panel/manage").get_data(as_text=True)
    assert "If you do not have an email address" in html
    assert_gives_contact_details(html, "panel manage page", email=False)
    assert f"mailto:{EMAIL}" not in html, "offers email to residents who have none"


def test_the_accessibility_statement_gives_the_contact_details(configured, client):
    html = client.get("/accessibility").get_data(as_text=True)
    assert_gives_contact_details(html, "accessibility statement")


def test_the_demo_contact_details_are_not_real_ones(app):
    assert app.config["ENGAGE_CONTACT_PHONE"] == "01632 960000", "not Ofcom's drama range"
    assert "demo address" in app.config["ENGAGE_CONTACT_ADDRESS"]
    assert app.config["ENGAGE_CONTACT_EMAIL"] == app.config["ENGAGE_PRIVACY_CONTACT"]


def test_contact_details_are_written_as_text_not_markup(app, client):
    app.config.update(
        ENGAGE_CONTACT_EMAIL='x@example.org"><script>alert(1)</script>',
        ENGAGE_CONTACT_PHONE="<b>01632</b>",
        ENGAGE_CONTACT_ADDRESS="<script>alert(2)</script>, Preston",
    )
    html = client.get("/accessibility").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>01632" not in html
    assert "&lt;script&gt;alert(2)" in html


# --- the accessibility statement -------------------------------------------------------------

REQUIRED_SECTIONS = [
    "How accessible this website is",
    "If you need information in a different format",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "Compliance status",
    "Non-accessible content",
    "How we tested this website",
    "Preparation of this accessibility statement",
]


def _headings(html: str) -> list[str]:
    return [unescape(h).strip() for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, re.S)]


def test_the_statement_has_each_section_the_regulations_ask_for(client):
    html = client.get("/accessibility").get_data(as_text=True)
    missing = [s for s in REQUIRED_SECTIONS if s not in _headings(html)]
    assert not missing, f"the accessibility statement has no section for {missing}"


def test_the_statement_is_honest_about_compliance_and_known_problems(client):
    html = client.get("/accessibility").get_data(as_text=True)
    compliance = "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA"
    assert compliance in html, "the statement does not give its compliance status"
    assert "accessibility specialists have not yet checked the website by hand" in html
    assert "translated by machine and a qualified translator has not checked them" in html
    assert "axe-core" in html and "without JavaScript" in html and "320 pixels" in html


def test_the_statement_says_how_to_ask_for_another_format(client):
    html = client.get("/accessibility").get_data(as_text=True)
    for need in ("large print", "easy read", "British Sign Language (BSL)", "another language"):
        assert need in html, f"the statement does not offer {need}"
    assert "record your language and communication needs in your panel details" in html


def test_the_statement_names_the_enforcement_bodies(client):
    html = client.get("/accessibility").get_data(as_text=True)
    assert "Equality and Human Rights Commission (EHRC) is responsible for enforcing" in html
    assert "(Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018" in html
    assert 'href="https://www.equalityadvisoryservice.com/"' in html


def test_the_statement_gives_fixed_dates_it_was_prepared_reviewed_and_tested(client):
    html = client.get("/accessibility").get_data(as_text=True)
    assert "This statement was prepared on 24 November 2026." in html
    assert "It was last reviewed on 24 November 2026." in html
    assert "This website was last tested on 24 November 2026" in html


def test_the_statement_is_translated_with_its_dates_and_contacts(configured, client):
    html = client.get("/accessibility?lang=pl").get_data(as_text=True)
    assert "24 listopada 2026" in html, "the dates are not written the Polish way"
    assert 'href="tel:+441632960123"' in html and f"mailto:{EMAIL}" in html
    assert 'lang="en" dir="ltr"' in html, "the English address is not marked as English"


def test_a_panel_only_survey_and_an_error_page_say_how_to_reach_the_team(configured, client):
    @configured.route("/broken-page")
    def broken():  # pragma: no cover - exercised through the client
        raise RuntimeError("deliberate")

    broken.is_public = True
    create_survey(slug="panel-wave", audience="panel")
    panel_only = client.get("/surveys/panel-wave").get_data(as_text=True)
    assert "contact the engagement team" in panel_only and PHONE in panel_only
    failed = client.get("/broken-page")
    assert failed.status_code == 500
    assert PHONE in failed.get_data(as_text=True) and EMAIL in failed.get_data(as_text=True)
