"""Starting a run, reviewing themes and confirming a link, in a real browser with axe-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, assert_accessible, press, serving, sign_in
from tests.test_analysis import COMMENTS


@pytest.fixture(scope="module")
def analysis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its own SQLite file with approved comments and the catalogue.

    The run machinery uses the topics library's hashing embedder here: this test is about the
    pages, not the themes (tests/test_analysis.py runs the packaged model).
    """
    base = tmp_path_factory.mktemp("analysis")

    def prepare() -> None:
        from engage.extensions import db
        from engage.models import Comment, Role
        from engage.services import intentions, users

        intentions.load_catalogue()
        users.create_user("engagement@example.org", "Eng", Role.ENGAGEMENT, BROWSER_PASSWORD)
        for n, text in enumerate(COMMENTS):
            db.session.add(
                Comment(
                    source="survey", source_key=f"b{n}", original_text=text,
                    redacted_text=text, moderation_state="approved",
                )
            )  # fmt: skip
        db.session.commit()

    config = {"ENGAGE_TOPICS_EMBEDDER": "hashing", "ENGAGE_TOPICS_CACHE": str(base / "cache")}
    with serving(base, config, prepare) as (url, _):
        yield url


@pytest.mark.browser
def test_team_runs_an_analysis_reviews_a_theme_and_confirms_a_link(page, analysis_server):
    base = analysis_server
    sign_in(page, base, "engagement")
    page.goto(f"{base}/staff/analysis/")
    assert_accessible(page, "analysis-runs")
    page.get_by_label("Survey").focus()
    press(page, "Start the run")
    assert "/staff/analysis/runs/" in page.url
    assert page.get_by_text("Succeeded").first.is_visible()
    assert_accessible(page, "analysis-run")

    page.goto(f"{base}/staff/analysis/themes")
    assert_accessible(page, "analysis-themes")
    page.locator(".nhsuk-card__heading a").first.click()
    page.wait_for_load_state()
    assert_accessible(page, "analysis-theme")
    confirm = page.get_by_role("button", name="Confirm")
    assert confirm.count() > 0, "the run should have suggested links to intentions"
    with page.expect_navigation():
        confirm.first.press("Enter")
    assert page.get_by_text("Link confirmed").is_visible()
