"""Forms for building surveys: details, sections and questions."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from engage.models import Question, Section
from engage.services.builder import AUDIENCES, DEMOGRAPHICS_BLOCK, KINDS
from engage.survey.forms import DatePartsField


class DateField(DatePartsField):
    """The NHS date input for a plan date (past or future), with messages that name it."""

    def __init__(self, label: str, name_in_messages: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.name_in_messages = name_in_messages
        # The error summary links to the day box of fields of this type.
        self.type = "DatePartsField"

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        # The NHS.UK date input names its boxes "opens_on[day]"; "opens_on-day" is accepted too.
        names = {p: (f"{self.name}[{p}]", f"{self.name}-{p}") for p in ("day", "month", "year")}
        if formdata is not None and any(n in formdata for pair in names.values() for n in pair):
            self.process_errors = []
            self.parts = {
                p: (formdata.get(bracket) or formdata.get(dashed) or "").strip()
                for p, (bracket, dashed) in names.items()
            }
            self.raw_data = list(self.parts.values())
            self.data = None
            return
        super().process(None, data, extra_filters)

    def pre_validate(self, form: Any) -> None:
        filled = [v for v in self.parts.values() if v]
        if not filled:
            self.data = None
            return
        missing = [k for k, v in self.parts.items() if not v]
        if missing:
            raise StopValidation(f"{self.name_in_messages} must include a {' and '.join(missing)}")
        try:
            if len(self.parts["year"]) != 4:
                raise ValueError
            self.data = self._as_date()
        except ValueError:
            raise StopValidation(
                f"{self.name_in_messages} must be a real date, like 1 4 2026"
            ) from None

    def _as_date(self) -> date:
        return date(int(self.parts["year"]), int(self.parts["month"]), int(self.parts["day"]))


class SurveyDetailsForm(FlaskForm):
    title = StringField(
        "Title",
        description="Residents see this, so say what the survey is about",
        validators=[
            InputRequired("Enter a title for the survey"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    purpose = TextAreaField(
        "Purpose (optional)",
        description="Why you are asking and what will happen with the answers",
        validators=[
            Optional(),
            Length(max=2000, message="Purpose must be 2,000 characters or fewer"),
        ],
    )
    audience = RadioField(
        "Who is the survey for?",
        choices=[SelectChoice(k, v) for k, v in AUDIENCES.items()],
        validators=[InputRequired("Select who the survey is for")],
    )
    practices = SelectMultipleField(
        "GP practices whose PPGs the survey is for",
        description="Only when the survey is for one or more PPGs",
        coerce=int,
        validators=[Optional()],
    )
    intentions = SelectMultipleField(
        "Commissioning intentions the survey informs", coerce=int, validators=[Optional()]
    )
    opens_on = DateField("Open date (optional)", "Open date", description="For example, 1 4 2026")
    closes_on = DateField(
        "Close date (optional)", "Close date", description="For example, 30 4 2026"
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        opens, closes = self.opens_on.data, self.closes_on.data
        if ok and opens and closes and closes <= opens:
            self.closes_on.errors = ["Close date must be after the open date"]
            ok = False
        if ok and self.audience.data == "ppg" and not self.practices.data:
            self.practices.errors = ["Select at least one GP practice whose PPG the survey is for"]
            ok = False
        return ok


ROUTING_HINT = (
    "Leave every box unticked to always show it. Tick one or more answers to one earlier "
    "question to show it only to people who gave any of them. Only questions in earlier "
    "sections can be used, because answers are saved a section at a time"
)


@dataclass(frozen=True)
class RoutingGroup:
    """One earlier question's answers, as the routing field offers them."""

    text: str  # the question's wording
    where: str  # its section, when another offered question has the same wording; else ""
    answers: list[tuple[str, str, bool]]  # (value, option, ticked)


class RoutingField(SelectMultipleField):
    """Answers to one earlier question, ticked as checkboxes; nothing ticked means always shown.

    Each value carries its question and answer as JSON ``[key, option]``, so one field can offer
    the answers of several earlier questions, each group under its question's wording (and
    where it is asked, when two share a wording).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets: list[Question] = []

    def process_formdata(self, valuelist: list[str]) -> None:
        # An empty value is "always show" (what the single-answer select used to send).
        super().process_formdata([v for v in valuelist if v])

    def pre_validate(self, form: Any) -> None:
        super().pre_validate(form)
        keys = {parse_routing_value(v)[0] for v in self.data or []}
        if len(keys) > 1:
            raise StopValidation(
                "Tick answers to one question only: routing depends on one earlier question"
            )

    def groups(self) -> list[RoutingGroup]:
        """One group per earlier question, by key: two questions may share their wording."""
        chosen = set(self.data or [])
        wheres = _wheres(self.targets)
        return [
            RoutingGroup(q.text, wheres[q.key], [(v, o, v in chosen) for v, o in _values(q)])
            for q in self.targets
        ]


def _values(q: Question) -> list[tuple[str, str]]:
    """(value, option) for each answer to ``q``: the value carries both question and answer."""
    return [(json.dumps([q.key, option]), option) for option in q.options]


def _wheres(targets: list[Question]) -> dict[str, str]:
    """Question key -> where it is asked, for questions whose wording another one shares."""
    by_text = Counter(q.text for q in targets)
    by_section = Counter((q.text, q.section.id) for q in targets)
    found = {}
    for q in targets:
        where = ""
        if by_text[q.text] > 1:
            where = f"section {q.section.position + 1}, '{q.section.title}'"
            if by_section[(q.text, q.section.id)] > 1:
                where += f", question {q.position + 1}"
        found[q.key] = where
    return found


def set_routing_choices(field: RoutingField, targets: list[Question]) -> None:
    """Offer one choice per (earlier question, answer): the value carries both."""
    field.targets = targets
    field.choices = [
        SelectChoice(value, f"{q.text} - {option}") for q in targets for value, option in _values(q)
    ]


def routing_value(choice: tuple[str, list[str]] | None) -> list[str]:
    if not choice:
        return []
    key, options = choice
    return [json.dumps([key, option]) for option in options]


def parse_routing_value(value: str) -> tuple[str, str]:
    key, option = json.loads(value)
    return str(key), str(option)


def parse_routing(values: list[str] | None) -> tuple[str | None, list[str] | None]:
    """The question key and the ticked answers, or (None, None) for always shown."""
    pairs = [parse_routing_value(v) for v in values or [] if v]
    if not pairs:
        return None, None
    return pairs[0][0], [option for _, option in pairs]


class SectionForm(FlaskForm):
    title = StringField(
        "Section title",
        validators=[
            InputRequired("Enter a title for the section"),
            Length(max=200, message="Section title must be 200 characters or fewer"),
        ],
    )
    show_if = RoutingField(
        "Show this section only when the answer is", description=ROUTING_HINT, choices=[]
    )


class NewSectionForm(FlaskForm):
    title = StringField(
        "Section title",
        validators=[
            InputRequired("Enter a title for the section"),
            Length(max=200, message="Section title must be 200 characters or fewer"),
        ],
    )


class QuestionForm(FlaskForm):
    kind = RadioField(
        "Type of question",
        choices=[SelectChoice(k, v) for k, v in KINDS.items()],
        validators=[InputRequired("Select the type of question")],
    )
    text = StringField(
        "Question",
        validators=[
            Optional(),
            Length(max=500, message="Question must be 500 characters or fewer"),
        ],
    )
    hint = StringField(
        "Hint (optional)",
        description="Extra help shown under the question",
        validators=[Optional(), Length(max=500, message="Hint must be 500 characters or fewer")],
    )
    required = BooleanField("Residents must answer this question")
    options = TextAreaField(
        "Answer options (for choice, rating and Friends and Family Test questions)",
        description=(
            "One per line. Leave empty for the standard options: the six Friends and Family Test "
            "answers, a 5-point agree-disagree scale for ratings, or yes and no for consent"
        ),
        validators=[Optional()],
    )
    error_message = StringField(
        "Error message if a required question is not answered (optional)",
        description="For example, Select which hospital you visited",
        validators=[
            Optional(),
            Length(max=300, message="Error message must be 300 characters or fewer"),
        ],
    )
    show_if = RoutingField(
        "Show this question only when the answer is", description=ROUTING_HINT, choices=[]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data != DEMOGRAPHICS_BLOCK and not (self.text.data or "").strip():
            self.text.errors = [*self.text.errors, "Enter the question"]
            ok = False
        return ok

    def option_lines(self) -> list[str]:
        return [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]


def new_question_form() -> QuestionForm:
    form = QuestionForm()
    form.kind.choices = [
        *form.kind.choices,
        SelectChoice(
            DEMOGRAPHICS_BLOCK,
            "Demographics block (age group, sex, ethnic group, disability and carer questions, "
            "each optional with Prefer not to say)",
        ),
    ]
    return form


class ConfirmForm(FlaskForm):
    """A button with a CSRF token, for actions that need only a yes."""


class MoveQuestionForm(FlaskForm):
    destination = RadioField(
        "Where should this question go?",
        description=(
            "A question can only be routed on an answer given in an earlier section, so a move "
            "that would break routing is refused and the rule is named"
        ),
        validators=[InputRequired("Select where the question should go")],
    )

    def chosen(self) -> tuple[int, int]:
        """The (section id, position among its other questions) selected."""
        section_id, index = (self.destination.data or "").split(":")
        return int(section_id), int(index)


def move_choices(sections: list[Section], question: Question) -> tuple[list[SelectChoice], str]:
    """Every place the question could go, and the value of where it is now."""
    choices, current = [], ""
    for number, section in enumerate(sections, start=1):
        name = f"Section {number}, '{section.title}'"
        others = [q for q in section.questions if q is not question]
        for index in range(len(others) + 1):
            where = "first" if index == 0 else f"after '{others[index - 1].text}'"
            value = f"{section.id}:{index}"
            here = section is question.section and section.questions.index(question) == index
            if here:
                current = value
            label = f"{name}: {where}" + (" (where it is now)" if here else "")
            choices.append(SelectChoice(value, label))
    return choices, current
