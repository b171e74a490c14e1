"""Forms for finding comments, coding them, the code taxonomy and coding samples."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from engage.services.comments import STATES, CommentFilter
from engage.survey.forms import DatePartsField


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class FilterFields:
    """The fields that narrow the comments, shared by the list and a sample's draw."""

    q = StringField("Words in the comment", validators=[Optional(), Length(max=200)])
    code = SelectField("Code", validators=[Optional()])
    theme = SelectField("Theme", validators=[Optional()])
    place = SelectField("Place", validators=[Optional()])
    survey = SelectField("Survey", validators=[Optional()])
    source = SelectField("Source", validators=[Optional()])
    received_from = DatePartsField("Received on or after", description="For example, 27 3 2025")
    received_to = DatePartsField("Received on or before", description="For example, 30 4 2025")

    def validate_received_to(self, field: DatePartsField) -> None:
        # Otherwise the list is silently empty, and the team may think nothing arrived.
        start = self.received_from.data  # type: ignore[attr-defined]
        if start and field.data and field.data < start:
            raise ValidationError(
                "'Received on or before' must be the same as or after 'Received on or after'"
            )

    def set_choices(
        self,
        codes: list[tuple[int, str]],
        themes: list[tuple[int, str]],
        places: list[tuple[int, str]],
        surveys: list[tuple[int, str]],
        sources: list[str],
    ) -> None:
        def with_any(rows: list[tuple[Any, str]], anything: str) -> list[SelectChoice]:
            return [SelectChoice("", anything), *(SelectChoice(str(v), t) for v, t in rows)]

        self.code.choices = with_any(codes, "Any code")  # type: ignore[attr-defined]
        self.theme.choices = with_any(themes, "Any theme")  # type: ignore[attr-defined]
        self.place.choices = with_any(places, "Anywhere")  # type: ignore[attr-defined]
        self.survey.choices = with_any(surveys, "Any survey")  # type: ignore[attr-defined]
        from engage.ui import source_label

        self.source.choices = with_any(  # type: ignore[attr-defined]
            [(s, source_label(s)) for s in sources], "Any source"
        )

    def to_filter(self, state: str | None = None) -> CommentFilter:
        """The filter the fields describe; a field that failed validation is left out."""
        f: Any = self

        def ok(field: Any) -> bool:
            return not field.errors

        return CommentFilter(
            text=(f.q.data or "").strip() or None if ok(f.q) else None,
            code_id=_int(f.code.data) if ok(f.code) else None,
            theme_id=_int(f.theme.data) if ok(f.theme) else None,
            place_id=_int(f.place.data) if ok(f.place) else None,
            survey_id=_int(f.survey.data) if ok(f.survey) else None,
            source=(f.source.data or None) if ok(f.source) else None,
            state=state,
            received_from=f.received_from.data if ok(f.received_from) else None,
            received_to=f.received_to.data if ok(f.received_to) else None,
        )


class CommentFilterForm(FilterFields, FlaskForm):
    """A GET form: filtering changes nothing, so it needs no CSRF token and bookmarks work."""

    class Meta:
        csrf = False

    state = SelectField(
        "Moderation state",
        choices=[SelectChoice("", "Any state"), *(SelectChoice(s, s.capitalize()) for s in STATES)],
        validators=[Optional()],
    )


class BulkTagForm(FlaskForm):
    apply_code = SelectField("Code to apply", validators=[InputRequired("Select a code to apply")])
    selected = SelectMultipleField("Comments", coerce=int, validate_choice=False)

    def validate_selected(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError("Select one or more comments to tag")


class CodeChoicesField(SelectMultipleField):
    def pre_validate(self, form: Any) -> None:
        offered = {value for value, *_ in self.iter_choices()}
        if any(value not in offered for value in self.data or []):
            # A code retired (or removed) while the form was open.
            raise ValidationError(
                "One of the codes you selected has been retired. Check the codes and save again"
            )


class CodingForm(FlaskForm):
    codes = CodeChoicesField(
        "Codes that apply",
        coerce=int,
        description="Select all that apply. Leave them all unticked if none apply.",
    )


class CodeForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Enter a name for the code"), Length(max=120)],
    )
    description = TextAreaField(
        "Description (optional)",
        description="When to apply it, so that everyone codes the same way",
        validators=[Optional(), Length(max=2000)],
    )
    theme = SelectField(
        "Theme it codes",
        description="Comments coded with it teach the analysis this theme. Choose no theme "
        "for tags such as ‘urgent’ or ‘praise’.",
        validators=[Optional()],
    )


class EditCodeForm(CodeForm):
    retired = BooleanField("Retire this code (it stays on comments already coded with it)")


class SampleForm(FilterFields, FlaskForm):
    name = StringField(
        "Name of the sample",
        validators=[InputRequired("Enter a name for the sample"), Length(max=120)],
    )
    size = IntegerField(
        "Number of comments",
        validators=[
            InputRequired("Enter how many comments to draw"),
            NumberRange(1, 1000, "Number of comments must be between 1 and 1000"),
        ],
    )
    coders = SelectMultipleField(
        "Coders",
        coerce=int,
        description="Choose at least two people to code the same comments",
    )
    seed = IntegerField(
        "Random seed",
        description="The same seed and filters draw the same comments again",
        validators=[
            InputRequired("Enter a random seed, a whole number"),
            NumberRange(0, 2**31 - 1, "Random seed must be a whole number of 0 or more"),
        ],
    )

    def validate_coders(self, field: SelectMultipleField) -> None:
        if len(set(field.data or [])) < 2:
            raise ValidationError("Choose at least two coders")
