"""A comment in Urdu in a real browser: flagged on its moderation page, translated with the
keyboard-usable form, and the page passes axe-core before and after."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, press, sign_in
from tests.browser.test_moderation import _arrive


def test_moderator_sees_the_flag_and_adds_an_english_translation(browser, live_server):
    (comment_id,) = _arrive("ہسپتال میں پارکنگ خاندانوں کے لیے بہت مہنگی ہے")
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/moderation/{comment_id}")
    assert "Detected language: Urdu" in page.inner_text("#translation")
    assert_accessible(page, "language-flagged-comment")

    page.get_by_label("English translation").fill("Parking at the hospital is too expensive")
    press(page, "Save the language and translation")
    assert "The English translation was saved" in page.inner_text("main")
    assert "Analysis reads the English translation below" in page.inner_text("#translation")
    assert_accessible(page, "language-translated-comment")
    context.close()


def test_the_side_by_side_translation_editor_passes_axe(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/surveys/")
    page.get_by_role("link", name="Getting to hospital").first.click()
    page.wait_for_load_state()
    assert_accessible(page, "builder-survey-with-reading-ages")
    page.get_by_role("link", name="Add the Urdu (اردو) translation").click()
    page.wait_for_load_state()
    field = page.get_by_label("Getting to hospital", exact=True)
    assert field.get_attribute("dir") == "rtl" and field.get_attribute("lang") == "ur"
    field.fill("ہسپتال تک پہنچنا")
    press(page, "Save and publish")
    assert "There is a problem" in page.content(), "publishing without the questions is refused"
    assert_accessible(page, "builder-translation-refused")
    context.close()
