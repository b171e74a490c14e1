"""'You said, we did' in a real browser: a commissioner writes and publishes a response, and a
resident reads it on a 320 pixel screen; every page axe-clean."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, press, sign_in


def test_commissioner_publishes_and_a_resident_reads_it_on_a_small_screen(browser, live_server):
    context = browser.new_context()
    staff = context.new_page()
    sign_in(staff, live_server, "commissioner")
    staff.goto(f"{live_server}/staff/reports/you-said-we-did")
    assert_accessible(staff, "yousaid-staff-list")
    staff.goto(f"{live_server}/staff/reports/you-said-we-did/new")
    assert_accessible(staff, "yousaid-choose-subject")
    staff.select_option("#intention", "1")
    press(staff, "Respond to this intention")

    staff.fill("#we_did", "")
    staff.get_by_role("radio", name="Not possible").check()
    press(staff, "Save response")
    assert "There is a problem" in staff.content()
    assert_accessible(staff, "yousaid-form-errors")

    staff.fill("#you_said", "You told us evening buses to the hospital stop too early.")
    staff.fill("#we_did", "We asked the bus company to run a later service.")
    staff.get_by_role("radio", name="We are acting on this").check()
    press(staff, "Save response")
    assert "It is not published yet" in staff.content()
    assert_accessible(staff, "yousaid-staff-response")
    staff.get_by_role("button", name="Publish").click()
    staff.wait_for_load_state()
    assert_accessible(staff, "yousaid-publish")
    press(staff, "Publish")
    assert "Published. Residents can read it now." in staff.content()
    context.close()

    small = browser.new_context(viewport={"width": 320, "height": 640})
    page = small.new_page()
    page.goto(live_server)
    page.get_by_role("link", name="what we did after hearing from residents").click()
    page.wait_for_load_state()
    assert "We asked the bus company to run a later service." in page.content()
    assert "We are acting on this" in page.content()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the public page scrolls sideways by {overflow}px at 320px"
    assert_accessible(page, "yousaid-public-320")
    page.get_by_role("link", name="Our response").first.click()
    page.wait_for_load_state()
    assert_accessible(page, "yousaid-public-one-320")
    small.close()


def test_admin_makes_an_api_token_on_an_accessible_page(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/staff/admin/api-tokens")
    press(page, "Make token")
    assert "Enter what the token is for" in page.content()
    assert_accessible(page, "api-tokens-errors")
    page.fill("#name", "Board dashboard")
    press(page, "Make token")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("engage_")
    assert_accessible(page, "api-tokens-created")
    answer = page.request.get(
        f"{live_server}/api/v1/themes", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200 and "data" in answer.json()
    context.close()
