"""Public "you said, we did" views; thin over engage.services.yousaid."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth import public
from engage.services import yousaid

bp = Blueprint("yousaid", __name__)


@bp.route("/")
@public
def index() -> str:
    groups = yousaid.published_by_domain()
    return render_template(
        "yousaid/index.html",
        groups=groups,
        total=sum(g.count for g in groups),
        status_label=yousaid.status_label,
        status_tags=yousaid.STATUS_TAGS,
        dates=yousaid.published_dates,
    )


@bp.route("/<int:response_id>")
@public
def show(response_id: int) -> str:
    item = yousaid.get_published(response_id)
    return render_template(
        "yousaid/show.html",
        item=item,
        subject=yousaid.subject_of(item),
        status_label=yousaid.status_label,
        status_tags=yousaid.STATUS_TAGS,
        dates=yousaid.published_dates(item),
    )
