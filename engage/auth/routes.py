"""Staff sign-in, sign-out, and own account."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from engage.auth import ALL_STAFF, public, roles_required
from engage.auth.forms import ChangePasswordForm, LoginForm
from engage.extensions import limiter
from engage.services import users
from engage.services.errors import DomainError

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow same-site relative paths after sign-in (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("admin.dashboard")


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.email.data or "", form.password.data or "")
        except users.LoginFailed as err:
            form.password.errors = [err.message]
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
def logout() -> Response:
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*ALL_STAFF)
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(
                current_user, form.current_password.data or "", form.new_password.data or ""
            )
        except DomainError as err:
            form.current_password.errors = [err.message]
        else:
            # The session version moved on, so sign in again with the new password.
            login_user(current_user)
            flash("Your password has been changed.", "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("auth/change_password.html", form=form)
