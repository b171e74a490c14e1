"""Resident-facing pages: open surveys, the survey runner, save and resume, and the notices."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as WResponse

from engage import i18n
from engage.auth import public
from engage.extensions import db, limiter
from engage.models import Person, Response, Survey
from engage.services import responses as runner
from engage.services import surveys, translations
from engage.survey.forms import (
    ResumeForm,
    StartForm,
    SubmitForm,
    build_section_form,
    stored_value,
)

bp = Blueprint("survey", __name__)
SESSION_KEY = "responses"


def _shown(survey: Survey) -> translations.Shown:
    """The survey in the resident's language where it is translated, English (marked) where not.

    That language may have no interface catalogue (Punjabi): the page around it is then English.
    """
    return translations.for_resident(survey)


@bp.route("/")
@public
def home() -> str:
    shown = [(s, _shown(s)) for s in surveys.list_open_surveys()]
    return render_template("survey/home.html", open_surveys=shown)


@bp.route("/privacy")
@public
def privacy() -> str:
    config = current_app.config
    periods = {
        "unsent": config["ENGAGE_RETAIN_UNSUBMITTED_DAYS"],
        "leavers": config["ENGAGE_RETAIN_LEAVERS_DAYS"],
        "outbox": config["ENGAGE_RETAIN_OUTBOX_DAYS"],
        "original_text": config["ENGAGE_RETAIN_ORIGINAL_TEXT_DAYS"],
    }
    contact = Markup('<a href="mailto:{0}">{0}</a>').format(config["ENGAGE_PRIVACY_CONTACT"])
    return render_template("survey/privacy.html", periods=periods, contact=contact)


@bp.route("/accessibility")
@public
def accessibility() -> str:
    """The accessibility statement; its dates change by hand when it is reviewed or retested."""
    return render_template(
        "survey/accessibility.html",
        prepared_on=date(2026, 11, 24),
        reviewed_on=date(2026, 11, 24),
        tested_on=date(2026, 11, 24),
    )


# --- the runner ---------------------------------------------------------------------------------


def _remember(survey: Survey, token: str | None, code: str | None = None) -> None:
    """Keep this browser's resume link secret (and code, when known) for the survey."""
    held = dict(session.get(SESSION_KEY, {}))
    held[survey.slug] = {"token": token, "code": code}
    session[SESSION_KEY] = held
    session.permanent = True


def _held(slug: str) -> dict[str, str | None]:
    value = session.get(SESSION_KEY, {}).get(slug)
    return value if isinstance(value, dict) else {}


def _open(slug: str) -> tuple[Survey, Response | None]:
    """The survey and this browser's response to it, if any, in one query."""
    if request.method == "GET":
        runner.read_only_request()
    return runner.open_survey(slug, _held(slug).get("token"))


def _unavailable(survey: Survey, mine: Response | None) -> str | None:
    state = runner.availability(survey)
    if state is runner.Availability.OPEN:
        return None
    if state is runner.Availability.INVITATION_ONLY:
        if mine is not None and mine.person_id is not None:
            return None  # opened through a personal invitation link
    return render_template(
        "survey/unavailable.html", survey=survey, state=state.value, shown=_shown(survey)
    )


def _in_progress_or_redirect(survey: Survey, response: Response | None) -> Response | WResponse:
    if response is None:
        return redirect(url_for("survey.start", slug=survey.slug))
    if response.status == "submitted":
        return redirect(url_for("survey.confirmation", slug=survey.slug))
    return response


def _open_response(slug: str) -> tuple[Survey, Response, runner.Answers] | str | WResponse:
    """The survey, this browser's response in progress and its answers (one query), or the
    page to show instead."""
    if request.method == "GET":
        runner.read_only_request()
    survey, mine, answers = runner.open_response(slug, _held(slug).get("token"))
    blocked = _unavailable(survey, mine)
    if blocked:
        return blocked
    response = _in_progress_or_redirect(survey, mine)
    if not isinstance(response, Response):
        return response
    return survey, response, answers


@bp.route("/surveys/<slug>", methods=["GET", "POST"])
@limiter.limit("60 per hour", methods=["POST"])
@public
def start(slug: str) -> str | WResponse:
    survey, existing = _open(slug)
    blocked = _unavailable(survey, existing)
    if blocked:
        return blocked
    form = StartForm()
    if form.validate_on_submit():
        if form.website.data:  # honeypot: say nothing to a bot, store nothing
            return redirect(url_for("survey.home"))
        if existing is not None and existing.status == "submitted" and existing.person_id:
            return redirect(url_for("survey.confirmation", slug=slug))  # one per invitation
        if existing is None or existing.status == "submitted":
            started = runner.start_response(survey)
            _remember(survey, started.token, started.code)
        return redirect(url_for("survey.section", slug=slug, number=1))
    # "Continue" only once something has been answered; a fresh invited response says "Start".
    resumable = (
        existing
        if existing and existing.status != "submitted" and runner.answers_of(existing)
        else None
    )
    return render_template(
        "survey/start.html",
        survey=survey,
        shown=_shown(survey),
        form=form,
        sections=len(surveys.structure_of(survey).sections),
        existing=resumable,
    )


@bp.route("/surveys/<slug>/section/<int:number>", methods=["GET", "POST"])
@public
def section(slug: str, number: int) -> str | WResponse:
    opened = _open_response(slug)
    if not isinstance(opened, tuple):
        return opened
    survey, response, loaded = opened
    structure = surveys.structure_of(survey)
    answers = loaded.values
    sections = runner.visible_sections(structure, answers)
    if not 1 <= number <= len(sections):
        return redirect(url_for("survey.check_answers", slug=slug))
    current = sections[number - 1]
    questions = runner.visible_questions(current, answers)
    shown = _shown(survey)
    changing = request.args.get("change") == "1"  # came from "Change" on check your answers
    if request.method == "POST":
        form = build_section_form(questions, answers, formdata=request.form, shown=shown)
        saving_for_later = request.form.get("action") == "save"
        if form.validate() and not form.website.data:
            values = {q.key: stored_value(q, getattr(form, q.key)) for q in questions}
            runner.save_answers(response, current, values, loaded)
            if saving_for_later:
                return redirect(url_for("survey.saved", slug=slug))
            if changing:
                # Back to check your answers, unless the change opened a question to answer.
                missing = runner.first_unanswered(structure, loaded.values)
                if missing is None:
                    return redirect(url_for("survey.check_answers", slug=slug))
                return redirect(url_for("survey.section", slug=slug, number=missing, change=1))
            after = runner.visible_sections(structure, loaded.values)
            if number < len(after):
                return redirect(url_for("survey.section", slug=slug, number=number + 1))
            return redirect(url_for("survey.check_answers", slug=slug))
        if saving_for_later:
            # Keep every answer that is valid. A question left blank does not stop a resident
            # saving for later (finishing is for later too); an answer that cannot be stored as
            # typed (a date that does not exist) stays on screen with its message to put right.
            valid = {
                q.key: stored_value(q, getattr(form, q.key))
                for q in questions
                if not getattr(form, q.key).errors
            }
            runner.save_answers(response, current, valid, loaded)
            if not form.website.data and not any(
                _typed(getattr(form, q.key)) for q in questions if getattr(form, q.key).errors
            ):
                return redirect(url_for("survey.saved", slug=slug))
    else:
        form = build_section_form(questions, answers, shown=shown)
    if changing:
        back = url_for("survey.check_answers", slug=slug)
    elif number > 1:
        back = url_for("survey.section", slug=slug, number=number - 1)
    else:
        back = url_for("survey.start", slug=slug)
    return render_template(
        "survey/section.html",
        survey=survey,
        shown=shown,
        section=current,
        questions=questions,
        form=form,
        number=number,
        total=len(sections),
        back=back,
    )


@bp.app_template_filter("isodate")
def isodate(value: Any) -> date | None:
    """A stored date answer ("2025-02-03") as a date, to write it the resident's way."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _typed(field: Any) -> bool:
    """Whether the resident typed or chose anything in this field."""
    return any(str(value).strip() for value in (field.raw_data or []))


@bp.route("/surveys/<slug>/check", methods=["GET", "POST"])
@public
def check_answers(slug: str) -> str | WResponse:
    opened = _open_response(slug)
    if not isinstance(opened, tuple):
        return opened
    survey, response, loaded = opened
    structure = surveys.structure_of(survey)
    answers = loaded.values
    missing = runner.first_unanswered(structure, answers)
    form = SubmitForm()
    if form.validate_on_submit():
        if missing is not None:
            return redirect(url_for("survey.section", slug=slug, number=missing))
        if not form.website.data:
            # Record the language the answers were given in (answers themselves are values).
            shown = _shown(survey)
            runner.submit(
                response.id,
                language=shown.language if shown.translated else "en",
                structure=structure,
            )
        return redirect(url_for("survey.confirmation", slug=slug))
    sections = runner.visible_sections(structure, answers)
    rows = [
        (number, sec, [(q, answers.get(q.key)) for q in runner.visible_questions(sec, answers)])
        for number, sec in enumerate(sections, start=1)
    ]
    return render_template(
        "survey/check.html",
        survey=survey,
        shown=_shown(survey),
        rows=rows,
        form=form,
        missing=missing,
        total=len(sections),
    )


@bp.route("/surveys/<slug>/confirmation")
@public
def confirmation(slug: str) -> str | WResponse:
    survey, response = _open(slug)
    if response is None or response.status != "submitted":
        return redirect(url_for("survey.start", slug=slug))
    return render_template(
        "survey/confirmation.html", survey=survey, response=response, shown=_shown(survey)
    )


@bp.route("/surveys/<slug>/saved")
@public
def saved(slug: str) -> str | WResponse:
    survey, mine = _open(slug)
    response = _in_progress_or_redirect(survey, mine)
    if not isinstance(response, Response):
        return response
    held = _held(slug)
    token, code = held.get("token"), held.get("code")
    if not code:
        # Resumed from a link in another browser: only hashes are stored, so issue a new code.
        code = runner.reissue_resume_code(response)
        _remember(survey, token, code)
    return render_template(
        "survey/saved.html",
        survey=survey,
        shown=_shown(survey),
        code=runner.format_code(code),
        link=url_for("survey.resume_link", slug=slug, token=token, _external=True),
    )


@bp.route("/surveys/<slug>/resume/<token>")
@public
def resume_link(slug: str, token: str) -> WResponse:
    survey = runner.get_survey(slug)
    response = runner.find_by_token(survey, token)
    if response is None:
        abort(404)
    _remember(survey, token)
    return redirect(url_for("survey.continue_response", slug=slug))


@bp.route("/surveys/<slug>/resume", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
@public
def resume(slug: str) -> str | WResponse:
    survey = runner.get_survey(slug)
    form = ResumeForm()
    if form.validate_on_submit():
        response = runner.find_by_code(survey, form.code.data or "")
        if response is None:
            form.code.errors = [
                _("We could not find answers saved with that code. Check it and try again")
            ]
        else:
            # The link was not typed in, so issue a new one; the code stays as it was.
            token = runner.reissue_resume_link(response)
            _remember(survey, token, runner.normalise_code(form.code.data or ""))
            return redirect(url_for("survey.continue_response", slug=slug))
    return render_template("survey/resume.html", survey=survey, form=form, shown=_shown(survey))


@bp.route("/i/<token>")
@public
def invited(token: str) -> str | WResponse:
    """A personal invitation link: open the survey for this member, no sign-in needed."""
    from engage.services import invitations

    opened = invitations.open_invitation(token)
    if opened is None:
        abort(404)
    invitation, response_token = opened
    survey = db.session.get(Survey, invitation.survey_id)
    if survey is None:
        abort(404)
    _remember(survey, response_token)
    # The member's recorded language carries on through the survey unless this visit chose one.
    person = db.session.get(Person, invitation.person_id) if invitation.person_id else None
    # Any language the panel records counts: a survey may be translated into one the interface
    # is not (Punjabi), and is then shown in it.
    if person is not None and person.preferred_language in i18n.known():
        session.setdefault(i18n.SESSION_KEY, person.preferred_language)
    return redirect(url_for("survey.start", slug=survey.slug))


@bp.route("/surveys/<slug>/continue")
@public
def continue_response(slug: str) -> WResponse:
    """Send a returning resident to where they left off."""
    survey, mine = _open(slug)
    response = _in_progress_or_redirect(survey, mine)
    if not isinstance(response, Response):
        return response
    answers: dict[str, Any] = runner.answers_of(response)
    number = runner.first_unanswered(surveys.structure_of(survey), answers)
    if number is None:
        return redirect(url_for("survey.check_answers", slug=slug))
    return redirect(url_for("survey.section", slug=slug, number=number))
