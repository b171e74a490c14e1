"""Staff dashboard, staff accounts, the audit log and residents' requests about a response."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from engage.admin.forms import (
    CreateUserForm,
    DeleteResponseForm,
    EditUserForm,
    ResponseReferenceForm,
)
from engage.auth import ALL_STAFF, roles_required
from engage.extensions import db
from engage.models import Role
from engage.services import audit_log as audit_service
from engage.services import dashboard as dashboard_service
from engage.services import response_requests as response_requests_service
from engage.services import users as user_service
from engage.services.errors import DomainError

bp = Blueprint("admin", __name__)


@bp.route("/")
@roles_required(*ALL_STAFF)
def dashboard() -> str:
    return render_template(
        "admin/dashboard.html",
        summary=dashboard_service.summary(),
        fft=dashboard_service.fft_last_year(),
    )


@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    return render_template("admin/users.html", users=user_service.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user() -> str | Response:
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = user_service.create_user(
                form.email.data or "",
                form.name.data or "",
                Role(form.role.data),
                form.password.data or "",
            )
        except DomainError as err:
            form.email.errors = [err.message]
        else:
            flash(f"Account created for {user.name}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> str | Response:
    user = user_service.get_user(user_id)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            user_service.set_role(user.id, Role(form.role.data), current_user)
            user_service.set_active(user.id, bool(form.active.data), current_user)
            if form.reset_two_factor.data and user.totp_secret:
                user.totp_secret, user.totp_last_step = None, None
                db.session.commit()
        except DomainError as err:
            form.role.errors = [err.message]
        else:
            flash(f"Account updated for {user.name}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", form=form, user=user)


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    entity = request.args.get("entity") or None
    kind = request.args.get("kind") or None
    events, has_more = audit_service.list_events(page=page, entity_type=entity, kind=kind)
    return render_template(
        "admin/audit.html",
        events=events,
        page=page,
        has_more=has_more,
        entity=entity,
        entity_types=audit_service.entity_types(),
        kind=kind,
        kinds=audit_service.kinds(),
    )


# --- a resident's request about their response (access or deletion), by its reference --------


@bp.route("/requests", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def response_requests() -> str | Response:
    form = ResponseReferenceForm()
    if form.validate_on_submit():
        reference = response_requests_service.normalise_reference(form.reference.data or "")
        try:
            found = response_requests_service.response_id(reference or "")
        except DomainError as err:
            form.reference.errors = [f"{err.message} Check it with the person who gave it."]
        else:
            return redirect(url_for("admin.response_request", response_id=found))
    return render_template("admin/requests.html", form=form)


@bp.route("/requests/<int:response_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def response_request(response_id: int) -> str | Response:
    form = DeleteResponseForm()
    try:
        if form.validate_on_submit():
            gone = response_requests_service.delete_response(response_id)
            answers = f"{gone.answers} answer{'s' if gone.answers != 1 else ''}"
            comments = f"{gone.comments} comment{'s' if gone.comments != 1 else ''}"
            flash(
                f"Response {gone.reference} deleted, with its {answers} and {comments}.", "success"
            )
            return redirect(url_for("admin.response_requests"))
        record = response_requests_service.show(response_id)
    except DomainError:
        abort(404)
    return render_template("admin/request.html", record=record, form=form)


@bp.route("/requests/<int:response_id>/copy.json")
@roles_required(Role.ENGAGEMENT)
def response_copy(response_id: int) -> Response:
    import json

    try:
        data = response_requests_service.export(response_id, current_user.email)
    except DomainError:
        abort(404)
    reply = Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str), mimetype="application/json"
    )
    reply.headers["Content-Disposition"] = f'attachment; filename="engage-{data["reference"]}.json"'
    reply.headers["Cache-Control"] = "no-store"
    return reply


# Tokens for the reporting API register on this blueprint.
from engage.admin import tokens  # noqa: E402,F401
