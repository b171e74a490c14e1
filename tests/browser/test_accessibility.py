"""Every kind of page passes axe-core in a real Chromium, works by keyboard, at 320 px, and
without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, describe, screenshot, sign_in

PUBLIC_PAGES = ["/", "/privacy", "/accessibility", "/staff/sign-in", "/no-such-page"]
STAFF_PAGES = [
    "/staff/admin/",
    "/staff/reports/intentions",
    "/staff/reports/intentions/1",
    "/staff/admin/users",
    "/staff/admin/users/new",
    "/staff/admin/users/1",
    "/staff/admin/audit",
    "/staff/insight/comments",
    "/staff/panel",
    "/staff/admin/requests",
    "/staff/account/password",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_axe_violations(page, live_server, path):
    page.goto(live_server + path)
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_page_has_no_axe_violations(page, live_server, path):
    sign_in(page, live_server, "admin")
    page.goto(live_server + path)
    violations = axe_violations(page)
    screenshot(page, "staff" + path.replace("/", "_"))
    assert violations == [], describe(violations)


def test_form_with_errors_has_no_axe_violations_and_focuses_the_summary(page, live_server):
    page.goto(f"{live_server}/staff/sign-in")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert "Enter your email address" in summary.inner_text()
    page.wait_for_function("document.activeElement.classList.contains('nhsuk-error-summary')")
    screenshot(page, "sign-in-errors")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Enter your email address").click()
    assert page.evaluate("document.activeElement.id") == "email"


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#maincontent"


def test_pages_fit_a_320_pixel_screen_without_sideways_scrolling(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    # The privacy notice, the accessibility statement, a survey's start page and the panel's
    # manage page carry the team's email address, a long word that must wrap.
    paths = [
        "/",
        "/staff/sign-in",
        "/privacy",
        "/accessibility",
        "/surveys/every-kind",
        "/panel/manage",
    ]
    for path in paths:
        page.goto(live_server + path)
        screenshot(page, "320px" + (path.replace("/", "_") if path != "/" else "_home"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    context.close()


def test_staff_can_sign_in_and_out_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "commissioner")
    assert "Signed in as Browser commissioner" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/staff/sign-in")
    assert "You have signed out." in page.content()
    context.close()


def test_no_request_leaves_the_machine(page, live_server):
    outside = []
    page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None
    )
    sign_in(page, live_server, "admin")
    page.goto(live_server + "/staff/reports/intentions")
    # The NHS.UK stylesheet names Frutiger on assets.nhs.uk; the CSP blocks it and Arial is used.
    assert [u for u in outside if "assets.nhs.uk/fonts" not in u] == []
