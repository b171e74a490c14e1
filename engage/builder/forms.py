"""Forms for building surveys: details, sections and questions."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from engage.models import Question
from engage.services.builder import AUDIENCES, DEMOGRAPHICS_BLOCK, KINDS
from engage.survey.forms import DatePartsField

ALWAYS = ""


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


def routing_choices(targets: list[Question], none_label: str) -> list[SelectChoice]:
    """One choice per (earlier question, answer): the select value carries both."""
    choices = [SelectChoice(ALWAYS, none_label)]
    for q in targets:
        for option in q.options:
            choices.append(SelectChoice(json.dumps([q.key, option]), f"{q.text} - {option}"))
    return choices


def routing_value(parts: tuple[str, str] | None) -> str:
    return json.dumps(list(parts)) if parts else ALWAYS


def parse_routing(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    key, option = json.loads(value)
    return str(key), str(option)


ROUTING_HINT = (
    "Only questions in earlier sections can be used, because answers are saved a section at a time"
)


class SectionForm(FlaskForm):
    title = StringField(
        "Section title",
        validators=[
            InputRequired("Enter a title for the section"),
            Length(max=200, message="Section title must be 200 characters or fewer"),
        ],
    )
    show_if = SelectField("Show this section", description=ROUTING_HINT, validators=[Optional()])


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
    show_if = SelectField("Show this question", description=ROUTING_HINT, validators=[Optional()])

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
