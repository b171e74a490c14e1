"""In Chromium with axe: a survey taken in Punjabi inside an English interface, chosen by a plain
link with no script, and "you said, we did" in Urdu, right to left."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, press, serving


@pytest.fixture(scope="module")
def languages_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def prepare() -> None:
        from engage.services import intentions, translations, yousaid
        from tests.factories import create_survey
        from tests.test_survey_languages import _punjabi

        survey = create_survey()
        translations.save_translation(survey.id, "pa", _punjabi(survey), publish=True)
        intentions.load_catalogue()
        item = yousaid.create_response(
            yousaid.choose_subject(None, 1),
            yousaid.Draft("You said buses stop early.", "We added an evening bus.", "done"),
            None,
        )
        yousaid.publish(item.id)

    with serving(tmp_path_factory.mktemp("languages"), prepare=prepare) as (url, _):
        yield url


def test_a_resident_chooses_punjabi_by_link_with_no_script(
    browser: Any, languages_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{languages_server}/surveys/every-kind")
        page.locator("nav.engage-survey-languages a[hreflang=pa]").click()
        page.wait_for_load_state()
        assert page.url.endswith("/surveys/every-kind?lang=pa"), page.url
        assert page.locator("html").get_attribute("lang") == "en"
        title = page.locator("h1 span[lang=pa]")
        assert title.inner_text() == "ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ"
        assert title.get_attribute("dir") == "ltr"
        assert (
            "This survey is in Punjabi" in page.locator(".engage-interface-fallback").inner_text()
        )
        press(page, "Start now")
        assert page.locator("label", has_text="ਫਰਨੈੱਸ ਜਨਰਲ ਹਸਪਤਾਲ").count() == 1
    finally:
        context.close()


def test_the_punjabi_survey_pages_pass_axe(browser: Any, languages_server: str) -> None:
    # axe runs as a script, so this page has JavaScript on.
    page = browser.new_page()
    try:
        page.goto(f"{languages_server}/surveys/every-kind?lang=pa")
        assert_accessible(page, "survey-start-pa")
        press(page, "Start now")
        assert_accessible(page, "survey-section-pa")
        page.check("input[name=consent][value=Yes]")
        page.check("input[name=hospital][value='Furness General Hospital']")
        page.check("input[name=modes][value=Bus]")
        press(page, "Continue")
        page.check("input[name=fft][value=Good]")
        press(page, "Continue")
        notice = page.locator(".engage-interface-fallback").inner_text()
        assert "This survey is in Punjabi" in notice
        assert_accessible(page, "survey-check-pa")
    finally:
        page.close()


def test_you_said_we_did_in_urdu_reads_right_to_left_and_passes_axe(
    browser: Any, languages_server: str
) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{languages_server}/you-said-we-did/?lang=ur")
        assert page.locator("html").get_attribute("dir") == "rtl"
        written = page.locator("p.engage-message").first
        assert written.get_attribute("lang") == "en" and written.get_attribute("dir") == "ltr"
        heading = page.locator("h1").bounding_box()
        assert heading is not None
        width = page.viewport_size["width"] if page.viewport_size else 1280
        assert heading["x"] + heading["width"] > width / 2, "an Urdu heading starts on the right"
        assert_accessible(page, "yousaid-ur")
        page.locator("a[href^='/you-said-we-did/1']").first.click()
        assert page.locator("html").get_attribute("lang") == "ur"
        assert_accessible(page, "yousaid-show-ur")
    finally:
        page.close()
