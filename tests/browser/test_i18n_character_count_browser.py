"""In Chromium, the live character count under a long answer counts in the page's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, press, serving

LONG_ONLY = [("Your story", [{"key": "story", "kind": "free_text_long", "text": "Tell us"}])]


@pytest.fixture(scope="module")
def long_answer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def prepare() -> None:
        from tests.factories import create_survey

        create_survey(sections=LONG_ONLY)

    with serving(tmp_path_factory.mktemp("count"), prepare=prepare) as (url, _):
        yield url


def _open_long_answer(page: Any, base: str, lang: str) -> Any:
    page.goto(f"{base}/surveys/every-kind?lang={lang}")
    press(page, page.locator("button.nhsuk-button--start").inner_text().strip())
    status = page.locator(".nhsuk-character-count__status")
    status.wait_for(state="visible")
    return status


@pytest.mark.parametrize(
    ("lang", "typed", "expected"),
    [
        ("pl", "x" * 1997, "Pozostały Ci 3 znaki"),
        ("pl", "x" * 1995, "Pozostało Ci 5 znaków"),
        ("pl", "x" * 1999, "Pozostał Ci 1 znak"),
        ("pl", "x" * 2002, "Masz o 2 znaki za dużo"),
        ("ur", "x" * 1990, "آپ کے پاس 10 حروف باقی ہیں"),
        ("ur", "x" * 2001, "آپ نے 1 حرف زیادہ لکھا ہے"),
    ],
)
def test_the_live_count_speaks_polish_and_urdu(browser, long_answer_server, lang, typed, expected):
    page = browser.new_page()
    try:
        status = _open_long_answer(page, long_answer_server, lang)
        page.fill("#story", typed)
        page.wait_for_function(
            "([sel, want]) => document.querySelector(sel).textContent.trim() === want",
            arg=[".nhsuk-character-count__status", expected],
            timeout=5000,
        )
        assert status.inner_text().strip() == expected
    finally:
        page.close()


def test_the_counted_urdu_page_passes_axe(browser, long_answer_server):
    page = browser.new_page()
    try:
        _open_long_answer(page, long_answer_server, "ur")
        page.fill("#story", "x" * 2001)
        assert_accessible(page, "character-count-ur-over")
    finally:
        page.close()
