"""The builder's preview of a translated draft marks the survey's translated text with its
language and direction, as the residents' pages do, inside the English staff page around it."""

from __future__ import annotations

import pytest

from engage.models import Question, Role
from engage.services import translations
from tests.conftest import post_form
from tests.factories import create_survey


def _q(survey, key: str) -> Question:
    return next(q for s in survey.sections for q in s.questions if q.key == key)


def _draft(survey, language: str, words: dict[str, str]) -> None:
    """A draft (unpublished) translation of the title, the first section and one question."""
    translations.save_translation(
        survey.id,
        language,
        {
            "survey.title": words["title"],
            f"section.{survey.sections[0].id}.title": words["section"],
            f"question.{_q(survey, 'hospital').id}.label": words["question"],
        },
        publish=False,
    )


POLISH = {
    "title": "Dojazd do szpitala",
    "section": "O Twojej wizycie",
    "question": "Który szpital?",
}
URDU = {"title": "ہسپتال کا سفر", "section": "آپ کا دورہ", "question": "کون سا ہسپتال؟"}
PUNJABI = {"title": "ਹਸਪਤਾਲ ਦੀ ਯਾਤਰਾ", "section": "ਤੁਹਾਡੀ ਫੇਰੀ", "question": "ਕਿਹੜਾ ਹਸਪਤਾਲ?"}


def _preview(client, survey, language: str) -> tuple[str, str]:
    """The preview's start page and its first section, in ``language``."""
    base = f"/staff/surveys/{survey.id}/preview"
    start = client.get(f"{base}?language={language}").get_data(as_text=True)
    post_form(client, base, {})
    return start, client.get(f"{base}/1").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "words", "direction"),
    [("pl", POLISH, "ltr"), ("ur", URDU, "rtl"), ("pa", PUNJABI, "ltr")],
)
def test_a_draft_translation_in_the_preview_is_marked_with_its_lang_and_dir(
    app, client, auth, language, words, direction
):
    survey = create_survey()
    _draft(survey, language, words)
    auth.login(Role.ENGAGEMENT)
    start, section = _preview(client, survey, language)

    mark = f'<span lang="{language}" dir="{direction}">'
    assert f"{mark}{words['title']}</span>" in start, "the title on the start page is not marked"
    assert f"{mark}{words['section']}</span>" in section, "the section title is not marked"
    assert f"{mark}{words['question']}</span>" in section, "the question is not marked"
    assert '<html lang="en"' in section, "the staff page around the survey is English"


def test_the_notice_that_the_rest_is_in_english_shows_only_where_residents_see_it(
    app, client, auth
):
    survey = create_survey()
    _draft(survey, "pl", POLISH)
    _draft(survey, "pa", PUNJABI)
    auth.login(Role.ENGAGEMENT)
    _, polish = _preview(client, survey, "pl")
    _, punjabi = _preview(client, survey, "pa")
    notice = "engage-interface-fallback"
    assert notice not in polish, "residents reading Polish get a Polish interface, not this"
    assert notice in punjabi, "residents reading Punjabi see this notice, so the preview does"


def test_an_english_preview_marks_nothing(app, client, auth):
    survey = create_survey()
    _draft(survey, "pl", POLISH)
    auth.login(Role.ENGAGEMENT)
    start, section = _preview(client, survey, "en")
    assert "<span lang=" not in start.split("<main", 1)[1]
    assert "<span lang=" not in section.split("<main", 1)[1]
