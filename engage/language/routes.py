"""Add an English translation to a comment, from the moderation page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from werkzeug.wrappers import Response

from engage.auth import roles_required
from engage.language.forms import TranslationForm
from engage.models import Role
from engage.services import language
from engage.services.errors import DomainError, NotFound

bp = Blueprint("language", __name__)


@bp.app_template_global()
def comment_language_name(code: str | None) -> str:
    return language.language_name(code)


@bp.app_template_global()
def translation_form(comment: object) -> TranslationForm:
    form = TranslationForm(formdata=None)
    form.language.data = getattr(comment, "language", None) or "en"
    form.translation_text.data = getattr(comment, "translation_text", None) or ""
    return form


@bp.route("/<int:comment_id>/translation", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def translate_comment(comment_id: int) -> Response:
    form = TranslationForm()
    back = url_for("moderation.comment", comment_id=comment_id) + "#translation"
    if not form.validate_on_submit():
        problems = [e for field in form for e in field.errors]
        flash(problems[0] if problems else "Check the translation and try again.", "error")
        return redirect(back)
    try:
        result = language.set_translation(
            comment_id, form.translation_text.data, form.language.data or None
        )
    except NotFound:
        abort(404)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(back)
    if result.cleared:
        flash("The language was saved. The comment has no English translation.", "success")
    else:
        flash("The English translation was saved. Analysis now reads it.", "success")
    return redirect(back)
