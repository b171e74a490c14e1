"""Small builders for test data, through the models as the app itself would create them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from engage.extensions import db
from engage.models import Question, Section, Survey

FFT = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]


def create_survey(
    slug: str = "every-kind",
    audience: str = "public",
    status: str = "open",
    opens_on: date | None = None,
    closes_on: date | None = None,
    sections: list[tuple[str, list[dict[str, Any]]]] | None = None,
) -> Survey:
    """A survey with one question of every kind unless ``sections`` says otherwise."""
    today = date.today()
    survey = Survey(
        slug=slug,
        title="Getting to hospital",
        purpose="Tell us about your journey.",
        audience=audience,
        status=status,
        opens_on=opens_on or today - timedelta(days=7),
        closes_on=closes_on or today + timedelta(days=30),
    )
    for s_pos, (title, questions) in enumerate(sections or EVERY_KIND):
        section = Section(position=s_pos, title=title)
        for q_pos, q in enumerate(questions):
            section.questions.append(Question(position=q_pos, **{"hint": "", "options": [], **q}))
        survey.sections.append(section)
    db.session.add(survey)
    db.session.commit()
    return survey


EVERY_KIND: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "About your visit",
        [
            {
                "key": "consent",
                "kind": "consent",
                "text": "I agree to take part",
                "required": True,
                "options": ["Yes", "No"],
            },
            {
                "key": "hospital",
                "kind": "single_choice",
                "text": "Which hospital did you visit?",
                "required": True,
                "options": ["Royal Preston Hospital", "Furness General Hospital"],
                "error_message": "Select which hospital you visited",
            },
            {
                "key": "modes",
                "kind": "multi_choice",
                "text": "How did you travel?",
                "required": True,
                "options": ["Bus", "Car", "Walked"],
            },
            {"key": "visit_date", "kind": "date", "text": "When did you visit?", "required": False},
            {
                "key": "minutes",
                "kind": "number",
                "text": "How many minutes did it take?",
                "required": False,
            },
            {
                "key": "postcode",
                "kind": "postcode",
                "text": "What is your postcode?",
                "required": False,
            },
        ],
    ),
    (
        "Your views",
        [
            {
                "key": "ease",
                "kind": "rating",
                "text": "How easy was it to park?",
                "required": False,
                "options": ["Very difficult", "Difficult", "Neither", "Easy", "Very easy"],
            },
            {
                "key": "fft",
                "kind": "fft",
                "text": "Overall, how was it?",
                "required": True,
                "options": FFT,
            },
            {
                "key": "one_change",
                "kind": "free_text_short",
                "text": "One thing to change?",
                "required": False,
            },
            {
                "key": "comments",
                "kind": "free_text_long",
                "text": "Tell us more",
                "required": False,
            },
        ],
    ),
]
