"""Sign-in and account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from engage.services.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address"),
            Email("Enter an email address in the correct format, like name@example.com"),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password")]
    )
    new_password = PasswordField(
        "New password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words work well.",
        validators=[
            DataRequired("Enter a new password"),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=f"New password must be {MIN_PASSWORD_LENGTH} characters or more",
            ),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Confirm your new password"),
            EqualTo("new_password", "Passwords do not match"),
        ],
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Security code",
        description="The 6-digit code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit security code")],
    )


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to turn this off")]
    )
