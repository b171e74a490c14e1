"""Moderation views; thin over engage.services.moderation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from engage.auth import roles_required
from engage.models import Comment, Role
from engage.moderation.forms import (
    ApproveForm,
    BulkForm,
    EditRedactionForm,
    HideForm,
    QueueFilterForm,
    ReturnForm,
)
from engage.services import moderation
from engage.services.errors import Conflict, DomainError

bp = Blueprint("moderation", __name__)

FILTER_ARGS = ("state", "source", "survey", "personal_data")


def _list_args() -> dict[str, Any]:
    """The queue's filters in this request's query string, without empty values or the page."""
    return {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}


def _queue_filter() -> tuple[moderation.QueueFilter, QueueFilterForm, str]:
    form = QueueFilterForm(formdata=request.args)
    form.source.choices = [
        SelectChoice("", "Any source"),
        *(SelectChoice(s, s) for s in moderation.sources()),
    ]
    form.survey.choices = [
        SelectChoice("", "Any survey"),
        *(SelectChoice(str(i), t) for i, t in moderation.surveys_with_comments()),
    ]
    state = request.args.get("state", "pending")
    if state not in moderation.STATES:
        state = "pending"
    survey = request.args.get("survey", "")
    personal = request.args.get("personal_data", "")
    f = moderation.QueueFilter(
        state=state,
        source=request.args.get("source") or None,
        survey_id=int(survey) if survey.isdigit() else None,
        personal_data={"yes": True, "no": False}.get(personal),
    )
    return f, form, state


def _render_queue(bulk: BulkForm, selected: set[int] | None = None, status: int = 200) -> Any:
    f, filter_form, state = _queue_filter()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = moderation.list_queue(f, page)
    args = _list_args()
    return render_template(
        "moderation/queue.html",
        rows=[(c, moderation.token_segments(moderation.proposed_text(c))) for c in rows],
        titles=moderation.survey_titles(c.survey_id for c in rows),
        total=total,
        page=page,
        page_size=moderation.PAGE_SIZE,
        state=state,
        counts=moderation.state_counts(),
        filter_form=filter_form,
        args=args,
        filtered=bool({k for k in args if k != "state"}),
        form=bulk,
        selected=selected or set(),
        m=moderation,
    ), status


@bp.route("/")
@roles_required(Role.ENGAGEMENT)
def queue() -> Any:
    return _render_queue(BulkForm(formdata=None))


@bp.route("/bulk", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def bulk() -> Any:
    form = BulkForm()
    ids = [i for i in request.form.getlist("selected", type=int) if i]
    if not ids:
        form.validate()
        form.form_errors.append("Select at least one comment")
        return _render_queue(form, status=400)
    if not form.validate():
        return _render_queue(form, set(ids), status=400)
    try:
        if form.action.data == "approve":
            result = moderation.bulk_approve(ids, current_user)
            verb = "Approved"
        else:
            result = moderation.bulk_hide(ids, current_user, form.reason.data, form.note.data)
            verb = "Hidden"
    except DomainError as err:
        form.form_errors.append(err.message)
        return _render_queue(form, set(ids), status=400)
    noun = "comment" if len(result.done) == 1 else "comments"
    flash(f"{verb} {len(result.done)} {noun}.", "success")
    if result.skipped:
        flash(
            f"{len(result.skipped)} not changed because someone else had already moderated "
            f"them: comment {', '.join(str(i) for i in result.skipped)}.",
            "info",
        )
    if result.missing:
        flash(f"{len(result.missing)} could not be found; they may have been deleted.", "info")
    return redirect(url_for("moderation.queue", **_list_args()))


def _after_action(comment: Comment, message: str) -> Response:
    flash(message, "success")
    following = moderation.next_pending_id(comment)
    if following is None:
        flash("There are no more comments waiting for moderation.", "info")
        return redirect(url_for("moderation.queue"))
    return redirect(url_for("moderation.comment", comment_id=following))


@bp.route("/<int:comment_id>", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def comment(comment_id: int) -> Any:
    item = moderation.get_comment(comment_id)
    approve_form = ApproveForm(prefix="approve", formdata=None)
    edit_form = EditRedactionForm(prefix="edit", formdata=None)
    hide_form = HideForm(prefix="hide", formdata=None)
    return_form = ReturnForm(prefix="return", formdata=None)
    conflict: str | None = None
    status = 200
    action = request.form.get("action") if request.method == "POST" else None
    try:
        if action == "approve":
            approve_form = ApproveForm(prefix="approve")
            if approve_form.validate_on_submit():
                moderation.approve(comment_id, current_user, approve_form.expected_state.data)
                return _after_action(item, f"Comment {comment_id} approved.")
            status = 400
        elif action == "edit":
            edit_form = EditRedactionForm(prefix="edit")
            if edit_form.validate_on_submit():
                try:
                    moderation.approve_edited(
                        comment_id,
                        current_user,
                        edit_form.redacted_text.data or "",
                        edit_form.expected_state.data,
                    )
                except Conflict:
                    raise
                except DomainError as err:
                    edit_form.redacted_text.errors = [err.message]
                    status = 400
                else:
                    return _after_action(
                        item, f"Comment {comment_id} approved with your redaction."
                    )
            else:
                status = 400
        elif action == "hide":
            hide_form = HideForm(prefix="hide")
            if hide_form.validate_on_submit():
                moderation.hide(
                    comment_id,
                    current_user,
                    hide_form.reason.data,
                    hide_form.note.data,
                    hide_form.expected_state.data,
                )
                return _after_action(item, f"Comment {comment_id} hidden.")
            status = 400
        elif action == "return":
            return_form = ReturnForm(prefix="return")
            if return_form.validate_on_submit():
                moderation.return_to_pending(
                    comment_id, current_user, return_form.expected_state.data
                )
                flash(f"Comment {comment_id} is back in the queue as pending.", "success")
                return redirect(url_for("moderation.comment", comment_id=comment_id))
            status = 400
        elif request.method == "POST":
            status = 400
            conflict = "Choose what to do with the comment."
    except Conflict as err:
        conflict, status = err.message, 409
        item = moderation.get_comment(comment_id)
    item = moderation.get_comment(comment_id)
    for form in (approve_form, edit_form, hide_form, return_form):
        form.expected_state.data = item.moderation_state
    if edit_form.redacted_text.data is None:
        edit_form.redacted_text.data = item.redacted_text or moderation.proposed_text(item)
    proposed = moderation.proposed_text(item)
    found = moderation.findings(item)
    return render_template(
        "moderation/comment.html",
        comment=item,
        original=moderation.finding_segments(item.original_text, found),
        proposed=moderation.token_segments(proposed),
        approved=moderation.token_segments(item.redacted_text) if item.redacted_text else None,
        kinds=moderation.kind_labels(sorted({f.kind for f in found})),
        survey_title=moderation.survey_titles([item.survey_id]).get(item.survey_id or 0),
        moderator=moderation.moderator_name(item),
        moderated_at=moderation.moderated_at(item),
        reason=moderation.hidden_reason_label(item.hidden_reason),
        approve_form=approve_form,
        edit_form=edit_form,
        hide_form=hide_form,
        return_form=return_form,
        conflict=conflict,
        next_id=moderation.next_pending_id(item),
    ), status
