"""Engagement team's workspace: finding comments, coding them, and coders' agreement."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from engage.auth import roles_required
from engage.insight.forms import (
    BulkTagForm,
    CodeForm,
    CodingForm,
    CommentFilterForm,
    EditCodeForm,
    SampleForm,
)
from engage.models import Role
from engage.services import coding
from engage.services import comments as comment_service
from engage.services.errors import DomainError
from engage.services.themes import themes_of

bp = Blueprint("insight", __name__)

# Query arguments that describe a filtered list (and so travel from the list to a comment).
FILTER_ARGS = (
    "q",
    "code",
    "theme",
    "place",
    "survey",
    "source",
    "state",
    "received_from[day]",
    "received_from[month]",
    "received_from[year]",
    "received_to[day]",
    "received_to[month]",
    "received_to[year]",
)


def _list_args() -> dict[str, Any]:
    """The filters in this request's query string, without empty values or the page."""
    return {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}


def _filter_form() -> CommentFilterForm:
    form = CommentFilterForm(formdata=request.args)
    options = coding.filter_options()
    form.set_choices(
        options.codes, options.themes, options.places, options.surveys, options.sources
    )
    if _list_args():
        form.validate()
    return form


def _filters(form: CommentFilterForm) -> comment_service.CommentFilter:
    state = form.state.data if form.state.data in comment_service.STATES else None
    return form.to_filter(state=state)


def _code_choices(include_retired: bool = False) -> list[SelectChoice]:
    return [SelectChoice(c.id, c.name) for c in coding.list_codes(include_retired=include_retired)]


@bp.route("/comments", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def comments() -> str | Response:
    args = _list_args()
    bulk = BulkTagForm()
    bulk.apply_code.choices = [SelectChoice("", "Choose a code"), *_code_choices()]
    if bulk.validate_on_submit():
        selected = [int(i) for i in bulk.selected.data or []]
        added = coding.bulk_tag(selected, int(bulk.apply_code.data or 0), current_user.id)
        flash(f"Tagged {added} of {len(selected)} selected comments.", "success")
        back = dict(args)
        if request.args.get("page", type=int):
            back["page"] = request.args.get("page", type=int)
        return redirect(url_for("insight.comments", **back))
    form = _filter_form()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = comment_service.list_comments(page=page, filters=_filters(form))
    return render_template(
        "insight/comments.html",
        form=form,
        bulk=bulk,
        comments=rows,
        total=total,
        page=page,
        page_size=comment_service.PAGE_SIZE,
        args=args,
        codes=coding.codes_by_id(c.id for c in coding.list_codes()),
    )


@bp.route("/comments/<int:comment_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def comment(comment_id: int) -> str | Response:
    item = coding.get_comment(comment_id)
    sample_id = request.args.get("sample", type=int)
    sample = coding.get_sample(sample_id) if sample_id else None
    args = _list_args()
    here: dict[str, Any] = {"sample": sample.id} if sample else args
    form = CodingForm()
    form.codes.choices = _code_choices()
    applied = coding.codes_applied(comment_id, current_user.id)
    if request.method == "GET":
        form.codes.data = sorted(applied)
    elif form.validate_on_submit():
        coding.save_coding(comment_id, current_user.id, form.codes.data or [])
        if request.form.get("action") != "next":
            flash("Saved and marked as coded.", "success")
            return redirect(url_for("insight.comment", comment_id=comment_id, **here))
        if sample is not None:
            following = coding.next_in_sample(sample, current_user.id, comment_id)
            done_url = url_for("insight.sample", sample_id=sample.id)
        else:
            following = coding.next_comment(comment_id, _filters(_filter_form()))
            done_url = url_for("insight.comments", **args)
        if following is None or following == comment_id:
            flash("Saved. There are no more comments to code here.", "success")
            return redirect(done_url)
        flash("Saved and marked as coded. This is the next comment.", "success")
        return redirect(url_for("insight.comment", comment_id=following, **here))
    codes = coding.codes_by_id(applied)
    return render_template(
        "insight/comment.html",
        comment=item,
        context=coding.context_of(item),
        themes=themes_of(comment_id),
        form=form,
        retired_applied=[codes[i] for i in sorted(applied) if codes[i].retired],
        finished=coding.finished(comment_id, current_user.id),
        others=coding.others_coding(comment_id, current_user.id),
        sample=sample,
        args=args,
        here=here,
    )


def _theme_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", "No theme"),
        *(SelectChoice(str(t.id), t.name) for t in coding.themes_to_tie()),
    ]


def _theme_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/codes", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def codes() -> str | Response:
    form = CodeForm()
    form.theme.choices = _theme_choices()
    if form.validate_on_submit():
        try:
            code = coding.create_code(
                form.name.data or "", form.description.data or "", _theme_id(form.theme.data)
            )
        except coding.CodeNameTaken as err:
            form.name.errors = [err.message]
        else:
            flash(f"Code ‘{code.name}’ added.", "success")
            return redirect(url_for("insight.codes"))
    return render_template(
        "insight/codes.html", form=form, codes=coding.list_codes(), themes=coding.theme_names()
    )


@bp.route("/codes/<int:code_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def edit_code(code_id: int) -> str | Response:
    code = coding.get_code(code_id)
    form = EditCodeForm(obj=code if request.method == "GET" else None)
    form.theme.choices = _theme_choices()
    if request.method == "GET":
        form.theme.data = str(code.theme_id) if code.theme_id else ""
    elif form.validate_on_submit():
        try:
            coding.update_code(
                code_id,
                form.name.data or "",
                form.description.data or "",
                _theme_id(form.theme.data),
                bool(form.retired.data),
            )
        except coding.CodeNameTaken as err:
            form.name.errors = [err.message]
        else:
            flash("Code saved.", "success")
            return redirect(url_for("insight.codes"))
    return render_template("insight/code.html", form=form, code=code)


@bp.route("/samples", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def samples() -> str | Response:
    form = SampleForm()
    options = coding.filter_options()
    form.set_choices(
        options.codes, options.themes, options.places, options.surveys, options.sources
    )
    form.coders.choices = [SelectChoice(u.id, u.name) for u in coding.coders()]
    if request.method == "GET":
        form.size.data = 50
        form.seed.data = 1
    elif form.validate_on_submit():
        try:
            sample = coding.create_sample(
                form.name.data or "",
                form.to_filter(),
                int(form.size.data or 0),
                [int(i) for i in form.coders.data or []],
                int(form.seed.data or 0),
                created_by_id=current_user.id,
            )
        except DomainError as err:
            form.size.errors = [err.message]
        else:
            flash(f"Drew {len(sample.comment_ids)} comments for ‘{sample.name}’.", "success")
            return redirect(url_for("insight.sample", sample_id=sample.id))
    return render_template(
        "insight/samples.html",
        form=form,
        samples=coding.list_samples(),
    )


@bp.route("/samples/<int:sample_id>")
@roles_required(Role.ENGAGEMENT)
def sample(sample_id: int) -> str:
    item = coding.get_sample(sample_id)
    reports = coding.agreement(item)
    code_ids = {cid for r in reports for cid in r.agreement.per_code}
    disputed = {d.comment_id for r in reports for d in r.agreement.disagreements}
    mine = (
        coding.next_in_sample(item, current_user.id) if current_user.id in item.coder_ids else None
    )
    return render_template(
        "insight/sample.html",
        sample=item,
        progress=coding.progress(item),
        reports=reports,
        codes=coding.codes_by_id(code_ids),
        texts=coding.texts_for_discussion(disputed),
        next_for_me=mine,
    )


@bp.route("/representativeness")
@roles_required(Role.ENGAGEMENT)
def representativeness_overview() -> str:
    from engage.services import representativeness

    return render_template(
        "insight/representativeness_list.html", surveys=representativeness.surveys_with_responses()
    )


@bp.route("/representativeness/<int:survey_id>")
@roles_required(Role.ENGAGEMENT)
def representativeness(survey_id: int) -> str:
    from engage.extensions import db
    from engage.models import Survey
    from engage.services import representativeness as service

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        abort(404)
    return render_template(
        "insight/representativeness.html",
        survey=survey,
        breakdowns=service.for_survey(survey.id),
        threshold=current_app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"],
    )
