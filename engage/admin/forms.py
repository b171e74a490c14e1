"""Forms for managing staff accounts."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from engage.models import Role
from engage.services.passwords import MIN_PASSWORD_LENGTH

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class CreateUserForm(FlaskForm):
    name = StringField(
        "Full name", validators=[DataRequired("Enter their full name"), Length(max=120)]
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter their email address"),
            Email("Enter an email address in the correct format, like name@nhs.net"),
        ],
    )
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Select a role")])
    password = PasswordField(
        "Temporary password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Ask them to change it.",
        validators=[
            DataRequired("Enter a temporary password"),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"Password must be {MIN_PASSWORD_LENGTH} characters or more",
            ),
        ],
    )


class EditUserForm(FlaskForm):
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Select a role")])
    active = BooleanField("Account is active")
    reset_two_factor = BooleanField("Turn off two-step sign-in (for a lost phone)")


class ResponseReferenceForm(FlaskForm):
    """Find a response by the reference its sender was given."""

    reference = StringField(
        "Reference",
        description="From their confirmation page, like ENG-7KQ2M9XD. Case and spaces don't matter",
        validators=[DataRequired("Enter the reference the person gave you"), Length(max=40)],
    )

    def validate_reference(self, field: StringField) -> None:
        from engage.services.response_requests import normalise_reference

        if normalise_reference(field.data or "") is None:
            raise ValidationError(
                "Enter a reference like ENG-7KQ2M9XD: ENG then 8 letters and numbers"
            )


class DeleteResponseForm(FlaskForm):
    checked = BooleanField(
        "I have checked that the request comes from the person who sent these answers",
        validators=[DataRequired("Confirm that you have checked who is asking")],
    )
