"""The Citizens' Panel and PPGs: residents join and manage their details; the team manages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from engage import i18n
from engage.auth import public, roles_required
from engage.extensions import db, limiter
from engage.models import Person, Role
from engage.panel.forms import (
    AddPpgMemberForm,
    ConfirmForm,
    InviteForm,
    JoinPanelForm,
    ProfileForm,
    RequestLinkForm,
)
from engage.services import panel, reports
from engage.services.demographics import CONTACT_PREFERENCES
from engage.services.demographics import FIELDS as DEMOGRAPHIC_FIELDS
from engage.services.errors import DomainError
from engage.survey.forms import POSTCODE

bp = Blueprint("panel", __name__)
SOMEWHERE_ELSE = "elsewhere"


def _place_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", _("Choose where you live")),
        *(SelectChoice(str(p.id), p.name) for p in panel.places_to_choose()),
        SelectChoice(SOMEWHERE_ELSE, _("Somewhere else")),
    ]


def _language_choices() -> list[SelectChoice]:
    """Each language by its own name, then its name in the page's language where they differ."""
    choices = []
    for code, (own_name, name) in panel.PREFERRED_LANGUAGES.items():
        shown = str(name)
        label = own_name if shown == own_name else f"{own_name} ({shown})"
        choices.append(SelectChoice(code, label))
    return choices


def _choices(field: Any) -> set[str]:
    """The values a choice field offers (SelectChoice objects, or (value, label) pairs)."""
    return {
        str(c.value if isinstance(c, SelectChoice) else c[0] if isinstance(c, tuple) else c)
        for c in field.choices or ()
    }


def _chosen(field: Any) -> str | None:
    """The field's value only if it is one of its choices: WTForms' Optional() lets a value of
    spaces past the choice check, and no browser sends one, so it counts as no answer."""
    value = (field.data or "").strip()
    return value if value and value in _choices(field) else None


def _communication(form: Any) -> panel.CommunicationNeeds:
    allowed = _choices(form.communication_needs)
    return panel.CommunicationNeeds(
        preferred_language=_chosen(form.preferred_language),
        needs=tuple(n for n in form.communication_needs.data or () if n in allowed),
        other=(form.communication_other.data or "").strip() or None,
    )


def _resident_form(form: Any) -> Any:
    form.place.choices = _place_choices()
    form.preferred_language.choices = _language_choices()
    return form


def _place_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _postcode(value: str | None) -> str | None:
    """A validated postcode as it is written, "PR1 8XY": any run of spaces becomes one."""
    match = POSTCODE.match((value or "").strip().upper())
    return " ".join(part for part in match.groups() if part) if match else None


def _demographics(form: Any) -> dict[str, str | None]:
    return {key: _chosen(getattr(form, key)) for key in DEMOGRAPHIC_FIELDS}


@bp.route("/panel/join", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def join() -> str | Response:
    form = _resident_form(JoinPanelForm())
    if request.method == "GET":
        # The language the resident chose, even one the interface lacks (Punjabi).
        form.preferred_language.data = i18n.chosen_language()
    if form.validate_on_submit():
        if not form.website.data:
            panel.join(
                panel.Joining(
                    given_name=form.given_name.data,
                    family_name=form.family_name.data or None,
                    email=(form.email.data or "").strip() or None,
                    phone=(form.phone.data or "").strip() or None,
                    address=(form.address.data or "").strip() or None,
                    postcode=_postcode(form.postcode.data),
                    place_id=_place_id(form.place.data),
                    contact_preference=form.contact_preference.data or "email",
                    demographics=_demographics(form),
                    consent_to_demographics=bool(form.consent_demographics.data),
                    communication=_communication(form),
                )
            )
        return redirect(url_for("panel.joined"))
    return render_template("panel/join.html", form=form)


@bp.route("/panel/joined")
@public
def joined() -> str:
    return render_template("panel/joined.html")


@bp.route("/panel/manage", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def request_link() -> str | Response:
    form = RequestLinkForm()
    if form.validate_on_submit():
        panel.request_profile_link(form.email.data or "")
        return render_template("panel/link_sent.html", email=form.email.data)
    return render_template("panel/request_link.html", form=form)


def _person(token: str) -> Person:
    person = panel.person_for_token(token)
    if person is None:
        abort(404)
    return person


@bp.route("/panel/profile/<token>", methods=["GET", "POST"])
@public
def profile(token: str) -> str | Response:
    person = _person(token)
    i18n.remember_person_language(person.preferred_language)
    form = _resident_form(ProfileForm())
    form.person_email = person.email
    if request.method == "GET":
        form.preferred_language.data = person.preferred_language or "en"
        form.communication_needs.data = list(person.communication_needs or [])
        form.communication_other.data = person.communication_other
        form.contact_preference.data = person.contact_preference
        form.phone.data = person.phone
        form.address.data = person.address
        form.place.data = str(person.place_id) if person.place_id else SOMEWHERE_ELSE
        if person.demographics is not None:
            for key in DEMOGRAPHIC_FIELDS:
                getattr(form, key).data = getattr(person.demographics, key)
            form.consent_demographics.data = True
    elif form.validate_on_submit():
        panel.update_details(
            person,
            form.contact_preference.data or "email",
            (form.phone.data or "").strip() or None,
            _place_id(form.place.data),
            _demographics(form),
            bool(form.consent_demographics.data),
            _communication(form),
            address=(form.address.data or "").strip() or None,
        )
        flash(_("Your details have been updated."), "success")
        return redirect(url_for("panel.profile", token=token))
    return render_template(
        "panel/profile.html", form=form, person=person, token=token, member=panel.membership(person)
    )


@bp.route("/panel/profile/<token>/leave", methods=["GET", "POST"])
@public
def leave(token: str) -> str | Response:
    person = _person(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        panel.leave_panel(person)
        flash(
            _("You have left the Citizens' Panel. We will not invite you to surveys again."),
            "success",
        )
        return redirect(url_for("panel.profile", token=token))
    return render_template("panel/leave.html", form=form, token=token)


@bp.route("/panel/profile/<token>/delete", methods=["GET", "POST"])
@public
def erase(token: str) -> str | Response:
    person = _person(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        panel.erase(person.id)
        return redirect(url_for("panel.erased"))
    return render_template("panel/erase.html", form=form, token=token)


@bp.route("/panel/deleted")
@public
def erased() -> str:
    return render_template("panel/erased.html")


# --- the engagement team -------------------------------------------------------------------------


@bp.route("/staff/panel")
@roles_required(Role.ENGAGEMENT)
def members() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    place_id = request.args.get("place", type=int)
    search = (request.args.get("q") or "").strip()[:100]
    rows, total = panel.list_members(place_id=place_id, page=page, search=search)
    return render_template(
        "panel/members.html",
        members=rows,
        total=total,
        page=page,
        places=panel.places_to_choose(),
        place_id=place_id,
        search=search,
    )


@bp.route("/staff/panel/<int:person_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def member(person_id: int) -> str | Response:
    person = panel.get_person(person_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        if action == "erase":
            panel.erase(person.id)
            flash(
                "Their personal data has been deleted. Their anonymised answers are kept.",
                "success",
            )
            return redirect(url_for("panel.members"))
        if action == "send_link":
            panel.send_profile_link(person)
            flash("A link to manage their details has been sent.", "success")
    if person.communication_needs or person.communication_other:
        # Needs can reveal a disability: the team sees them to meet them, and each view is logged.
        from engage.services import audit_log

        audit_log.log_special_category_access(
            person.id, ["communication needs"], "meeting their communication needs"
        )
    return render_template(
        "panel/member.html",
        person=person,
        form=form,
        member=panel.membership(person),
        need_names=panel.COMMUNICATION_NEEDS,
    )


@bp.route("/staff/ppgs")
@roles_required(Role.ENGAGEMENT)
def ppgs() -> str:
    return render_template("panel/ppgs.html", groups=panel.list_ppgs())


@bp.route("/staff/ppgs/<int:practice_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def ppg(practice_id: int) -> str | Response:
    practice = panel.get_practice(practice_id)
    form = AddPpgMemberForm()
    if request.method == "POST" and request.form.get("action") == "remove":
        # CSRFProtect has already checked the token of this one-button form.
        panel.remove_ppg_member(request.form.get("membership_id", 0, type=int), practice.id)
        flash("Removed from the PPG.", "success")
        return redirect(url_for("panel.ppg", practice_id=practice_id))
    if form.validate_on_submit():
        try:
            panel.add_ppg_member(
                practice.id,
                form.given_name.data or "",
                form.family_name.data or "",
                form.email.data or None,
                form.phone.data or None,
            )
        except DomainError as err:
            form.given_name.errors = [err.message]
        else:
            flash("Added to the PPG.", "success")
            return redirect(url_for("panel.ppg", practice_id=practice_id))
    return render_template(
        "panel/ppg.html", practice=practice, form=form, members=panel.ppg_members(practice.id)
    )


@bp.route("/staff/outbox")
@roles_required(Role.ENGAGEMENT)
def outbox() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = panel.list_outbox(page=page)
    return render_template("panel/outbox.html", messages=rows, total=total, page=page)


@bp.route("/staff/outbox/<int:message_id>")
@roles_required(Role.ENGAGEMENT)
def outbox_message(message_id: int) -> str:
    """One message in full: opened on purpose from the outbox, and each reading is logged."""
    shown = panel.show_outbox_message(message_id)
    return render_template("panel/outbox_message.html", shown=shown, message=shown.message)


@bp.route("/staff/invitations")
@roles_required(Role.ENGAGEMENT)
def invitations_overview() -> str:
    from engage.services import invitations

    surveys = [
        (s, invitations.summary(s.id), invitations.unmet_needs(s.id))
        for s in invitations.invitable_surveys()
    ]
    return render_template("panel/invitations.html", surveys=surveys, threshold=reports.threshold())


@bp.route("/staff/invitations/<int:survey_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def invite(survey_id: int) -> str | Response:
    from engage.models import Survey
    from engage.services import invitations

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    form = InviteForm()
    form.practice.choices = [SelectChoice("", "Any practice")] + [
        SelectChoice(str(p.id), p.name) for p, _ in panel.list_ppgs()
    ]
    form.place.choices = [SelectChoice("", "Anywhere")] + [
        SelectChoice(str(p.id), p.name) for p in panel.places_to_choose()
    ]
    matching: invitations.Matching | None = None
    if form.validate_on_submit():
        segment = invitations.Segment(
            audience=form.audience.data or "panel",
            place_id=_place_id(form.place.data),
            practice_id=_place_id(form.practice.data),
            age_bands=form.age_bands.data or [],
            sexes=form.sexes.data or [],
            ethnicities=form.ethnicities.data or [],
        )
        if request.form.get("action") == "send":
            try:
                result = invitations.invite(survey.id, segment)
            except DomainError as err:
                form.audience.errors = [err.message]
            else:
                flash(invitations.describe_result(result), "success")
                return redirect(url_for("panel.invite", survey_id=survey.id))
        matching = invitations.count_matching(segment)
    return render_template(
        "panel/invite.html",
        survey=survey,
        form=form,
        matching=matching,
        sent=invitations.sent_batches(survey.id),
        threshold=reports.threshold(),
        summary=invitations.summary(survey.id),
        unmet=invitations.unmet_needs(survey.id),
        need_names=panel.COMMUNICATION_NEEDS,
        language_names={code: name for code, (_own, name) in panel.PREFERRED_LANGUAGES.items()},
    )


# --- Subject access: a copy of everything held about a person --------------------------------


@bp.app_template_filter("contact_label")
def contact_label(code: str | None) -> str:
    """How a member asked to be contacted, in words ("Letter", not "post")."""
    return next((str(c.label) for c in CONTACT_PREFERENCES if c.value == code), code or "")


# What each consent covers, as the team reads it on a member's page.
CONSENT_LABELS = {
    "panel_membership": "Panel membership",
    "demographics": "Information about them (age, sex, ethnicity, disability and the like)",
}


@bp.app_template_filter("consent_label")
def consent_label(purpose: str) -> str:
    return CONSENT_LABELS.get(purpose, purpose)


def _json_download(data: dict[str, Any], name: str) -> Response:
    import json

    response = Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/panel/profile/<token>/your-data.json")
@public
def download_data(token: str) -> Response:
    from engage.services import subject_access

    person = _person(token)
    data = subject_access.export_person(person.id, requested_by="the resident, via their link")
    return _json_download(data, "engage-your-data.json")


@bp.route("/staff/panel/<int:person_id>/data.json")
@roles_required(Role.ENGAGEMENT)
def member_data(person_id: int) -> Response:
    from flask_login import current_user

    from engage.services import subject_access

    try:
        data = subject_access.export_person(person_id, requested_by=current_user.email)
    except DomainError:
        abort(404)
    return _json_download(data, f"engage-subject-access-{person_id}.json")
