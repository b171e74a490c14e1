"""The demo's results are believable: each respondent's closed answers tell the same story as
what they wrote, FFT returns carry ratings that match their comments, and each survey names the
commissioning intentions it is really about."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest

from engage.demo import phrases as ph
from engage.demo.generate import FFT_OPTIONS, DemoData, generate
from engage.services import demo, intentions

NEGATIVE_FFT = ("Poor", "Very poor")
# The "could not get through on the phone" family of the telephone theme.
NOT_THROUGH = tuple(
    t
    for t in ph.THEMES["telephone"].neg
    if any(words in t for words in ("queue", "cut off", "get through", "rings out"))
)


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate()


def _patterns(templates: Iterable[str]) -> list[re.Pattern[str]]:
    """A template as a pattern over comments: any words where a slot was filled."""
    found = []
    for template in templates:
        parts = re.split(r"\{[a-z_]+\}", _fold(template))
        found.append(re.compile(".+?".join(re.escape(part) for part in parts)))
    return found


def _fold(text: str) -> str:
    # Comments are lower-cased, shouted or lose their apostrophes as real ones do.
    return text.lower().replace("'", "")


def _says(text: str, patterns: list[re.Pattern[str]]) -> bool:
    folded = _fold(text)
    return any(p.search(folded) for p in patterns)


def _gp_respondents(data: DemoData, patterns: list[re.Pattern[str]]) -> list[dict]:
    return [
        r.answers
        for r in data.responses
        if r.survey_slug == "gp-access-2025"
        and _says(" ".join(v for v in r.answers.values() if isinstance(v, str)), patterns)
    ]


def _negative(answers: dict) -> bool:
    return answers.get("ease_of_contact") in (1, 2) or answers.get("fft") in NEGATIVE_FFT


def test_the_could_not_get_through_family_is_the_phrase_bank_s():
    assert len(NOT_THROUGH) >= 4, NOT_THROUGH


def test_those_who_could_not_get_through_answered_as_they_wrote(data):
    stuck = _gp_respondents(data, _patterns(NOT_THROUGH))
    praising = _gp_respondents(data, _patterns(ph.THEMES["praise"].pos))
    assert len(stuck) >= 8 and len(praising) >= 15, (len(stuck), len(praising))
    stuck_share = sum(map(_negative, stuck)) / len(stuck)
    praise_share = sum(map(_negative, praising)) / len(praising)
    assert stuck_share >= 0.7, stuck_share
    assert praise_share <= 0.15, praise_share
    # The ease question alone: could not get through is not "Easy".
    assert sum(a.get("ease_of_contact") in (4, 5) for a in stuck) <= len(stuck) * 0.15


def test_phone_waits_and_appointments_follow_the_experience(data):
    gp = [r.answers for r in data.responses if r.survey_slug == "gp-access-2025"]
    hard = [a for a in gp if a.get("ease_of_contact") == 1]
    easy = [a for a in gp if a.get("ease_of_contact") == 5]
    assert hard and easy

    def waits(rows):
        values = [a["phone_wait_minutes"] for a in rows if "phone_wait_minutes" in a]
        return sum(values) / max(1, len(values))

    assert waits(hard) > 2 * waits(easy), (waits(hard), waits(easy))
    nothing = "Nothing - I did not get an appointment"
    assert sum(a.get("appointment_type") == nothing for a in hard) > sum(
        a.get("appointment_type") == nothing for a in easy
    )


def test_fft_returns_carry_ratings_that_match_their_comments(data):
    fft = [f for f in data.feedback if f.source == "fft"]
    assert fft and all(f.fft_rating in FFT_OPTIONS for f in fft)
    assert all(f.fft_rating is None and f.service is None for f in data.feedback if f not in fft)
    good = _patterns(t for theme in ph.THEMES.values() for t in theme.pos)
    bad = _patterns(t for theme in ph.THEMES.values() for t in theme.neg)
    praise = [f.fft_rating for f in fft if _says(f.text, good) and not _says(f.text, bad)]
    complaints = [f.fft_rating for f in fft if _says(f.text, bad) and not _says(f.text, good)]
    assert len(praise) >= 20 and len(complaints) >= 15, (len(praise), len(complaints))
    assert sum(r in NEGATIVE_FFT for r in complaints) / len(complaints) >= 0.8
    assert not any(r in NEGATIVE_FFT for r in praise)
    assert "Very good" not in complaints, "a complaint is never rated Very good"


def test_fft_returns_name_the_demo_practice_or_hospital_they_are_about(data):
    practices = {p.name for p in data.practices}
    hospitals = {names[0] for names in ph.HOSPITALS.values()}
    named = [f for f in data.feedback if f.service]
    assert len(named) >= 20
    assert {f.service for f in named} <= practices | hospitals
    assert {f.service for f in named} & practices, "some are about a GP practice"


def test_each_demo_survey_names_the_intentions_it_is_about(app):
    intentions.load_catalogue()
    titles = {
        slug: [i.title for i in demo._intentions_for(slug)] for slug in demo.SURVEY_INTENTIONS
    }
    assert titles["gp-access-2025"] == [
        "Identify GP practices where demand is above capacity and create a plan to help…",
        "Expand the service offer for Community Pharmacy",
    ]
    assert titles["digital-services-nhs-app"][0].startswith(
        "Drive forward universal adoption of digital citizen engagement tools"
    )
    assert titles["hospital-travel-parking"] == [], "no 2026-27 intention is about it"
    for slug in titles:
        assert not any(
            word in title.lower()
            for title in titles[slug]
            for word in ("eating disorder", "gynaecology", "pathology")
        )
    assert set(demo.SURVEY_INTENTIONS) == {s.slug for s in generate().surveys}
