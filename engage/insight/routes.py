"""Engagement team's workspace: the comments that arrived."""

from __future__ import annotations

from flask import Blueprint, render_template, request

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
