"""The privacy notice tells residents what the service actually does with their data: its
retention periods as configured, how to ask for a copy or deletion, whom to ask and where to
complain, in each language the interface is offered in."""

from __future__ import annotations


def test_the_notice_gives_the_configured_retention_periods(app, client):
    app.config.update(
        ENGAGE_RETAIN_UNSUBMITTED_DAYS=30,
        ENGAGE_RETAIN_LEAVERS_DAYS=60,
        ENGAGE_RETAIN_OUTBOX_DAYS=14,
        ENGAGE_RETAIN_ORIGINAL_TEXT_DAYS=200,
    )
    html = client.get("/privacy").get_data(as_text=True)
    assert "your answers are deleted after 30 days" in html
    assert "information about you are deleted after 60 days" in html
    assert "emails we send you are deleted after 14 days" in html
    assert "personal details removed 200 days after we publish them" in html


def test_the_notice_says_whom_to_ask_and_how_to_complain(app, client):
    app.config["ENGAGE_PRIVACY_CONTACT"] = "dpo@example.nhs.uk"
    html = client.get("/privacy").get_data(as_text=True)
    assert '<a href="mailto:dpo@example.nhs.uk">dpo@example.nhs.uk</a>' in html
    assert "the reference you were shown after sending them. It starts with ENG-" in html
    assert "Information Commissioner" in html and "https://ico.org.uk/" in html


def test_a_contact_address_is_written_as_text_not_markup(app, client):
    app.config["ENGAGE_PRIVACY_CONTACT"] = 'x@example.org"><script>alert(1)</script>'
    html = client.get("/privacy").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_the_notice_is_translated_with_its_links_and_numbers(client):
    html = client.get("/privacy?lang=pl").get_data(as_text=True)
    assert "Jak długo je przechowujemy" in html
    assert "po 90 dniach" in html
    assert 'href="mailto:' in html and 'href="https://ico.org.uk/make-a-complaint/"' in html
