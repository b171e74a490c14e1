"""Moderation: comments arrive pending with a proposed redaction; the engagement team approves
it, edits it, or hides the comment with a reason, one at a time or in bulk; every action is
audited without the comment's text, and nobody outside the team ever sees the original."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from engage.extensions import db
from engage.models import AuditEvent, Comment, Role, utcnow
from engage.services import moderation, users
from engage.services.comments import analysable_text, prepare
from engage.services.errors import Conflict
from tests.conftest import TEST_PASSWORD, csrf_token_from, make_user
from tests.factories import create_survey

PHONE = "07700 900123"
EMAIL = "dot.cotton@example.com"
POSTCODE = "PR1 2HE"
PLANTED = f"Ring me on {PHONE} or email {EMAIL}, I live at {POSTCODE}. Dr Patel was kind."
QUEUE = "/staff/moderation/"


def add_comment(
    text: str = PLANTED, source: str = "fft", minutes_ago: int = 0, **fields: object
) -> Comment:
    """A comment as it arrives: pending, with the detector's proposal."""
    comment = Comment(
        source=source,
        source_key=f"k{db.session.scalar(select(db.func.count(Comment.id)))}-{text[:10]}",
        original_text=text,
        received_at=utcnow() - timedelta(minutes=minutes_ago),
        **fields,
    )
    db.session.add(prepare(comment))
    db.session.commit()
    return comment


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


def act(client: FlaskClient, comment_id: int, action: str, **fields: str) -> object:
    """Send one of the comment page's forms as a browser would, with its own prefix."""
    url = f"{QUEUE}{comment_id}"
    html = page(client, url)
    state = re.search(rf'name="{action}-expected_state" type="hidden" value="(\w+)"', html)
    data = {
        "action": action,
        f"{action}-csrf_token": csrf_token_from(html),
        f"{action}-expected_state": state.group(1) if state else "",
        **{f"{action}-{k}": v for k, v in fields.items()},
    }
    return client.post(url, data=data)


def bulk(client: FlaskClient, ids: list[int], query: str = "", **fields: str) -> object:
    html = page(client, QUEUE + query)
    data: dict[str, object] = {"csrf_token": csrf_token_from(html), "selected": ids, **fields}
    return client.post(f"{QUEUE}bulk{query}", data=data)


def refreshed(comment: Comment) -> Comment:
    return db.session.get(Comment, comment.id, populate_existing=True)  # type: ignore[return-value]


# --- The queue -----------------------------------------------------------------------------


def test_queue_shows_pending_comments_oldest_first_with_personal_data_marked(client, auth):
    newer = add_comment("The car park was full again.", minutes_ago=1)
    older = add_comment(minutes_ago=30)
    auth.login(Role.ENGAGEMENT)
    html = page(client, QUEUE)
    assert html.index(f"Moderate comment {older.id}") < html.index(f"Moderate comment {newer.id}")
    assert '<mark class="engage-pii"><strong>[phone number]</strong></mark>' in html
    assert "email address, name, phone number, postcode" in html, "the kinds found are listed"
    assert PHONE not in html and EMAIL not in html, "the queue shows only the proposed redaction"
    assert "None found" in html
    assert 'type="checkbox" id="select-' in html and 'action="/staff/moderation/bulk' in html


def test_queue_filters_by_state_source_survey_and_personal_data(client, auth):
    survey = create_survey()
    add_comment("Lovely staff at the walk-in centre.", source="import")
    add_comment(f"Call me on {PHONE}.", source="survey", survey_id=survey.id)
    hidden = add_comment("Buy cheap watches", source="import")
    hidden.moderation_state = "hidden"
    db.session.commit()
    auth.login(Role.ENGAGEMENT)

    def shown(query: str) -> list[str]:
        return re.findall(r"Moderate comment (\d+)", page(client, QUEUE + query))

    assert shown("") == ["1", "2"], "pending is the default"
    assert shown("?state=hidden") == ["3"]
    assert shown("?source=import") == ["1"]
    assert shown(f"?survey={survey.id}") == ["2"]
    assert shown("?personal_data=yes") == ["2"]
    assert shown("?personal_data=no") == ["1"]
    assert "Pending (2)" in page(client, QUEUE) and "Hidden (1)" in page(client, QUEUE)


def test_comments_from_before_the_detector_get_a_proposal_when_shown(client, auth):
    old = Comment(source="fft", source_key="old", original_text=f"My number is {PHONE}")
    db.session.add(old)
    db.session.commit()
    assert old.proposed_redaction is None
    auth.login(Role.ENGAGEMENT)
    html = page(client, QUEUE + "?personal_data=yes")
    assert "My number is <mark" in html and PHONE not in html
    assert refreshed(old).pii_kinds == ["phone"]


def test_queue_is_paginated(client, auth):
    for i in range(30):
        add_comment(f"Comment number {i} about parking.", minutes_ago=100 - i)
    auth.login(Role.ENGAGEMENT)
    first = page(client, QUEUE)
    assert first.count("Moderate comment ") == 25
    assert 'href="/staff/moderation/?page=2"' in first
    assert page(client, QUEUE + "?page=2").count("Moderate comment ") == 5


# --- One comment ---------------------------------------------------------------------------


def test_comment_page_shows_the_original_beside_the_proposal(client, auth):
    comment = add_comment()
    auth.login(Role.ENGAGEMENT)
    html = page(client, f"{QUEUE}{comment.id}")
    assert "Personal data found, phone number: </span><strong>07700 900123</strong>" in html
    assert "Ring me on <mark" in html and "[email]" in html
    assert f">{comment.proposed_redaction}</textarea>" in html, "the edit box starts as proposed"


def test_approving_as_proposed_sets_the_redaction_and_goes_to_the_next_pending(client, auth):
    first = add_comment(minutes_ago=10)
    following = add_comment("Second comment.", minutes_ago=5)
    user = auth.login(Role.ENGAGEMENT)
    response = act(client, first.id, "approve")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{QUEUE}{following.id}"), "approve and next"
    done = refreshed(first)
    assert done.moderation_state == "approved"
    assert done.redacted_text == done.proposed_redaction
    assert done.moderated_by_id == user.id and done.moderated_at is not None
    assert analysable_text(done) == done.proposed_redaction


def test_the_last_pending_comment_leads_back_to_the_queue(client, auth):
    only = add_comment()
    auth.login(Role.ENGAGEMENT)
    response = act(client, only.id, "approve")
    assert response.headers["Location"].endswith(QUEUE)
    assert "no more comments waiting" in page(client, QUEUE)


def test_moderator_edits_the_redaction_and_approves(client, auth):
    comment = add_comment("Sister Bridget on ward 4 was kind.")
    auth.login(Role.ENGAGEMENT)
    response = act(client, comment.id, "edit", redacted_text="Sister [name] on ward 4 was kind.")
    assert response.status_code == 302
    done = refreshed(comment)
    assert done.moderation_state == "approved"
    assert done.redacted_text == "Sister [name] on ward 4 was kind."


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        (f"Call me on {PHONE}", f"a phone number ({PHONE})"),
        (f"Write to {EMAIL}", f"an email address ({EMAIL})"),
        ("NHS number 943 476 5919 please", "an NHS number (943 476 5919)"),
        (f"I live in {POSTCODE}, Preston", f"a postcode ({POSTCODE})"),
    ],
)
def test_an_edit_that_still_holds_a_structured_identifier_is_refused_and_kept(
    client, auth, typed, named
):
    comment = add_comment()
    auth.login(Role.ENGAGEMENT)
    response = act(client, comment.id, "edit", redacted_text=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#edit-redacted_text"' in html
    assert f"The redacted text still contains {named}" in html.replace("&#39;", "'")
    assert f">{typed}</textarea>" in html, "what the moderator typed is kept"
    assert refreshed(comment).moderation_state == "pending"


def test_an_empty_edit_is_refused(client, auth):
    comment = add_comment()
    auth.login(Role.ENGAGEMENT)
    response = act(client, comment.id, "edit", redacted_text="   ")
    assert response.status_code == 400
    assert "Enter the redacted text, or hide the comment instead" in response.get_data(as_text=True)


def test_hiding_needs_a_reason_and_a_note_for_other(client, auth):
    comment = add_comment("Buy cheap watches at example dot com")
    auth.login(Role.ENGAGEMENT)
    response = act(client, comment.id, "hide")
    assert response.status_code == 400
    assert "Select why you are hiding the comment" in response.get_data(as_text=True)
    response = act(client, comment.id, "hide", reason="other")
    assert "Say why you are hiding the comment" in response.get_data(as_text=True)
    assert refreshed(comment).moderation_state == "pending"

    assert act(client, comment.id, "hide", reason="other", note="Duplicate").status_code == 302
    done = refreshed(comment)
    assert (done.moderation_state, done.hidden_reason) == ("hidden", "other: Duplicate")
    assert analysable_text(done) is None
    assert "Other: Duplicate" in page(client, f"{QUEUE}{comment.id}")


def test_hidden_or_approved_comment_returns_to_pending(client, auth):
    comment = add_comment()
    auth.login(Role.ENGAGEMENT)
    act(client, comment.id, "hide", reason="spam")
    response = act(client, comment.id, "return")
    assert response.status_code == 302
    back = refreshed(comment)
    assert (back.moderation_state, back.hidden_reason) == ("pending", None)
    act(client, comment.id, "approve")
    act(client, comment.id, "return")
    assert refreshed(comment).moderation_state == "pending"
    assert analysable_text(refreshed(comment)) is None, "out of analysis until approved again"


def test_second_moderator_is_told_what_happened_instead_of_overwriting(client, auth):
    comment = add_comment()
    auth.login(Role.ENGAGEMENT)
    html = page(client, f"{QUEUE}{comment.id}")
    other = users.create_user("sam@example.org", "Sam Smith", Role.ENGAGEMENT, TEST_PASSWORD)
    moderation.hide(comment.id, other, "abuse")  # meanwhile, at another desk
    response = client.post(
        f"{QUEUE}{comment.id}",
        data={
            "action": "edit",
            "edit-csrf_token": csrf_token_from(html),
            "edit-expected_state": "pending",
            "edit-redacted_text": "My own careful redaction",
        },
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Sam Smith changed this comment to hidden" in text
    assert "Your change was not saved" in text
    assert ">My own careful redaction</textarea>" in text, "the typed redaction is kept"
    now = refreshed(comment)
    assert (now.moderation_state, now.moderated_by_id) == ("hidden", other.id)


def test_services_refuse_a_stale_expected_state(app):
    comment = add_comment()
    first, second = make_user(Role.ENGAGEMENT), make_user(Role.ADMIN)
    moderation.approve(comment.id, first)
    with pytest.raises(Conflict):
        moderation.approve(comment.id, second)
    with pytest.raises(Conflict):
        moderation.hide(comment.id, second, "spam")
    assert refreshed(comment).moderated_by_id == first.id


def test_unknown_comment_is_not_found(client, auth):
    auth.login(Role.ENGAGEMENT)
    assert client.get(f"{QUEUE}999").status_code == 404


# --- Bulk ----------------------------------------------------------------------------------


def test_bulk_approve_as_proposed_with_a_summary(client, auth):
    a, b, c = add_comment(), add_comment("Fine."), add_comment("Also fine.")
    auth.login(Role.ENGAGEMENT)
    response = bulk(client, [a.id, b.id], action="approve")
    assert response.status_code == 302
    html = page(client, QUEUE)
    assert "Approved 2 comments." in html
    assert [refreshed(x).moderation_state for x in (a, b, c)] == ["approved", "approved", "pending"]
    assert refreshed(a).redacted_text == a.proposed_redaction


def test_bulk_hide_with_a_reason_leaves_already_moderated_comments_alone(client, auth):
    a, b = add_comment(), add_comment("Spam spam spam")
    auth.login(Role.ENGAGEMENT)
    other = make_user(Role.ENGAGEMENT, "sam@example.org")
    html = page(client, QUEUE)
    moderation.approve(a.id, other)  # someone got there first
    client.post(
        f"{QUEUE}bulk",
        data={
            "csrf_token": csrf_token_from(html),
            "selected": [a.id, b.id],
            "action": "hide",
            "reason": "spam",
        },
    )
    html = page(client, QUEUE)
    assert "Hidden 1 comment." in html
    assert f"1 not changed because someone else had already moderated them: comment {a.id}" in html
    assert refreshed(a).moderation_state == "approved"
    assert (refreshed(b).moderation_state, refreshed(b).hidden_reason) == ("hidden", "spam")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "hide"}, "Select why you are hiding the comments"),
        ({"action": "hide", "reason": "other"}, "Say why you are hiding the comment"),
        ({}, "Select what to do with the selected comments"),
    ],
)
def test_bad_bulk_input_explains_and_keeps_the_selection(client, auth, fields, message):
    a, b = add_comment(), add_comment("Other words.")
    auth.login(Role.ENGAGEMENT)
    response = bulk(client, [b.id], **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert f'id="select-{b.id}" name="selected" value="{b.id}" checked' in html
    assert f'id="select-{a.id}" name="selected" value="{a.id}" >' in html
    assert refreshed(b).moderation_state == "pending"


def test_bulk_with_nothing_selected_says_so(client, auth):
    add_comment()
    auth.login(Role.ENGAGEMENT)
    response = bulk(client, [], action="approve")
    assert response.status_code == 400
    assert "Select at least one comment" in response.get_data(as_text=True)


# --- Audit ---------------------------------------------------------------------------------


def test_every_action_is_audited_without_the_comment_text(client, auth):
    one, two, three = add_comment(), add_comment("Second text here."), add_comment("Third words.")
    user = auth.login(Role.ENGAGEMENT)
    act(client, one.id, "edit", redacted_text="Ring me on [phone number]. Edited by hand.")
    act(client, one.id, "return")
    act(client, two.id, "hide", reason="other", note="Duplicate of another")
    bulk(client, [one.id, three.id], action="approve")

    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "Comment").order_by(AuditEvent.id)
        )
    )
    summary = [(e.action, e.entity_id, e.before, e.after["moderation_state"]) for e in events]
    assert summary == [
        ("approve", str(one.id), {"moderation_state": "pending"}, "approved"),
        ("reopen", str(one.id), {"moderation_state": "approved"}, "pending"),
        ("hide", str(two.id), {"moderation_state": "pending"}, "hidden"),
        ("approve", str(one.id), {"moderation_state": "pending"}, "approved"),
        ("approve", str(three.id), {"moderation_state": "pending"}, "approved"),
    ]
    assert events[0].after["redaction"] == "edited" and events[2].after["reason"] == "other"
    assert all(e.user_id == user.id for e in events)
    logged = json.dumps([[e.before, e.after, e.note] for e in events])
    for text in (PLANTED, one.proposed_redaction, "Edited by hand", "Second text", "Third"):
        assert text not in logged, f"the audit log holds comment text: {text!r}"
    assert "Duplicate of another" not in logged, "the note may hold what the moderator read"


# --- Who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_viewers_and_commissioners_reach_no_moderation_url(client, auth, role):
    comment = add_comment()
    auth.login(role)
    html = page(client, "/staff/admin/")
    token = csrf_token_from(html)
    for url in (QUEUE, f"{QUEUE}?state=hidden", f"{QUEUE}{comment.id}"):
        assert client.get(url).status_code == 403, f"{role} reached GET {url}"
    for url, data in (
        (f"{QUEUE}{comment.id}", {"action": "approve", "approve-expected_state": "pending"}),
        (f"{QUEUE}bulk", {"selected": [comment.id], "action": "approve"}),
    ):
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 403, f"{role} reached POST {url}"
    assert refreshed(comment).moderation_state == "pending"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_original_text_is_on_no_page_a_viewer_or_commissioner_can_reach(app, client, auth, role):
    survey = create_survey()
    approved = add_comment(survey_id=survey.id)
    pending = add_comment(f"Pending: text me on 07700 900456, postcode FY1 4AB. {EMAIL}")
    moderation.approve(approved.id, make_user(Role.ENGAGEMENT))
    assert pending.moderation_state == "pending"
    auth.login(role)
    secrets = (PHONE, EMAIL, POSTCODE, "Dr Patel", "07700 900456", "FY1 4AB")
    reached = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        response = client.get(url)
        if response.status_code != 200:
            continue
        reached += 1
        body = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in body, f"{role} sees {secret!r} on {rule.endpoint} ({url})"
    assert reached >= 3, "the role reaches the dashboard, reports and more"
