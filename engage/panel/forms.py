"""Forms for joining the Citizens' Panel, managing details, and the team's PPG lists."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
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
from engage.services.panel import COMMUNICATION_NEEDS
from engage.survey.forms import POSTCODE

# Stored values stay English (results combine across languages); residents read the labels
# in their language. The strings are marked for extraction in engage.i18n.CHOICE_LABELS.
PREFER_NOT = "Prefer not to say"


def _translated(options: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(o, _l(o)) for o in (*options, PREFER_NOT)]


def _postcode(_form: FlaskForm, field: StringField) -> None:
    if field.data and not POSTCODE.match(field.data.strip().upper()):
        raise ValidationError(
            _l("Enter a postcode, like BB1 1AA, or just the first part, like BB1")
        )


class DemographicsMixin:
    age_band = SelectField(
        _l("Age group (optional)"),
        choices=[
            SelectChoice("", _l("Choose an age group")),
            *(SelectChoice(o, o) for o in AGE_BANDS),
            SelectChoice(PREFER_NOT, _l(PREFER_NOT)),
        ],
        validators=[Optional()],
    )
    sex = RadioField(_l("Sex (optional)"), choices=_translated(SEXES), validators=[Optional()])
    ethnicity = SelectField(
        _l("Ethnic group (optional)"),
        choices=[SelectChoice("", _l("Choose an ethnic group")), *_translated(ETHNIC_GROUPS)],
        validators=[Optional()],
    )
    disability = RadioField(
        _l("Do you consider yourself to have a disability? (optional)"),
        choices=_translated(YES_NO),
        validators=[Optional()],
    )
    long_term_condition = RadioField(
        _l("Do you have a long-term health condition? (optional)"),
        choices=_translated(YES_NO),
        validators=[Optional()],
    )
    carer = RadioField(
        _l("Do you look after or care for someone? (optional)"),
        choices=_translated(YES_NO),
        validators=[Optional()],
    )
    consent_demographics = BooleanField(
        _l("You can use these answers to check you are hearing from all kinds of people")
    )


def _contact_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, _l(str(c.label))) for c in CONTACT_PREFERENCES]


class CommunicationMixin:
    """Accessible Information Standard: how a member needs us to communicate with them."""

    preferred_language = SelectField(
        _l("Which language would you like us to use?"),
        description=_l(
            "We will send invitations in this language when the survey has been translated"
        ),
        # Choices are set per request: each language's own name beside its name in this one.
        validators=[Optional()],
    )
    communication_needs = SelectMultipleField(
        _l("Do you need any of these to read or answer our surveys? (optional)"),
        description=_l("Select all that apply"),
        choices=[SelectChoice(code, label) for code, label in COMMUNICATION_NEEDS.items()],
        validators=[Optional()],
    )
    communication_other = StringField(
        _l("Anything else that would help you (optional)"),
        description=_l("For example, a phone call instead of a letter, or an audio version"),
        validators=[
            Optional(),
            Length(max=200, message=_l("Anything else must be 200 characters or fewer")),
        ],
    )


class ContactMixin:
    """The contact detail a member's chosen way of contact needs, checked on join and change."""

    contact_preference: RadioField
    phone: StringField
    address = TextAreaField(
        _l("Postal address (optional)"),
        description=_l("We need this only if you would like us to write to you by letter"),
        validators=[
            Optional(),
            Length(max=300, message=_l("Postal address must be 300 characters or fewer")),
        ],
    )

    def contact_detail_given(self, email: str | None) -> bool:
        # Stripped: Optional() lets spaces past the other checks, and spaces are no address.
        choice, ok = self.contact_preference.data, True
        if choice == "email" and not (email or "").strip():
            if hasattr(self, "email"):
                self.email.errors = [
                    _l("Enter your email address, or choose another way to contact you")
                ]
            else:  # changing details: the email address is the one they joined with
                self.contact_preference.errors = [
                    _l("We do not have an email address for you, so choose another way")
                ]
            ok = False
        if choice in ("text", "phone") and not (self.phone.data or "").strip():
            self.phone.errors = [
                _l("Enter your phone number, or choose another way to contact you")
            ]
            ok = False
        if choice == "post" and not (self.address.data or "").strip():
            self.address.errors = [
                _l("Enter your postal address, or choose another way to contact you")
            ]
            ok = False
        return ok


class JoinPanelForm(ContactMixin, CommunicationMixin, DemographicsMixin, FlaskForm):
    given_name = StringField(
        _l("First name"), validators=[InputRequired(_l("Enter your first name")), Length(max=80)]
    )
    family_name = StringField(_l("Last name (optional)"), validators=[Optional(), Length(max=80)])
    email = EmailField(
        _l("Email address (optional)"),
        validators=[
            Optional(),
            Email(_l("Enter an email address in the correct format, like name@example.com")),
        ],
    )
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=30)])
    contact_preference = RadioField(
        _l("How should we contact you?"),
        choices=_contact_choices(),
        validators=[InputRequired(_l("Select how we should contact you"))],
    )
    place = SelectField(
        _l("Where do you live?"), validators=[InputRequired(_l("Select where you live"))]
    )
    postcode = StringField(_l("Postcode (optional)"), validators=[Optional(), _postcode])
    consent_panel = BooleanField(
        _l(
            "I agree to join the Citizens' Panel and for my details to be used as the privacy "
            "notice describes"
        ),
        validators=[InputRequired(_l("You need to agree to join the Citizens' Panel"))],
    )
    website = StringField(_l("Leave this field empty"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        ok = self.contact_detail_given(self.email.data) and ok
        answered = any(getattr(self, key).data for key in DEMOGRAPHIC_FIELDS)
        if answered and not self.consent_demographics.data:
            # Special-category answers are kept only with this consent: never drop them silently.
            self.consent_demographics.errors = [
                _l(
                    "Tick the box if we can use your answers about you, or leave those "
                    "questions blank"
                )
            ]
            ok = False
        return ok


class ProfileForm(ContactMixin, CommunicationMixin, DemographicsMixin, FlaskForm):
    # Unticking consent here withdraws it, and the answers about the person are deleted.
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=30)])
    contact_preference = RadioField(
        _l("How should we contact you?"),
        choices=_contact_choices(),
        validators=[InputRequired(_l("Select how we should contact you"))],
    )
    place = SelectField(
        _l("Where do you live?"), validators=[InputRequired(_l("Select where you live"))]
    )
    # The address they joined with; set by the view, since this form cannot change it.
    person_email: str | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.contact_detail_given(self.person_email) and ok


class RequestLinkForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            InputRequired(_l("Enter the email address you joined with")),
            Email(_l("Enter an email address in the correct format, like name@example.com")),
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
