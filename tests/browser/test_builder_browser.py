"""The engagement team builds a survey in a real browser, previews it as a resident would see it,
and publishes it, with no axe-core violations on any kind of builder page."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, press, sign_in


def _follow(page, name):
    """Follow a link (NHS.UK button-styled links have the button role)."""
    page.get_by_role("link", name=name).or_(page.get_by_role("button", name=name)).click()
    page.wait_for_load_state()


def test_engagement_team_builds_previews_and_publishes_a_survey(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/surveys/")
    assert_accessible(page, "builder-list")

    _follow(page, "Create a survey")
    press(page, "Create survey")
    assert "Enter a title for the survey" in page.content()
    assert_accessible(page, "builder-details-errors")
    page.fill("#title", "Getting to the walk-in centre")
    page.get_by_label("The public").check()
    page.fill("#opens_on-day", "1")
    page.fill("#opens_on-month", "4")
    page.fill("#opens_on-year", "2026")
    page.fill("#closes_on-day", "30")
    page.fill("#closes_on-month", "4")
    page.fill("#closes_on-year", "2026")
    press(page, "Create survey")
    assert "Survey created" in page.content()
    assert "1 April 2026 to 30 April 2026" in page.content(), "the dates typed were saved"
    assert_accessible(page, "builder-survey")

    _follow(page, "Add a question to section Section 1")
    assert_accessible(page, "builder-question")
    page.get_by_label("Single choice", exact=True).check()
    page.fill("#text", "How did you travel?")
    page.fill("#options", "Bus\nCar")
    page.get_by_label("Residents must answer this question").check()
    press(page, "Add question")

    _follow(page, "Add a section")
    assert_accessible(page, "builder-section-new")
    page.fill("#title", "About the bus")
    press(page, "Add section")
    _follow(page, "Add a question to section About the bus")
    page.get_by_label("Long text, with a character count").check()
    page.fill("#text", "What would make the bus better?")
    travel = page.get_by_role("group", name="Answer to 'How did you travel?'")
    travel.get_by_label("Bus").check()
    press(page, "Add question")
    assert "Shown only when 'how_did_you_travel' is answered 'Bus'" in page.inner_text("main")

    # Moving the question routing depends on after the question it routes is refused, by name.
    _follow(page, "Move to another section question How did you travel?")
    assert_accessible(page, "builder-move")
    page.get_by_label("Section 2, 'About the bus': after 'What would make the bus better?'").check()
    press(page, "Move question")
    assert "That move would break routing" in page.inner_text("main")
    assert_accessible(page, "builder-move-errors")
    page.get_by_role("link", name="Back").click()
    page.wait_for_load_state()

    _follow(page, "Rename or route section About the bus")
    assert_accessible(page, "builder-section")
    page.get_by_label("Car").check()
    page.get_by_label("Bus").check()
    press(page, "Save section")
    assert "Shown only when 'how_did_you_travel' is answered 'Bus' or 'Car'" in page.inner_text(
        "main"
    ), "a section can be shown for any of several answers"
    _follow(page, "Delete question What would make the bus better?")
    assert_accessible(page, "builder-delete")
    _follow(page, "Cancel")

    page.get_by_role("button", name="Preview as a resident").click()
    page.wait_for_load_state()
    assert "Preview: answers are not saved" in page.content()
    assert_accessible(page, "builder-preview-start")
    press(page, "Start preview")
    assert_accessible(page, "builder-preview-section")
    page.get_by_label("Bus").check()
    press(page, "Continue")
    assert "What would make the bus better?" in page.content(), "routing works in the preview"
    press(page, "Continue")
    assert "end of the preview" in page.content()

    press(page, "Publish survey")
    assert "Survey published" in page.content()
    assert_accessible(page, "builder-survey-open")
    resident = context.new_page()
    resident.goto(f"{live_server}/surveys/getting-to-the-walk-in-centre")
    assert "Getting to the walk-in centre" in resident.content()
    context.close()


def test_previewing_a_draft_urdu_translation_marks_it_right_to_left_and_passes_axe(
    browser, live_server
):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/surveys/1/translation?language=ur")
    page.fill('[name="s.survey.title"]', "واک ان سینٹر تک پہنچنا")
    press(page, "Save as a draft")

    page.goto(f"{live_server}/staff/surveys/1/preview?language=ur")
    assert page.evaluate("document.documentElement.lang") == "en", "the staff page is English"
    title = page.locator("h1 [lang=ur]")
    assert title.inner_text() == "واک ان سینٹر تک پہنچنا"
    assert title.get_attribute("dir") == "rtl"
    assert title.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert_accessible(page, "builder-preview-start-ur")
    press(page, "Start preview")
    assert page.locator(".nhsuk-caption-l [lang=ur]").get_attribute("dir") == "rtl"
    assert_accessible(page, "builder-preview-section-ur")
    context.close()
