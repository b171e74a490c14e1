"""Survey results pages in a real browser: no axe-core violations at desktop width and at
320 px, with JavaScript and without it; filters carried into every link; nothing scrolls
sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import (
    BROWSER_PASSWORD,
    axe_violations,
    describe,
    press,
    screenshot,
    serving,
    sign_in,
)

# The first day of the date filter: every seeded response was sent on or after it.
SINCE = date.today() - timedelta(days=30)


@pytest.fixture(scope="module")
def results_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app with one survey of every kind of question, 30 responses in two places and a
    theme on the free-text answers; numbers show from 3, as in tests/test_survey_results.py."""

    def prepare() -> dict[str, int]:
        from sqlalchemy import select

        from engage.extensions import db
        from engage.models import Answer, Comment, CommentTheme, Place, Role, Theme
        from engage.services import responses as runner
        from engage.services import users
        from tests.factories import create_survey
        from tests.test_survey_results import GROUPS, SECTIONS

        lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
        blackpool = Place(code="BPL", name="Blackpool", kind="place", parent=lsc)
        pennine = Place(code="ELA", name="Pennine", kind="footprint", parent=lsc)
        db.session.add_all([lsc, blackpool, pennine])
        db.session.commit()
        survey = create_survey(slug="journeys", sections=SECTIONS)
        questions = {q.key: q for s in survey.sections for q in s.questions}
        sent = 0
        for count, answers in GROUPS:
            for _ in range(count):
                response = runner.start_response(survey).response
                response.place_id = (blackpool if sent % 2 else pennine).id
                for key, value in answers.items():
                    db.session.add(
                        Answer(response_id=response.id, question_id=questions[key].id, value=value)
                    )
                db.session.commit()
                runner.submit(response.id)
                sent += 1
        parking = Theme(slug="parking", name="Parking", description="Finding a space.")
        db.session.add(parking)
        db.session.flush()
        for c in db.session.scalars(select(Comment).where(Comment.survey_id == survey.id)):
            c.moderation_state = "approved"
            c.redacted_text = c.original_text
            if c.original_text == "Parking":
                db.session.add(CommentTheme(comment_id=c.id, theme_id=parking.id, source="person"))
        db.session.commit()
        users.create_user(
            "engagement@example.org", "Browser engagement", Role.ENGAGEMENT, BROWSER_PASSWORD
        )
        return {"survey": survey.id, "blackpool": blackpool.id} | {
            key: q.id for key, q in questions.items()
        }

    config = {"ENGAGE_SMALL_NUMBER_THRESHOLD": 3}
    with serving(tmp_path_factory.mktemp("results-live"), config, prepare) as served:
        yield served


def _pages(ids: dict[str, int]) -> list[tuple[str, str]]:
    results = f"/staff/surveys/{ids['survey']}/results"
    breakdown = f"{results}/questions/{ids['modes']}/breakdown"
    return [
        ("list", "/staff/surveys/results"),
        ("show", results),
        ("breakdown-channel", f"{breakdown}?by=channel"),
        ("breakdown-question", f"{breakdown}?by=question:{ids['how']}"),
        (
            "breakdown-themes",
            f"{results}/questions/{ids['why']}/breakdown?by=question:{ids['how']}",
        ),
        ("board-paper", f"{results}/board-paper"),
        ("responses", f"{results}/responses"),
    ]


class _AsServed:
    """axe-core never finishes where scripts are off, so it audits a copy of each page as the
    server sent it (its scripts removed, so nothing enhances it), at the same width, in a
    context of its own where scripts may run."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int]) -> None:
        self.base = base
        self.html: dict[str, str] = {}
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.route("**/*", self._serve)

    def _serve(self, route: Any) -> None:
        url = route.request.url
        if url in self.html:
            route.fulfill(body=self.html[url], content_type="text/html")
        elif url.startswith(self.base):
            route.continue_()
        else:  # the copy lacks the page's CSP, which keeps the NHS.UK fonts' host out
            route.abort()

    def violations(self, page: Any) -> list[dict[str, Any]]:
        self.html = {page.url: SCRIPT.sub("", page.content())}
        self.page.goto(page.url)
        assert self.page.evaluate("!document.body.classList.contains('js-enabled')")
        return axe_violations(self.page)


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)


def _check(page: Any, name: str, as_served: _AsServed | None) -> None:
    """Screenshot for review; no axe-core violation; the page body never scrolls sideways."""
    screenshot(page, name)
    violations = as_served.violations(page) if as_served else axe_violations(page)
    assert violations == [], f"{name}: {describe(violations)}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


VIEWS = [
    pytest.param(1024, True, id="desktop-js"),
    pytest.param(1024, False, id="desktop-no-js"),
    pytest.param(320, True, id="320px-js"),
    pytest.param(320, False, id="320px-no-js"),
]


@pytest.mark.parametrize(("width", "js"), VIEWS)
def test_every_results_page_passes_axe_and_fits_the_screen(browser, results_server, width, js):
    base, ids = results_server
    viewport = {"width": width, "height": 768 if width > 320 else 640}
    context = browser.new_context(viewport=viewport, java_script_enabled=js)
    page = context.new_page()
    as_served = None if js else _AsServed(browser, base, viewport)
    sign_in(page, base, "engagement")
    view = f"{width}px-{'js' if js else 'no-js'}"
    for name, path in _pages(ids):
        page.goto(base + path)
        _check(page, f"results-{name}-{view}", as_served)
    assert "Say what you will use the responses for" not in page.content(), "no error yet"

    press(page, "Download responses")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error:")
    link = summary.get_by_role("link", name="Say what you will use the responses for")
    assert link.get_attribute("href") == "#reason"
    assert page.locator("#reason").count() == 1
    if js:
        page.wait_for_function("document.activeElement.classList.contains('nhsuk-error-summary')")
    _check(page, f"results-responses-errors-{view}", as_served)
    link.click()
    if js:
        assert page.evaluate("document.activeElement.id") == "reason"
    else:
        assert page.evaluate("location.hash") == "#reason"
    context.close()
    if as_served:
        as_served.context.close()


def test_the_results_page_draws_every_kind_of_question_and_the_fft_score(page, results_server):
    base, ids = results_server
    sign_in(page, base, "engagement")
    page.goto(f"{base}/staff/surveys/{ids['survey']}/results")
    figure = page.locator(".engage-figure", has_text="Friends and Family Test positive")
    assert figure.locator("dd").inner_text() == "56%", "15 of 27 said very good or good"
    assert page.locator("#fft-heading").is_visible()
    for key in ("how", "ease", "modes", "minutes", "why"):
        section = page.locator(f"#question-{ids[key]}")
        assert section.locator("svg.engage-chart[role=img]").count() == 1, key
        assert section.locator("table").count() == 1, key
    assert (
        "Asked only of people whose earlier answers led to it"
        in page.locator(f"#question-{ids['ease']}").inner_text()
    )
    assert "more than 100" in page.locator(f"#question-{ids['modes']}").inner_text()
    assert page.locator(f"#question-{ids['minutes']}").get_by_text("Median").is_visible()
    themes = page.locator(f"#question-{ids['why']}")
    assert themes.get_by_role("link", name="Parking").is_visible()
    assert themes.locator(".engage-quote").count() > 0


def _query(href: str | None) -> dict[str, list[str]]:
    assert href is not None
    return parse_qs(urlsplit(href).query)


def _assert_filtered(href: str | None, place: int) -> None:
    query = _query(href)
    assert query.get("place") == [str(place)], href
    assert query.get("sent_from[year]") == [str(SINCE.year)], href
    assert query.get("sent_from[day]") == [str(SINCE.day)], href


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_filters_stay_in_the_breakdown_and_download_links(browser, results_server, js):
    base, ids = results_server
    context = browser.new_context(java_script_enabled=js)
    page = context.new_page()
    sign_in(page, base, "engagement")
    page.goto(f"{base}/staff/surveys/{ids['survey']}/results")
    details = page.locator("details", has_text="Filter these results")
    assert details.get_attribute("open") is None, "the filters start closed"
    page.get_by_text("Filter these results").click()
    page.get_by_label("Where they live").select_option(label="Blackpool")
    sent_from = page.get_by_role("group", name="Sent on or after")
    sent_from.get_by_label("Day").fill(str(SINCE.day))
    sent_from.get_by_label("Month").fill(str(SINCE.month))
    sent_from.get_by_label("Year").fill(str(SINCE.year))
    press(page, "Apply filters")
    _assert_filtered(page.url, ids["blackpool"])
    assert details.get_attribute("open") is not None, "applied filters stay in view"
    assert "Blackpool" in page.locator(".nhsuk-inset-text", has_text="limited to").inner_text()
    screenshot(page, f"results-show-filtered-{'js' if js else 'no-js'}")

    breakdowns = page.get_by_role("link", name=re.compile("^Break (it|the themes) down"))
    assert breakdowns.count() == 5, "four closed questions (the FFT too) and the themes"
    for href in (breakdowns.nth(i).get_attribute("href") for i in range(breakdowns.count())):
        _assert_filtered(href, ids["blackpool"])
    downloads = page.locator("a[download]")
    assert downloads.count() >= 2 + 6, "every question's results and each question's CSV"
    for i in range(downloads.count()):
        _assert_filtered(downloads.nth(i).get_attribute("href"), ids["blackpool"])
    board_paper = page.get_by_role("link", name="Board paper view").get_attribute("href")
    _assert_filtered(board_paper, ids["blackpool"])
    responses = page.get_by_role("link", name="Download every response (one row each)")
    responses_href = responses.get_attribute("href")
    _assert_filtered(responses_href, ids["blackpool"])

    page.locator(f"#question-{ids['modes']}").get_by_role("link", name="Break it down").click()
    page.wait_for_load_state()
    _assert_filtered(page.url, ids["blackpool"])
    page.get_by_label("Break it down by").select_option(label="How did you get there?")
    press(page, "Show the breakdown")
    _assert_filtered(page.url, ids["blackpool"])
    assert _query(page.url)["by"] == [f"question:{ids['how']}"]
    assert page.locator("svg.engage-chart[role=img]").count() == 1
    for name in ("Download CSV", "Download Excel (XLSX)"):
        href = page.get_by_role("link", name=re.compile(f"^{re.escape(name)}")).get_attribute(
            "href"
        )
        _assert_filtered(href, ids["blackpool"])
        assert _query(href)["by"] == [f"question:{ids['how']}"]
    _assert_filtered(
        page.get_by_role("link", name="Back to the survey's results").get_attribute("href"),
        ids["blackpool"],
    )

    page.goto(base + str(responses_href))
    _assert_filtered(
        page.locator("form[method=post]").last.get_attribute("action"), ids["blackpool"]
    )
    assert "Blackpool" in page.locator(".nhsuk-inset-text", has_text="limited to").inner_text()
    context.close()
