"""Forms of the survey results pages: the filters, the breakdown chooser, the download."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from engage.services import reports
from engage.services.survey_results import CHANNELS, ResultsFilter
from engage.survey.forms import DatePartsField


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class ResultsFilterForm(FlaskForm):
    """A GET form: filtered results are a link that can be shared or bookmarked."""

    class Meta:
        csrf = False

    place = SelectField("Where they live", validators=[Optional()])
    channel = SelectField(
        "How they took part",
        choices=[SelectChoice("", "Any way"), *(SelectChoice(k, v) for k, v in CHANNELS.items())],
        validators=[Optional()],
    )
    sent_from = DatePartsField("Sent on or after", description="For example, 1 4 2025")
    sent_to = DatePartsField("Sent on or before", description="For example, 31 3 2026")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.place.choices = [  # type: ignore[assignment]
            SelectChoice("", "Anywhere"),
            *(SelectChoice(str(i), n) for i, n in reports.places()),
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.sent_from.data, self.sent_to.data
        if start and end and end < start and not self.sent_to.errors:
            self.sent_to.errors = [
                *self.sent_to.errors,
                "Sent on or before must be the same as or after sent on or after",
            ]
            return False
        return valid

    def to_filter(self) -> ResultsFilter:
        """The filter the fields describe; a field that failed validation is left out."""
        self.validate()
        return ResultsFilter(
            date_from=None if self.sent_from.errors else self.sent_from.data,
            date_to=None if self.sent_to.errors else self.sent_to.data,
            place_id=None if self.place.errors else _int(self.place.data),
            channel=None if self.channel.errors else (self.channel.data or None),
        )


class BreakdownForm(FlaskForm):
    """Choose what to break a question down by (a GET form, so the result is a link)."""

    class Meta:
        csrf = False

    by = SelectField("Break it down by", validators=[DataRequired("Choose a breakdown")])


class ResponsesExportForm(FlaskForm):
    """Download every response: why, in which format, and (for some roles) equality answers."""

    file_format = RadioField(
        "Format",
        choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "Excel (XLSX)")],
        default="csv",
        validators=[DataRequired("Choose CSV or Excel")],
    )
    reason = TextAreaField(
        "What will you use it for?",
        description="This is written in the audit log with your name, as every download is.",
        validators=[
            DataRequired("Say what you will use the responses for"),
            Length(max=300, message="Say what it is for in 300 characters or fewer"),
        ],
    )
    include_demographics = BooleanField(
        "Include equality answers (age, sex, ethnic group, disability, carer, deprivation)"
    )
