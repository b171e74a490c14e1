"""Forms for moderating one comment and the queue's bulk actions.

Each form on the comment page has its own prefix, so that the page's ids stay unique and the
server knows which form was sent. ``expected_state`` carries the state the moderator saw, so
that a change someone else made in the meantime is noticed rather than overwritten.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from engage.services.moderation import (
    HIDE_REASONS,
    MAX_NOTE_LENGTH,
    MAX_REDACTED_LENGTH,
    STATES,
)

REASON_CHOICES = [SelectChoice(key, label) for key, label in HIDE_REASONS.items()]


class StateForm(FlaskForm):
    expected_state = HiddenField(validators=[AnyOf(STATES)])


class ApproveForm(StateForm):
    """Approve as proposed: nothing to fill in."""


class EditRedactionForm(StateForm):
    redacted_text = TextAreaField(
        "Redacted text",
        description=(
            "Replace personal data with a marker in square brackets, such as [name] or "
            "[phone number]. Phone numbers, email addresses, NHS numbers and postcodes are "
            "checked again when you save."
        ),
        validators=[
            InputRequired("Enter the redacted text, or hide the comment instead"),
            Length(
                max=MAX_REDACTED_LENGTH,
                message=f"The redacted text must be {MAX_REDACTED_LENGTH:,} characters or fewer",
            ),
        ],
    )


class HideFields:
    reason = RadioField(
        "Why are you hiding this comment?",
        choices=REASON_CHOICES,
        validators=[InputRequired("Select why you are hiding the comment")],
    )
    note = TextAreaField(
        "Note (needed if the reason is Other)",
        description="Do not copy the resident's words or personal data here.",
        validators=[
            Optional(),
            Length(
                max=MAX_NOTE_LENGTH,
                message=f"The note must be {MAX_NOTE_LENGTH} characters or fewer",
            ),
        ],
    )

    def check_note(self) -> bool:
        form: Any = self
        if form.reason.data == "other" and not (form.note.data or "").strip():
            form.note.errors = [*form.note.errors, "Say why you are hiding the comment"]
            return False
        return True


class HideForm(HideFields, StateForm):
    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_note() and ok


class ReturnForm(StateForm):
    """Return an approved or hidden comment to the queue."""


BULK_ACTIONS = [
    SelectChoice("approve", "Approve as proposed"),
    SelectChoice("hide", "Hide, with a reason"),
]


class BulkForm(HideFields, FlaskForm):
    """What to do with the comments ticked in the queue."""

    action = RadioField(
        "What do you want to do with the selected comments?",
        choices=BULK_ACTIONS,
        validators=[InputRequired("Select what to do with the selected comments")],
    )
    reason = RadioField(
        "If hiding, why?",
        choices=REASON_CHOICES,
        validators=[Optional()],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.action.data == "hide":
            if not self.reason.data:
                self.reason.errors = ["Select why you are hiding the comments"]
                ok = False
            ok = self.check_note() and ok
        return ok


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    source = SelectField("Source", validators=[Optional()])
    survey = SelectField("Survey", validators=[Optional()])
    personal_data = SelectField(
        "Personal data",
        choices=[
            SelectChoice("", "Found or not"),
            SelectChoice("yes", "Personal data found"),
            SelectChoice("no", "None found"),
        ],
        validators=[Optional()],
    )
