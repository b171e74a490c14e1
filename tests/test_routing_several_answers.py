"""Routing on several answers: "show this only when the answer to Q is any of A, B".

A rule is stored as ``{"question": key, "in": [values]}``; rules written before this change,
``{"question": key, "equals": value}``, keep working everywhere. The team ticks the answers in
the builder; the runner, "check your answers", the preview and the translation check all read
the list.
"""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.models import Role, Survey
from engage.services import builder, translations
from engage.services import responses as runner
from engage.services.errors import DomainError
from tests.conftest import csrf_token_from, post_form
from tests.factories import create_survey

BASE = "/staff/surveys"
HOSPITALS = ["Royal Preston", "Furness General", "Westmorland General"]


def _survey(status: str = "open") -> Survey:
    """Which hospital, how you travelled (several), then parking and bus questions to route."""
    return create_survey(
        slug="routing",
        status=status,
        sections=[
            (
                "Your visit",
                [
                    {
                        "key": "hospital",
                        "kind": "single_choice",
                        "text": "Which hospital did you visit?",
                        "required": True,
                        "options": HOSPITALS,
                    },
                    {
                        "key": "travel",
                        "kind": "multi_choice",
                        "text": "How did you travel?",
                        "options": ["Car", "Bus", "Walked"],
                    },
                    {
                        "key": "ease",
                        "kind": "rating",
                        "text": "How easy was it?",
                        "options": ["Very hard", "Hard", "Easy", "Very easy"],
                    },
                ],
            ),
            (
                "South Cumbria",
                [
                    {"key": "parking", "kind": "free_text_short", "text": "How was parking?"},
                    {"key": "bus", "kind": "free_text_short", "text": "Which bus did you take?"},
                ],
            ),
        ],
    )


def _q(survey: Survey, key: str):
    return next(q for q in builder.all_questions(survey) if q.key == key)


# --- the builder ------------------------------------------------------------------------------


def test_the_team_ticks_several_answers_to_show_a_section_for_any_of_them(client, auth):
    survey = _survey(status="draft")
    south = survey.sections[1]
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/sections/{south.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Answer to 'Which hospital did you visit?'" in page, "answers grouped by question"
    assert page.count('type="checkbox"') == 3 + 3 + 4, "every earlier choice answer is offered"

    post_form(
        client,
        url,
        {
            "title": "South Cumbria",
            "show_if": ['["hospital", "Westmorland General"]', '["hospital", "Furness General"]'],
        },
    )
    db.session.expire_all()
    assert south.show_if == {
        "question": "hospital",
        "in": ["Furness General", "Westmorland General"],
    }, "stored in the order the question offers them"
    overview = client.get(f"{BASE}/{survey.id}").get_data(as_text=True)
    assert (
        "Shown only when &#39;hospital&#39; is answered &#39;Furness General&#39; or "
        "&#39;Westmorland General&#39;" in overview
    )
    again = client.get(url).get_data(as_text=True)
    assert again.count(" checked") == 2, "the ticked answers are shown ticked when editing"


def test_ticking_answers_to_two_questions_is_refused(client, auth):
    survey = _survey(status="draft")
    bus = _q(survey, "bus")
    auth.login(Role.ENGAGEMENT)
    page = post_form(
        client,
        f"{BASE}/{survey.id}/questions/{bus.id}",
        {
            "kind": "free_text_short",
            "text": "Which bus did you take?",
            "show_if": ['["travel", "Bus"]', '["hospital", "Royal Preston"]'],
        },
    )
    assert "Tick answers to one question only" in page.get_data(as_text=True)
    db.session.expire_all()
    assert bus.show_if is None, "nothing is saved"


def test_unticking_every_answer_shows_the_question_always(client, auth):
    survey = _survey(status="draft")
    bus = _q(survey, "bus")
    bus.show_if = {"question": "travel", "in": ["Bus", "Walked"]}
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    post_form(
        client,
        f"{BASE}/{survey.id}/questions/{bus.id}",
        {"kind": "free_text_short", "text": "Which bus did you take?"},
    )
    db.session.expire_all()
    assert bus.show_if is None


def test_a_rating_rule_lists_the_positions_the_runner_stores(app):
    survey = _survey(status="draft")
    section = builder.update_section(
        survey.id, survey.sections[1].id, "South Cumbria", "ease", ["Very hard", "Hard"]
    )
    assert section.show_if == {"question": "ease", "in": [1, 2]}
    assert builder.rule_choice(survey, section.show_if) == ("ease", ["Very hard", "Hard"])


def test_an_answer_the_question_does_not_offer_is_refused(app):
    survey = _survey(status="draft")
    with pytest.raises(builder.Invalid, match="Choose one of the answers to 'How did you travel"):
        builder.update_section(survey.id, survey.sections[1].id, "S", "travel", ["Bus", "Tram"])


def test_a_rule_naming_an_answer_that_was_removed_stops_publishing(app):
    survey = _survey(status="draft")
    survey.sections[1].show_if = {"question": "hospital", "in": ["Royal Preston", "Gone"]}
    db.session.commit()
    assert "The routing of 'South Cumbria' refers to an answer 'hospital' does not offer" in (
        builder.publish_problems(survey)
    )


def test_a_copy_keeps_the_list_and_shares_nothing_with_the_original(app):
    survey = _survey(status="draft")
    survey.sections[1].show_if = {"question": "hospital", "in": ["Furness General"]}
    db.session.commit()
    copy = builder.copy(survey.id)
    assert copy.sections[1].show_if == {"question": "hospital", "in": ["Furness General"]}
    assert copy.sections[1].show_if["in"] is not survey.sections[1].show_if["in"]


# --- the runner, check your answers and the preview --------------------------------------------


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({"hospital": "Furness General"}, True),
        ({"hospital": "Westmorland General"}, True),
        ({"hospital": "Royal Preston"}, False),
        ({}, False),
    ],
)
def test_the_runner_shows_a_section_for_any_listed_answer(app, answers, shown):
    survey = _survey()
    survey.sections[1].show_if = {
        "question": "hospital",
        "in": ["Furness General", "Westmorland General"],
    }
    db.session.commit()
    titles = [s.title for s in runner.visible_sections(survey, answers)]
    assert ("South Cumbria" in titles) is shown


@pytest.mark.parametrize(
    ("travel", "shown"),
    [(["Car"], False), (["Car", "Walked"], True), (["Bus"], True), ([], False)],
)
def test_several_answers_to_a_multiple_choice_question_match_any_listed(app, travel, shown):
    survey = _survey()
    bus = _q(survey, "bus")
    bus.show_if = {"question": "travel", "in": ["Bus", "Walked"]}
    db.session.commit()
    keys = [q.key for q in runner.visible_questions(survey.sections[1], {"travel": travel})]
    assert ("bus" in keys) is shown


def test_rules_written_with_one_answer_keep_working(app):
    survey = _survey()
    survey.sections[1].show_if = {"question": "hospital", "equals": "Furness General"}
    db.session.commit()
    assert len(runner.visible_sections(survey, {"hospital": "Furness General"})) == 2
    assert len(runner.visible_sections(survey, {"hospital": "Royal Preston"})) == 1
    assert builder.describe_rule(survey, survey.sections[1].show_if) == (
        "Shown only when 'hospital' is answered 'Furness General'"
    )
    assert builder.publish_problems(survey) == []


def _post(client, url, data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_check_your_answers_lists_only_what_the_answers_routed_to(app, client):
    survey = _survey()
    _q(survey, "bus").show_if = {"question": "travel", "in": ["Bus", "Walked"]}
    _q(survey, "parking").show_if = {"question": "travel", "in": ["Car"]}
    db.session.commit()
    _post(client, "/surveys/routing", {})
    _post(
        client,
        "/surveys/routing/section/1",
        {"hospital": "Royal Preston", "travel": ["Walked", "Bus"], "ease": "3"},
    )
    section_two = client.get("/surveys/routing/section/2").get_data(as_text=True)
    assert 'name="bus"' in section_two and 'name="parking"' not in section_two
    _post(client, "/surveys/routing/section/2", {"bus": "The 2X"})
    check = client.get("/surveys/routing/check").get_data(as_text=True)
    assert "Which bus did you take?" in check and "The 2X" in check
    assert "How was parking?" not in check, "a question routed away is not listed"


def test_answers_that_a_changed_answer_routes_away_are_not_sent(app, client):
    """Bus, then back to choose Car: the bus answer is neither stored nor made a comment."""
    from sqlalchemy import select

    from engage.models import Answer, Comment, Question, Response

    survey = _survey()
    _q(survey, "bus").show_if = {"question": "travel", "in": ["Bus"]}
    _q(survey, "parking").show_if = {"question": "travel", "in": ["Car"]}
    db.session.commit()
    _post(client, "/surveys/routing", {})
    _post(client, "/surveys/routing/section/1", {"hospital": "Royal Preston", "travel": ["Bus"]})
    _post(client, "/surveys/routing/section/2", {"bus": "The 2X from Lancaster"})
    _post(client, "/surveys/routing/section/1", {"hospital": "Royal Preston", "travel": ["Car"]})
    _post(client, "/surveys/routing/section/2", {"parking": "Full by nine"})
    sent = _post(client, "/surveys/routing/check", {})
    assert sent.status_code in (302, 303)
    response = db.session.scalars(select(Response).where(Response.survey_id == survey.id)).one()
    assert response.status == "submitted"
    stored = {
        q.key: a.value
        for a, q in db.session.execute(
            select(Answer, Question)
            .join(Question, Answer.question_id == Question.id)
            .where(Answer.response_id == response.id)
        )
    }
    assert "bus" not in stored and stored["parking"] == "Full by nine"
    texts = db.session.scalars(select(Comment.original_text)).all()
    assert texts == ["Full by nine"], "only the answer the resident was routed to is a comment"


def test_the_preview_follows_a_rule_with_several_answers(app, client, auth):
    survey = _survey(status="draft")
    survey.sections[1].show_if = {
        "question": "hospital",
        "in": ["Furness General", "Westmorland General"],
    }
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    _post(client, f"{BASE}/{survey.id}/preview", {})
    went = _post(
        client, f"{BASE}/{survey.id}/preview/1", {"hospital": "Westmorland General", "ease": "2"}
    )
    assert went.headers["Location"].endswith("/preview/2"), "routed on to section 2"
    assert "How was parking?" in client.get(f"{BASE}/{survey.id}/preview/2").get_data(as_text=True)
    _post(client, f"{BASE}/{survey.id}/preview", {})
    ended = _post(client, f"{BASE}/{survey.id}/preview/1", {"hospital": "Royal Preston"})
    assert ended.headers["Location"].endswith(f"{BASE}/{survey.id}"), "no section 2 for Preston"


# --- translations -------------------------------------------------------------------------------


def _strings(survey: Survey, leave_out: str) -> dict[str, str]:
    hospital, travel = _q(survey, "hospital"), _q(survey, "travel")
    strings = {"survey.title": "Dojazd do szpitala", f"question.{hospital.id}.label": "Szpital?"}
    strings.update({f"question.{hospital.id}.option.{o}": f"PL {o}" for o in HOSPITALS})
    strings.update({f"question.{travel.id}.option.{o}": f"PL {o}" for o in travel.options})
    strings.pop(leave_out, None)
    return strings


def test_a_translation_dropping_any_listed_answer_is_refused_naming_the_rule(app):
    survey = _survey()
    bus, travel = _q(survey, "bus"), _q(survey, "travel")
    bus.show_if = {"question": "travel", "in": ["Bus", "Walked"]}
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        translations.save_translation(
            survey.id, "pl", _strings(survey, f"question.{travel.id}.option.Walked"), publish=True
        )
    assert (
        "Option 'Walked' of question 2 ('How did you travel?') is not translated, and the "
        "routing of question 'Which bus did you take?' depends on it" in refused.value.message
    )
    # An option no rule lists may stay in English.
    translations.save_translation(
        survey.id, "pl", _strings(survey, f"question.{travel.id}.option.Car"), publish=True
    )


def test_a_rating_rule_with_several_positions_names_each_option(app):
    survey = _survey()
    survey.sections[1].show_if = {"question": "ease", "in": [1, 2]}
    db.session.commit()
    problems = translations.missing(survey, _strings(survey, ""))
    assert any("Option 'Very hard'" in p for p in problems)
    assert any("Option 'Hard'" in p for p in problems)
    assert not any("Option 'Easy'" in p for p in problems)
