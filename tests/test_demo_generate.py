"""Specifications for the seeded demo-data generator (no database, no Flask)."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, date

import pytest

from engage.demo.generate import (
    ANCHOR,
    FFT_OPTIONS,
    FREE_TEXT_KINDS,
    DemoData,
    DemoQuestion,
    generate,
)

AGE_BANDS = {"16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Prefer not to say"}
ETHNIC_GROUPS = {
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Mixed or multiple ethnic groups",
    "White",
    "Other ethnic group",
    "Prefer not to say",
}
PHONE = re.compile(r"\b07\d{3} ?\d{3} ?\d{3}\b")
RESERVED_PHONE = re.compile(r"^07700 ?900\d{3}$")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
TEN_DIGITS = re.compile(r"(?<![\d£,.])\d{3} ?\d{3} ?\d{4}(?![\d,.])")


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate()


def _questions(data: DemoData) -> dict[tuple[str, str], DemoQuestion]:
    return {(s.slug, q.key): q for s in data.surveys for q in s.questions()}


def _free_texts(data: DemoData) -> list[str]:
    questions = _questions(data)
    return [
        value
        for r in data.responses
        for key, value in r.answers.items()
        if questions[(r.survey_slug, key)].kind in FREE_TEXT_KINDS
        and isinstance(value, str)
        and value.strip()
    ]


def _all_comments(data: DemoData) -> list[str]:
    return _free_texts(data) + [f.text for f in data.feedback]


def test_generation_is_reproducible_for_a_seed() -> None:
    assert generate(7) == generate(7)


def test_default_seed_is_2026(data: DemoData) -> None:
    assert generate(2026) == data


def test_different_seeds_give_different_data() -> None:
    first, second = generate(1), generate(2)
    assert first.people != second.people
    assert first.responses != second.responses
    assert first.feedback != second.feedback


def test_generation_takes_under_two_seconds() -> None:
    started = time.perf_counter()
    generate(11)
    assert time.perf_counter() - started < 2.0


def test_places_form_a_tree_rooted_at_the_icb(data: DemoData) -> None:
    codes = {p.code: p for p in data.places}
    assert len(codes) == len(data.places)
    roots = [p for p in data.places if p.parent_code is None]
    assert [(p.code, p.kind) for p in roots] == [("LSC", "icb")]
    assert {p.kind for p in data.places} == {"icb", "place", "footprint"}
    assert {"BPL", "BWD", "LAN", "SCU"} <= {p.code for p in data.places if p.kind == "place"}
    for place in data.places:
        if place.parent_code is not None:
            assert place.parent_code in codes


def test_practices_are_fictional_and_sit_in_known_places(data: DemoData) -> None:
    place_codes = {p.code for p in data.places}
    assert 20 <= len(data.practices) <= 30
    assert len({p.code for p in data.practices}) == len(data.practices)
    for practice in data.practices:
        assert practice.place_code in place_codes
        assert re.fullmatch(r"Z\d{5}", practice.code)
        assert re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", practice.postcode)


def test_people_are_panel_or_ppg_members_some_both(data: DemoData) -> None:
    assert 300 <= len(data.people) <= 400
    panel = {p.ref for p in data.people if p.panel_joined_on}
    ppg = {p.ref for p in data.people if p.ppg_practice_code}
    assert panel | ppg == {p.ref for p in data.people}
    assert len(panel) >= 200 and len(ppg) >= 80 and len(panel & ppg) >= 20
    practices = {p.code for p in data.practices}
    assert all(p.ppg_practice_code in practices for p in data.people if p.ppg_practice_code)


def test_people_have_unique_refs_and_emails(data: DemoData) -> None:
    assert len({p.ref for p in data.people}) == len(data.people)
    assert len({p.email for p in data.people}) == len(data.people)
    phones = [p.phone for p in data.people if p.phone]
    assert len(set(phones)) == len(phones)


def test_demographics_use_the_expected_categories(data: DemoData) -> None:
    places = {p.code for p in data.places}
    for person in data.people:
        assert person.place_code in places
        assert person.age_band in AGE_BANDS
        assert person.sex in {"Female", "Male", "Prefer not to say"}
        assert person.ethnicity in ETHNIC_GROUPS
        for answer in (person.disability, person.long_term_condition, person.carer):
            assert answer in {"Yes", "No", "Prefer not to say"}
        assert person.deprivation_decile is None or 1 <= person.deprivation_decile <= 10
        assert person.contact_preference in {"email", "post", "phone", "text"}
    assert any(p.ethnicity == "Prefer not to say" for p in data.people)


def test_demographics_reflect_local_differences(data: DemoData) -> None:
    def asian_share(codes: set[str]) -> float:
        group = [p for p in data.people if p.place_code in codes]
        return sum(p.ethnicity == "Asian or Asian British" for p in group) / len(group)

    def mean_decile(codes: set[str]) -> float:
        deciles = [
            p.deprivation_decile
            for p in data.people
            if p.place_code in codes and p.deprivation_decile is not None
        ]
        return sum(deciles) / len(deciles)

    assert asian_share({"BWD"}) > 2 * asian_share({"BPL", "FYW", "WLA", "FUR", "WES", "NLA"})
    assert mean_decile({"BPL", "BWD"}) < mean_decile({"WES", "FYW"}) - 1.5


def test_contact_details_use_only_reserved_ranges(data: DemoData) -> None:
    for person in data.people:
        assert person.email.endswith(("@example.org", "@example.com"))
        assert person.phone is None or RESERVED_PHONE.match(person.phone)
    for comment in _all_comments(data):
        for phone in PHONE.findall(comment):
            assert RESERVED_PHONE.match(phone), comment
        for email in EMAIL.findall(comment):
            assert email.endswith(("@example.org", "@example.com")), comment
        for number in TEN_DIGITS.findall(comment):
            if not number.startswith("07"):
                assert number.replace(" ", "").startswith("999"), comment


def test_there_are_exactly_three_surveys_for_three_audiences(data: DemoData) -> None:
    assert len(data.surveys) == 3
    assert len({s.slug for s in data.surveys}) == 3
    assert {s.audience for s in data.surveys} <= {"public", "panel", "ppg"}
    assert "public" in {s.audience for s in data.surveys}
    titles = " ".join(s.title.lower() for s in data.surveys)
    for topic in ("gp", "parking", "nhs app"):
        assert topic in titles
    for survey in data.surveys:
        assert 2 <= len(survey.sections) <= 3
        assert survey.status in {"draft", "open", "closed"}
        assert survey.opens_on < survey.closes_on


def test_each_survey_mixes_the_required_question_kinds(data: DemoData) -> None:
    kinds_allowed = {
        "free_text_short",
        "free_text_long",
        "single_choice",
        "multi_choice",
        "rating",
        "fft",
        "number",
        "date",
        "postcode",
        "consent",
    }
    for survey in data.surveys:
        questions = survey.questions()
        kinds = Counter(q.kind for q in questions)
        assert set(kinds) <= kinds_allowed
        assert kinds["free_text_short"] + kinds["free_text_long"] >= 2
        for kind in ("fft", "rating", "single_choice", "multi_choice", "consent"):
            assert kinds[kind] >= 1, (survey.slug, kind)
        assert len({q.key for q in questions}) == len(questions)
        for q in questions:
            if q.kind == "fft":
                assert q.options == FFT_OPTIONS and len(q.options) == 6
            if q.kind == "rating":
                assert len(q.options) == 5
            if q.kind in {"single_choice", "multi_choice", "consent"}:
                assert q.options


def test_there_are_at_least_2000_free_text_answers(data: DemoData) -> None:
    assert len(_free_texts(data)) >= 2000


def test_feedback_comes_from_the_three_sources_in_volume(data: DemoData) -> None:
    assert 300 <= len(data.feedback) <= 500
    assert {f.source for f in data.feedback} == {"healthwatch", "fft", "event"}
    places = {p.code for p in data.places}
    for item in data.feedback:
        assert item.place_code is None or item.place_code in places
        assert item.text.strip()
        assert item.received_on < ANCHOR


def test_responses_reference_known_people_places_and_questions(data: DemoData) -> None:
    people = {p.ref for p in data.people}
    places = {p.code for p in data.places}
    questions = _questions(data)
    assert any(r.person_ref is None and r.place_code for r in data.responses)
    for response in data.responses:
        assert response.person_ref is None or response.person_ref in people
        assert response.place_code is None or response.place_code in places
        assert response.channel in {"online", "paper", "event"}
        for key in response.answers:
            assert (response.survey_slug, key) in questions


def test_answers_match_their_question_kinds(data: DemoData) -> None:
    questions = _questions(data)
    for response in data.responses:
        for key, value in response.answers.items():
            q = questions[(response.survey_slug, key)]
            if q.kind in {"single_choice", "fft", "consent"}:
                assert isinstance(value, str) and value in q.options, (key, value)
            elif q.kind == "multi_choice":
                assert isinstance(value, list) and value
                assert all(v in q.options for v in value), (key, value)
            elif q.kind in {"rating", "number"}:
                assert isinstance(value, int) and not isinstance(value, bool)
                if q.kind == "rating":
                    assert 1 <= value <= len(q.options)
            elif q.kind == "date":
                assert isinstance(value, str) and date.fromisoformat(value) <= ANCHOR
            else:
                assert isinstance(value, str)
    for survey in data.surveys:
        required = [q.key for q in survey.questions() if q.required]
        for response in (r for r in data.responses if r.survey_slug == survey.slug):
            assert all(key in response.answers for key in required)


def test_responses_fall_in_survey_windows_and_come_from_the_audience(data: DemoData) -> None:
    surveys = {s.slug: s for s in data.surveys}
    people = {p.ref: p for p in data.people}
    for response in data.responses:
        survey = surveys[response.survey_slug]
        submitted = response.submitted_at
        assert submitted.tzinfo is not None and submitted.utcoffset() == UTC.utcoffset(None)
        assert survey.opens_on <= submitted.date() <= min(survey.closes_on, ANCHOR)
        if survey.audience == "panel":
            person = people[response.person_ref or ""]
            assert person.panel_joined_on and person.panel_joined_on <= submitted.date()
        if survey.audience == "ppg":
            assert people[response.person_ref or ""].ppg_practice_code
    assert all(s.status != "open" or s.closes_on >= ANCHOR for s in data.surveys)


def test_dates_spread_over_about_fifteen_months_before_the_anchor(data: DemoData) -> None:
    days = [r.submitted_at.date() for r in data.responses] + [f.received_on for f in data.feedback]
    assert max(days) < ANCHOR
    assert min(days) >= date(2025, 7, 1)
    months = {(d.year, d.month) for d in days}
    assert len(months) >= 14


def test_exact_duplicate_long_comments_are_under_two_percent(data: DemoData) -> None:
    long_comments = [c.strip() for c in _all_comments(data) if len(c.split()) >= 5]
    assert len(long_comments) >= 1500
    duplicates = len(long_comments) - len(set(long_comments))
    assert duplicates / len(long_comments) < 0.02


def test_every_resident_theme_from_the_plan_is_mentioned(data: DemoData) -> None:
    text = "\n".join(_all_comments(data)).lower()
    families = {
        "appointments": r"appointment|appt",
        "telephone and 8am": r"phone|8am|8 ?am|on hold",
        "online and app": r"\bapp\b|online|website",
        "digital barriers and scams": r"scam|smartphone|internet|don't do computers",
        "parking": r"park",
        "public transport": r"\bbus|buses|train|taxi",
        "waiting times": r"wait",
        "dental access": r"dentist|dental",
        "continuity": r"same (doctor|gp|nurse)|locum",
        "pharmacy and prescribing": r"pharmac|chemist|prescri",
        "carers": r"carer",
        "adhd and autism": r"adhd|autis",
        "rural and local services": r"village|close to home|local|round trip",
        "joined-up care": r"talk to each other|care package|repeat everything|different people",
        "information and communication": r"letter|jargon|results",
        "staffing": r"short staffed|run off their feet|agency|more gps|enough gps",
        "accessibility": r"wheelchair|disab|hearing loop|dementia",
        "transparency": r"behind closed doors|surveys never change|what you did with",
    }
    for family, pattern in families.items():
        assert len(re.findall(pattern, text)) >= 3, family


def test_themes_beyond_the_plan_are_mentioned(data: DemoData) -> None:
    text = "\n".join(_all_comments(data)).lower()
    families = {
        "staff attitude": r"rude|lovely|kind|gatekeeper",
        "cleanliness": r"clean|filthy|dirty|spotless",
        "food": r"food|tray|vending|cafe",
        "mental health": r"mental health|talking therapy|crisis|camhs",
        "cost of living": r"afford|cost|heating or eating",
        "interpreters": r"interpreter|translat|bsl",
        "urgent care": r"a&e|ambulance|111",
    }
    for family, pattern in families.items():
        assert len(re.findall(pattern, text)) >= 3, family


def test_comments_name_local_hospitals_and_places(data: DemoData) -> None:
    text = "\n".join(_all_comments(data))
    for hospital in (
        "Royal Preston Hospital",
        "Royal Blackburn",
        "Blackpool Victoria Hospital",
        "Furness General",
        "Royal Lancaster Infirmary",
        "Westmorland General",
    ):
        assert hospital in text, hospital
    towns = (
        "Barrow",
        "Kendal",
        "Burnley",
        "Blackburn",
        "Preston",
        "Lancaster",
        "Morecambe",
        "Fleetwood",
        "Darwen",
        "Ulverston",
        "Skelmersdale",
        "Chorley",
        "Accrington",
    )
    assert sum(town in text for town in towns) >= 10


def test_one_word_and_nothing_style_answers_are_present(data: DemoData) -> None:
    texts = _free_texts(data)
    one_word = [t for t in texts if len(t.split()) == 1 and t.strip(".!-")]
    nothing = [t for t in texts if re.fullmatch(r"(?i)\s*(nothing.*|no\.?|none|n/?a|nope|-)\s*", t)]
    assert len(one_word) >= 50
    assert len(nothing) >= 50


def test_comments_have_the_spread_of_real_writing(data: DemoData) -> None:
    texts = _all_comments(data)
    rants = [t for t in texts if len(t.split()) >= 5 and t == t.upper() and re.search("[A-Z]", t)]
    txt_speak = [t for t in texts if re.search(r"\b(u|ur|ppl|cos|pls|appts?|tbh|lol)\b", t)]
    mixed = [t for t in texts if re.search(r"(?i)\bbut\b|however|having said that", t)]
    long_ones = [t for t in texts if len(t.split()) >= 40]
    misspelt = (
        r"(?i)appointmnet|apointment|appoitment|receptionest|recptionist|receptonist|definately"
        r"|becuase|becase|hosptial|hospitol|perscription|prescripton|avaliable|availible|praking"
        r"|docter|dosent|carnt|wating|dentest|seperate|ridiculus|rediculous|experiance|absolutly"
        r"|surgury|sugery"
    )
    typos = [t for t in texts if re.search(misspelt, t)]
    assert len(rants) >= 20
    assert len(txt_speak) >= 50
    assert len(mixed) >= 100
    assert len(long_ones) >= 50
    assert len(typos) >= 10


def test_about_two_percent_of_comments_carry_personal_data_to_redact(data: DemoData) -> None:
    texts = _all_comments(data)
    planted = [
        t
        for t in texts
        if PHONE.search(t)
        or EMAIL.search(t)
        or re.search(r"\b999 ?\d{3} ?\d{4}\b", t)
        or re.search(r"postcode is [A-Z]{1,2}\d", t)
        or re.search(r"receptionist [A-Z][a-z]+,|nurse [A-Z][a-z]+ on|My mum [A-Z]", t)
        or re.search(r"was [A-Z][a-z]+ [A-Z][a-z]+ on reception", t)
    ]
    assert 0.01 <= len(planted) / len(texts) <= 0.04
