"""Engagement team's workspace: the comments that arrived."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from engage.auth import roles_required
from engage.models import Role
from engage.services import comments as comment_service

bp = Blueprint("insight", __name__)


@bp.route("/comments")
@roles_required(Role.ENGAGEMENT)
def comments() -> str:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    state = request.args.get("state") or None
    rows, total = comment_service.list_comments(page=page, state=state)
    return render_template(
        "insight/comments.html",
        comments=rows,
        total=total,
        page=page,
        state=state,
        page_size=comment_service.PAGE_SIZE,
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
