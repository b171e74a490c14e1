"""A resident completes a survey page by page, can save and come back, and submits exactly once."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Answer, Comment, Question, Response
from engage.services import responses as runner
from tests.conftest import csrf_token_from
from tests.factories import create_survey

GOOD_FIRST_SECTION = {
    "consent": "Yes",
    "hospital": "Royal Preston Hospital",
    "modes": ["Bus", "Walked"],
    "visit_date-day": "3",
    "visit_date-month": "2",
    "visit_date-year": "2025",
    "minutes": "45",
    "postcode": "pr1 8xy",
}


def _post(client, url, data):
    page = client.get(url)
    return client.post(
        url, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}
    )


def _start(client, slug="every-kind"):
    response = _post(client, f"/surveys/{slug}", {})
    assert response.headers["Location"].endswith(f"/surveys/{slug}/section/1")


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _stored_answers() -> dict:
    rows = db.session.execute(
        select(Question.key, Answer.value).join(Answer, Answer.question_id == Question.id)
    )
    return {key: value for key, value in rows}


def _complete(client, slug="every-kind", comments="The <script>alert(1)</script> bus was late"):
    _start(client, slug)
    assert _post(client, f"/surveys/{slug}/section/1", GOOD_FIRST_SECTION).status_code == 302
    second = {"ease": "2", "fft": "Poor", "one_change": "More buses", "comments": comments}
    assert (
        _post(client, f"/surveys/{slug}/section/2", second).headers["Location"].endswith("/check")
    )


def test_resident_completes_a_survey_and_gets_a_reference(app, client):
    create_survey()
    _complete(client)
    check = client.get("/surveys/every-kind/check").get_data(as_text=True)
    assert "Check your answers before sending them" in check
    assert "Royal Preston Hospital" in check and "Bus, Walked" in check
    assert "Difficult" in check, "a rating shows its option, not its stored number"
    assert "<script>alert(1)</script>" not in check, "resident text must be escaped"
    sent = _post(client, "/surveys/every-kind/check", {})
    assert sent.headers["Location"].endswith("/confirmation")
    done = client.get("/surveys/every-kind/confirmation").get_data(as_text=True)
    reference = re.search(r"ENG-[A-Z0-9]{8}", done)
    assert reference, "confirmation shows no reference"
    stored = db.session.scalar(select(Response).where(Response.reference == reference.group(0)))
    assert stored.status == "submitted" and stored.submitted_at is not None


def test_dates_arrive_as_the_nhs_date_input_names_them(app, client):
    create_survey()
    _start(client)
    typed = {k: v for k, v in GOOD_FIRST_SECTION.items() if not k.startswith("visit_date")}
    typed.update({"visit_date[day]": "9", "visit_date[month]": "11", "visit_date[year]": "2025"})
    _post(client, "/surveys/every-kind/section/1", typed)
    assert _stored_answers()["visit_date"] == "2025-11-09"


def test_answers_are_stored_independently_of_wording(app, client):
    create_survey()
    _complete(client)
    values = _stored_answers()
    assert values["ease"] == 2, "ratings are stored as the option's position"
    assert values["visit_date"] == "2025-02-03"
    assert values["postcode"] == "PR1 8XY"
    assert values["minutes"] == 45
    assert values["modes"] == ["Bus", "Walked"]


def test_every_free_text_answer_becomes_one_comment_on_submission(app, client):
    create_survey()
    _complete(client)
    assert _count(Comment) == 0, "comments appear only once the response is sent"
    _post(client, "/surveys/every-kind/check", {})
    texts = sorted(db.session.scalars(select(Comment.original_text)))
    assert texts == ["More buses", "The <script>alert(1)</script> bus was late"]
    comment = db.session.scalar(select(Comment).limit(1))
    assert comment.moderation_state == "pending" and comment.survey_id and comment.response_id


@pytest.mark.parametrize(
    ("field", "data", "message"),
    [
        (
            "consent",
            {"consent": "No"},
            # Says what really happens: nothing sent is kept past the retention period.
            "you can close this page. Answers that are never sent are deleted after 90 days",
        ),
        ("consent", {"consent": ""}, "Select yes if you agree to take part"),
        ("hospital", {"hospital": ""}, "Select which hospital you visited"),
        ("modes", {"modes": []}, "Select at least one answer to: How did you travel"),
        (
            "visit_date",
            {"visit_date-day": "31", "visit_date-month": "2"},
            "Date must be a real date, like 27 3 2025",
        ),
        (
            "visit_date",
            {"visit_date-day": "3", "visit_date-month": "", "visit_date-year": "2025"},
            "Date must include a month",
        ),
        (
            "visit_date",
            {"visit_date-year": str(date.today().year + 1)},
            "Date must be today or in the past",
        ),
        ("minutes", {"minutes": "about an hour"}, "Enter a whole number, like 15"),
        ("postcode", {"postcode": "not a postcode"}, "Enter a postcode, like BB1 1AA"),
    ],
)
def test_each_invalid_answer_gets_its_own_message_and_nothing_typed_is_lost(
    app, client, field, data, message
):
    create_survey()
    _start(client)
    page = _post(client, "/surveys/every-kind/section/1", {**GOOD_FIRST_SECTION, **data})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    summary = html.split("nhsuk-error-summary__list")[1].split("</ul>")[0]
    assert message in summary, "message missing from the error summary"
    assert f'id="{field}-error"' in html, "message missing beside the field"
    assert html.count(message) == 2
    assert "<title>Error: " in html
    kept = {k: v for k, v in GOOD_FIRST_SECTION.items() if k not in data and k != "modes"}
    for key, value in kept.items():
        assert f'value="{value}"' in html, f"{key} was lost after a mistake elsewhere"


def test_long_answer_over_the_limit_is_refused_with_the_limit(app, client):
    create_survey()
    _start(client)
    _post(client, "/surveys/every-kind/section/1", GOOD_FIRST_SECTION)
    page = _post(client, "/surveys/every-kind/section/2", {"fft": "Good", "comments": "x" * 2001})
    assert "Answer must be 2,000 characters or fewer" in page.get_data(as_text=True)


def test_resident_can_save_and_resume_with_the_link(app, client):
    create_survey()
    _start(client)
    saved = _post(client, "/surveys/every-kind/section/1", {**GOOD_FIRST_SECTION, "action": "save"})
    assert saved.headers["Location"].endswith("/saved")
    html = client.get("/surveys/every-kind/saved").get_data(as_text=True)
    link = re.search(r'href="(http://localhost/surveys/every-kind/resume/[^"]+)"', html).group(1)

    other = app.test_client()  # a different browser, days later
    landing = other.get(link.replace("http://localhost", ""))
    assert landing.headers["Location"].endswith("/continue")
    resumed = other.get("/surveys/every-kind/continue")
    assert resumed.headers["Location"].endswith("/section/2"), "should land where they left off"
    back = other.get("/surveys/every-kind/section/1").get_data(as_text=True)
    assert 'value="Royal Preston Hospital" checked' in back


def test_resident_can_resume_with_the_code_and_a_wrong_code_says_so(app, client):
    create_survey()
    _start(client)
    _post(client, "/surveys/every-kind/section/1", {**GOOD_FIRST_SECTION, "action": "save"})
    html = client.get("/surveys/every-kind/saved").get_data(as_text=True)
    code = re.search(r'class="nhsuk-heading-l engage-code">([A-Z0-9 ]+)<', html).group(1)

    other = app.test_client()
    wrong = _post(other, "/surveys/every-kind/resume", {"code": "AAAA AAAA"})
    assert "We could not find answers saved with that code" in wrong.get_data(as_text=True)
    right = _post(other, "/surveys/every-kind/resume", {"code": code.lower()})
    assert right.headers["Location"].endswith("/continue")
    assert other.get("/surveys/every-kind/continue").headers["Location"].endswith("/section/2")


def test_save_for_later_keeps_valid_answers_even_when_others_are_wrong(app, client):
    create_survey()
    _start(client)
    page = _post(
        client,
        "/surveys/every-kind/section/1",
        {**GOOD_FIRST_SECTION, "minutes": "lots", "action": "save"},
    )
    assert "Enter a whole number, like 15" in page.get_data(as_text=True)
    values = _stored_answers()
    assert values["hospital"] == "Royal Preston Hospital" and "minutes" not in values


def test_a_required_question_left_blank_does_not_stop_saving_for_later(app, client):
    """Finishing is for later too: the blank question is asked again when they come back."""
    create_survey()
    _start(client)
    partial = {k: v for k, v in GOOD_FIRST_SECTION.items() if k != "hospital"}
    saved = _post(client, "/surveys/every-kind/section/1", {**partial, "action": "save"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/saved")
    html = client.get("/surveys/every-kind/saved").get_data(as_text=True)
    assert re.search(r'class="nhsuk-heading-l engage-code">[A-Z0-9 ]+<', html), "no code given"
    values = _stored_answers()
    assert "hospital" not in values and values["modes"] == ["Bus", "Walked"]
    # Continuing (not saving) still asks for it.
    page = _post(client, "/surveys/every-kind/section/1", partial)
    assert page.status_code == 200 and "Select which hospital you visited" in page.get_data(
        as_text=True
    )


def test_change_from_check_your_answers_comes_back_to_it(app, client):
    create_survey()
    _complete(client)
    check = client.get("/surveys/every-kind/check").get_data(as_text=True)
    assert "Difficult" in check, "a rating reads as its words, not its number"
    assert "3 February 2025" in check and "2025-02-03" not in check, "a date reads as a date"
    change = re.search(r'href="(/surveys/every-kind/section/1\?change=1)#hospital"', check)
    assert change, "the Change link says where it came from"
    page = client.get(change.group(1)).get_data(as_text=True)
    assert 'href="/surveys/every-kind/check"' in page, "Back goes back to check your answers"
    changed = _post(
        client, change.group(1), {**GOOD_FIRST_SECTION, "hospital": "Furness General Hospital"}
    )
    assert changed.headers["Location"].endswith("/surveys/every-kind/check")
    assert _stored_answers()["hospital"] == "Furness General Hospital"


def test_pressing_send_twice_records_one_submission_and_comments_once(app, client):
    create_survey()
    _complete(client)
    check = client.get("/surveys/every-kind/check").get_data(as_text=True)
    token = csrf_token_from(check)
    first = client.post("/surveys/every-kind/check", data={"csrf_token": token})
    second = client.post("/surveys/every-kind/check", data={"csrf_token": token})
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Response, Response.status == "submitted") == 1
    assert _count(Comment) == 2


def test_racing_submissions_are_recorded_exactly_once(app):
    survey = create_survey()
    started = runner.start_response(survey)
    section = survey.sections[1]
    runner.save_answers(started.response, section, {"fft": "Good", "comments": "Kind staff"})
    response_id = started.response.id
    db.session.commit()  # end this thread's read; on SQLite it would hold the write lock
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with app.app_context():
                runner.submit(response_id)
                db.session.remove()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    assert _count(Comment, Comment.response_id == response_id) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "closed"}, "This survey has closed"),
        ({"closes_on": date.today() - timedelta(days=1)}, "This survey has closed"),
        ({"opens_on": date.today() + timedelta(days=3)}, "This survey is not open yet"),
        ({"audience": "panel"}, "This survey is for members of the Citizens' Panel"),
    ],
)
def test_a_survey_that_is_not_open_says_so_kindly(app, client, kwargs, message):
    create_survey(**kwargs)
    for url in ("/surveys/every-kind", "/surveys/every-kind/section/1"):
        html = unescape(client.get(url).get_data(as_text=True))
        assert message in html
        assert "Start now" not in html


def test_unknown_or_draft_survey_is_not_found(app, client):
    create_survey(status="draft")
    assert client.get("/surveys/every-kind").status_code == 404
    assert client.get("/surveys/nope").status_code == 404


def test_a_bot_filling_the_hidden_field_stores_nothing(app, client):
    create_survey()
    _post(client, "/surveys/every-kind", {"website": "http://spam.example"})
    assert _count(Response) == 0


def test_questions_can_be_shown_only_for_a_given_answer(app, client):
    create_survey(
        sections=[
            (
                "Travel",
                [
                    {
                        "key": "drove",
                        "kind": "single_choice",
                        "text": "Did you drive?",
                        "required": True,
                        "options": ["Yes", "No"],
                    }
                ],
            ),
            (
                "Parking",
                [
                    {
                        "key": "parking",
                        "kind": "free_text_short",
                        "text": "Parking?",
                        "required": False,
                    }
                ],
            ),
        ]
    )
    db.session.execute(
        Question.__table__.update()
        .where(Question.key == "parking")
        .values(show_if={"question": "drove", "equals": "Yes"})
    )
    db.session.commit()
    _start(client)
    no = _post(client, "/surveys/every-kind/section/1", {"drove": "No"})
    section_two = client.get("/surveys/every-kind/section/2").get_data(as_text=True)
    assert 'name="parking"' not in section_two, "hidden question was shown"
    assert no.status_code == 302
    _post(client, "/surveys/every-kind/section/1", {"drove": "Yes"})
    assert 'name="parking"' in client.get("/surveys/every-kind/section/2").get_data(as_text=True)


def test_progress_and_back_links_guide_the_resident(app, client):
    create_survey()
    _start(client)
    _post(client, "/surveys/every-kind/section/1", GOOD_FIRST_SECTION)
    html = client.get("/surveys/every-kind/section/2").get_data(as_text=True)
    assert "Section 2 of 2" in html
    assert 'href="/surveys/every-kind/section/1"' in html and "nhsuk-back-link" in html
