"""Forms for residents: built per survey section from its questions, with NHS-style messages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from engage.models import Question

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 2000
NUMBER_MAX = 100_000
# A full UK postcode, or just its first half (outward code), which many people prefer to give.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9][A-Z]{2}))?$")


class DatePartsField(Field):
    """A date typed as day, month and year boxes (the NHS date input pattern)."""

    parts: dict[str, str]
    process_errors: list[Any]
    raw_data: list[str] | None

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.parts = {"day": "", "month": "", "year": ""}
        self.data = None
        # NHS.UK's date input posts "name[day]"; accept "name-day" too (older forms, tests).
        names = {p: (f"{self.name}[{p}]", f"{self.name}-{p}") for p in self.parts}
        if formdata is not None and any(n in formdata for pair in names.values() for n in pair):
            for part, (bracketed, dashed) in names.items():
                self.parts[part] = (formdata.get(bracketed) or formdata.get(dashed) or "").strip()
            self.raw_data = list(self.parts.values())
        elif isinstance(data, str) and data:
            try:
                parsed = date.fromisoformat(data)
            except ValueError:
                return
            self.parts = {
                "day": str(parsed.day),
                "month": str(parsed.month),
                "year": str(parsed.year),
            }
            self.data = parsed
            self.raw_data = None

    def pre_validate(self, form: Any) -> None:
        filled = {k: v for k, v in self.parts.items() if v}
        if not filled:
            self.data = None
            return
        missing = [k for k in self.parts if not self.parts[k]]
        if missing:
            raise StopValidation(f"Date must include a {' and '.join(missing)}")
        if not all(v.isdigit() for v in self.parts.values()) or len(self.parts["year"]) != 4:
            raise StopValidation("Date must be a real date, like 27 3 2025")
        try:
            self.data = date(
                int(self.parts["year"]), int(self.parts["month"]), int(self.parts["day"])
            )
        except ValueError:
            raise StopValidation("Date must be a real date, like 27 3 2025") from None
        if self.data > date.today():
            raise StopValidation("Date must be today or in the past")


def _required(question: Question, prefix: str) -> Any:
    """Required answers get the question's own message, or one that names the question."""
    if not question.required:
        return Optional()
    if question.error_message:
        return InputRequired(question.error_message)
    if question.kind == "consent":
        return InputRequired("Select yes if you agree to take part")
    return InputRequired(f"{prefix}: {question.text.rstrip('?')}")


def _number(field: Field) -> None:
    raw = (field.data or "").strip().replace(",", "")
    if not raw:
        return
    if not re.fullmatch(r"\d+", raw):
        raise ValidationError("Enter a whole number, like 15")
    if int(raw) > NUMBER_MAX:
        raise ValidationError(f"Number must be {NUMBER_MAX:,} or less")


def _postcode(field: Field) -> None:
    raw = (field.data or "").strip().upper()
    if raw and not POSTCODE.match(raw):
        raise ValidationError("Enter a postcode, like BB1 1AA, or just the first part, like BB1")


def _consent(question: Question) -> Any:
    def check(_form: Any, field: Field) -> None:
        if question.required and field.data and field.data != question.options[0]:
            raise ValidationError(
                "You need to agree before you can take part. If you do not want to take part, "
                "you can close this page and nothing will be kept"
            )

    return check


def field_for(question: Question) -> Field:
    """The WTForms field for a question, with its validators and messages."""
    label = question.text if question.required else f"{question.text} (optional)"
    hint, kind = question.hint or None, question.kind
    options = list(question.options or [])
    if kind == "free_text_short":
        return StringField(
            label,
            description=hint,
            validators=[
                _required(question, "Enter an answer to"),
                Length(
                    max=SHORT_TEXT_MAX,
                    message=f"Answer must be {SHORT_TEXT_MAX} characters or fewer",
                ),
            ],
        )
    if kind == "free_text_long":
        return TextAreaField(
            label,
            description=hint,
            validators=[
                _required(question, "Enter an answer to"),
                Length(
                    max=LONG_TEXT_MAX,
                    message=f"Answer must be {LONG_TEXT_MAX:,} characters or fewer",
                ),
            ],
        )
    if kind in ("single_choice", "fft", "consent"):
        validators = [_required(question, "Select an answer to")]
        if kind == "consent":
            validators.append(_consent(question))
        return RadioField(
            label,
            description=hint,
            validators=validators,
            choices=[SelectChoice(o, o) for o in options],
            validate_choice=True,
        )
    if kind == "rating":
        # Stored as the position (1 = first option), so results combine across wordings.
        return RadioField(
            label,
            description=hint,
            validators=[_required(question, "Select an answer to")],
            choices=[SelectChoice(str(i), o) for i, o in enumerate(options, 1)],
        )
    if kind == "multi_choice":
        return SelectMultipleField(
            label,
            description=hint,
            validators=[_required(question, "Select at least one answer to")],
            choices=[SelectChoice(o, o) for o in options],
        )
    if kind == "number":
        return StringField(
            label,
            description=hint,
            validators=[
                _required(question, "Enter an answer to"),
                lambda _f, field: _number(field),
            ],
        )
    if kind == "postcode":
        return StringField(
            label,
            description=hint or "For example, BB1 1AA",
            validators=[
                _required(question, "Enter an answer to"),
                lambda _f, field: _postcode(field),
            ],
        )
    if kind == "date":
        field = DatePartsField(
            label,
            description=hint or "For example, 27 3 2025",
            validators=[_required(question, "Enter an answer to")],
        )
        return field
    raise ValueError(f"unknown question kind {kind!r}")


def stored_value(question: Question, field: Field) -> Any:
    """The language-independent value to store for a validated field."""
    data = field.data
    if question.kind == "rating" or question.kind == "number":
        raw = str(data or "").strip().replace(",", "")
        return int(raw) if raw else None
    if question.kind == "date":
        return data.isoformat() if data else None
    if question.kind == "postcode":
        raw = (data or "").strip().upper()
        match = POSTCODE.match(raw)
        return " ".join(p for p in match.groups() if p) if match else None
    if isinstance(data, str):
        return data.strip() or None
    return data or None


def form_value(question: Question, stored: Any) -> Any:
    """What to pre-fill a field with from a stored answer."""
    if question.kind == "rating" and stored is not None:
        return str(stored)
    if question.kind == "number" and stored is not None:
        return str(stored)
    return stored


class SectionForm(FlaskForm):
    # A field no person sees or fills; bots that fill every box give themselves away.
    website = StringField("Leave this field empty")


def build_section_form(
    questions: list[Question], answers: dict[str, Any], formdata: Any = None
) -> SectionForm:
    class _Form(SectionForm):
        pass

    for q in questions:
        setattr(_Form, q.key, field_for(q))
    data = {q.key: form_value(q, answers.get(q.key)) for q in questions if q.key in answers}
    if formdata is None:
        return _Form(data=data)
    return _Form(formdata=formdata)


class StartForm(FlaskForm):
    website = StringField("Leave this field empty")


class SubmitForm(FlaskForm):
    website = StringField("Leave this field empty")


class ResumeForm(FlaskForm):
    code = StringField(
        "Your 8-character code",
        validators=[
            InputRequired("Enter the code you were given when you saved your answers"),
            Length(min=8, max=12, message="Code must be 8 letters and numbers, like K7M4 P2QX"),
        ],
    )
