"""Reports for commissioners: intentions and themes, their exports and Board-paper views.

Every staff role reads them; every number comes suppressed from ``engage.services.reports``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from flask import Response, render_template, request

from engage.auth import ALL_STAFF, roles_required
from engage.reports.forms import ReportFilterForm
from engage.reports.routes import bp
from engage.services import charts, exports, reports, survey_results
from engage.services import intentions as intention_service
from engage.services.errors import DomainError
from engage.services.reports import ReportFilter

bp.add_app_template_global(intention_service.source_titles, "intention_sources")


def _filters() -> tuple[ReportFilterForm, ReportFilter, dict[str, str]]:
    """The filter form from the query string, the filter, and the arguments to keep in links."""
    form = ReportFilterForm(request.args)
    keep = {k: v for k, v in request.args.items() if k not in ("format", "year") and v}
    return form, form.to_filter(), keep


def _download(rows: list[list[exports.Value]], threshold: int, stem: str, sheet: str) -> Response:
    fmt = request.args.get("format", "csv")
    if fmt == "csv":
        body, mimetype = exports.to_csv(rows, threshold), exports.CSV_TYPE
    elif fmt == "xlsx":
        body, mimetype = exports.to_xlsx(rows, threshold, sheet), exports.XLSX_TYPE
    else:
        raise DomainError("Choose a format of csv or xlsx")
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(stem, fmt)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/intentions")
@roles_required(*ALL_STAFF)
def intentions() -> str:
    years = intention_service.list_years()
    year = request.args.get("year") or (years[0] if years else None)
    form, filters, keep = _filters()
    return render_template(
        "reports/intentions.html",
        years=years,
        year=year,
        domains=reports.intentions_by_domain(year, filters) if year else [],
        form=form,
        filters=filters,
        keep=keep,
        threshold=reports.threshold(),
    )


@bp.route("/intentions/export")
@roles_required(*ALL_STAFF)
def intentions_export() -> Response:
    _, filters, _ = _filters()
    year = request.args.get("year") or None
    limit = reports.threshold()
    rows = exports.intentions_table(reports.list_intentions(year, filters), filters, limit)
    return _download(rows, limit, f"commissioning-intentions-{year or 'all'}", "Intentions")


def _intention_page(intention_id: int, template: str) -> str:
    form, filters, keep = _filters()
    summary = reports.intention_summary(intention_id, filters)
    item = intention_service.get_intention(intention_id)
    return render_template(
        template,
        summary=summary,
        surveys=survey_results.headlines_for_intention(
            intention_id, survey_results.from_report_filter(filters)
        ),
        intention=item,
        domain=intention_service.get_domain_for(item),
        form=form,
        keep=keep,
        charts=_charts(summary),
        period_label=partial(reports.period_label, period=summary.trend.period),
        now_text=f"{datetime.now(UTC):%-d %B %Y}",
    )


@bp.route("/intentions/<int:intention_id>")
@roles_required(*ALL_STAFF)
def intention(intention_id: int) -> str:
    return _intention_page(intention_id, "reports/intention.html")


@bp.route("/intentions/<int:intention_id>/board-paper")
@roles_required(*ALL_STAFF)
def intention_board_paper(intention_id: int) -> str:
    return _intention_page(intention_id, "reports/board_paper.html")


@bp.route("/intentions/<int:intention_id>/export")
@roles_required(*ALL_STAFF)
def intention_export(intention_id: int) -> Response:
    _, filters, _ = _filters()
    summary = reports.intention_summary(intention_id, filters)
    return _download(
        exports.report_table(summary), summary.threshold, f"intention-{summary.title}", "Intention"
    )


@bp.route("/themes")
@roles_required(*ALL_STAFF)
def themes() -> str:
    form, filters, keep = _filters()
    return render_template(
        "reports/themes.html",
        rows=reports.list_themes(filters),
        form=form,
        filters=filters,
        keep=keep,
        threshold=reports.threshold(),
    )


@bp.route("/themes/export")
@roles_required(*ALL_STAFF)
def themes_export() -> Response:
    _, filters, _ = _filters()
    limit = reports.threshold()
    rows = exports.themes_table(reports.list_themes(filters), filters, limit)
    return _download(rows, limit, "themes", "Themes")


def _theme_page(theme_id: int, template: str) -> str:
    form, filters, keep = _filters()
    summary = reports.theme_summary(theme_id, filters)
    surveys = (
        [
            survey_results.headline(
                survey_results.survey_results(
                    filters.survey_id, survey_results.from_report_filter(filters)
                )
            )
        ]
        if filters.survey_id is not None
        else []
    )
    return render_template(
        template,
        summary=summary,
        surveys=surveys,
        form=form,
        keep=keep,
        charts=_charts(summary),
        period_label=partial(reports.period_label, period=summary.trend.period),
        now_text=f"{datetime.now(UTC):%-d %B %Y}",
    )


@bp.route("/themes/<int:theme_id>")
@roles_required(*ALL_STAFF)
def theme(theme_id: int) -> str:
    return _theme_page(theme_id, "reports/theme.html")


@bp.route("/themes/<int:theme_id>/board-paper")
@roles_required(*ALL_STAFF)
def theme_board_paper(theme_id: int) -> str:
    return _theme_page(theme_id, "reports/board_paper.html")


@bp.route("/themes/<int:theme_id>/export")
@roles_required(*ALL_STAFF)
def theme_export(theme_id: int) -> Response:
    _, filters, _ = _filters()
    summary = reports.theme_summary(theme_id, filters)
    return _download(
        exports.report_table(summary), summary.threshold, f"theme-{summary.name}", "Theme"
    )


def _charts(summary: reports.IntentionSummary | reports.ThemeSummary) -> dict[str, object]:
    """The SVG for the trend and each breakdown, keyed as the templates use them."""
    if summary.too_few:
        return {}
    t = summary.threshold
    period = summary.trend.period
    drawn: dict[str, object] = {
        "trend": charts.line_chart(
            "chart-trend",
            f"Comments by {period}",
            summary.trend.table.cells,
            t,
            label=lambda key: reports.period_label(key, period),
        )
    }
    for b in summary.breakdowns:
        drawn[b.dimension] = charts.bar_chart(
            f"chart-{b.dimension}", f"Respondents by {b.label.lower()}", b.table.cells, t
        )
    return drawn
