"""Analysis views; thin over engage.services.analysis and engage.services.theme_review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from engage.analysis.forms import (
    AddLinkForm,
    AdoptTopicForm,
    EmptyForm,
    LinkDecisionForm,
    MergeForm,
    MoveForm,
    SplitForm,
    StartRunForm,
    ThemeForm,
)
from engage.auth import roles_required
from engage.extensions import db
from engage.models import Role, Survey, Topic
from engage.services import analysis, theme_review
from engage.services.errors import NotFound

bp = Blueprint("analysis", __name__)

SOURCE_LABELS = {
    "survey": "Surveys",
    "healthwatch": "Healthwatch",
    "fft": "Friends and Family Test",
    "event": "Events",
    "import": "Other imports",
}


def _run_form() -> StartRunForm:
    form = StartRunForm()
    surveys = db.session.scalars(select(Survey).order_by(Survey.title)).all()
    form.survey.choices = [
        SelectChoice("", "All surveys"),
        *[SelectChoice(str(s.id), s.title) for s in surveys],
    ]
    form.source.choices = [
        SelectChoice("", "All sources"),
        *[SelectChoice(k, v) for k, v in SOURCE_LABELS.items()],
    ]
    return form


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def runs() -> str | Response:
    form = _run_form()
    if form.validate_on_submit():
        scope = analysis.Scope(
            survey_id=int(form.survey.data) if form.survey.data else None,
            source=form.source.data or None,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        try:
            run = analysis.start_run(scope, current_user.id)
        except analysis.RunRefused as exc:
            form.survey.errors = [str(exc)]
        else:
            flash(f"Run {run.id} has started. You can leave this page: it carries on.", "success")
            return redirect(url_for("analysis.run", run_id=run.id))
    return render_template(
        "analysis/runs.html",
        form=form,
        runs=analysis.list_runs(),
        active=analysis.active_run(),
        approved=analysis.count_in_scope(analysis.Scope()),
        cancel_form=EmptyForm(),
        sources=SOURCE_LABELS,
    )


@bp.route("/runs/<int:run_id>")
@roles_required(Role.ENGAGEMENT)
def run(run_id: int) -> str:
    try:
        found = analysis.get_run(run_id)
    except NotFound:
        abort(404)
    topics = db.session.scalars(
        select(Topic).where(Topic.run_id == run_id).order_by(Topic.size.desc())
    ).all()
    from engage.services import language

    return render_template(
        "analysis/run.html",
        left_out=language.left_out_in_scope(found.params),
        run=found,
        topics=topics,
        cancel_form=EmptyForm(),
        sources=SOURCE_LABELS,
        survey=db.session.get(Survey, found.params.get("survey_id") or 0),
    )


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def cancel_run(run_id: int) -> Response:
    if EmptyForm().validate_on_submit():
        try:
            found = analysis.cancel_run(run_id)
        except NotFound:
            abort(404)
        flash(
            "The run was cancelled."
            if found.status == "cancelled"
            else "The run will stop at its next step; the previous results stay as they are.",
            "success",
        )
    return redirect(url_for("analysis.run", run_id=run_id))


@bp.route("/assign-new", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def assign_new() -> Response:
    if EmptyForm().validate_on_submit():
        from engage.jobs.analysis_tasks import assign_new_comments

        assign_new_comments()
        flash("New approved comments are being given themes from the current run.", "success")
    return redirect(url_for("analysis.runs"))


# --- Themes ---------------------------------------------------------------------------------


def _theme_choices(exclude: int | None = None) -> list[SelectChoice]:
    return [SelectChoice(t.id, t.name) for t in analysis.active_themes() if t.id != exclude]


def _optional_theme(empty: str, exclude: int | None = None) -> list[SelectChoice]:
    return [
        SelectChoice("", empty),
        *[SelectChoice(str(c.value), c.label) for c in _theme_choices(exclude)],
    ]


def _ids(values: list[int]) -> list[SelectChoice]:
    return [SelectChoice(v, str(v)) for v in values]


@bp.route("/themes")
@roles_required(Role.ENGAGEMENT)
def themes() -> str:
    merge = MergeForm()
    merge.sources.choices = merge.target.choices = _theme_choices()
    adopt = AdoptTopicForm()
    adopt.theme.choices = _optional_theme("Choose a theme")
    return render_template(
        "analysis/themes.html",
        cards=theme_review.theme_cards(),
        candidates=theme_review.candidates(),
        merge_form=merge,
        adopt_form=adopt,
    )


@bp.route("/themes/new", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def new_theme() -> str | Response:
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = theme_review.create_theme(
                form.name.data or "", form.description.data or "", _lines(form.examples.data)
            )
            db.session.commit()
        except theme_review.ReviewError as exc:
            db.session.rollback()
            form.name.errors = [str(exc)]
        else:
            flash(f"Theme '{theme.name}' added. The next run will look for it.", "success")
            return redirect(url_for("analysis.theme", theme_id=theme.id))
    return render_template("analysis/theme_new.html", form=form)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/themes/merge", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def merge() -> Response:
    form = MergeForm()
    form.sources.choices = form.target.choices = _theme_choices()
    if not form.validate_on_submit():
        flash("Choose the themes to merge and the theme to merge them into.", "error")
        return redirect(url_for("analysis.themes"))
    try:
        target = theme_review.merge_themes(form.sources.data or [], form.target.data)
    except theme_review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("analysis.themes"))
    flash(f"Merged into '{target.name}'. Reports now count those comments there.", "success")
    return redirect(url_for("analysis.theme", theme_id=target.id))


def _theme_or_404(theme_id: int):  # type: ignore[no-untyped-def]
    try:
        return theme_review.get_theme(theme_id)
    except NotFound:
        abort(404)


@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def theme(theme_id: int) -> str | Response:
    found = _theme_or_404(theme_id)
    if found.merged_into_id:
        flash(f"'{found.name}' was merged into this theme.", "success")
        return redirect(url_for("analysis.theme", theme_id=found.merged_into_id))
    form = ThemeForm(obj=found) if request.method == "GET" else ThemeForm()
    if request.method == "GET":
        form.examples.data = "\n".join(found.examples)
    if form.validate_on_submit():
        try:
            theme_review.update_theme(
                theme_id,
                form.name.data or "",
                form.description.data or "",
                _lines(form.examples.data),
            )
        except theme_review.ReviewError as exc:
            db.session.rollback()
            form.name.errors = [str(exc)]
        else:
            flash("Theme saved. The next run uses the new description and examples.", "success")
            return redirect(url_for("analysis.theme", theme_id=theme_id))
    comments = theme_review.theme_comments(theme_id)
    move = MoveForm()
    move.target.choices = _optional_theme("No theme", exclude=theme_id)
    return render_template(
        "analysis/theme.html",
        theme=found,
        form=form,
        comments=comments,
        total=theme_review.theme_comment_count(theme_id),
        move_form=move,
        split_form=SplitForm(),
        links=theme_review.links_for(theme_id),
        link_form=LinkDecisionForm(),
        add_link_form=AddLinkForm(),
        intention_groups=theme_review.intention_choices(),
    )


@bp.route("/themes/<int:theme_id>/comments", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def correct_comments(theme_id: int) -> Response:
    """Move the selected comments to another theme, or split them off as a new theme."""
    _theme_or_404(theme_id)
    selected = request.form.getlist("comments", type=int)
    if request.form.get("action") == "split":
        form = SplitForm()
        form.comments.choices = _ids(selected)
        if not form.validate_on_submit():
            flash(
                form.name.errors[0] if form.name.errors else "Check the form and try again.",
                "error",
            )
            return redirect(url_for("analysis.theme", theme_id=theme_id))
        try:
            new = theme_review.split_theme(theme_id, form.name.data or "", form.comments.data or [])
        except theme_review.ReviewError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("analysis.theme", theme_id=theme_id))
        flash(f"New theme '{new.name}' made from the selected comments.", "success")
        return redirect(url_for("analysis.theme", theme_id=new.id))
    move = MoveForm()
    move.comments.choices = _ids(selected)
    move.target.choices = _optional_theme("No theme")
    if move.validate_on_submit():
        try:
            n = theme_review.move_comments(
                move.comments.data or [],
                theme_id,
                int(move.target.data) if move.target.data else None,
            )
        except theme_review.ReviewError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(f"Moved {n} comment{'s' if n != 1 else ''}.", "success")
    return redirect(url_for("analysis.theme", theme_id=theme_id))


@bp.route("/topics/<int:topic_id>/adopt", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def adopt_topic(topic_id: int) -> Response:
    form = AdoptTopicForm()
    form.theme.choices = _optional_theme("Choose a theme")
    if not form.validate_on_submit():
        flash(form.name.errors[0] if form.name.errors else "Check the form and try again.", "error")
        return redirect(url_for("analysis.themes"))
    try:
        theme = theme_review.adopt_topic(
            topic_id,
            theme_id=int(form.theme.data) if form.theme.data else None,
            name=form.name.data or None,
        )
    except NotFound:
        abort(404)
    except theme_review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("analysis.themes"))
    flash(f"The topic's comments are now in '{theme.name}'.", "success")
    return redirect(url_for("analysis.theme", theme_id=theme.id))


@bp.route("/links/<int:link_id>", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def decide_link(link_id: int) -> Response:
    form = LinkDecisionForm()
    theme_id = request.form.get("theme_id", type=int)
    if form.validate_on_submit():
        try:
            link = theme_review.decide_link(link_id, form.decision.data, current_user.id)
        except NotFound:
            abort(404)
        theme_id = link.theme_id
        flash(
            {
                "confirmed": "Link confirmed: reports show this theme under the intention.",
                "rejected": "Link rejected: it will not be suggested again.",
                "suggested": "Decision undone.",
            }[link.state],
            "success",
        )
    if theme_id is None:
        return redirect(url_for("analysis.themes"))
    return redirect(url_for("analysis.theme", theme_id=theme_id) + "#links")


@bp.route("/themes/<int:theme_id>/links", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def add_link(theme_id: int) -> Response:
    _theme_or_404(theme_id)
    form = AddLinkForm()
    form.intention.choices = [
        SelectChoice(str(i), t) for _, items in theme_review.intention_choices() for i, t in items
    ]
    if not form.validate_on_submit():
        flash("Choose a commissioning intention to link.", "error")
    else:
        try:
            theme_review.add_link(theme_id, int(form.intention.data), current_user.id)
        except theme_review.ReviewError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash("Link added and confirmed.", "success")
    return redirect(url_for("analysis.theme", theme_id=theme_id) + "#links")
