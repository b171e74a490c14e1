"""The read-only reporting API, version 1: themes, intentions, counts, "you said, we did".

Every count comes from ``engage.services.reports``, the same functions the staff pages use,
so it is suppressed exactly as they are: ``null`` means hidden (fewer than the threshold, or
hidden so that a small number cannot be worked out from a total). The API never returns
comment text, quotes, or anything about a person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, jsonify, request, url_for
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from engage.api.openapi import build_spec
from engage.api.routes import bp
from engage.auth import public
from engage.extensions import limiter
from engage.models import YouSaidWeDid
from engage.services import api_tokens, reports, yousaid
from engage.services.api_tokens import hash_token
from engage.services.errors import DomainError
from engage.services.suppression import SuppressedTable

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_LIMIT = "120 per minute;5000 per day"


def _limit() -> str:
    return str(current_app.config.get("ENGAGE_RATELIMIT_API") or DEFAULT_LIMIT)


def _limit_key() -> str:
    # Per token where one is sent (several systems may share an address); else per address.
    header = request.headers.get("Authorization")
    return f"api-token:{hash_token(header)[:24]}" if header else f"api-ip:{get_remote_address()}"


def token_required(view: F) -> F:
    """Let a request through only with a live bearer token; public to the session role check."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.api_token = api_tokens.authenticate(request.headers.get("Authorization"))
        response = view(*args, **kwargs)
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapper.token_required = True  # type: ignore[attr-defined]
    return public(cast(F, wrapper))


def _rate_limited(view: F) -> F:
    return cast(F, limiter.limit(_limit, key_func=_limit_key)(view))


# --- reading the query -------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise DomainError(f"'{name}' must be a whole number")
    return int(raw)


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(f"'{name}' must be a date like 2025-03-31") from None


def _filters() -> reports.ReportFilter:
    period = request.args.get("period") or "month"
    if period not in reports.PERIODS:
        raise DomainError("'period' must be 'month' or 'quarter'")
    date_from, date_to = _date_range()
    return reports.ReportFilter(
        survey_id=_int_arg("survey_id"),
        date_from=date_from,
        date_to=date_to,
        place_id=_int_arg("place_id"),
        period=period,
    )


def _date_range() -> tuple[date | None, date | None]:
    """'from' and 'to', the right way round."""
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_from and date_to and date_from > date_to:
        raise DomainError("'from' must be on or before 'to'")
    return date_from, date_to


def _filters_json(filters: reports.ReportFilter) -> dict[str, Any]:
    return {
        "survey_id": filters.survey_id,
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "place_id": filters.place_id,
        "period": filters.period,
    }


def _envelope(data: Any, filters: reports.ReportFilter | dict[str, Any] | None = None) -> Response:
    """The body every data route answers with; ``filters`` as a filter or already as JSON."""
    limit = reports.threshold()
    body: dict[str, Any] = {
        "data": data,
        "suppression": {
            "threshold": limit,
            "note": (
                f"A count of null is hidden: fewer than {limit}, or hidden so that a small "
                "number cannot be worked out from a total."
            ),
        },
    }
    if filters is not None:
        body["filters"] = filters if isinstance(filters, dict) else _filters_json(filters)
    return jsonify(body)


# --- shaping the reports -----------------------------------------------------------------------


def _table(table: SuppressedTable) -> dict[str, Any]:
    return {
        "total": table.total,
        "groups": [{"label": c.label, "count": c.value} for c in table.cells],
    }


def _counts(counts: reports.Counts) -> dict[str, int | None]:
    return {"comments": counts.comments, "respondents": counts.respondents}


def _report(report: reports.Report) -> dict[str, Any]:
    return {
        "counts": _counts(report.counts),
        "trend": {"period": report.trend.period, **_table(report.trend.table)},
        "breakdowns": {
            b.dimension: {"label": b.label, **_table(b.table)} for b in report.breakdowns
        },
    }


def _intention_row(row: reports.IntentionRow) -> dict[str, Any]:
    return {
        "id": row.intention_id,
        "title": row.title,
        "domain": row.domain,
        "year": row.year,
        "kind": row.kind,
        "confirmed_themes": row.linked_themes,
        "counts": _counts(row.counts),
        "url": url_for("api.show_intention", intention_id=row.intention_id, _external=True),
    }


def _theme_row(row: reports.ThemeRow) -> dict[str, Any]:
    return {
        "id": row.theme_id,
        "name": row.name,
        "confirmed_intentions": row.linked_intentions,
        "counts": _counts(row.counts),
        "url": url_for("api.show_theme", theme_id=row.theme_id, _external=True),
    }


def _response(item: YouSaidWeDid) -> dict[str, Any]:
    subject = yousaid.subject_of(item)
    published, updated = yousaid.published_dates(item)
    return {
        "id": item.id,
        "theme": {"id": subject.theme_id, "name": subject.theme_name} if subject.theme_id else None,
        "intention": {
            "id": subject.intention_id,
            "title": subject.intention_title,
            "domain": subject.domain,
            "year": subject.year,
        }
        if subject.intention_id
        else None,
        "you_said": item.you_said,
        "we_did": item.we_did,
        "status": item.status,
        "status_label": yousaid.status_label(item.status),
        "reason": item.reason if item.status == "not_possible" else None,
        "published_at": published.isoformat() if published else None,
        "updated_at": updated.isoformat() if updated else None,
        "url": url_for("yousaid.show", response_id=item.id, _external=True),
    }


# --- the routes ----------------------------------------------------------------------------------


@bp.route("/v1/intentions")
@_rate_limited
@token_required
def list_intentions() -> Response:
    filters = _filters()
    year = request.args.get("year") or None
    return _envelope([_intention_row(r) for r in reports.list_intentions(year, filters)], filters)


@bp.route("/v1/intentions/<int:intention_id>")
@_rate_limited
@token_required
def show_intention(intention_id: int) -> Response:
    filters = _filters()
    summary = reports.intention_summary(intention_id, filters)
    return _envelope(
        {
            "id": summary.intention_id,
            "title": summary.title,
            "text": summary.text,
            "domain": summary.domain,
            "year": summary.year,
            "kind": summary.kind,
            **_report(summary),
            "themes": [
                {"id": t.theme_id, "name": t.name, "comments": t.comments}
                for t in summary.linked_themes
            ],
            "themes_total": summary.themes.total,
            "suggested_themes": [
                {"id": t.theme_id, "name": t.name} for t in summary.suggested_themes
            ],
        },
        filters,
    )


@bp.route("/v1/themes")
@_rate_limited
@token_required
def list_themes() -> Response:
    filters = _filters()
    return _envelope([_theme_row(r) for r in reports.list_themes(filters)], filters)


@bp.route("/v1/themes/<int:theme_id>")
@_rate_limited
@token_required
def show_theme(theme_id: int) -> Response:
    filters = _filters()
    summary = reports.theme_summary(theme_id, filters)
    return _envelope(
        {
            "id": summary.theme_id,
            "name": summary.name,
            "description": summary.description,
            **_report(summary),
            "intentions": [
                {"id": i.intention_id, "title": i.title, "domain": i.domain, "year": i.year}
                for i in summary.intentions
            ],
            "suggested_intentions": [
                {"id": i.intention_id, "title": i.title} for i in summary.suggested_intentions
            ],
        },
        filters,
    )


@bp.route("/v1/counts")
@_rate_limited
@token_required
def counts() -> Response:
    """Counts for every theme and intention, with breakdowns wherever the counts are shown."""
    filters = _filters()
    year = request.args.get("year") or None
    themes = []
    for row in reports.list_themes(filters):
        item = {"id": row.theme_id, "name": row.name, "counts": _counts(row.counts)}
        item["breakdowns"] = (
            _report(reports.theme_summary(row.theme_id, filters))["breakdowns"]
            if row.counts.comments
            else None
        )
        themes.append(item)
    intentions = []
    for irow in reports.list_intentions(year, filters):
        entry = {"id": irow.intention_id, "title": irow.title, "counts": _counts(irow.counts)}
        entry["breakdowns"] = (
            _report(reports.intention_summary(irow.intention_id, filters))["breakdowns"]
            if irow.counts.comments
            else None
        )
        intentions.append(entry)
    return _envelope({"themes": themes, "intentions": intentions}, filters)


@bp.route("/v1/you-said-we-did")
@_rate_limited
@token_required
def list_responses() -> Response:
    return _envelope([_response(item) for item in yousaid.list_published()])


@bp.route("/v1/openapi.json")
@_rate_limited
@public
def openapi() -> Response:
    """The API's description. Public, like any API's documentation: it holds no data."""
    return jsonify(build_spec(url_for("api.healthcheck", _external=True).rsplit("/", 1)[0]))
