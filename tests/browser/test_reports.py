"""Report pages in a real browser: no axe-core violations, charts readable, print layout clean."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, assert_accessible, serving, sign_in


@pytest.fixture(scope="module")
def report_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own SQLite file, with a viewer and a report's worth of comments."""

    def prepare() -> None:
        from engage.models import Role
        from engage.services import users
        from tests.reportdata import add_comments, make_world, mark_representative

        world = make_world()
        for month, n in ((1, 30), (2, 4), (3, 22), (5, 15)):
            made = add_comments(
                world, world.waits, n, place=world.blackpool, received_at=datetime(2025, month, 9)
            )
        mark_representative(world, world.waits, made[:2])
        add_comments(world, world.waits, 12, place=world.pennine, age_band="75+", sex="Male")
        add_comments(world, world.transport, 3)
        users.create_user("viewer@example.org", "Browser viewer", Role.VIEWER, BROWSER_PASSWORD)

    with serving(tmp_path_factory.mktemp("reports-live"), prepare=prepare) as (url, _):
        yield url


def test_every_report_page_passes_axe_and_prints_without_the_site_chrome(page, report_server):
    sign_in(page, report_server, "viewer")
    page.goto(f"{report_server}/staff/reports/intentions")
    assert_accessible(page, "reports-intentions")
    page.goto(f"{report_server}/staff/reports/intentions/1")
    assert page.locator("svg.engage-chart[role=img]").count() == 6, "trend and five breakdowns"
    assert "fewer than 10" in page.content(), "February's 4 comments"
    assert "not shown" in page.content(), "May's 15, hidden so that February's cannot be worked out"
    assert_accessible(page, "reports-intention")
    page.goto(f"{report_server}/staff/reports/themes")
    assert_accessible(page, "reports-themes")
    page.get_by_role("link", name="Waiting times").click()
    page.wait_for_load_state()
    page.get_by_text("Filter this report").click()
    page.get_by_label("Quarter").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "Jan to Mar 2025" in page.content()
    assert_accessible(page, "reports-theme")
    page.goto(f"{report_server}/staff/reports/intentions/1/board-paper")
    assert_accessible(page, "reports-board-paper")
    page.emulate_media(media="print")
    assert not page.locator("header.nhsuk-header").is_visible(), "print hides the site header"
    assert page.locator("h1").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000, "the Board paper prints to PDF"
