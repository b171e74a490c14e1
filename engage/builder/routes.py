"""The engagement team's survey builder: details, sections, questions, preview and publishing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WResponse
from wtforms.fields.choices import SelectChoice

from engage.auth import roles_required
from engage.builder.forms import (
    ConfirmForm,
    MoveQuestionForm,
    NewSectionForm,
    QuestionForm,
    SectionForm,
    SurveyDetailsForm,
    move_choices,
    new_question_form,
    parse_routing,
    routing_value,
    set_routing_choices,
)
from engage.i18n import direction as text_direction
from engage.models import Role, Section, Survey
from engage.services import builder, readability, translations
from engage.services import responses as runner
from engage.services.errors import DomainError
from engage.services.panel import PREFERRED_LANGUAGES
from engage.survey.forms import build_section_form, stored_value

bp = Blueprint("builder", __name__)
PREVIEW_KEY = "builder_preview"


def _blame(form: Any, err: DomainError, fallback: str) -> None:
    """Show a service's refusal against the field it concerns (or ``fallback``)."""
    name = getattr(err, "field", None) or fallback
    field = getattr(form, name, None) or getattr(form, fallback)
    field.errors = [*field.errors, err.message]


def _to_survey(survey_id: int, anchor: str | None = None) -> WResponse:
    url = url_for("builder.show_survey", survey_id=survey_id)
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- surveys ------------------------------------------------------------------------------------


@bp.route("/")
@roles_required(Role.ENGAGEMENT)
def list_surveys() -> str:
    return render_template(
        "builder/list.html",
        rows=builder.list_surveys(),
        audiences=builder.AUDIENCES,
        statuses=builder.STATUSES,
    )


def _details_choices(form: SurveyDetailsForm, selected_intentions: list[int]) -> list[Any]:
    form.practices.choices = [SelectChoice(p.id, p.name) for p in builder.practices()]
    groups = builder.intention_choices(selected_intentions)
    form.intentions.choices = [SelectChoice(i.id, i.title) for _, _, items in groups for i in items]
    return groups


def _details(form: SurveyDetailsForm) -> builder.Details:
    return builder.Details(
        title=form.title.data or "",
        purpose=form.purpose.data or "",
        audience=form.audience.data or "public",
        opens_on=form.opens_on.data,
        closes_on=form.closes_on.data,
        practice_ids=list(form.practices.data or []),
        intention_ids=list(form.intentions.data or []),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def create_survey() -> str | WResponse:
    form = SurveyDetailsForm()
    if request.method == "GET":
        form.audience.data = "public"
    groups = _details_choices(form, [])
    if form.validate_on_submit():
        try:
            survey = builder.create_survey(_details(form), created_by_id=current_user.id)
        except DomainError as err:
            _blame(form, err, "title")
        else:
            flash("Survey created. Now add its questions.", "success")
            return _to_survey(survey.id)
    return render_template(
        "builder/details.html",
        form=form,
        survey=None,
        groups=groups,
        chosen=form.intentions.data or [],
    )


@bp.route("/<int:survey_id>")
@roles_required(Role.ENGAGEMENT)
def show_survey(survey_id: int) -> str:
    survey = builder.get_survey(survey_id)
    return render_template(
        "builder/survey.html",
        survey=survey,
        form=ConfirmForm(),
        responses=builder.response_count(survey.id),
        answered=builder.answer_counts(survey.id),
        problems=builder.publish_problems(survey) if survey.status == "draft" else [],
        audiences=builder.AUDIENCES,
        statuses=builder.STATUSES,
        kinds=builder.KINDS,
        describe_rule=builder.describe_rule,
        reading={
            q.id: readability.measure(f"{q.text} {q.hint or ''}")
            for section in survey.sections
            for q in section.questions
        },
        translations=translations.list_translations(survey.id),
        translatable=_translatable(),
    )


def _translatable() -> dict[str, str]:
    """Languages a survey may be translated into: the community languages members can choose."""
    return {c: f"{name} ({own})" for c, (own, name) in PREFERRED_LANGUAGES.items() if c != "en"}


@bp.route("/<int:survey_id>/translation", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def edit_translation(survey_id: int) -> tuple[str, int] | WResponse:
    """The survey's English beside its translation (?language=), string by string."""
    names = _translatable()
    language = request.args.get("language") or next(iter(names))
    if language not in names:
        abort(404)
    survey = builder.get_survey(survey_id)
    rows = translations.entries(survey)
    existing = translations.get_translation(survey.id, language)
    values = dict(existing.strings) if existing else {}
    problems: list[str] = []
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        values = {e.key: request.form.get(f"s.{e.key}", "") for e in rows}
        publish = request.form.get("action") == "publish"
        try:
            translations.save_translation(
                survey.id, language, values, publish, request.form.get("reviewed_by")
            )
        except DomainError as err:
            problems = translations.missing(survey, values) if publish else [err.message]
            problems = problems or [err.message]
        else:
            flash(
                f"The {names[language]} translation was "
                + (
                    "published: residents reading it now see it."
                    if publish
                    else "saved as a draft."
                ),
                "success",
            )
            return redirect(
                url_for("builder.edit_translation", survey_id=survey.id, language=language)
            )
    return render_template(
        "builder/translation.html",
        survey=survey,
        form=form,
        rows=rows,
        values=values,
        translation=existing,
        language=language,
        language_name=names[language],
        languages=names,
        direction=text_direction(language),
        problems=problems,
    ), (400 if problems else 200)


@bp.route("/<int:survey_id>/details", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def edit_details(survey_id: int) -> str | WResponse:
    survey = builder.get_survey(survey_id)
    form = SurveyDetailsForm()
    if request.method == "GET":
        form.title.data = survey.title
        form.purpose.data = survey.purpose
        form.audience.data = survey.audience
        form.practices.data = [p.id for p in survey.practices]
        form.intentions.data = [i.id for i in survey.intentions]
        for name in ("opens_on", "closes_on"):
            value = getattr(survey, name)
            getattr(form, name).process(None, value.isoformat() if value else None)
    groups = _details_choices(form, [i.id for i in survey.intentions])
    if form.validate_on_submit():
        try:
            builder.update_details(survey.id, _details(form))
        except DomainError as err:
            _blame(form, err, "title")
        else:
            flash("Survey details saved.", "success")
            return _to_survey(survey.id)
    return render_template(
        "builder/details.html",
        form=form,
        survey=survey,
        groups=groups,
        chosen=form.intentions.data or [],
    )


@bp.route("/<int:survey_id>/publish", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def publish_survey(survey_id: int) -> str | WResponse:
    try:
        builder.publish(survey_id)
    except builder.NotReady as err:
        flash("The survey cannot be published yet. " + "; ".join(err.problems) + ".", "info")
        return _to_survey(survey_id)
    flash("Survey published. Residents can now answer it.", "success")
    return _to_survey(survey_id)


@bp.route("/<int:survey_id>/close", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def close_survey(survey_id: int) -> WResponse:
    builder.close(survey_id)
    flash("Survey closed. No more answers will be accepted.", "success")
    return _to_survey(survey_id)


@bp.route("/<int:survey_id>/copy", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def copy_survey(survey_id: int) -> WResponse:
    survey = builder.copy(survey_id, created_by_id=current_user.id)
    flash("This is a new draft copy. Change it as you need, then publish it.", "success")
    return _to_survey(survey.id)


# --- sections -----------------------------------------------------------------------------------


@bp.route("/<int:survey_id>/sections/new", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def add_section(survey_id: int) -> str | WResponse:
    survey = builder.get_survey(survey_id)
    form = NewSectionForm()
    if form.validate_on_submit():
        try:
            section = builder.add_section(survey.id, form.title.data or "")
        except DomainError as err:
            _blame(form, err, "title")
        else:
            flash("Section added.", "success")
            return _to_survey(survey.id, f"section-{section.id}")
    return render_template("builder/section_new.html", survey=survey, form=form)


@bp.route("/<int:survey_id>/sections/<int:section_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def edit_section(survey_id: int, section_id: int) -> str | WResponse:
    section = builder.get_section(survey_id, section_id)
    survey = section.survey
    form = SectionForm()
    set_routing_choices(form.show_if, builder.routing_targets(survey, section))
    if request.method == "GET":
        form.title.data = section.title
        form.show_if.data = routing_value(builder.rule_choice(survey, section.show_if))
    if form.validate_on_submit():
        key, answer = parse_routing(form.show_if.data)
        try:
            builder.update_section(survey.id, section.id, form.title.data or "", key, answer)
        except DomainError as err:
            _blame(form, err, "title")
        else:
            flash("Section saved.", "success")
            return _to_survey(survey.id, f"section-{section.id}")
    return render_template("builder/section.html", survey=survey, section=section, form=form)


@bp.route("/<int:survey_id>/sections/<int:section_id>/move", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def move_section(survey_id: int, section_id: int) -> WResponse:
    # CSRFProtect has already checked the token of this one-button form.
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        builder.move_section(survey_id, section_id, step)
    except builder.Invalid as err:
        flash(err.message, "info")
    return _to_survey(survey_id, f"section-{section_id}")


@bp.route("/<int:survey_id>/sections/<int:section_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def delete_section(survey_id: int, section_id: int) -> str | WResponse:
    section = builder.get_section(survey_id, section_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        builder.delete_section(survey_id, section.id)
        flash("Section deleted.", "success")
        return _to_survey(survey_id)
    return render_template(
        "builder/delete.html",
        survey=section.survey,
        form=form,
        what="section",
        name=section.title,
        extra=f"Its {len(section.questions)} questions will be deleted too."
        if section.questions
        else "",
    )


# --- questions ----------------------------------------------------------------------------------


def _spec(form: QuestionForm) -> builder.QuestionSpec:
    key, answer = parse_routing(form.show_if.data)
    return builder.QuestionSpec(
        kind=form.kind.data or "",
        text=form.text.data or "",
        hint=form.hint.data or "",
        required=bool(form.required.data),
        options=form.option_lines(),
        error_message=form.error_message.data or None,
        show_if_key=key,
        show_if_value=answer,
    )


@bp.route("/<int:survey_id>/sections/<int:section_id>/questions/new", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def add_question(survey_id: int, section_id: int) -> str | WResponse:
    section = builder.get_section(survey_id, section_id)
    survey = section.survey
    form = new_question_form()
    set_routing_choices(form.show_if, builder.routing_targets(survey, section))
    if form.validate_on_submit():
        try:
            added = builder.add_question(survey.id, section.id, _spec(form))
        except DomainError as err:
            _blame(form, err, "text")
        else:
            flash("Questions added." if len(added) > 1 else "Question added.", "success")
            return _to_survey(survey.id, f"question-{added[0].id}")
    return render_template(
        "builder/question.html", survey=survey, section=section, form=form, question=None
    )


@bp.route("/<int:survey_id>/questions/<int:question_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def edit_question(survey_id: int, question_id: int) -> str | WResponse:
    question = builder.get_question(survey_id, question_id)
    section = question.section
    survey = section.survey
    form = QuestionForm()
    set_routing_choices(form.show_if, builder.routing_targets(survey, section))
    if request.method == "GET":
        form.kind.data = question.kind
        form.text.data = question.text
        form.hint.data = question.hint
        form.required.data = question.required
        form.options.data = "\n".join(question.options or [])
        form.error_message.data = question.error_message
        form.show_if.data = routing_value(builder.rule_choice(survey, question.show_if))
    if form.validate_on_submit():
        try:
            builder.update_question(survey.id, question.id, _spec(form))
        except DomainError as err:
            _blame(form, err, "text")
        else:
            flash("Question saved.", "success")
            return _to_survey(survey.id, f"question-{question.id}")
    return render_template(
        "builder/question.html",
        survey=survey,
        section=section,
        form=form,
        question=question,
        answered=builder.answer_counts(survey.id).get(question.id, 0),
    )


@bp.route("/<int:survey_id>/questions/<int:question_id>/move", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def move_question(survey_id: int, question_id: int) -> WResponse:
    # CSRFProtect has already checked the token of this one-button form.
    step = -1 if request.form.get("direction") == "up" else 1
    builder.move_question(survey_id, question_id, step)
    return _to_survey(survey_id, f"question-{question_id}")


@bp.route("/<int:survey_id>/questions/<int:question_id>/move-to", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def move_question_to(survey_id: int, question_id: int) -> str | WResponse:
    """Move a question to another section, or to another place in its own, without JavaScript."""
    question = builder.get_question(survey_id, question_id)
    survey = question.section.survey
    form = MoveQuestionForm()
    form.destination.choices, current = move_choices(list(survey.sections), question)
    if request.method == "GET":
        form.destination.data = current
    if form.validate_on_submit():
        section_id, index = form.chosen()
        try:
            builder.move_question_to(survey.id, question.id, section_id, index)
        except DomainError as err:
            _blame(form, err, "destination")
        else:
            flash("Question moved.", "success")
            return _to_survey(survey.id, f"question-{question.id}")
    return render_template(
        "builder/move_question.html",
        survey=survey,
        question=question,
        form=form,
        responses=builder.response_count(survey.id),
    )


@bp.route("/<int:survey_id>/questions/<int:question_id>/delete", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def delete_question(survey_id: int, question_id: int) -> str | WResponse:
    question = builder.get_question(survey_id, question_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        builder.delete_question(survey_id, question.id)
        flash("Question deleted.", "success")
        return _to_survey(survey_id)
    return render_template(
        "builder/delete.html",
        survey=question.section.survey,
        form=form,
        what="question",
        name=question.text,
        extra="",
    )


# --- preview ------------------------------------------------------------------------------------


def _routing_keys(survey: Survey) -> set[str]:
    rules = [s.show_if for s in survey.sections] + [
        q.show_if for q in builder.all_questions(survey)
    ]
    return {str(r.get("question")) for r in rules if r}


def _preview_answers(survey: Survey) -> dict[str, Any]:
    held = session.get(PREVIEW_KEY, {})
    value = held.get(str(survey.id)) if isinstance(held, dict) else None
    return dict(value) if isinstance(value, dict) else {}


def _keep_preview_answers(survey: Survey, answers: dict[str, Any]) -> None:
    # Only answers that routing depends on, so the session cookie stays small.
    wanted = _routing_keys(survey)
    held = dict(session.get(PREVIEW_KEY, {}))
    held[str(survey.id)] = {k: v for k, v in answers.items() if k in wanted}
    session[PREVIEW_KEY] = held


@bp.route("/<int:survey_id>/preview", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def preview_survey(survey_id: int) -> str | WResponse:
    """The start of a preview: nothing a previewer enters is saved as a response."""
    survey = builder.get_survey(survey_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        _keep_preview_answers(survey, {})
        return redirect(url_for("builder.preview_section", survey_id=survey.id, number=1))
    return render_template(
        "builder/preview_start.html",
        survey=survey,
        shown=_preview_shown(survey),
        form=form,
        preview_language=_preview_language(survey),
        translatable=_translatable(),
    )


PREVIEW_LANGUAGE_KEY = "preview_language"


def _preview_language(survey: Survey) -> str:
    """The language the preview shows the survey's own text in (?language= switches it)."""
    asked = request.args.get("language")
    if asked == "en" or asked in _translatable():
        session[PREVIEW_LANGUAGE_KEY] = asked
    held = session.get(PREVIEW_LANGUAGE_KEY, "en")
    return held if held == "en" or held in _translatable() else "en"


def _preview_shown(survey: Survey) -> translations.Shown:
    return translations.preview(survey, _preview_language(survey))


@bp.route("/<int:survey_id>/preview/<int:number>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def preview_section(survey_id: int, number: int) -> str | WResponse:
    survey = builder.get_survey(survey_id)
    answers = _preview_answers(survey)
    sections: list[Section] = runner.visible_sections(survey, answers)
    if not 1 <= number <= len(sections):
        flash("That is the end of the preview. Nothing you entered was saved.", "success")
        return _to_survey(survey.id)
    current = sections[number - 1]
    questions = runner.visible_questions(current, answers)
    shown = _preview_shown(survey)
    if request.method == "POST" and request.form.get("action") == "save":
        flash(
            "Nothing is saved in a preview. Residents who press that button get a link and a code."
        )
        return redirect(url_for("builder.preview_section", survey_id=survey.id, number=number))
    if request.method == "POST":
        form = build_section_form(questions, answers, formdata=request.form, shown=shown)
        if form.validate():
            answers.update({q.key: stored_value(q, getattr(form, q.key)) for q in questions})
            _keep_preview_answers(survey, answers)
            after = runner.visible_sections(survey, answers)
            if number < len(after):
                return redirect(
                    url_for("builder.preview_section", survey_id=survey.id, number=number + 1)
                )
            flash("That is the end of the preview. Nothing you entered was saved.", "success")
            return _to_survey(survey.id)
    else:
        form = build_section_form(questions, answers, shown=shown)
    back = (
        url_for("builder.preview_section", survey_id=survey.id, number=number - 1)
        if number > 1
        else url_for("builder.preview_survey", survey_id=survey.id)
    )
    return render_template(
        "builder/preview_section.html",
        survey=survey,
        shown=shown,
        section=current,
        questions=questions,
        form=form,
        number=number,
        total=len(sections),
        back=back,
    )
