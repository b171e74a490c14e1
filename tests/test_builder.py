"""The survey builder: the engagement team designs, previews, publishes, closes and copies surveys,
and once residents have answered, a change that would break their answers is refused."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import AuditEvent, GpPractice, Intention, Question, Response, Role, Survey
from engage.services import builder
from engage.services import responses as runner
from engage.services.errors import Conflict
from tests.conftest import csrf_token_from, post_form
from tests.factories import FFT, create_survey

BASE = "/staff/surveys"


def _details(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Getting to hospital",
        "purpose": "Tell us about your journey.",
        "audience": "public",
        "opens_on[day]": "1",
        "opens_on[month]": "4",
        "opens_on[year]": "2026",
        "closes_on[day]": "30",
        "closes_on[month]": "4",
        "closes_on[year]": "2026",
    }
    data.update(overrides)
    return data


def _draft_sections() -> list:
    """A choice question in section 1 and a free-text question in section 2."""
    return [
        (
            "Your visit",
            [
                {
                    "key": "hospital",
                    "kind": "single_choice",
                    "text": "Which hospital did you visit?",
                    "required": True,
                    "options": ["Royal Preston", "Furness General"],
                }
            ],
        ),
        ("Your views", [{"key": "comments", "kind": "free_text_long", "text": "Tell us more"}]),
    ]


def _draft(sections=None) -> Survey:
    return create_survey(slug="journeys", status="draft", sections=sections or _draft_sections())


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _page(client, url) -> str:
    return client.get(url, follow_redirects=True).get_data(as_text=True)


def _press(client, survey_id: int, action: str, **data: str):
    """Press a one-button form on the survey's builder page."""
    token = csrf_token_from(client.get(f"{BASE}/{survey_id}").get_data(as_text=True))
    return client.post(
        f"{BASE}/{survey_id}/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=True,
    )


def _answered(survey: Survey, values: dict) -> Response:
    """A resident who has started the survey and answered the first section."""
    started = runner.start_response(survey)
    runner.save_answers(started.response, survey.sections[0], values)
    return started.response


# --- creating and editing -----------------------------------------------------------------------


def test_engagement_team_creates_a_draft_for_ppgs_that_informs_intentions(client, auth):
    from engage.services import intentions

    intentions.load_catalogue()
    practice = GpPractice(code="P1", name="Moor Lane Surgery")
    db.session.add(practice)
    db.session.commit()
    chosen = db.session.scalars(select(Intention.id).where(Intention.retired.is_(False))).first()
    user = auth.login(Role.ENGAGEMENT)

    response = post_form(
        client,
        f"{BASE}/new",
        _details(audience="ppg", practices=str(practice.id), intentions=str(chosen)),
    )

    assert response.status_code == 302, "creating a survey should go on to its builder page"
    survey = db.session.scalar(select(Survey))
    assert (survey.status, survey.slug, survey.audience) == ("draft", "getting-to-hospital", "ppg")
    assert [p.code for p in survey.practices] == ["P1"]
    assert [i.id for i in survey.intentions] == [chosen]
    assert str(survey.opens_on) == "2026-04-01" and str(survey.closes_on) == "2026-04-30"
    assert survey.created_by_id == user.id
    assert [s.title for s in survey.sections] == ["Section 1"], "a new survey has a first section"
    page = _page(client, response.headers["Location"])
    assert "Getting to hospital" in page and "Moor Lane Surgery" in page


def test_a_second_survey_with_the_same_title_gets_its_own_link(app):
    first = builder.create_survey(builder.Details(title="Getting to hospital"))
    second = builder.create_survey(builder.Details(title="Getting to hospital"))
    assert (first.slug, second.slug) == ("getting-to-hospital", "getting-to-hospital-2")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a title for the survey"),
        ({"audience": ""}, "Select who the survey is for"),
        ({"closes_on[day]": "1"}, "Close date must be after the open date"),
        ({"closes_on[month]": "3"}, "Close date must be after the open date"),
        ({"opens_on[month]": ""}, "Open date must include a month"),
        ({"opens_on[day]": "31", "opens_on[month]": "2"}, "Open date must be a real date"),
        ({"closes_on[year]": "26"}, "Close date must be a real date"),
        ({"audience": "ppg"}, "Select at least one GP practice whose PPG the survey is for"),
    ],
)
def test_survey_details_are_checked_with_a_specific_message(client, auth, overrides, message):
    auth.login(Role.ENGAGEMENT)
    response = post_form(client, f"{BASE}/new", _details(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert message in html, f"expected {message!r}"
    assert _count(Survey) == 0, "nothing is saved while the form has errors"


def test_editing_details_shows_what_was_saved_and_keeps_the_link(client, auth):
    survey = _draft()
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"{BASE}/{survey.id}/details").get_data(as_text=True)
    assert 'value="Getting to hospital"' in page, "the form starts with the saved title"

    response = post_form(client, f"{BASE}/{survey.id}/details", _details(title="Travel to care"))

    assert response.status_code == 302
    db.session.expire_all()
    assert (survey.title, survey.slug) == ("Travel to care", "journeys")


def test_surveys_are_listed_with_status_audience_dates_and_sent_responses(client, auth):
    survey = create_survey(slug="travel", status="open")
    runner.submit(_answered(survey, {"hospital": "Royal Preston Hospital"}).id)
    _answered(survey, {})  # in progress: not counted as sent
    auth.login(Role.ENGAGEMENT)
    html = client.get(f"{BASE}/").get_data(as_text=True)
    row = html[html.index("Getting to hospital") :]
    assert "Open" in row and "The public" in row
    assert '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">1</td>' in row


# --- sections and questions ---------------------------------------------------------------------


def test_sections_can_be_added_renamed_reordered_and_deleted(client, auth):
    survey = _draft()
    auth.login(Role.ENGAGEMENT)
    post_form(client, f"{BASE}/{survey.id}/sections/new", {"title": "About you"})
    db.session.expire_all()
    added = survey.sections[-1]
    assert [s.title for s in survey.sections] == ["Your visit", "Your views", "About you"]

    post_form(client, f"{BASE}/{survey.id}/sections/{added.id}", {"title": "About yourself"})
    _press(client, survey.id, f"sections/{added.id}/move", direction="up")
    db.session.expire_all()
    assert [s.title for s in survey.sections] == ["Your visit", "About yourself", "Your views"]
    assert [s.position for s in survey.sections] == [0, 1, 2]

    post_form(client, f"{BASE}/{survey.id}/sections/{added.id}/delete", {})
    db.session.expire_all()
    assert [s.title for s in survey.sections] == ["Your visit", "Your views"]


def test_a_section_needs_a_title(client, auth):
    survey = _draft()
    auth.login(Role.ENGAGEMENT)
    html = post_form(client, f"{BASE}/{survey.id}/sections/new", {"title": " "}).get_data(
        as_text=True
    )
    assert "Enter a title for the section" in html


def test_questions_get_unique_keys_from_their_text_and_standard_options(client, auth):
    survey = _draft()
    section = survey.sections[0]
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/sections/{section.id}/questions/new"
    post_form(client, url, {"kind": "fft", "text": "Which hospital did you visit?"})
    post_form(client, url, {"kind": "rating", "text": "How easy was parking?", "hint": "Be honest"})
    post_form(client, url, {"kind": "multi_choice", "text": "Data", "options": "Bus\n\nCar\nBus"})
    post_form(client, url, {"kind": "free_text_short", "text": "2 things to change?"})
    db.session.expire_all()

    added = {q.key: q for q in section.questions[1:]}
    assert list(added) == [
        "which_hospital_did_you_visit",
        "how_easy_was_parking",
        "q_data",
        "q_2_things_to_change",
    ]
    assert added["which_hospital_did_you_visit"].options == FFT
    assert added["how_easy_was_parking"].options == builder.LIKERT_OPTIONS
    assert added["how_easy_was_parking"].hint == "Be honest"
    assert added["q_data"].options == ["Bus", "Car"], "blank and repeated lines are dropped"
    assert added["q_2_things_to_change"].options == []

    again = builder.add_question(
        survey.id, section.id, builder.QuestionSpec(kind="number", text="How easy was parking?")
    )
    assert again[0].key == "how_easy_was_parking_2", "keys are unique within the survey"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "single_choice", "text": ""}, "Enter the question"),
        ({"text": "How was it?"}, "Select the type of question"),
        ({"kind": "number", "text": "x" * 501}, "Question must be 500 characters or fewer"),
    ],
)
def test_a_question_is_checked_with_a_specific_message(client, auth, data, message):
    survey = _draft()
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/sections/{survey.sections[0].id}/questions/new"
    html = post_form(client, url, data).get_data(as_text=True)
    assert "There is a problem" in html and message in html


def test_the_demographics_block_adds_the_standard_optional_questions(client, auth):
    survey = _draft()
    section = survey.sections[1]
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/sections/{section.id}/questions/new"
    post_form(client, url, {"kind": "demographics", "text": ""})
    db.session.expire_all()
    block = section.questions[1:]
    assert [q.key for q in block] == ["age_band", "sex", "ethnicity", "disability", "carer"]
    for q in block:
        assert q.kind == "single_choice" and not q.required, f"{q.key} must be optional"
        assert q.options[-1] == "Prefer not to say", f"{q.key} must offer Prefer not to say"


def test_questions_can_be_edited_moved_and_deleted(client, auth):
    survey = _draft()
    section = survey.sections[0]
    second = builder.add_question(
        survey.id, section.id, builder.QuestionSpec(kind="postcode", text="Your postcode?")
    )[0]
    auth.login(Role.ENGAGEMENT)
    post_form(
        client,
        f"{BASE}/{survey.id}/questions/{second.id}",
        {
            "kind": "postcode",
            "text": "What is your postcode?",
            "required": "y",
            "error_message": "Enter your postcode",
        },
    )
    _press(client, survey.id, f"questions/{second.id}/move", direction="up")
    db.session.expire_all()
    assert [q.key for q in section.questions] == ["your_postcode", "hospital"]
    edited = section.questions[0]
    assert (edited.text, edited.required, edited.error_message) == (
        "What is your postcode?",
        True,
        "Enter your postcode",
    )
    assert edited.key == "your_postcode", "the key does not follow the wording"

    post_form(client, f"{BASE}/{survey.id}/questions/{second.id}/delete", {})
    db.session.expire_all()
    assert [q.key for q in section.questions] == ["hospital"]
    assert section.questions[0].position == 0


# --- routing ------------------------------------------------------------------------------------


def test_a_question_can_be_shown_only_for_an_answer_to_an_earlier_section(client, auth):
    survey = _draft()
    later = survey.sections[1].questions[0]
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/questions/{later.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Answer to 'Which hospital did you visit?'" in page, "earlier answers are offered"
    assert 'value="[&#34;hospital&#34;, &#34;Furness General&#34;]"' in page

    post_form(
        client,
        url,
        {
            "kind": "free_text_long",
            "text": "Tell us more",
            "show_if": json.dumps(["hospital", "Furness General"]),
        },
    )
    db.session.expire_all()
    assert later.show_if == {"question": "hospital", "equals": "Furness General"}
    assert "Shown only when &#39;hospital&#39; is answered &#39;Furness General&#39;" in _page(
        client, f"{BASE}/{survey.id}"
    )


def test_two_earlier_questions_with_the_same_wording_are_offered_apart(client, auth):
    why = {"kind": "single_choice", "text": "Why?"}
    survey = _draft(
        sections=[
            ("Travel", [{**why, "key": "why_travel", "options": ["Too far", "No bus"]}]),
            ("Parking", [{**why, "key": "why_parking", "options": ["Too far", "Too dear"]}]),
            ("Anything else", [{"key": "else", "kind": "free_text_long", "text": "Else?"}]),
        ]
    )
    last = survey.sections[2]
    last.show_if = {"question": "why_parking", "equals": "Too far"}
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"{BASE}/{survey.id}/sections/{last.id}").get_data(as_text=True)
    page = html.unescape(page)
    groups = re.findall(r"<legend[^>]*>(Answer to [^<]*)</legend>(.*?)</fieldset>", page, re.S)
    assert [legend for legend, _ in groups] == [
        "Answer to 'Why?' in section 1, 'Travel'",
        "Answer to 'Why?' in section 2, 'Parking'",
    ], "each question is offered under its own wording and section, not merged by wording"
    values = [re.findall(r'value="(\[.*?\])"( checked)?', body) for _, body in groups]
    assert values == [
        [('["why_travel", "Too far"]', ""), ('["why_travel", "No bus"]', "")],
        [('["why_parking", "Too far"]', " checked"), ('["why_parking", "Too dear"]', "")],
    ], "each group holds its own question's answers, and only the chosen one is ticked"


def test_routing_on_a_rating_compares_the_position_the_runner_stores(app):
    survey = _draft(
        sections=[
            (
                "One",
                [{"key": "ease", "kind": "rating", "text": "Ease?", "options": ["Hard", "Easy"]}],
            ),
            ("Two", []),
        ]
    )
    section = builder.update_section(survey.id, survey.sections[1].id, "Two", "ease", "Hard")
    assert section.show_if == {"question": "ease", "equals": 1}
    assert builder.rule_choice(survey, section.show_if) == ("ease", ["Hard"])


@pytest.mark.parametrize(
    ("section", "key", "answer", "message"),
    [
        (1, "hospital", "Blackpool Victoria", "Choose one of the answers to 'Which hospital"),
        (1, "nowhere", "Yes", "Choose a question from an earlier section"),
        (1, "comments", "Yes", "Choose a question from an earlier section"),  # free text
        (0, "hospital", "Royal Preston", "Choose a question from an earlier section"),  # same
    ],
)
def test_routing_must_name_an_earlier_question_and_one_of_its_answers(
    app, section, key, answer, message
):
    survey = _draft()
    target = survey.sections[section]
    with pytest.raises(builder.Invalid, match=message):
        builder.update_section(survey.id, target.id, "Title", key, answer)
    db.session.expire_all()
    assert target.show_if is None and target.title != "Title", "nothing is saved"


# --- publishing, closing, copying ---------------------------------------------------------------


def test_publishing_opens_the_survey_and_is_audited_with_before_and_after(client, auth):
    survey = _draft()
    user = auth.login(Role.ENGAGEMENT)
    html = _press(client, survey.id, "publish").get_data(as_text=True)
    assert "Survey published" in html
    db.session.expire_all()
    assert survey.status == "open"
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.entity_type == "Survey",
            AuditEvent.entity_id == str(survey.id),
            AuditEvent.action == "update",
        )
    ).all()
    assert any(
        e.before == {"status": "draft"} and e.after == {"status": "open"} and e.user_id == user.id
        for e in events
    ), f"publishing should be in the audit log: {[(e.before, e.after) for e in events]}"
    assert client.get("/surveys/journeys").status_code == 200, "residents can now open it"


def _no_questions(survey):
    for q in list(survey.sections[1].questions) + list(survey.sections[0].questions):
        q.section.questions.remove(q)


def _dates_backwards(survey):
    from datetime import date

    survey.opens_on, survey.closes_on = date(2026, 5, 1), date(2026, 4, 1)


def _no_options(survey):
    survey.sections[0].questions[0].options = []


def _route_to_nowhere(survey):
    survey.sections[1].questions[0].show_if = {"question": "gone", "equals": "Yes"}


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_no_questions, "Add at least one question"),
        (_dates_backwards, "Close date must be after the open date"),
        (_no_options, "Enter the answer options for &#39;Which hospital did you visit?&#39;"),
        (_route_to_nowhere, "refers to question &#39;gone&#39;, which does not exist"),
    ],
)
def test_publishing_is_refused_with_the_reason_until_the_survey_is_ready(
    client, auth, spoil, message
):
    survey = _draft()
    spoil(survey)
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    html = _press(client, survey.id, "publish").get_data(as_text=True)
    assert "The survey cannot be published yet" in html
    assert message in html, f"expected {message!r}"
    db.session.expire_all()
    assert survey.status == "draft"


def test_an_open_survey_can_be_closed_but_a_draft_cannot(app):
    draft = _draft()
    with pytest.raises(Conflict, match="Only an open survey can be closed"):
        builder.close(draft.id)
    builder.publish(draft.id)
    assert builder.close(draft.id).status == "closed"
    with pytest.raises(Conflict, match="closed, so it cannot be changed"):
        builder.add_section(draft.id, "Afterthoughts")


def test_closing_through_the_builder_stops_residents_answering(client, auth):
    survey = create_survey(slug="travel", status="open")
    auth.login(Role.ENGAGEMENT)
    assert "Survey closed" in _press(client, survey.id, "close").get_data(as_text=True)
    assert "closed" in client.get("/surveys/travel").get_data(as_text=True).lower()


def test_copying_makes_a_new_draft_with_the_same_questions_and_no_responses(client, auth):
    survey = create_survey(slug="travel", status="open")
    survey.sections[1].show_if = {"question": "hospital", "equals": "Royal Preston Hospital"}
    db.session.commit()
    _answered(survey, {"hospital": "Royal Preston Hospital"})
    auth.login(Role.ENGAGEMENT)
    _press(client, survey.id, "copy")
    _press(client, survey.id, "copy")
    copies = db.session.scalars(select(Survey).where(Survey.id != survey.id).order_by(Survey.id))
    first, second = copies.all()
    assert (first.slug, second.slug) == ("travel-copy", "travel-copy-2")
    assert builder.copy(first.id).slug == "travel-copy-3", "a copy of a copy stays in the series"
    assert (first.status, first.version, first.title) == ("draft", 1, survey.title)
    assert [q.key for q in builder.all_questions(first)] == [
        q.key for q in builder.all_questions(survey)
    ]
    assert first.sections[1].show_if == survey.sections[1].show_if
    assert _count(Response, Response.survey_id == first.id) == 0


# --- preview ------------------------------------------------------------------------------------


def test_preview_shows_each_section_as_residents_see_it_and_saves_nothing(client, auth):
    survey = _draft()
    survey.sections[1].show_if = {"question": "hospital", "equals": "Furness General"}
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    start = post_form(client, f"{BASE}/{survey.id}/preview", {})
    assert start.headers["Location"].endswith(f"{BASE}/{survey.id}/preview/1")
    page = client.get(f"{BASE}/{survey.id}/preview/1").get_data(as_text=True)
    assert "Preview: answers are not saved" in page
    assert "Which hospital did you visit?" in page and "Section 1 of 1" in page

    missing = post_form(client, f"{BASE}/{survey.id}/preview/1", {"action": "continue"})
    assert "Select an answer to: Which hospital did you visit" in missing.get_data(as_text=True)

    saving = post_form(client, f"{BASE}/{survey.id}/preview/1", {"action": "save"})
    assert "Nothing is saved in a preview" in _page(client, saving.headers["Location"])

    chosen = post_form(client, f"{BASE}/{survey.id}/preview/1", {"hospital": "Furness General"})
    assert chosen.headers["Location"].endswith("/preview/2"), "routing follows the answer given"
    page = client.get(f"{BASE}/{survey.id}/preview/2").get_data(as_text=True)
    assert "Tell us more" in page and "Section 2 of 2" in page
    done = post_form(client, f"{BASE}/{survey.id}/preview/2", {"comments": "Fine"})
    assert "end of the preview" in _page(client, done.headers["Location"])
    assert _count(Response) == 0, "a preview must not create responses"
    assert survey.status == "draft"


# --- versioning once people have responded -----------------------------------------------------


@pytest.fixture
def answered_survey(app):
    survey = _draft()
    _answered(survey, {"hospital": "Royal Preston"})  # in progress counts: answers exist
    return survey


def _hospital(survey: Survey) -> Question:
    return survey.sections[0].questions[0]


def _spec(question: Question, **changes) -> builder.QuestionSpec:
    fields = {
        "kind": question.kind,
        "text": question.text,
        "hint": question.hint,
        "required": question.required,
        "options": list(question.options),
    }
    return builder.QuestionSpec(**{**fields, **changes})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "multi_choice"}, "its type cannot change"),
        ({"options": ["Furness General"]}, "already chosen 'Royal Preston'"),
        ({"options": ["Royal Preston Hospital", "Furness General"]}, "keep that option exactly"),
    ],
)
def test_a_change_that_would_break_answers_is_refused(answered_survey, change, message):
    question = _hospital(answered_survey)
    with pytest.raises(builder.Invalid, match=message):
        builder.update_question(answered_survey.id, question.id, _spec(question, **change))
    db.session.expire_all()
    assert (question.kind, question.options) == (
        "single_choice",
        ["Royal Preston", "Furness General"],
    )
    assert answered_survey.version == 1


def test_answered_questions_and_their_sections_cannot_be_deleted(answered_survey):
    with pytest.raises(Conflict, match="already answered this question, so it cannot be deleted"):
        builder.delete_question(answered_survey.id, _hospital(answered_survey).id)
    with pytest.raises(Conflict, match="already answered questions in this section"):
        builder.delete_section(answered_survey.id, answered_survey.sections[0].id)
    db.session.expire_all()
    assert len(builder.all_questions(answered_survey)) == 2


def test_wording_changes_new_options_and_optional_questions_make_a_new_version(answered_survey):
    question = _hospital(answered_survey)
    builder.update_question(
        answered_survey.id,
        question.id,
        _spec(
            question,
            text="Which hospital did you go to?",
            hint="Choose one",
            options=["Royal Preston", "Furness General", "Blackpool Victoria"],
        ),
    )
    assert answered_survey.version == 2, "changing questions under responses makes a version"
    builder.add_question(
        answered_survey.id,
        answered_survey.sections[1].id,
        builder.QuestionSpec(kind="free_text_short", text="Anything else?"),
    )
    assert answered_survey.version == 3
    unanswered = answered_survey.sections[1].questions[0]
    builder.delete_question(answered_survey.id, unanswered.id)
    assert answered_survey.version == 4, "a question nobody answered may still go"


def test_new_or_existing_questions_cannot_become_required_once_people_responded(answered_survey):
    with pytest.raises(builder.Invalid, match="new questions must be optional"):
        builder.add_question(
            answered_survey.id,
            answered_survey.sections[1].id,
            builder.QuestionSpec(kind="number", text="How many visits?", required=True),
        )
    later = answered_survey.sections[1].questions[0]
    with pytest.raises(builder.Invalid, match="cannot become required"):
        builder.update_question(answered_survey.id, later.id, _spec(later, required=True))


def test_rating_options_can_be_reworded_but_not_cut_below_the_answers_given(app):
    survey = _draft(
        sections=[
            (
                "One",
                [{"key": "ease", "kind": "rating", "text": "Ease?", "options": ["1", "2", "3"]}],
            )
        ]
    )
    _answered(survey, {"ease": 3})
    question = survey.sections[0].questions[0]
    builder.update_question(survey.id, question.id, _spec(question, options=["Hard", "OK", "Easy"]))
    with pytest.raises(builder.Invalid, match="already chosen answer 3 on this scale"):
        builder.update_question(survey.id, question.id, _spec(question, options=["Hard", "Easy"]))


def test_a_refusal_is_shown_on_the_question_form(client, auth, answered_survey):
    question = _hospital(answered_survey)
    auth.login(Role.ENGAGEMENT)
    html = post_form(
        client,
        f"{BASE}/{answered_survey.id}/questions/{question.id}",
        {"kind": "single_choice", "text": question.text, "required": "y", "options": "Other"},
    ).get_data(as_text=True)
    assert "There is a problem" in html
    assert "People have already chosen &#39;Royal Preston&#39;" in html
    assert "1 person has answered this question" in html


def test_an_open_survey_must_stay_ready_for_residents(app):
    survey = _draft()
    survey.sections[1].questions[0].show_if = {"question": "hospital", "equals": "Royal Preston"}
    db.session.commit()
    builder.publish(survey.id)
    with pytest.raises(Conflict, match="refers to question 'hospital', which does not exist"):
        builder.delete_question(survey.id, _hospital(survey).id)
    db.session.expire_all()
    assert _hospital(survey).key == "hospital", "the refused change is rolled back"


def test_an_open_survey_with_an_old_problem_can_still_be_edited(app):
    survey = create_survey(
        slug="travel", status="open", sections=[*_draft_sections(), ("Empty", [])]
    )
    section = builder.update_section(survey.id, survey.sections[0].id, "About your visit")
    assert section.title == "About your visit", "a problem that was already there blocks nothing"


# --- who may use the builder --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_only_the_engagement_team_and_admins_can_build_surveys(client, auth, role):
    survey = _draft()
    auth.login(role)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/{survey.id}/preview/1").status_code == 403
    token = csrf_token_from(client.get("/staff/admin/").get_data(as_text=True))
    publish = client.post(f"{BASE}/{survey.id}/publish", data={"csrf_token": token})
    assert publish.status_code == 403
    db.session.expire_all()
    assert survey.status == "draft"
