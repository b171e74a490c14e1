"""Moderating comments in a real browser: the queue and a comment's page pass axe-core, a
refused edit keeps what was typed, and a comment can be approved with the keyboard alone."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from engage.models import Comment
from engage.services.comments import prepare
from tests.browser.conftest import assert_accessible, press, sign_in


def _arrive(*texts: str) -> list[int]:
    """Comments arriving in the live server's database, as a submission or import adds them."""
    database = Path(os.environ["ENGAGE_INSTANCE_PATH"]).parent / "engage.sqlite3"
    engine = create_engine(f"sqlite:///{database}")
    batch = uuid.uuid4().hex[:8]
    with Session(engine) as session:
        rows = [
            prepare(Comment(source="fft", source_key=f"browser-{batch}-{i}", original_text=t))
            for i, t in enumerate(texts)
        ]
        session.add_all(rows)
        session.commit()
        ids = [c.id for c in rows]
    engine.dispose()
    return ids


def _tab_to(page, name: str, limit: int = 80) -> None:
    """Move the keyboard focus forward until it rests on the button called ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement && document.activeElement.innerText || ''"
        ).strip()
        if focused == name:
            return
    raise AssertionError(f"the keyboard never reached {name!r}")


def test_moderator_reviews_the_queue_and_approves_with_the_keyboard(browser, live_server):
    first, second = _arrive(
        "Ring me on 07700 900123, Dr Patel was lovely. I live in PR1 2HE.",
        "The car park at the hospital is far too expensive.",
    )
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/moderation/")
    assert "[phone number]" in page.inner_text("main")
    assert "07700 900123" not in page.content()
    assert_accessible(page, "moderation-queue")

    page.get_by_role("link", name=f"Moderate comment {first}").click()
    page.wait_for_load_state()
    assert "07700 900123" in page.inner_text("main"), "the team sees the original"
    assert_accessible(page, "moderation-comment")

    page.fill("#edit-redacted_text", "Ring me on 07700 900123, Dr [name] was lovely.")
    press(page, "Save redaction and approve")
    assert "still contains a phone number (07700 900123)" in page.inner_text("main")
    assert page.input_value("#edit-redacted_text").startswith("Ring me on 07700 900123")
    assert_accessible(page, "moderation-comment-errors")

    page.goto(f"{live_server}/staff/moderation/{first}")
    page.locator("h1").click()  # start tabbing from the heading, as a reader would
    _tab_to(page, "Approve as proposed and go to next")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"Comment {first} approved." in page.inner_text("main")
    assert page.url.endswith(f"/staff/moderation/{second}"), "approve and go to the next"
    assert_accessible(page, "moderation-comment-next")

    page.goto(f"{live_server}/staff/moderation/?state=approved")
    assert "Ring me on [phone number], Dr [name] was lovely." in page.inner_text("main")
    assert_accessible(page, "moderation-queue-approved")
    context.close()


def test_bulk_hide_without_a_reason_explains_and_keeps_the_ticks(browser, live_server):
    (target,) = _arrive("Buy cheap watches now, best prices online.")
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/moderation/")
    page.check(f"#select-{target}")
    page.get_by_label("Hide, with a reason").check()
    press(page, "Apply to selected comments")
    assert "Select why you are hiding the comments" in page.inner_text("main")
    assert page.is_checked(f"#select-{target}"), "the selection survives the error"
    assert_accessible(page, "moderation-queue-errors")

    page.get_by_label("Spam").check()
    press(page, "Apply to selected comments")
    assert "Hidden 1 comment." in page.inner_text("main")
    context.close()
