"""Forms for joining the Citizens' Panel, managing details, and the team's PPG lists."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from engage.services.demographics import (
    AGE_BANDS,
    CONTACT_PREFERENCES,
    ETHNIC_GROUPS,
    SEXES,
    YES_NO,
    with_prefer_not,
)
from engage.services.demographics import FIELDS as DEMOGRAPHIC_FIELDS
from engage.survey.forms import POSTCODE


def _postcode(_form: FlaskForm, field: StringField) -> None:
    if field.data and not POSTCODE.match(field.data.strip().upper()):
        raise ValidationError("Enter a postcode, like BB1 1AA, or just the first part, like BB1")


class DemographicsMixin:
    age_band = SelectField(
        "Age group (optional)",
        choices=[SelectChoice("", "Choose an age group"), *with_prefer_not(AGE_BANDS)],
        validators=[Optional()],
    )
    sex = RadioField("Sex (optional)", choices=with_prefer_not(SEXES), validators=[Optional()])
    ethnicity = SelectField(
        "Ethnic group (optional)",
        choices=[SelectChoice("", "Choose an ethnic group"), *with_prefer_not(ETHNIC_GROUPS)],
        validators=[Optional()],
    )
    disability = RadioField(
        "Do you consider yourself to have a disability? (optional)",
        choices=with_prefer_not(YES_NO),
        validators=[Optional()],
    )
    long_term_condition = RadioField(
        "Do you have a long-term health condition? (optional)",
        choices=with_prefer_not(YES_NO),
        validators=[Optional()],
    )
    carer = RadioField(
        "Do you look after or care for someone? (optional)",
        choices=with_prefer_not(YES_NO),
        validators=[Optional()],
    )
    consent_demographics = BooleanField(
        "You can use these answers to check you are hearing from all kinds of people"
    )


class JoinPanelForm(DemographicsMixin, FlaskForm):
    given_name = StringField(
        "First name", validators=[InputRequired("Enter your first name"), Length(max=80)]
    )
    family_name = StringField("Last name (optional)", validators=[Optional(), Length(max=80)])
    email = EmailField(
        "Email address (optional)",
        validators=[
            Optional(),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
    )
    phone = StringField("Phone number (optional)", validators=[Optional(), Length(max=30)])
    contact_preference = RadioField(
        "How should we contact you?",
        choices=CONTACT_PREFERENCES,
        validators=[InputRequired("Select how we should contact you")],
    )
    place = SelectField("Where do you live?", validators=[InputRequired("Select where you live")])
    postcode = StringField("Postcode (optional)", validators=[Optional(), _postcode])
    consent_panel = BooleanField(
        "I agree to join the Citizens' Panel and for my details to be used as the privacy "
        "notice describes",
        validators=[InputRequired("You need to agree to join the Citizens' Panel")],
    )
    website = StringField("Leave this field empty")

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # The contact detail needed depends on the chosen way of contact.
        if self.contact_preference.data == "email" and not self.email.data:
            self.email.errors = ["Enter your email address, or choose another way to contact you"]
            ok = False
        if self.contact_preference.data in ("text", "phone") and not self.phone.data:
            self.phone.errors = ["Enter your phone number, or choose another way to contact you"]
            ok = False
        answered = any(getattr(self, key).data for key in DEMOGRAPHIC_FIELDS)
        if answered and not self.consent_demographics.data:
            # Special-category answers are kept only with this consent: never drop them silently.
            self.consent_demographics.errors = [
                "Tick the box if we can use your answers about you, or leave those questions blank"
            ]
            ok = False
        return ok


class ProfileForm(DemographicsMixin, FlaskForm):
    # Unticking consent here withdraws it, and the answers about the person are deleted.
    phone = StringField("Phone number (optional)", validators=[Optional(), Length(max=30)])
    contact_preference = RadioField(
        "How should we contact you?",
        choices=CONTACT_PREFERENCES,
        validators=[InputRequired("Select how we should contact you")],
    )
    place = SelectField("Where do you live?", validators=[InputRequired("Select where you live")])


class RequestLinkForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter the email address you joined with"),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button with a CSRF token, for actions that need only a yes."""


class AddPpgMemberForm(FlaskForm):
    given_name = StringField("First name", validators=[InputRequired("Enter their first name")])
    family_name = StringField("Last name", validators=[InputRequired("Enter their last name")])
    email = EmailField(
        "Email address (optional)",
        validators=[
            Optional(),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
    )
    phone = StringField("Phone number (optional)", validators=[Optional(), Length(max=30)])


class InviteForm(FlaskForm):
    audience = RadioField(
        "Who to invite",
        choices=[
            SelectChoice("panel", "Citizens' Panel members"),
            SelectChoice("ppg", "PPG members"),
        ],
        validators=[InputRequired("Select who to invite")],
    )
    practice = SelectField("GP practice (for PPG members)", validators=[Optional()])
    place = SelectField("Where they live", validators=[Optional()])
    age_bands = SelectMultipleField(
        "Age groups", choices=with_prefer_not(AGE_BANDS), validators=[Optional()]
    )
    sexes = SelectMultipleField("Sex", choices=with_prefer_not(SEXES), validators=[Optional()])
    ethnicities = SelectMultipleField(
        "Ethnic groups", choices=with_prefer_not(ETHNIC_GROUPS), validators=[Optional()]
    )
