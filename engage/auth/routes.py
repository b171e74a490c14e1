"""Staff sign-in, sign-out, and own account."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from engage.auth import ALL_STAFF, public, roles_required
from engage.auth.forms import ChangePasswordForm, CodeForm, DisableTwoFactorForm, LoginForm
from engage.extensions import db, limiter
from engage.models import User
from engage.services import totp, users
from engage.services.errors import DomainError
from engage.services.passwords import verify_password

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
            target = _safe_next(request.args.get("next"))
            if user.totp_secret:
                # The password was right; the session is not signed in until the code is.
                session["pending_2fa"] = {"user": user.id, "next": target, "at": time.time()}
                return redirect(url_for("auth.login_code"))
            login_user(user)
            return redirect(target)
    return render_template("auth/login.html", form=form)


PENDING_SECONDS = 300
MAX_CODE_TRIES = 5


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login_code() -> str | Response:
    pending = session.get("pending_2fa") or {}
    user = db.session.get(User, pending.get("user", 0)) if pending else None
    if user is None or time.time() - pending.get("at", 0) > PENDING_SECONDS or not user.active:
        session.pop("pending_2fa", None)
        flash("Sign in again: the time to enter your security code ran out.", "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if totp.verify(user, form.code.data or ""):
            session.pop("pending_2fa", None)
            login_user(user)
            return redirect(pending.get("next") or url_for("admin.dashboard"))
        pending["tries"] = pending.get("tries", 0) + 1
        session["pending_2fa"] = pending
        if pending["tries"] >= MAX_CODE_TRIES:
            session.pop("pending_2fa", None)
            flash("Too many wrong codes. Sign in again.", "error")
            return redirect(url_for("auth.login"))
        form.code.errors = ["The security code is wrong or has expired. Enter the latest code"]
    return render_template("auth/code.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@public
def logout() -> Response:
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@roles_required(*ALL_STAFF)
def two_factor() -> str | Response:
    """Turn the second factor on (scan or type the key, confirm a code) or off (password)."""
    user = current_user._get_current_object()
    if user.totp_secret:
        off = DisableTwoFactorForm()
        if off.validate_on_submit():
            if verify_password(user.password_hash, off.password.data or ""):
                user.totp_secret, user.totp_last_step = None, None
                db.session.commit()
                flash("Two-step sign-in is off.", "success")
                return redirect(url_for("auth.two_factor"))
            off.password.errors = ["The password is not right"]
        return render_template("auth/two_factor.html", enabled=True, form=off)
    secret = session.get("totp_setup") or totp.new_secret()
    session["totp_setup"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        if totp.verify(user, form.code.data or "", secret=secret):
            user.totp_secret = secret
            db.session.commit()
            session.pop("totp_setup", None)
            flash("Two-step sign-in is on. You will need a code each time you sign in.", "success")
            return redirect(url_for("auth.two_factor"))
        form.code.errors = ["The security code is wrong. Check the key and enter the latest code"]
    return render_template(
        "auth/two_factor.html",
        enabled=False,
        form=form,
        key=totp.spaced(secret),
        uri=totp.provisioning_uri(secret, user.email),
    )


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
            login_user(current_user._get_current_object())
            flash("Your password has been changed.", "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("auth/change_password.html", form=form)
