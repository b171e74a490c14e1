"""Import views; thin over engage.services.imports."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from engage.auth import roles_required
from engage.extensions import db
from engage.imports.forms import ActionForm, ConfirmForm, MappingForm, UploadForm
from engage.models import ImportBatch, Role
from engage.services import audit, imports
from engage.services.errors import DomainError

bp = Blueprint("imports", __name__)

# Seconds between refreshes of a running import's page (no JavaScript needed).
REFRESH_SECONDS = 10


@bp.route("/")
@roles_required(Role.ENGAGEMENT)
def list_imports() -> str:
    return render_template(
        "imports/list.html", batches=imports.list_batches(), sources=imports.SOURCES
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def upload() -> str | Response:
    form = UploadForm()
    if form.validate_on_submit():
        uploaded = form.file.data
        try:
            batch = imports.store_upload(uploaded.stream, uploaded.filename or "", form.source.data)
        except DomainError as err:
            form.file.errors = [err.message]
        else:
            earlier = imports.earlier_import(batch)
            if earlier is not None:
                flash(
                    f"This file was imported before ({earlier.filename}, "
                    f"{earlier.created_at:%-d %B %Y}). Importing it again adds only rows that "
                    "are not already in Engage.",
                    "info",
                )
            return redirect(url_for("imports.mapping", batch_id=batch.id))
    return render_template(
        "imports/upload.html", form=form, max_size=imports.max_upload_bytes() // (1024 * 1024)
    )


def _column_choices(columns: list[str], optional: bool) -> list[SelectChoice]:
    first = [SelectChoice("", "Not in this file")] if optional else []
    return first + [
        SelectChoice(str(i), f"{imports.column_letter(i)}: {name}")
        for i, name in enumerate(columns)
    ]


def _index(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _fill_form(form: MappingForm, mapping: imports.Mapping) -> None:
    form.text.data = str(mapping.text)
    for key in ("date", "place", "respondent", "rating", "service"):
        value = getattr(mapping, key)
        getattr(form, key).data = "" if value is None else str(value)
    form.date_format.data = mapping.date_format
    form.survey.data = str(mapping.survey_id or "")
    form.encoding.data = mapping.encoding


def _mapping_from(form: MappingForm, encoding_ok: bool) -> imports.Mapping:
    return imports.Mapping(
        text=_index(form.text.data) or 0,
        date=_index(form.date.data),
        date_format=form.date_format.data or "uk",
        place=_index(form.place.data),
        respondent=_index(form.respondent.data),
        rating=_index(form.rating.data),
        service=_index(form.service.data),
        survey_id=_index(form.survey.data),
        # A file that is valid UTF-8 is read as UTF-8: anything else would garble it.
        encoding="utf-8" if encoding_ok else (form.encoding.data or "cp1252"),
    )


@bp.route("/<int:batch_id>/mapping", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def mapping(batch_id: int) -> str | Response:
    batch = imports.get_batch(batch_id)
    if batch.status not in ("uploaded", "mapped"):
        return redirect(url_for("imports.show", batch_id=batch.id))
    try:
        header = imports.header_for(batch)
    except imports.ImportFileError as err:
        return render_template("imports/mapping.html", batch=batch, problem=err.message)
    form = MappingForm()
    form.text.choices = _column_choices(header.columns, optional=False)
    for optional in (form.date, form.place, form.respondent, form.rating, form.service):
        optional.choices = _column_choices(header.columns, optional=True)
    form.survey.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(s.id), s.title) for s in imports.surveys_to_choose()
    ]
    chosen: imports.Mapping | None = None
    if request.method == "GET":
        chosen = imports.Mapping.from_dict(batch.mapping)
        _fill_form(form, chosen)
    elif form.validate_on_submit():
        chosen = _mapping_from(form, header.encoding_ok)
        if request.form.get("action") == "save":
            try:
                imports.save_mapping(batch.id, chosen)
            except DomainError as err:
                form.text.errors = [err.message]
            else:
                return redirect(url_for("imports.confirm", batch_id=batch.id))
    preview = None
    if chosen is not None:
        try:
            preview = imports.preview(batch, chosen)
        except imports.ImportFileError as err:
            return render_template("imports/mapping.html", batch=batch, problem=err.message)
    return render_template(
        "imports/mapping.html",
        batch=batch,
        form=form,
        file_header=header,
        preview=preview,
        problem=None,
    )


@bp.route("/<int:batch_id>/confirm", methods=["GET", "POST"])
@roles_required(Role.ENGAGEMENT)
def confirm(batch_id: int) -> str | Response:
    batch = imports.get_batch(batch_id)
    if batch.status != "mapped":
        return redirect(url_for("imports.show", batch_id=batch.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            imports.start(batch.id, form.on_error.data or "")
        except DomainError as err:
            form.on_error.errors = [err.message]
        else:
            return redirect(url_for("imports.show", batch_id=batch.id))
    return render_template(
        "imports/confirm.html",
        batch=batch,
        form=form,
        mapping=imports.describe_mapping(batch),
        sources=imports.SOURCES,
    )


@bp.route("/<int:batch_id>")
@roles_required(Role.ENGAGEMENT)
def show(batch_id: int) -> Response:
    batch = imports.get_batch(batch_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    errors, error_total = imports.row_errors(batch.id, page)
    refreshing = batch.status == "running" and request.args.get("refresh") != "off"
    body = render_template(
        "imports/show.html",
        batch=batch,
        errors=errors,
        error_total=error_total,
        page=page,
        page_size=imports.ERRORS_PAGE_SIZE,
        refreshing=refreshing,
        refresh_seconds=REFRESH_SECONDS,
        sources=imports.SOURCES,
        on_error=imports.ON_ERROR,
    )
    response = Response(body, mimetype="text/html")
    if refreshing:
        # The browser reloads the page itself; "Stop refreshing" turns it off (WCAG 2.2.1).
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.route("/<int:batch_id>/cancel", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def cancel(batch_id: int) -> Response:
    if ActionForm().validate_on_submit():
        try:
            imports.cancel(batch_id)
        except DomainError as err:
            flash(err.message, "info")
        else:
            flash("The import was cancelled and the uploaded file deleted.", "success")
    return redirect(url_for("imports.show", batch_id=batch_id))


@bp.route("/<int:batch_id>/resume", methods=["POST"])
@roles_required(Role.ENGAGEMENT)
def resume(batch_id: int) -> Response:
    if ActionForm().validate_on_submit():
        try:
            batch = imports.resume(batch_id)
        except DomainError as err:
            flash(err.message, "info")
        else:
            flash(
                f"Started again from row {batch.processed_rows:,}. Rows already imported are "
                "not imported twice.",
                "success",
            )
    return redirect(url_for("imports.show", batch_id=batch_id))


@bp.route("/<int:batch_id>/problems.csv")
@roles_required(Role.ENGAGEMENT)
def errors_csv(batch_id: int) -> Response:
    batch: ImportBatch = imports.get_batch(batch_id)
    audit.record(db.session, "export", "ImportBatch", str(batch.id), note="row problems as CSV")
    db.session.commit()
    return Response(
        stream_with_context(imports.errors_csv(batch.id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="import-{batch.id}-problems.csv"'},
    )
