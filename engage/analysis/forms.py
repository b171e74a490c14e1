"""Forms for starting runs and reviewing themes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from engage.survey.forms import DatePartsField


class StartRunForm(FlaskForm):
    survey = SelectField("Survey", choices=[], validators=[Optional()])
    source = SelectField("Where the comments came from", choices=[], validators=[Optional()])
    # Day, month and year boxes, as on every other page (GOV.UK's date pattern), not the
    # browser's own date picker.
    date_from = DatePartsField("From (optional)", description="For example, 1 4 2026")
    date_to = DatePartsField("To (optional)", description="For example, 31 10 2026")

    def validate_date_to(self, field: DatePartsField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date must be the same as or after the start date")


class ThemeForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[InputRequired("Enter a name for the theme"), Length(max=120)],
        description="What the team calls it, for example 'Parking at hospital'",
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[Optional(), Length(max=1000)],
        description="One or two sentences: the next analysis uses it to recognise the theme",
    )
    examples = TextAreaField(
        "Example phrases (optional)",
        validators=[Optional(), Length(max=4000)],
        description="One per line, written as residents say it: they steer the next analysis",
    )


class MergeForm(FlaskForm):
    sources = SelectMultipleField(
        "Themes to merge", choices=[], coerce=int,
        validators=[InputRequired("Choose the themes to merge")],
    )  # fmt: skip
    target = SelectField(
        "Merge them into", choices=[], coerce=int,
        validators=[InputRequired("Choose the theme to merge into")],
    )  # fmt: skip


class MoveForm(FlaskForm):
    comments = SelectMultipleField("Comments", choices=[], coerce=int)
    target = SelectField("Move the selected comments to", choices=[], validators=[Optional()])


class SplitForm(FlaskForm):
    comments = SelectMultipleField("Comments", choices=[], coerce=int)
    name = StringField(
        "Name of the new theme",
        validators=[InputRequired("Enter a name for the new theme"), Length(max=120)],
    )


class AdoptTopicForm(FlaskForm):
    theme = SelectField("Match to an existing theme", choices=[], validators=[Optional()])
    name = StringField("Or name a new theme", validators=[Optional(), Length(max=120)])

    def validate_name(self, field: StringField) -> None:
        if not field.data and not self.theme.data:
            raise ValidationError("Choose an existing theme or enter a name for a new one")


class LinkDecisionForm(FlaskForm):
    decision = SelectField(
        "Decision",
        choices=[
            SelectChoice("confirmed", "Confirm"),
            SelectChoice("rejected", "Reject"),
            SelectChoice("suggested", "Undo"),
        ],
    )


class AddLinkForm(FlaskForm):
    intention = SelectField(
        "Commissioning intention", choices=[],
        validators=[InputRequired("Choose a commissioning intention")],
    )  # fmt: skip


class EmptyForm(FlaskForm):
    """A button that needs only CSRF protection."""
