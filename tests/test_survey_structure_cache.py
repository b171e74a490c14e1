"""Resident pages cache a survey's structure per process; every edit shows on the next page.

The cache is keyed by ``Survey.structure_token``, which every change to sections, questions or
translations renews in its own transaction. These tests fill the cache with a resident's page,
edit the survey as staff do, and look at the resident's next page, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import Question, Section, Survey
from engage.services import builder, surveys, translations
from engage.services.builder import QuestionSpec
from tests.conftest import csrf_token_from
from tests.factories import create_survey

SECTION_ONE = "/surveys/every-kind/section/1"


def _q(key: str) -> Question:
    found = db.session.scalar(select(Question).where(Question.key == key))
    assert found is not None, f"no question {key}"
    return found


def _survey() -> Survey:
    found = db.session.scalar(select(Survey).where(Survey.slug == "every-kind"))
    assert found is not None
    return found


def _spec(question: Question, **changes) -> QuestionSpec:
    values = {
        "kind": question.kind,
        "text": question.text,
        "hint": question.hint,
        "required": question.required,
        "options": list(question.options or []),
        "error_message": question.error_message,
        "show_if_key": (question.show_if or {}).get("question"),
        "show_if_value": (question.show_if or {}).get("equals")
        or (question.show_if or {}).get("in"),
        **changes,
    }
    return QuestionSpec(**values)


@pytest.fixture
def resident(app, client):
    """A resident part-way through the survey, whose pages have filled the cache."""
    create_survey()
    page = client.get("/surveys/every-kind")
    client.post(
        "/surveys/every-kind",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "website": ""},
    )
    first = client.get(SECTION_ONE).get_data(as_text=True)
    assert "Which hospital did you visit?" in first
    assert app.extensions.get("engage_structures"), "the resident's page did not fill the cache"
    return client


def _page(client, path: str = SECTION_ONE) -> str:
    reply = client.get(path)
    assert reply.status_code == 200, f"{path}: HTTP {reply.status_code}"
    return reply.get_data(as_text=True)


def test_a_changed_question_and_a_new_option_show_on_the_next_page(resident):
    hospital = _q("hospital")
    options = [*hospital.options, "Royal Lancaster Infirmary"]
    builder.update_question(
        _survey().id,
        hospital.id,
        _spec(hospital, text="Which hospital were you seen at?", options=options),
    )
    page = _page(resident)
    assert "Which hospital were you seen at?" in page, "old question wording from the cache"
    assert "Which hospital did you visit?" not in page
    assert "Royal Lancaster Infirmary" in page, "a new option did not reach the resident"


def test_changed_routing_shows_on_the_next_page(resident):
    section_two = "/surveys/every-kind/section/2"
    assert 'name="one_change"' in _page(resident, section_two)
    one_change = _q("one_change")
    builder.update_question(
        _survey().id,
        one_change.id,
        _spec(one_change, show_if_key="hospital", show_if_value="Furness General Hospital"),
    )
    assert 'name="one_change"' not in _page(resident, section_two), (
        "a question that routing now hides was shown"
    )


def test_a_section_title_and_a_new_question_show_on_the_next_page(resident):
    survey = _survey()
    first = survey.sections[0]
    builder.update_section(survey.id, first.id, "Your hospital visit")
    builder.add_question(
        survey.id, first.id, QuestionSpec(kind="free_text_short", text="Who came with you?")
    )
    page = _page(resident)
    assert "Your hospital visit" in page, "old section title from the cache"
    assert "Who came with you?" in page, "a new question did not reach the resident"


def test_a_deleted_question_is_gone_from_the_next_page(resident):
    assert 'name="minutes"' in _page(resident)
    builder.delete_question(_survey().id, _q("minutes").id)
    assert 'name="minutes"' not in _page(resident), "a deleted question was shown"


def _polish() -> dict[str, str]:
    survey = _survey()
    by_key = {q.key: q for s in survey.sections for q in s.questions}
    strings = {"survey.title": "Dojazd do szpitala"}
    for key in ("consent", "hospital", "modes", "fft"):
        q = by_key[key]
        strings[f"question.{q.id}.label"] = f"PL {q.text}"
        strings.update({f"question.{q.id}.option.{o}": f"PL {o}" for o in q.options})
    return strings


def test_a_published_or_edited_translation_shows_on_the_next_page(resident):
    survey_id = _survey().id
    assert "PL Which hospital did you visit?" not in _page(resident, SECTION_ONE + "?lang=pl")
    strings = _polish()
    translations.save_translation(survey_id, "pl", strings, publish=True)
    assert "PL Which hospital did you visit?" in _page(resident), "published translation unseen"
    hospital = _q("hospital")
    strings[f"question.{hospital.id}.label"] = "Który szpital?"
    strings[f"question.{hospital.id}.option.Royal Preston Hospital"] = "Szpital w Preston"
    translations.save_translation(survey_id, "pl", strings, publish=True)
    page = _page(resident)
    assert "Który szpital?" in page, "an edited translation was not shown"
    assert "Szpital w Preston" in page, "an edited translated option was not shown"
    translations.save_translation(survey_id, "pl", strings, publish=False)
    assert "Który szpital?" not in _page(resident), "a withdrawn translation was still shown"


def test_a_bulk_statement_through_the_session_renews_the_structure(resident):
    db.session.execute(
        Question.__table__.update()
        .where(Question.key == "minutes")
        .values(show_if={"question": "hospital", "equals": "Furness General Hospital"})
    )
    db.session.commit()
    assert 'name="minutes"' not in _page(resident), "a table UPDATE left the cache stale"


def test_an_edit_rolled_back_is_never_cached(app):
    """A session reading its own uncommitted edit keeps it out of the cache."""
    create_survey()
    survey = _survey()
    before = surveys.structure_of(survey)
    assert before.sections[0].title == "About your visit"
    section = db.session.get(Section, before.sections[0].id)
    section.title = "Not kept"
    during = surveys.structure_of(survey)
    assert during.sections[0].title == "Not kept", "the session's own edit was not read"
    db.session.rollback()
    after = surveys.structure_of(_survey())
    assert after.sections[0].title == "About your visit", "a rolled-back edit was cached"


def test_each_change_gives_a_token_never_used_before(app):
    create_survey()
    survey = _survey()
    seen = {survey.structure_token}
    for title in ("One", "Two", "Three"):
        builder.update_section(survey.id, survey.sections[0].id, title)
        db.session.refresh(survey)
        assert survey.structure_token not in seen, "a structure change kept an old token"
        seen.add(survey.structure_token)
