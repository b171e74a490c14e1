"""A resident phones with their reference: in a real Chromium the team finds the response, and
deletes it only after ticking that they checked who is asking. Each page passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, assert_accessible, press, serving

WORDS = "The car park at Furness was full and I missed my scan"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    def prepare() -> str:
        from engage.models import Role
        from engage.services import responses, users
        from tests.factories import create_survey

        users.create_user("engagement@example.org", "Team", Role.ENGAGEMENT, BROWSER_PASSWORD)
        survey = create_survey(
            sections=[
                ("Your visit", [{"key": "views", "kind": "free_text_long", "text": "Tell us"}])
            ]
        )
        started = responses.start_response(survey)
        responses.save_answers(started.response, survey.sections[0], {"views": WORDS})
        return responses.submit(started.response.id).reference

    with serving(tmp_path_factory.mktemp("requests"), prepare=prepare) as (url, reference):
        yield url, reference


def test_the_team_finds_and_deletes_a_response_by_its_reference(page, site):
    base, reference = site
    page.goto(f"{base}/staff/sign-in")
    page.fill("#email", "engagement@example.org")
    page.fill("#password", BROWSER_PASSWORD)
    press(page, "Sign in")

    page.goto(f"{base}/staff/admin/requests")
    page.fill("#reference", "eng " + reference[4:].lower())  # as read out over the phone
    press(page, "Find the response")
    assert page.locator("h1").inner_text() == f"Response {reference}"
    assert WORDS in page.locator("main").inner_text()
    assert_accessible(page, "response-request")

    press(page, "Delete this response")
    summary = page.locator(".nhsuk-error-summary")
    assert "Confirm that you have checked who is asking" in summary.inner_text()
    assert_accessible(page, "response-request-unconfirmed")

    page.get_by_label("I have checked that the request comes from the person").check()
    press(page, "Delete this response")
    assert f"Response {reference} deleted" in page.locator("main").inner_text()
    assert_accessible(page, "response-request-deleted")

    page.fill("#reference", reference)
    press(page, "Find the response")
    assert (
        f"There is no response with the reference {reference}"
        in page.locator(".nhsuk-error-summary").inner_text()
    )
