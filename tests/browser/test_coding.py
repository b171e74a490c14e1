"""Finding and coding comments in a real browser, by keyboard, with no axe-core violations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, assert_accessible, press, serving, sign_in


@pytest.fixture(scope="module")
def coding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on its own SQLite file, with comments, codes and a sample both coders finished."""

    def prepare() -> dict[str, Any]:
        from engage.extensions import db
        from engage.models import Code, CodingSample, Comment, CommentCode, CommentCoded, Role
        from engage.services import users

        staff = {
            role: users.create_user(
                f"{role.value}@example.org", f"Browser {role.value}", role, BROWSER_PASSWORD
            )
            for role in (Role.ENGAGEMENT, Role.ADMIN)
        }
        texts = [
            "Parking at the hospital is impossible",
            "The nurses were lovely",
            "Parking costs far too much",
        ]
        comments = [
            Comment(
                source="fft",
                source_key=f"b{i}",
                original_text=text,
                redacted_text=text,
                moderation_state="approved",
            )
            for i, text in enumerate(texts)
        ]
        parking, praise = Code(name="Parking"), Code(name="Praise")
        db.session.add_all([*comments, parking, praise])
        db.session.flush()
        # Both coders finished the sample and differ on one comment, so kappa shows.
        for user, coded in ((staff[Role.ADMIN], [0, 2]), (staff[Role.ENGAGEMENT], [1])):
            for i, comment in enumerate(comments):
                db.session.add(CommentCoded(comment_id=comment.id, user_id=user.id))
                if i in coded:
                    db.session.add(
                        CommentCode(comment_id=comment.id, code_id=parking.id, user_id=user.id)
                    )
        sample = CodingSample(
            name="Pilot sample",
            comment_ids=[c.id for c in comments],
            coder_ids=[u.id for u in staff.values()],
        )
        db.session.add(sample)
        db.session.commit()
        return {"comments": [c.id for c in comments], "sample": sample.id, "code": parking.id}

    with serving(tmp_path_factory.mktemp("coding"), prepare=prepare) as (url, ids):
        yield {"url": url, **ids}


def test_team_filters_comments_and_codes_one_by_keyboard(browser, coding_server):
    base = coding_server["url"]
    first, _nurses, second = coding_server["comments"]
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, "engagement")
    page.goto(f"{base}/staff/insight/comments")
    assert "3 comments" in page.content()
    assert_accessible(page, "coding-comments")

    page.get_by_text("Filter and search comments").click()
    page.fill("#q", "parking")
    press(page, "Show comments")
    assert "2 comments match these filters" in page.content()
    assert "The nurses were lovely" not in page.content()
    assert_accessible(page, "coding-comments-filtered")

    # Newest first: the later "Parking costs" comment heads the list.
    page.get_by_role("link", name=f"Code comment {second}").click()
    page.wait_for_load_state()
    assert "Parking costs far too much" in page.content()
    assert_accessible(page, "coding-comment")

    # By keyboard alone: Tab to the "Parking" box, tick it with Space, then "Save and next".
    parking = page.get_by_label("Parking", exact=True)
    for _ in range(60):
        page.keyboard.press("Tab")
        if parking.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Parking checkbox")
    page.keyboard.press("Space")
    assert parking.is_checked()
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip() == "Save and next":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/staff/insight/comments/{first}?q=parking" in page.url, "next in the filtered list"
    assert "This is the next comment" in page.content()

    page.goto(f"{base}/staff/insight/comments/{second}")
    assert page.get_by_label("Parking", exact=True).is_checked(), "the coding was saved"
    assert "You have marked this comment as coded" in page.content()
    context.close()


def test_codes_samples_and_agreement_pages_are_accessible(browser, coding_server):
    base = coding_server["url"]
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, "admin")
    page.goto(f"{base}/staff/insight/codes")
    assert_accessible(page, "coding-codes")
    press(page, "Add code")
    assert "Enter a name for the code" in page.content()
    assert_accessible(page, "coding-codes-errors")
    page.goto(f"{base}/staff/insight/codes/{coding_server['code']}")
    assert_accessible(page, "coding-code")
    page.goto(f"{base}/staff/insight/samples")
    assert_accessible(page, "coding-samples")
    page.goto(f"{base}/staff/insight/samples/{coding_server['sample']}")
    assert "Kappa" in page.content() and "Comments coded differently" in page.content()
    assert_accessible(page, "coding-sample")
    context.close()
