"""The filters every report page shares: survey, date range, place, and trend period."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from engage.services import reports
from engage.services.reports import ReportFilter
from engage.survey.forms import DatePartsField


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class ReportFilterForm(FlaskForm):
    """A GET form: a filtered report is a link that can be shared or bookmarked."""

    class Meta:
        csrf = False

    survey = SelectField("Survey", validators=[Optional()])
    # Set by a survey's results page linking to a theme: only answers to that question.
    question = HiddenField(validators=[Optional()])
    place = SelectField("Place", validators=[Optional()])
    received_from = DatePartsField("Received on or after", description="For example, 1 4 2025")
    received_to = DatePartsField("Received on or before", description="For example, 31 3 2026")
    period = RadioField(
        "Show the trend by",
        choices=[SelectChoice("month", "Month"), SelectChoice("quarter", "Quarter")],
        default="month",
        validators=[Optional()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey.choices = [  # type: ignore[assignment]
            SelectChoice("", "Any survey"),
            *(SelectChoice(str(i), t) for i, t in reports.surveys_with_comments()),
        ]
        self.place.choices = [  # type: ignore[assignment]
            SelectChoice("", "Anywhere"),
            *(SelectChoice(str(i), n) for i, n in reports.places()),
        ]

    def to_filter(self) -> ReportFilter:
        """The filter the fields describe; a field that failed validation is left out."""
        self.validate()
        return ReportFilter(
            survey_id=None if self.survey.errors else _int(self.survey.data),
            date_from=None if self.received_from.errors else self.received_from.data,
            date_to=None if self.received_to.errors else self.received_to.data,
            place_id=None if self.place.errors else _int(self.place.data),
            period=self.period.data if self.period.data in reports.PERIODS else "month",
            question_id=_int(self.question.data),
        )
