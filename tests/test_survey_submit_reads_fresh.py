"""Sending reads the answers as they are once the send has won, not as the page read them.

The check page reads the answers with the response; another tab may save a section before the
send's guarded UPDATE. What is kept, and made into comments, must be what is stored then.
"""

from __future__ import annotations

from sqlalchemy import create_engine, select, update

from engage.extensions import db
from engage.models import Answer, Comment, Question
from engage.services import responses as runner
from engage.services import surveys
from tests.factories import create_survey


def test_an_answer_saved_in_another_tab_before_sending_is_the_one_kept(app, database_url):
    survey = create_survey()
    started = runner.start_response(survey)
    one_change = next(q for s in survey.sections for q in s.questions if q.key == "one_change")
    runner.save_answers(started.response, survey.sections[1], {"one_change": "First words"})

    # The send's request reads the survey, response and answers as its page did...
    opened, response, answers = runner.open_response(survey.slug, started.token)
    assert answers.values["one_change"] == "First words"
    structure = surveys.structure_of(opened)
    runner._commit_keeping_loaded()

    # ...then another tab stores a new answer before the send's UPDATE.
    other = create_engine(database_url)
    with other.begin() as conn:
        conn.execute(
            update(Answer)
            .where(Answer.response_id == response.id, Answer.question_id == one_change.id)
            .values(value="Second thoughts")
        )
    other.dispose()

    runner.submit(response.id, structure=structure)
    kept = db.session.scalar(
        select(Answer.value)
        .join(Question, Answer.question_id == Question.id)
        .where(Answer.response_id == response.id, Question.key == "one_change")
    )
    assert kept == "Second thoughts"
    texts = db.session.scalars(select(Comment.original_text)).all()
    assert texts == ["Second thoughts"], f"the comment came from a stale read: {texts}"
