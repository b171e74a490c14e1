"""A resident quotes the reference from their confirmation page: the team gives them a copy of
what they sent, or deletes it with every copy the analysis holds."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    AnalysisRun,
    Answer,
    AuditEvent,
    Code,
    CodingSample,
    Comment,
    CommentCode,
    CommentCoded,
    CommentTheme,
    Response,
    Role,
    Survey,
    Theme,
    Topic,
)
from engage.services import response_requests
from engage.services import responses as runner
from tests.conftest import csrf_token_from, post_form
from tests.factories import create_survey

SURVEY = [
    (
        "Your visit",
        [
            {
                "key": "hospital",
                "kind": "single_choice",
                "text": "Which hospital did you visit?",
                "options": ["Royal Preston Hospital", "Furness General Hospital"],
            },
            {"key": "views", "kind": "free_text_long", "text": "Tell us more"},
            {
                "key": "ease",
                "kind": "rating",
                "text": "How easy was it to park?",
                "options": ["Very difficult", "Difficult", "Neither", "Easy", "Very easy"],
            },
            {"key": "visit_date", "kind": "date", "text": "When did you visit?"},
        ],
    )
]
WORDS = "The car park at Furness was full and I missed my scan"


@pytest.fixture
def survey(app) -> Survey:
    return create_survey(sections=SURVEY)


def _sent(survey: Survey, views: str = WORDS) -> Response:
    started = runner.start_response(survey)
    answers = {
        "hospital": "Furness General Hospital",
        "views": views,
        "ease": 2,
        "visit_date": "2025-02-03",
    }
    runner.save_answers(started.response, survey.sections[0], answers)
    return runner.submit(started.response.id)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("ENG-7KQ2M9XD", "ENG-7KQ2M9XD"),
        ("eng 7kq2 m9xd", "ENG-7KQ2M9XD"),
        ("7KQ2M9XD", "ENG-7KQ2M9XD"),
        (" ENG\u20137KQ2M9XD ", "ENG-7KQ2M9XD"),  # a phone's dash for the hyphen
        ("ENG-7KQ2M9X0", None),  # no reference has 0, O, 1, I or L: they look alike
        ("ENG-7KQ2M9X", None),
        ("ENG-7KQ2M9XD9", None),
        ("DROP TABLE", None),
        ("", None),
    ],
)
def test_a_reference_is_recognised_however_it_was_read_out(typed, normal):
    assert response_requests.normalise_reference(typed) == normal


def test_the_team_finds_a_response_by_its_reference_and_viewing_it_is_audited(client, auth, survey):
    sent = _sent(survey)
    auth.login(Role.ENGAGEMENT)
    found = post_form(client, "/staff/admin/requests", {"reference": sent.reference.lower()})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/staff/admin/requests/{sent.id}")
    page = client.get(found.headers["Location"]).get_data(as_text=True)
    assert sent.reference in page and WORDS in page and "Furness General Hospital" in page
    shown = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == response_requests.RESPONSE_SHOWN)
    ).all()
    assert [e.entity_id for e in shown] == [str(sent.id)]
    assert all(WORDS not in (e.note or "") for e in shown)


def test_a_reference_that_is_not_one_or_is_unknown_gets_a_clear_message(client, auth):
    auth.login(Role.ENGAGEMENT)
    wrong = post_form(client, "/staff/admin/requests", {"reference": "ENG-12"})
    assert wrong.status_code == 200
    assert "Enter a reference like ENG-7KQ2M9XD" in wrong.get_data(as_text=True)
    unknown = post_form(client, "/staff/admin/requests", {"reference": "ENG-AAAAAAAA"})
    assert unknown.status_code == 200
    assert "There is no response with the reference ENG-AAAAAAAA" in unknown.get_data(as_text=True)
    assert client.get("/staff/admin/requests/999").status_code == 404


def test_the_copy_holds_their_answers_and_comments_and_is_audited(client, auth, survey):
    sent = _sent(survey)
    auth.login(Role.ENGAGEMENT)
    reply = client.get(f"/staff/admin/requests/{sent.id}/copy.json")
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == "no-store"
    assert "attachment" in reply.headers["Content-Disposition"]
    data = json.loads(reply.get_data(as_text=True))
    assert data["reference"] == sent.reference
    assert {"question": "Tell us more", "answer": WORDS} in data["answers"]
    # As the resident saw them, not as stored (a rating's number, an ISO date).
    assert {"question": "How easy was it to park?", "answer": "Difficult"} in data["answers"]
    assert {"question": "When did you visit?", "answer": "3 February 2025"} in data["answers"]
    assert [c["text"] for c in data["comments"]] == [WORDS]
    exported = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == response_requests.RESPONSE_EXPORTED)
    )
    assert exported is not None and exported.entity_id == str(sent.id)


def _analysed(comment: Comment, coder_id: int) -> dict[str, int]:
    """Code and theme the comment as the workspace would, and quote it where the analysis does."""
    theme = Theme(slug="parking", name="Parking", examples=[comment.redacted_text or WORDS, "kept"])
    code = Code(name="Parking")
    run = AnalysisRun(status="succeeded", is_current=True)
    db.session.add_all([theme, code, run])
    db.session.flush()
    topic = Topic(
        run_id=run.id, number=0, label="parking", representative_comment_ids=[comment.id, 999]
    )
    sample = CodingSample(name="Wave 1", comment_ids=[comment.id, 998], coder_ids=[coder_id])
    db.session.add_all([topic, sample])
    db.session.flush()
    db.session.add_all(
        [
            CommentCode(comment_id=comment.id, code_id=code.id, user_id=coder_id),
            CommentCoded(comment_id=comment.id, user_id=coder_id),
            CommentTheme(
                comment_id=comment.id, theme_id=theme.id, run_id=run.id, topic_id=topic.id
            ),
        ]
    )
    db.session.commit()
    return {"theme": theme.id, "topic": topic.id, "sample": sample.id}


def test_deleting_removes_the_response_its_comments_and_every_copy_the_analysis_holds(
    client, auth, survey
):
    sent = _sent(survey)
    reference, sent_id = sent.reference, sent.id
    other = _sent(survey, "The volunteers at the front desk were lovely")
    comment = db.session.scalar(select(Comment).where(Comment.response_id == sent.id))
    assert comment is not None
    comment.redacted_text = comment.original_text
    user = auth.login(Role.ENGAGEMENT)
    ids = {**_analysed(comment, user.id), "comment": comment.id}

    page = f"/staff/admin/requests/{sent_id}"
    refused = post_form(client, page, {})
    assert refused.status_code == 200
    assert "Confirm that you have checked who is asking" in refused.get_data(as_text=True)
    assert db.session.get(Response, sent_id) is not None, "nothing goes without the check"

    done = post_form(client, page, {"checked": "y"})
    assert done.status_code == 302
    followed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Response {reference} deleted, with its 4 answers and 1 comment." in followed

    db.session.expire_all()
    assert db.session.get(Response, sent_id) is None
    assert db.session.scalar(select(func.count()).where(Answer.response_id == sent_id)) == 0
    assert db.session.get(Comment, ids["comment"]) is None
    for model in (CommentCode, CommentCoded, CommentTheme):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
    assert db.session.get(Topic, ids["topic"]).representative_comment_ids == [999]
    assert db.session.get(CodingSample, ids["sample"]).comment_ids == [998]
    assert db.session.get(Theme, ids["theme"]).examples == ["kept"]
    # Someone else's response is untouched.
    assert db.session.get(Response, other.id).status == "submitted"
    assert db.session.scalar(select(func.count()).where(Comment.response_id == other.id)) == 1
    # The audit log says what was done, and holds no copy of what was deleted.
    events = db.session.scalars(select(AuditEvent)).all()
    deleted = [e for e in events if e.action == response_requests.RESPONSE_DELETED]
    assert len(deleted) == 1 and reference in (deleted[0].note or "")
    logged = json.dumps([[e.note, e.before, e.after] for e in events], default=str)
    assert WORDS not in logged
    # And it is gone from the team's view: the reference is no longer found.
    assert client.get(page).status_code == 404


def test_deleting_a_response_already_deleted_says_so(client, auth, survey):
    sent = _sent(survey)
    auth.login(Role.ENGAGEMENT)
    page = f"/staff/admin/requests/{sent.id}"
    form = client.get(page)
    assert post_form(client, page, {"checked": "y"}).status_code == 302
    again = client.post(
        page, data={"csrf_token": csrf_token_from(form.get_data(as_text=True)), "checked": "y"}
    )
    assert again.status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_viewers_and_commissioners_cannot_find_copy_or_delete_a_response(
    client, auth, survey, role
):
    sent = _sent(survey)
    auth.login(role)
    for url in (
        "/staff/admin/requests",
        f"/staff/admin/requests/{sent.id}",
        f"/staff/admin/requests/{sent.id}/copy.json",
    ):
        assert client.get(url).status_code == 403, url
    assert db.session.get(Response, sent.id) is not None
