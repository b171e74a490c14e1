"""Forms for importing a file of feedback: upload, column mapping, and how to treat bad rows."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from engage.services.imports import DATE_FORMATS, ENCODINGS, ON_ERROR, SOURCES


def _choices(options: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in options.items()]


class UploadForm(FlaskForm):
    file = FileField(
        "Upload a file",
        validators=[FileRequired("Select a CSV or Excel file to import")],
    )
    source = RadioField(
        "Where did this feedback come from?",
        choices=_choices(SOURCES),
        validators=[InputRequired("Select where the feedback came from")],
    )


class MappingForm(FlaskForm):
    text = SelectField(
        "Which column holds the comment?",
        validators=[InputRequired("Select the column that holds the comment")],
    )
    date = SelectField("Which column holds the date? (optional)", validators=[Optional()])
    date_format = RadioField(
        "How are the dates written?",
        choices=_choices(DATE_FORMATS),
        default="uk",
        validators=[InputRequired("Select how the dates are written")],
    )
    place = SelectField(
        "Which column holds the place? (optional)",
        description="A place's name or code, like Blackpool; capitals do not matter",
        validators=[Optional()],
    )
    respondent = SelectField(
        "Which column holds the respondent's reference? (optional)",
        description="Used only to count people, never shown: it is stored as a one-way hash",
        validators=[Optional()],
    )
    rating = SelectField(
        "Which column holds the Friends and Family Test rating? (optional)",
        description=(
            "Very good, Good, Neither good nor poor, Poor, Very poor or Don't know, the codes "
            "1 to 6, or the 'extremely likely' to 'extremely unlikely' answers used before 2020"
        ),
        validators=[Optional()],
    )
    service = SelectField(
        "Which column holds the GP practice or service? (optional)",
        description="The practice, ward or service the feedback is about, as the file names it",
        validators=[Optional()],
    )
    survey = SelectField("Which survey is this feedback about? (optional)", validators=[Optional()])
    encoding = RadioField(
        "How is the file's text encoded?",
        choices=_choices(ENCODINGS),
        validators=[Optional()],
    )


class ConfirmForm(FlaskForm):
    on_error = RadioField(
        "If some rows have problems",
        choices=_choices(ON_ERROR),
        validators=[InputRequired("Select what to do if some rows have problems")],
    )


class ActionForm(FlaskForm):
    """A one-button form (cancel, start again): only the CSRF token."""
