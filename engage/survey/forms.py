"""Forms for residents: built per survey section from its questions, with NHS-style messages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from engage.models import Question
from engage.services.translations import Shown

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
            raise StopValidation(_date_missing(missing))
        if not all(v.isdigit() for v in self.parts.values()) or len(self.parts["year"]) != 4:
            raise StopValidation(_("Date must be a real date, like 27 3 2025"))
        try:
            self.data = date(
                int(self.parts["year"]), int(self.parts["month"]), int(self.parts["day"])
            )
        except ValueError:
            raise StopValidation(_("Date must be a real date, like 27 3 2025")) from None
        if self.data > date.today():
            raise StopValidation(_("Date must be today or in the past"))


def _date_missing(missing: list[str]) -> str:
    """Name the missing parts in the resident's language (parts are fixed words, not data)."""
    names = {"day": _("day"), "month": _("month"), "year": _("year")}
    parts = [names[m] for m in missing]
    if len(parts) == 1:
        return _("Date must include a %(part)s", part=parts[0])
    if len(parts) == 2:
        return _("Date must include a %(first)s and %(second)s", first=parts[0], second=parts[1])
    return _("Enter a date")


def _required(question: Question, message: str, shown: Shown | None = None) -> Any:
    """Required answers get the question's own message, or one that names the question.

    ``message`` is a translated pattern with a ``%(question)s`` placeholder.
    """
    if not question.required:
        return Optional()
    base = f"question.{question.id}"
    if question.error_message:
        error = shown.plain(f"{base}.error", question.error_message) if shown else None
        return InputRequired(error or question.error_message)
    if question.kind == "consent":
        return InputRequired(_("Select yes if you agree to take part"))
    text = shown.plain(f"{base}.label", question.text) if shown else question.text
    return InputRequired(message % {"question": text.rstrip("?")})


def _enter_in(question: Question, shown: Shown | None = None) -> Any:
    return _required(question, _("Enter an answer to: %(question)s"), shown)


def _select_in(question: Question, shown: Shown | None = None) -> Any:
    return _required(question, _("Select an answer to: %(question)s"), shown)


def _number(field: Field) -> None:
    raw = (field.data or "").strip().replace(",", "")
    if not raw:
        return
    if not re.fullmatch(r"\d+", raw):
        raise ValidationError(_("Enter a whole number, like 15"))
    if int(raw) > NUMBER_MAX:
        raise ValidationError(_("Number must be %(max)s or less", max=format_number(NUMBER_MAX)))


def _postcode(field: Field) -> None:
    raw = (field.data or "").strip().upper()
    if raw and not POSTCODE.match(raw):
        raise ValidationError(_("Enter a postcode, like BB1 1AA, or just the first part, like BB1"))


def _consent(question: Question) -> Any:
    def check(_form: Any, field: Field) -> None:
        if question.required and field.data and field.data != question.options[0]:
            # Said as it is: a response started and never sent is deleted by the retention job.
            raise ValidationError(
                _(
                    "You need to agree before you can take part. If you do not want to take "
                    "part, you can close this page. Answers that are never sent are deleted "
                    "after %(days)s days",
                    days=current_app.config["ENGAGE_RETAIN_UNSUBMITTED_DAYS"],
                )
            )

    return check


def field_for(question: Question, shown: Shown | None = None) -> Field:
    """The WTForms field for a question, with its validators and messages, in ``shown``'s
    language where translated (option values stay English, so answers combine)."""
    text = shown.label(question) if shown else question.text
    # escape() keeps a fallback's lang="en" markup while escaping everything else.
    label = text if question.required else escape(_("%(question)s (optional)")) % {"question": text}
    hint, kind = (shown.hint(question) if shown else question.hint) or None, question.kind
    options = list(question.options or [])

    def shown_option(value: str) -> Any:
        return shown.option(question, value) if shown else value

    def _enter(q: Question) -> Any:
        return _enter_in(q, shown)

    def _select(q: Question) -> Any:
        return _select_in(q, shown)

    if kind == "free_text_short":
        return StringField(
            label,
            description=hint,
            validators=[
                _enter(question),
                Length(
                    max=SHORT_TEXT_MAX,
                    message=_(
                        "Answer must be %(max)s characters or fewer",
                        max=format_number(SHORT_TEXT_MAX),
                    ),
                ),
            ],
        )
    if kind == "free_text_long":
        return TextAreaField(
            label,
            description=hint,
            validators=[
                _enter(question),
                Length(
                    max=LONG_TEXT_MAX,
                    message=_(
                        "Answer must be %(max)s characters or fewer",
                        max=format_number(LONG_TEXT_MAX),
                    ),
                ),
            ],
        )
    if kind in ("single_choice", "fft", "consent"):
        validators = [_select(question)]
        if kind == "consent":
            validators.append(_consent(question))
        return RadioField(
            label,
            description=hint,
            validators=validators,
            choices=[SelectChoice(o, shown_option(o)) for o in options],
            validate_choice=True,
        )
    if kind == "rating":
        # Stored as the position (1 = first option), so results combine across wordings.
        return RadioField(
            label,
            description=hint,
            validators=[_select(question)],
            choices=[SelectChoice(str(i), shown_option(o)) for i, o in enumerate(options, 1)],
        )
    if kind == "multi_choice":
        return SelectMultipleField(
            label,
            description=hint,
            validators=[
                _required(question, _("Select at least one answer to: %(question)s"), shown)
            ],
            choices=[SelectChoice(o, shown_option(o)) for o in options],
        )
    if kind == "number":
        return StringField(
            label,
            description=hint,
            validators=[
                _enter(question),
                lambda _f, field: _number(field),
            ],
        )
    if kind == "postcode":
        return StringField(
            label,
            description=hint or _("For example, BB1 1AA"),
            validators=[
                _enter(question),
                lambda _f, field: _postcode(field),
            ],
        )
    if kind == "date":
        field = DatePartsField(
            label,
            description=hint or _("For example, 27 3 2025"),
            validators=[_enter(question)],
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
    website = StringField(_l("Leave this field empty"))


def build_section_form(
    questions: list[Question],
    answers: dict[str, Any],
    formdata: Any = None,
    shown: Shown | None = None,
) -> SectionForm:
    class _Form(SectionForm):
        pass

    for q in questions:
        setattr(_Form, q.key, field_for(q, shown))
    data = {q.key: form_value(q, answers.get(q.key)) for q in questions if q.key in answers}
    if formdata is None:
        return _Form(data=data)
    return _Form(formdata=formdata)


class StartForm(FlaskForm):
    website = StringField(_l("Leave this field empty"))


class SubmitForm(FlaskForm):
    website = StringField(_l("Leave this field empty"))


class ResumeForm(FlaskForm):
    code = StringField(
        _l("Your 8-character code"),
        validators=[
            InputRequired(_l("Enter the code you were given when you saved your answers")),
            Length(min=8, max=12, message=_l("Code must be 8 letters and numbers, like K7M4 P2QX")),
        ],
    )
