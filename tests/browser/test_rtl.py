"""Urdu runs right to left in a real browser: the layout mirrors, nothing overflows at 320px,
form controls sit beside their labels, and axe-core finds no violations; Polish too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, press


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box, f"{selector} is not on screen"
    return box


def _text_box(page: Any, selector: str) -> dict[str, float]:
    """Where the text itself lies (a block element always spans the whole line)."""
    return page.eval_on_selector(
        selector,
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   const b = r.getBoundingClientRect(); return {x: b.x, width: b.width}; }""",
    )


def _no_sideways_scroll(page: Any) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_urdu_pages_read_from_the_right_and_pass_axe(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(f"{live_server}/?lang=ur")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
    main = _box(page, "main")
    heading = _text_box(page, "h1")
    # The heading's text hugs the right edge of the content, not the left.
    right_gap = main["x"] + main["width"] - (heading["x"] + heading["width"])
    left_gap = heading["x"] - main["x"]
    assert right_gap < 40 < left_gap, f"heading not right-aligned: {left_gap=} {right_gap=}"
    assert_accessible(page, "rtl-ur-home")

    page.goto(f"{live_server}/surveys/every-kind")
    assert page.evaluate("document.documentElement.lang") == "ur", "the choice was not kept"
    press(page, "ابھی شروع کریں")  # "Start now"
    press(page, "جاری رکھیں")  # "Continue", with nothing answered: the error summary
    assert "ایک مسئلہ ہے" in page.content()  # "There is a problem"
    assert_accessible(page, "rtl-ur-section-errors")

    # A radio button sits on the reading side of its label, as the label's text begins there.
    radio = _box(page, "input[name=hospital] + label")
    text = _text_box(page, "input[name=hospital] + label")
    assert text["x"] + text["width"] <= radio["x"] + radio["width"] + 1
    context.close()


@pytest.mark.parametrize("lang", ["ur", "pl"])
def test_panel_sign_up_in_each_language_fits_a_small_screen_and_passes_axe(
    browser, live_server, lang
):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/panel/join?lang={lang}")
    assert page.evaluate("document.documentElement.lang") == lang
    assert _no_sideways_scroll(page), f"{lang}: the page scrolls sideways at 320px"
    assert_accessible(page, f"rtl-{lang}-panel-join")
    page.goto(f"{live_server}/accessibility")
    assert _no_sideways_scroll(page)
    assert_accessible(page, f"rtl-{lang}-accessibility")
    context.close()
