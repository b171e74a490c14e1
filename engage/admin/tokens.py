"""Administrators issue and revoke tokens for the reporting API."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from engage.admin.routes import bp
from engage.auth import roles_required
from engage.models import Role
from engage.services import api_tokens as token_service


class CreateTokenForm(FlaskForm):
    name = StringField(
        "What the token is for",
        description="For example, the system that will use it: 'Board dashboard'.",
        validators=[
            DataRequired("Enter what the token is for"),
            Length(max=120, message="The name must be 120 characters or fewer"),
        ],
    )
    days = RadioField(
        "How long it works for",
        choices=[SelectChoice(str(d), label) for d, label in token_service.LIFETIMES.items()],
        default="90",
        validators=[DataRequired("Select how long the token works for")],
    )


class RevokeForm(FlaskForm):
    """A button that revokes a token: only the CSRF token."""


@bp.route("/api-tokens", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def api_tokens() -> str:
    form = CreateTokenForm()
    secret = None
    created = None
    if form.validate_on_submit():
        created, secret = token_service.create_token(
            form.name.data or "", int(form.days.data or 0), current_user.id
        )
        form = CreateTokenForm(formdata=None)
    # The secret is rendered into this one response only: never flashed (the session cookie is
    # signed, not encrypted) and never stored.
    return render_template(
        "admin/tokens.html",
        form=form,
        tokens=token_service.list_tokens(),
        state=token_service.state,
        secret=secret,
        created=created,
        revoke_form=RevokeForm(),
    )


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke_api_token(token_id: int) -> Response:
    if RevokeForm().validate_on_submit():
        token = token_service.revoke(token_id)
        flash(f"The token '{token.name}' is revoked. Anything using it is refused now.", "success")
    return redirect(url_for("admin.api_tokens"))
