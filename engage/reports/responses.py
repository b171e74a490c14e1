"""Staff side of "you said, we did": commissioners write, publish and tell panel members.

Commissioners (and admins) write. The engagement team and viewers may read the list and each
response: the engagement team answers residents' questions about what happened, and viewers
have read-only access to everything reported. None of these pages names a resident.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from engage.auth import ALL_STAFF, roles_required
from engage.models import Role
from engage.reports.routes import bp
from engage.services import yousaid
from engage.services.errors import DomainError

WRITERS = (Role.COMMISSIONER,)  # admins always pass roles_required


class ResponseForm(FlaskForm):
    intention = SelectField(
        "Which commissioning intention is this about? (optional)",
        description="The theme's confirmed intentions. Residents find responses by intention.",
        validators=[Optional()],
    )
    you_said = TextAreaField(
        "You said",
        description=(
            "What residents told us, in plain English. We have started it from their comments: "
            "check the quotes and change anything you need to."
        ),
        validators=[Length(max=5000, message="'You said' must be 5,000 characters or fewer")],
    )
    we_did = TextAreaField(
        "We did",
        description="What was done, or what will be done, and when.",
        validators=[Length(max=5000, message="'We did' must be 5,000 characters or fewer")],
    )
    status = RadioField(
        "Where it stands",
        choices=[SelectChoice(k, v) for k, v in yousaid.STATUSES.items()],
        validators=[Optional()],
    )
    reason = TextAreaField(
        "Why it is not possible",
        description="Only if the status is 'Not possible'. Residents will read this.",
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        problems = yousaid.check_draft(self.draft())
        for name, message in problems.items():
            field = getattr(self, name)
            if not field.errors:
                field.errors = [message]
            ok = False
        return ok

    def draft(self) -> yousaid.Draft:
        return yousaid.Draft(
            you_said=self.you_said.data or "",
            we_did=self.we_did.data or "",
            status=self.status.data or "",
            reason=self.reason.data or None,
        )


class PublishForm(FlaskForm):
    notify = BooleanField("Tell the panel members who took part, by email")


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def _intention_choices(form: ResponseForm, theme_id: int | None) -> list[tuple[int, str]]:
    linked = yousaid.linked_intentions(theme_id) if theme_id is not None else []
    form.intention.choices = [
        SelectChoice("", "None of these: the theme as a whole"),
        *(SelectChoice(str(i), t) for i, t in linked),
    ]
    return linked


@bp.route("/you-said-we-did")
@roles_required(*ALL_STAFF)
def responses() -> str:
    return render_template(
        "reports/responses.html",
        rows=yousaid.list_responses(),
        can_write=current_user.role_enum in (Role.COMMISSIONER, Role.ADMIN),
        status_label=yousaid.status_label,
    )


@bp.route("/you-said-we-did/new", methods=["GET", "POST"])
@roles_required(*WRITERS)
def new_response() -> str | Response:
    theme_id = request.args.get("theme", type=int)
    intention_id = request.args.get("intention", type=int)
    if theme_id is None and intention_id is None:
        return render_template(
            "reports/responses_new.html",
            themes=yousaid.themes_to_respond_to(),
            intentions=yousaid.intentions_to_respond_to(),
            asked="theme" in request.args or "intention" in request.args,
        )
    subject = yousaid.choose_subject(theme_id, intention_id)
    form = ResponseForm()
    linked = _intention_choices(form, subject.theme_id if subject.intention_id is None else None)
    if request.method == "GET":
        form.you_said.data = yousaid.what_residents_said(subject)
        form.status.data = "considering"
    elif form.validate_on_submit():
        chosen = int(form.intention.data) if (form.intention.data or "").isdigit() else None
        if chosen is not None and chosen in {i for i, _ in linked}:
            subject = yousaid.choose_subject(subject.theme_id, chosen)
        item = yousaid.create_response(subject, form.draft(), current_user.id)
        flash("Response saved. It is not published yet.", "success")
        return redirect(url_for("reports.show_response", response_id=item.id))
    return render_template(
        "reports/responses_form.html", form=form, subject=subject, linked=linked, item=None
    )


@bp.route("/you-said-we-did/<int:response_id>")
@roles_required(*ALL_STAFF)
def show_response(response_id: int) -> str:
    item = yousaid.get_response(response_id)
    can_write = current_user.role_enum in (Role.COMMISSIONER, Role.ADMIN)
    return render_template(
        "reports/responses_show.html",
        item=item,
        subject=yousaid.subject_of(item),
        status_label=yousaid.status_label,
        can_write=can_write,
        form=ConfirmForm(),
        told=yousaid.told_count(item.id) if can_write else None,
    )


@bp.route("/you-said-we-did/<int:response_id>/edit", methods=["GET", "POST"])
@roles_required(*WRITERS)
def edit_response(response_id: int) -> str | Response:
    item = yousaid.get_response(response_id)
    form = ResponseForm(obj=item if request.method == "GET" else None)
    form.intention.choices = [SelectChoice("", "")]  # the subject is fixed once written
    if form.validate_on_submit():
        yousaid.update_response(item.id, form.draft())
        note = " Residents see the change now." if item.published_at else ""
        flash(f"Response updated.{note}", "success")
        return redirect(url_for("reports.show_response", response_id=item.id))
    return render_template(
        "reports/responses_form.html",
        form=form,
        subject=yousaid.subject_of(item),
        linked=[],
        item=item,
    )


@bp.route("/you-said-we-did/<int:response_id>/publish", methods=["GET", "POST"])
@roles_required(*WRITERS)
def publish_response(response_id: int) -> str | Response:
    item = yousaid.get_response(response_id)
    form = PublishForm()
    if form.validate_on_submit():
        yousaid.publish(item.id)
        told = 0
        if form.notify.data:
            try:
                told = yousaid.notify_participants(item.id)
            except DomainError as err:
                flash(err.message, "info")
        people = "panel member" if told == 1 else "panel members"
        flash(
            "Published. Residents can read it now."
            + (f" {told} {people} will be told by email." if told else ""),
            "success",
        )
        return redirect(url_for("reports.show_response", response_id=item.id))
    return render_template(
        "reports/responses_publish.html",
        form=form,
        item=item,
        subject=yousaid.subject_of(item),
        reach=yousaid.reach(item.id),
    )


@bp.route("/you-said-we-did/<int:response_id>/unpublish", methods=["POST"])
@roles_required(*WRITERS)
def unpublish_response(response_id: int) -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        yousaid.unpublish(response_id)
        flash("Unpublished. Residents can no longer see it.", "success")
    return redirect(url_for("reports.show_response", response_id=response_id))
