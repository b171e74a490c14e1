"""Moving a question to another section, or to another place in its own, with a plain form.

A move that would leave a routing rule depending on an answer given in the same or a later
section is refused with a message that names the rule; once people have responded, a move keeps
their answers and records a new version of the survey.
"""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.models import Answer, Role, Survey
from engage.services import builder
from engage.services import responses as runner
from tests.conftest import post_form
from tests.factories import create_survey

BASE = "/staff/surveys"


def _survey(status: str = "draft") -> Survey:
    """Section 1 asks which hospital; section 2 is routed on it; section 3 has two questions."""
    survey = create_survey(
        slug="moves",
        status=status,
        sections=[
            (
                "Your visit",
                [
                    {
                        "key": "hospital",
                        "kind": "single_choice",
                        "text": "Which hospital did you visit?",
                        "options": ["Royal Preston", "Furness General", "Another hospital"],
                    },
                    {"key": "when", "kind": "free_text_short", "text": "When did you go?"},
                ],
            ),
            (
                "Furness",
                [{"key": "parking", "kind": "free_text_long", "text": "How was parking?"}],
            ),
            (
                "Anything else",
                [
                    {"key": "better", "kind": "free_text_long", "text": "What could be better?"},
                    {"key": "else", "kind": "free_text_long", "text": "Anything else?"},
                ],
            ),
        ],
    )
    survey.sections[1].show_if = {"question": "hospital", "in": ["Furness General"]}
    db.session.commit()
    return survey


def _layout(survey: Survey) -> list[list[str]]:
    db.session.expire_all()
    return [[q.key for q in s.questions] for s in db.session.get(Survey, survey.id).sections]


def _question(survey: Survey, key: str):
    return next(q for q in builder.all_questions(survey) if q.key == key)


def test_the_team_moves_a_question_to_another_section_with_a_plain_form(client, auth):
    survey = _survey()
    when = _question(survey, "when")
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/questions/{when.id}/move-to"
    page = client.get(url).get_data(as_text=True)
    assert "Where should this question go?" in page
    assert (
        "Section 1, &#39;Your visit&#39;: after &#39;Which hospital did you visit?&#39; "
        "(where it is now)" in page
    ), "the current place is marked and chosen"
    assert "<script" not in page.split("<main", 1)[1], "the form needs no JavaScript"

    last = survey.sections[2]
    moved = post_form(client, url, {"destination": f"{last.id}:1"}, follow_redirects=True)
    assert "Question moved." in moved.get_data(as_text=True)
    assert _layout(survey) == [["hospital"], ["parking"], ["better", "when", "else"]]
    positions = [q.position for q in db.session.get(Survey, survey.id).sections[2].questions]
    assert positions == [0, 1, 2], "positions are renumbered in the section it joined"


def test_a_question_can_be_reordered_within_its_own_section(app):
    survey = _survey()
    builder.move_question_to(survey.id, _question(survey, "else").id, survey.sections[2].id, 0)
    assert _layout(survey)[2] == ["else", "better"]


def test_moving_a_routed_question_before_the_answer_it_depends_on_is_refused(client, auth):
    survey = _survey()
    survey.sections[2].questions[0].show_if = {"question": "hospital", "equals": "Royal Preston"}
    db.session.commit()
    better = _question(survey, "better")
    auth.login(Role.ENGAGEMENT)
    url = f"{BASE}/{survey.id}/questions/{better.id}/move-to"
    page = post_form(client, url, {"destination": f"{survey.sections[0].id}:1"})
    html = page.get_data(as_text=True)
    assert "There is a problem" in html
    assert (
        "That move would break routing: question &#39;What could be better?&#39; is shown only "
        "when &#39;Which hospital did you visit?&#39; is answered &#39;Royal Preston&#39;, so "
        "&#39;Which hospital did you visit?&#39; must be asked in an earlier section" in html
    ), "the message names the rule"
    assert "&#39;hospital&#39;" not in html, "the message names a question by its key"
    assert _layout(survey) == [["hospital", "when"], ["parking"], ["better", "else"]]


def test_moving_the_answer_a_section_depends_on_into_that_section_is_refused(app):
    survey = _survey()
    with pytest.raises(builder.Invalid) as refused:
        builder.move_question_to(
            survey.id, _question(survey, "hospital").id, survey.sections[1].id, 0
        )
    assert (
        "section 'Furness' is shown only when 'Which hospital did you visit?' is answered "
        "'Furness General'" in refused.value.message
    )
    assert refused.value.field == "destination"
    assert _layout(survey)[0] == ["hospital", "when"], "nothing moved"


def test_moving_the_answer_a_question_depends_on_into_a_later_section_is_refused(app):
    survey = _survey()
    survey.sections[2].questions[1].show_if = {
        "question": "hospital",
        "in": ["Royal Preston", "Another hospital"],
    }
    db.session.commit()
    with pytest.raises(
        builder.Invalid,
        match="question 'Anything else\\?' is shown only when "
        "'Which hospital did you visit\\?' is answered 'Royal Preston' or 'Another hospital'",
    ):
        builder.move_question_to(
            survey.id, _question(survey, "hospital").id, survey.sections[2].id, 2
        )


def test_a_refusal_names_a_long_controlling_question_by_its_text_cut_at_a_word(app):
    survey = _survey()
    asked = _question(survey, "hospital")
    asked.key = "how_did_you_travel"
    asked.text = (
        "Thinking about your most recent visit, how did you travel to the hospital, and how "
        "long did the journey take you?"
    )
    survey.sections[1].show_if = {"question": "how_did_you_travel", "equals": "Furness General"}
    db.session.commit()
    with pytest.raises(builder.Invalid) as refused:
        builder.move_question_to(survey.id, asked.id, survey.sections[1].id, 0)
    message = refused.value.message
    assert "how_did_you_travel" not in message, "the refusal names the question by its key"
    shortened = "'Thinking about your most recent visit, how did you travel…'"
    assert f"is shown only when {shortened} is answered 'Furness General'" in message
    assert f"so {shortened} must be asked in an earlier section" in message


def test_moving_a_section_above_the_answer_it_depends_on_is_refused(client, auth):
    survey = _survey()
    auth.login(Role.ENGAGEMENT)
    from tests.test_builder import _press

    html = _press(client, survey.id, f"sections/{survey.sections[1].id}/move", direction="up")
    text = html.get_data(as_text=True)
    assert "That move would break routing: section &#39;Furness&#39; is shown only when" in text
    assert [s.title for s in db.session.get(Survey, survey.id).sections] == [
        "Your visit",
        "Furness",
        "Anything else",
    ]


def test_once_people_have_responded_a_move_keeps_their_answers_and_makes_a_new_version(app):
    survey = _survey(status="open")
    started = runner.start_response(survey)
    runner.save_answers(started.response, survey.sections[0], {"when": "Last Tuesday"})
    when = _question(survey, "when")
    builder.move_question_to(survey.id, when.id, survey.sections[2].id, 2)
    db.session.expire_all()
    survey = db.session.get(Survey, survey.id)
    assert survey.version == 2, "a move under responses records a new version"
    answer = db.session.query(Answer).filter_by(question_id=when.id).one()
    assert answer.value == "Last Tuesday", "the answer stays with its question"
    assert runner.answers_of(started.response)["when"] == "Last Tuesday"


def test_an_open_survey_cannot_be_left_with_an_empty_section(app):
    survey = _survey(status="open")
    with pytest.raises(builder.Conflict, match="Add a question to section 'Furness'"):
        builder.move_question_to(
            survey.id, _question(survey, "parking").id, survey.sections[2].id, 0
        )
    assert _layout(survey)[1] == ["parking"]


def test_a_closed_survey_cannot_be_rearranged(app):
    survey = _survey(status="closed")
    with pytest.raises(builder.Conflict, match="closed"):
        builder.move_question_to(survey.id, _question(survey, "when").id, survey.sections[2].id, 0)


def test_publishing_is_refused_for_the_reason_a_move_is(app):
    """One check of routing: what a move is refused for is what stops publishing."""
    survey = _survey()
    furness = survey.sections[1]
    with pytest.raises(builder.Invalid) as refused:
        builder.move_section(survey.id, furness.id, -1)
    reason = refused.value.message.removeprefix("That move would break routing: ").rstrip(".")
    # The same order reached without the builder's moves (say, a survey edited before them).
    survey = db.session.get(Survey, survey.id)
    survey.sections[0].position, survey.sections[1].position = 1, 0
    db.session.commit()
    db.session.expire_all()
    survey = db.session.get(Survey, survey.id)
    assert reason[0].upper() + reason[1:] in builder.publish_problems(survey), (
        "publishing names the broken rule as the refused move did"
    )
