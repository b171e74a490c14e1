"""Survey translations: the team edits them side by side, a translation that leaves out a
required option or one routing depends on is refused by name, residents see the translation
with English marked where it falls back, answers stay language-independent; plain English."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import Answer, Question, Response, Role, SurveyTranslation
from engage.services import readability, translations
from engage.services.errors import DomainError
from tests.conftest import csrf_token_from, post_form
from tests.factories import create_survey


def _q(survey, key: str) -> Question:
    return next(q for s in survey.sections for q in s.questions if q.key == key)


def _polish(survey) -> dict[str, str]:
    """A Polish translation of the first section, hints left out on purpose."""
    consent, hospital, modes = _q(survey, "consent"), _q(survey, "hospital"), _q(survey, "modes")
    section = survey.sections[0]
    return {
        "survey.title": "Dojazd do szpitala",
        f"section.{section.id}.title": "O Twojej wizycie",
        f"question.{consent.id}.label": "Zgadzam się wziąć udział",
        f"question.{consent.id}.option.Yes": "Tak",
        f"question.{consent.id}.option.No": "Nie",
        f"question.{hospital.id}.label": "Który szpital odwiedzono?",
        f"question.{hospital.id}.option.Royal Preston Hospital": "Szpital Royal Preston",
        f"question.{hospital.id}.option.Furness General Hospital": "Szpital Furness General",
        f"question.{modes.id}.label": "Jak dojechano?",
        f"question.{modes.id}.option.Bus": "Autobus",
        f"question.{modes.id}.option.Car": "Samochód",
        f"question.{modes.id}.option.Walked": "Pieszo",
        f"question.{_q(survey, 'fft').id}.label": "Jak było ogólnie?",
        **{
            f"question.{_q(survey, 'fft').id}.option.{o}": f"PL {o}"
            for o in _q(survey, "fft").options
        },
    }


def test_a_translation_missing_a_required_option_is_refused_naming_it(app):
    survey = create_survey()
    strings = _polish(survey)
    hospital = _q(survey, "hospital")
    del strings[f"question.{hospital.id}.option.Furness General Hospital"]
    with pytest.raises(DomainError) as refused:
        translations.save_translation(survey.id, "pl", strings, publish=True)
    assert "option 'Furness General Hospital' is not translated" in refused.value.message
    assert "Which hospital did you visit?" in refused.value.message
    assert db.session.scalar(select(SurveyTranslation)) is None, "nothing saved when refused"
    draft = translations.save_translation(survey.id, "pl", strings, publish=False)
    assert draft.published is False, "an incomplete translation may be kept as a draft"


def test_an_option_that_routing_depends_on_must_be_translated(app):
    survey = create_survey()
    survey.sections[1].show_if = {"question": "ease", "equals": 2}  # rating: "Difficult"
    db.session.commit()
    problems = translations.missing(survey, _polish(survey))
    assert any("'Difficult'" in p and "routing of section 'Your views'" in p for p in problems), (
        problems
    )


def test_a_required_question_left_untranslated_is_named(app):
    survey = create_survey()
    strings = _polish(survey)
    del strings[f"question.{_q(survey, 'modes').id}.label"]
    assert "Question 3 ('How did you travel?') is required but not translated" in (
        translations.missing(survey, strings)
    )


def test_residents_see_the_translation_with_english_fallback_marked(app, client):
    survey = create_survey()
    translations.save_translation(survey.id, "pl", _polish(survey), publish=True)
    client.get("/?lang=pl")
    post_form(client, "/surveys/every-kind", {})
    page = client.get("/surveys/every-kind/section/1").get_data(as_text=True)
    assert "<h1>O Twojej wizycie</h1>" in page
    assert "Szpital Furness General" in page
    assert 'value="Furness General Hospital"' in page, "the stored value stays English"
    # Untranslated questions show in English, marked as English, and the page says so.
    assert '<span lang="en" dir="ltr">When did you visit?</span>' in page
    assert "Niektóre części tej ankiety nie zostały jeszcze przetłumaczone" in page


def test_answers_given_in_polish_combine_with_english_ones(app, client):
    survey = create_survey()
    translations.save_translation(survey.id, "pl", _polish(survey), publish=True)
    client.get("/?lang=pl")
    post_form(client, "/surveys/every-kind", {})
    first = {
        "consent": "Yes",
        "hospital": "Furness General Hospital",
        "modes": ["Bus"],
        "action": "continue",
    }
    post_form(client, "/surveys/every-kind/section/1", first)
    post_form(client, "/surveys/every-kind/section/2", {"fft": "Good", "action": "continue"})
    check = client.get("/surveys/every-kind/check").get_data(as_text=True)
    assert "Szpital Furness General" in check and "Autobus" in check
    post_form(client, "/surveys/every-kind/check", {})
    response = db.session.scalar(select(Response))
    assert response.status == "submitted"
    assert response.language == "pl", "the response records the language it was given in"
    hospital = db.session.scalar(
        select(Answer.value).where(Answer.question_id == _q(survey, "hospital").id)
    )
    assert hospital == "Furness General Hospital"


def test_an_untranslated_survey_on_an_urdu_page_says_so_and_marks_english(app, client):
    create_survey()
    page = client.get("/surveys/every-kind?lang=ur").get_data(as_text=True)
    assert '<h1><span lang="en" dir="ltr">Getting to hospital</span></h1>' in page
    assert "اس سروے کا ابھی آپ کی زبان میں ترجمہ نہیں ہوا" in page


def test_unpublished_translations_are_not_shown_to_residents(app, client):
    survey = create_survey()
    translations.save_translation(survey.id, "pl", _polish(survey), publish=False)
    page = client.get("/surveys/every-kind?lang=pl").get_data(as_text=True)
    assert "Dojazd do szpitala" not in page


def test_the_team_edits_a_translation_side_by_side_and_publishing_names_gaps(app, client, auth):
    survey = create_survey()
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/surveys/{survey.id}/translation?language=pl"
    page = client.get(url).get_data(as_text=True)
    assert '<label for="s-1" lang="en">Getting to hospital</label>' in page
    assert 'name="s.survey.title"' in page and 'lang="pl"' in page
    refused = post_form(client, url, {"s.survey.title": "Dojazd do szpitala", "action": "publish"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html
    assert "Question 1 (&#39;I agree to take part&#39;) is required but not translated" in html
    fields = {f"s.{k}": v for k, v in _polish(survey).items()}
    done = post_form(
        client,
        url,
        {**fields, "action": "publish", "reviewed_by": "A. Nowak"},
        follow_redirects=True,
    )
    assert "The Polish (Polski) translation was published" in done.get_data(as_text=True)
    saved = translations.get_translation(survey.id, "pl")
    assert saved.published and saved.reviewed_by == "A. Nowak"
    builder_page = client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
    assert (
        "Edit the Polish (Polski) translation</a>: published, checked by A. Nowak" in builder_page
    )


def test_the_preview_switches_to_each_language_drafts_included(app, client, auth):
    survey = create_survey()
    translations.save_translation(survey.id, "pl", _polish(survey), publish=False)
    auth.login(Role.ENGAGEMENT)
    client.get(f"/staff/surveys/{survey.id}/preview?language=pl")
    post_form(client, f"/staff/surveys/{survey.id}/preview", {})
    page = client.get(f"/staff/surveys/{survey.id}/preview/1").get_data(as_text=True)
    assert "O Twojej wizycie" in page


# --- plain English --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hard"),
    [
        ("How easy was it to park?", False),
        ("Did the staff treat you with kindness and respect?", False),
        (
            "To what extent do you consider the accessibility of transportation "
            "infrastructure adequate for individuals with mobility impairments?",
            True,
        ),
    ],
)
def test_reading_age_flags_questions_above_the_nhs_level(text, hard):
    measured = readability.measure(text)
    assert measured.reading_age is not None
    assert measured.too_hard is hard, f"reading age {measured.reading_age:.1f}"


def test_very_short_texts_are_not_scored():
    assert readability.measure("Tell us more").reading_age is None


def test_the_builder_shows_each_questions_reading_age(app, client, auth):
    survey = create_survey()
    hard = _q(survey, "one_change")
    hard.text = (
        "To what extent do you consider the accessibility of transportation infrastructure "
        "adequate for individuals with mobility impairments?"
    )
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
    assert "<strong>Hard to read.</strong> Reading age about" in page
    assert "above the NHS guide&#39;s 11" in page
    assert re.search(r"Reading age about \d+: within the NHS guide&#39;s 11", page)
    assert csrf_token_from(page)
