"""Joining the Citizens' Panel and managing details, in a real browser, with axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.browser.conftest import (
    BROWSER_PASSWORD,
    assert_accessible,
    press,
    serving,
    sign_in,
)


@pytest.fixture(scope="module")
def panel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app served on a database file this module can read, with an engagement officer."""

    def prepare() -> None:
        from engage.models import Role
        from engage.services import users

        users.create_user(
            "engagement@example.org", "Browser engagement", Role.ENGAGEMENT, BROWSER_PASSWORD
        )

    base = tmp_path_factory.mktemp("panel")
    with serving(base, prepare=prepare) as (url, _):
        yield url, base / "engage.sqlite3"


def _last_message_body(database: Path) -> str:
    """The newest message as stored: the resident's own copy, as the email server sends it."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            body = conn.execute(
                text("SELECT body FROM outbound_message ORDER BY id DESC LIMIT 1")
            ).scalar()
    finally:
        engine.dispose()
    assert body, "no message was sent"
    return str(body)


def test_resident_joins_manages_and_deletes_their_details(browser, panel_server):
    live_server, database = panel_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/panel/join")
    press(page, "Join the panel")
    assert "There is a problem" in page.content()
    assert_accessible(page, "panel-join-errors")

    page.fill("#given_name", "Bronwen")
    page.fill("#family_name", "Ellis")
    page.get_by_label("Email", exact=True).check()
    page.fill("#email", "bronwen@example.org")
    page.select_option("#place", "elsewhere")
    page.select_option("#age_band", "65-74")
    page.get_by_label("You can use these answers").check()
    page.get_by_label("I agree to join the Citizens' Panel").check()
    press(page, "Join the panel")
    assert "Thank you for joining the Citizens' Panel" in page.content()
    assert_accessible(page, "panel-joined")

    staff = context.new_page()
    sign_in(staff, live_server, "engagement")
    staff.goto(f"{live_server}/staff/outbox")
    assert_accessible(staff, "panel-outbox")
    assert "/panel/profile/" not in staff.content(), "the outbox list shows message bodies"
    staff.get_by_role("link", name=re.compile("^Show message")).first.click()
    staff.wait_for_load_state()
    assert_accessible(staff, "panel-outbox-message")
    shown = staff.content()
    assert "/panel/profile/••••" in shown and "only the resident can use it" in shown
    # The resident's own copy: what the email server would have delivered.
    link = re.search(r"(/panel/profile/[A-Za-z0-9_\-]+)", _last_message_body(database)).group(1)
    staff.goto(f"{live_server}/staff/panel")
    assert_accessible(staff, "panel-members")
    staff.get_by_role("link", name="Bronwen Ellis").click()
    staff.wait_for_load_state()
    assert_accessible(staff, "panel-member")
    staff.goto(f"{live_server}/staff/ppgs")
    assert_accessible(staff, "panel-ppgs")

    page.goto(live_server + link)
    assert_accessible(page, "panel-profile")
    page.get_by_role("link", name="Delete my personal information").click()
    page.wait_for_load_state()
    assert_accessible(page, "panel-erase-confirm")
    press(page, "Delete my information")
    assert "Your personal information has been deleted" in page.content()
    page.goto(live_server + link)
    assert "Page not found" in page.content()
    context.close()


def test_join_form_fits_a_320_pixel_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/panel/join")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the join form scrolls sideways by {overflow}px at 320px"
    context.close()


def test_inviting_by_age_hides_a_small_count_and_passes_axe(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/panel/join")
    page.fill("#given_name", "Idris")
    page.get_by_label("Email", exact=True).check()
    page.fill("#email", "idris@example.org")
    page.select_option("#place", "elsewhere")
    page.select_option("#age_band", "75+")
    page.get_by_label("You can use these answers").check()
    page.get_by_label("I agree to join the Citizens' Panel").check()
    press(page, "Join the panel")

    staff = context.new_page()
    sign_in(staff, live_server, "engagement")
    staff.goto(f"{live_server}/staff/invitations/1")
    staff.get_by_label("Citizens' Panel members").check()
    staff.get_by_label("75+").check()
    press(staff, "Count who matches")
    assert "Fewer than 10" in staff.locator(".nhsuk-inset-text strong").inner_text()
    assert_accessible(staff, "panel-invite-suppressed")
    context.close()
