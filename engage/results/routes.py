"""Survey results pages: every question, the FFT score, cross-tabs and downloads.

Every staff role reads the results (every number comes suppressed from
``engage.services.survey_results``). The response-level download is for the engagement team
and commissioners; equality answers in it only for the engagement team, on purpose, logged.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from engage.auth import ALL_STAFF, roles_required
from engage.models import Role
from engage.results.forms import BreakdownForm, ResponsesExportForm, ResultsFilterForm
from engage.services import charts, exports, reports
from engage.services import results_export as export
from engage.services import survey_results as sr
from engage.services.errors import DomainError

bp = Blueprint("results", __name__)

EXPORT_ROLES = (Role.ENGAGEMENT, Role.COMMISSIONER)
DEMOGRAPHIC_ROLES = frozenset({Role.ENGAGEMENT, Role.ADMIN})


def _filters() -> tuple[ResultsFilterForm, sr.ResultsFilter, dict[str, str]]:
    """The filter form from the query string, the filter, and the arguments to keep in links."""
    form = ResultsFilterForm(request.args)
    keep = {k: v for k, v in request.args.items() if k not in ("format", "by", "question") and v}
    return form, form.to_filter(), keep


def _download(body: bytes, fmt: str, stem: str) -> Response:
    response = Response(body, mimetype=exports.CSV_TYPE if fmt == "csv" else exports.XLSX_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(stem, fmt)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _table_download(rows: list[list[exports.Value]], threshold: int, stem: str) -> Response:
    fmt = request.args.get("format", "csv")
    if fmt == "csv":
        return _download(exports.to_csv(rows, threshold), fmt, stem)
    if fmt == "xlsx":
        return _download(exports.to_xlsx(rows, threshold, "Results"), fmt, stem)
    raise DomainError("Choose a format of csv or xlsx")


@bp.route("/results")
@roles_required(*ALL_STAFF)
def list_surveys() -> str:
    return render_template(
        "results/list.html", surveys=sr.list_surveys(), threshold=reports.threshold()
    )


def format_stat(value: object) -> str:
    """A median or quartile as it reads: '3 February 2025', '12', '2.5'."""
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, int | float):
        return sr._fmt(float(value))
    return "not shown"


def _results_page(survey_id: int, board_paper: bool) -> str:
    form, filters, keep = _filters()
    results = sr.survey_results(survey_id, filters)
    return render_template(
        "results/show.html",
        results=results,
        survey=sr.get_survey(survey_id),
        form=form,
        keep=keep,
        charts=_charts(results),
        stat=format_stat,
        board_paper=board_paper,
        may_export=current_user.role_enum in (*EXPORT_ROLES, Role.ADMIN),
        now_text=f"{datetime.now(UTC):%-d %B %Y}",
    )


@bp.route("/results/fft")
@roles_required(*ALL_STAFF)
def fft() -> str | Response:
    """The FFT score across every survey and imported return, with the results' filters."""
    form, filters, keep = _filters()
    summary = sr.fft_summary(None, filters)
    if request.args.get("format"):
        return _table_download(export.fft_table(summary, filters), summary.threshold, "fft")
    return render_template(
        "results/fft.html",
        fft=summary,
        form=form,
        filters=filters,
        keep=keep,
        chart=charts.fft_trend_chart("chart-fft", summary) if summary.by_month else None,
    )


@bp.route("/<int:survey_id>/results")
@roles_required(*ALL_STAFF)
def show(survey_id: int) -> str:
    return _results_page(survey_id, board_paper=False)


@bp.route("/<int:survey_id>/results/board-paper")
@roles_required(*ALL_STAFF)
def board_paper(survey_id: int) -> str:
    return _results_page(survey_id, board_paper=True)


@bp.route("/<int:survey_id>/results/export")
@roles_required(*ALL_STAFF)
def export_results(survey_id: int) -> Response:
    _, filters, _ = _filters()
    results = sr.survey_results(survey_id, filters)
    question = request.args.get("question", type=int)
    rows = export.results_table(results, question)
    stem = f"results-{results.title}" + (f"-question-{question}" if question else "")
    return _table_download(rows, results.threshold, stem)


@bp.route("/<int:survey_id>/results/questions/<int:question_id>/breakdown")
@roles_required(*ALL_STAFF)
def breakdown(survey_id: int, question_id: int) -> str | Response:
    form, filters, keep = _filters()
    chooser = BreakdownForm(request.args)
    chooser.by.choices = sr.breakdown_choices(survey_id, question_id)  # type: ignore[assignment]
    by = request.args.get("by") or "place"
    table = sr.crosstab(survey_id, question_id, by, filters)
    if request.args.get("format"):
        return _table_download(
            export.crosstab_table(table), table.threshold, f"{table.question}-by-{by}"
        )
    if not chooser.by.data:
        chooser.by.data = by
    return render_template(
        "results/breakdown.html",
        table=table,
        survey=sr.get_survey(survey_id),
        form=form,
        chooser=chooser,
        keep=keep,
        chart=charts.stacked_bar_chart(
            f"chart-breakdown-{question_id}",
            f"{table.question}: {table.by_phrase}",
            table.table,
            table.threshold,
        )
        if not table.too_few
        else None,
    )


@bp.route("/<int:survey_id>/results/responses", methods=["GET", "POST"])
@roles_required(*EXPORT_ROLES)
def export_responses(survey_id: int) -> str | Response:
    survey = sr.get_survey(survey_id)
    _, filters, keep = _filters()
    form = ResponsesExportForm()
    may_see = current_user.role_enum in DEMOGRAPHIC_ROLES
    if not may_see:
        del form.include_demographics
    if form.validate_on_submit():
        with_demographics = bool(may_see and form.include_demographics.data)
        fmt = form.file_format.data
        rows = list(export.response_rows(survey.id, filters, with_demographics))
        export.log_export(
            survey.id, len(rows) - 2, with_demographics, form.reason.data.strip(), fmt
        )
        threshold = reports.threshold()
        stem = f"responses-{survey.title}"
        if fmt == "xlsx":
            return _download(exports.to_xlsx(rows, threshold, "Responses"), fmt, stem)
        return _download(exports.to_csv(rows, threshold), fmt, stem)
    return render_template(
        "results/responses_export.html",
        survey=survey,
        form=form,
        filters=filters,
        keep=keep,
        may_see=may_see,
    )


def _charts(results: sr.SurveyResults) -> dict[str, object]:
    """Each question's SVG, and the FFT trend, keyed as the template uses them."""
    if results.too_few:
        return {}
    t = results.threshold
    drawn: dict[str, object] = {}
    for q in results.questions:
        if q.table is not None:
            drawn[f"q{q.question_id}"] = charts.bar_chart(
                f"chart-q{q.question_id}", q.text, [r.cell for r in q.results], t
            )
        elif q.stats is not None and q.stats.histogram.cells:
            drawn[f"q{q.question_id}"] = charts.bar_chart(
                f"chart-q{q.question_id}", q.text, q.stats.histogram.cells, t
            )
        elif q.themes:
            drawn[f"q{q.question_id}"] = charts.bar_chart(
                f"chart-q{q.question_id}",
                f"Themes of the answers to: {q.text}",
                [th.cell for th in q.themes],
                t,
                unit="comments",
            )
    if results.fft is not None and results.fft.by_month:
        drawn["fft"] = charts.fft_trend_chart("chart-fft", results.fft)
    return drawn
