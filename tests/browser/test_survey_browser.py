"""A resident takes a survey in a real browser: with and without JavaScript, by keyboard,
on a 320 px screen, with no axe-core violations on any runner page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, press


def _fill_first_section(page):
    page.get_by_label("Yes").first.check()
    page.get_by_label("Royal Preston Hospital").check()
    page.get_by_label("Bus").check()
    page.fill("#visit_date-day", "3")
    page.fill("#visit_date-month", "2")
    page.fill("#visit_date-year", "2025")
    page.fill("#minutes", "40")
    page.fill("#postcode", "PR1 8XY")


def _walk_through(page, base, check_axe):
    page.goto(f"{base}/surveys/every-kind")
    if check_axe:
        assert_accessible(page, "runner-start")
    press(page, "Start now")
    press(page, "Continue")  # nothing filled in: errors
    assert page.locator(".nhsuk-error-summary").is_visible()
    if check_axe:
        assert_accessible(page, "runner-section-errors")
    _fill_first_section(page)
    press(page, "Continue")
    page.get_by_label("Good", exact=True).check()
    page.fill("#comments", "Buses every half hour would help. Staff were kind.")
    if check_axe:
        assert_accessible(page, "runner-section-2")
    press(page, "Continue")
    assert "Check your answers" in page.content()
    assert "3 February 2025" in page.content(), "the date typed in the browser was not stored"
    if check_axe:
        assert_accessible(page, "runner-check")
    press(page, "Send my answers")
    assert "your answers have been sent" in page.content()
    if check_axe:
        assert_accessible(page, "runner-confirmation")
    return re.search(r"ENG-[A-Z0-9]{8}", page.content()).group(0)


def test_resident_completes_a_survey_with_no_axe_violations(page, live_server):
    assert _walk_through(page, live_server, check_axe=True)


def test_resident_completes_a_survey_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    assert _walk_through(page, live_server, check_axe=False)
    context.close()


def test_character_count_tells_the_resident_how_much_is_left(page, live_server):
    page.goto(f"{live_server}/surveys/every-kind")
    press(page, "Start now")
    _fill_first_section(page)
    press(page, "Continue")
    page.fill("#comments", "Parking was hard")
    page.wait_for_timeout(200)
    assert "You have 1,984 characters remaining" in page.content()


def test_save_resume_and_unavailable_pages_have_no_axe_violations(page, live_server):
    page.goto(f"{live_server}/surveys/every-kind")
    press(page, "Start now")
    _fill_first_section(page)
    press(page, "Save and come back later")
    assert "Your answers have been saved" in page.content()
    assert_accessible(page, "runner-saved")
    page.goto(f"{live_server}/surveys/every-kind/resume")
    press(page, "Continue")
    assert_accessible(page, "runner-resume-error")
    page.goto(f"{live_server}/surveys/panel-only")
    assert_accessible(page, "runner-invitation-only")


def test_survey_can_be_completed_by_keyboard_alone(page, live_server):
    page.goto(f"{live_server}/surveys/every-kind")
    page.get_by_role("button", name="Start now").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/section/1$"))
    page.locator("#consent").focus()
    page.keyboard.press("Space")  # selects the focused radio, "Yes"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # first hospital radio
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # first travel checkbox
    assert page.locator("#consent").is_checked()
    assert page.locator("#hospital").is_checked()
    assert page.locator("#modes").is_checked()


@pytest.mark.parametrize("path", ["/surveys/every-kind", "/surveys/every-kind/resume"])
def test_runner_fits_a_320_pixel_screen(browser, live_server, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    context.close()
