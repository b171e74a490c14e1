"""The reporting API's survey results: surveys, a survey's results, and the FFT score.

The numbers come from ``engage.services.survey_results``, the functions the results pages use,
so they are suppressed exactly as the pages are (``null`` is hidden). Never any answer in a
resident's own words, nor anything about a person.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.wrappers import Response

from engage.api.routes import bp
from engage.api.v1 import _date_range, _envelope, _int_arg, _rate_limited, token_required
from engage.services import survey_results as sr
from engage.services.errors import DomainError
from engage.services.suppression import SuppressedTable


def _filters() -> sr.ResultsFilter:
    channel = request.args.get("channel") or None
    if channel is not None and channel not in sr.CHANNELS:
        raise DomainError("'channel' must be one of " + ", ".join(sr.CHANNELS))
    date_from, date_to = _date_range()
    return sr.ResultsFilter(
        date_from=date_from, date_to=date_to, place_id=_int_arg("place_id"), channel=channel
    )


def _filters_json(filters: sr.ResultsFilter) -> dict[str, Any]:
    return {
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "place_id": filters.place_id,
        "channel": filters.channel,
    }


def _table(table: SuppressedTable) -> dict[str, Any]:
    return {
        "total": table.total,
        "groups": [{"label": c.label, "count": c.value} for c in table.cells],
    }


def _question(q: sr.QuestionResult) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": q.question_id,
        "key": q.key,
        "kind": q.kind,
        "text": q.text,
        "section": q.section,
        "routed": q.routed,
        "shown": q.shown,
        "answered": q.answered.value,
        "not_answered": q.not_answered.value,
        "options": [
            {"label": r.label, "count": r.cell.value, "percent": r.percent} for r in q.results
        ],
        "multiple": q.multiple,
        "top_two": _share(q.top),
        "bottom_two": _share(q.bottom),
        "stats": None,
        "themes": [{"id": t.theme_id, "name": t.name, "comments": t.cell.value} for t in q.themes],
        "groups": [{"label": label, **_table(table)} for label, table in q.groups],
    }
    if q.stats is not None:
        s = q.stats
        item["stats"] = {
            "answered": s.answered,
            "median": _stat(s.median),
            "lower_quartile": _stat(s.lower_quartile),
            "upper_quartile": _stat(s.upper_quartile),
            "histogram": _table(s.histogram),
        }
    return item


def _share(share: sr.Share | None) -> dict[str, Any] | None:
    return None if share is None else {"labels": list(share.labels), "percent": share.percent}


def _stat(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _fft(fft: sr.FftSummary) -> dict[str, Any]:
    def row(r: sr.FftRow) -> dict[str, Any]:
        return {
            "label": r.label,
            "responses": r.responses.value,
            "positive": r.positive.value,
            "negative": r.negative.value,
            "positive_percent": r.positive_percent,
            "negative_percent": r.negative_percent,
        }

    return {
        "overall": row(fft.overall),
        "by_month": [row(r) for r in fft.by_month],
        "by_place": [row(r) for r in fft.by_place],
        "by_service": [row(r) for r in fft.by_service],
        "sources": fft.sources,
    }


@bp.route("/v1/surveys")
@_rate_limited
@token_required
def list_surveys() -> Response:
    return _envelope(
        [
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "audience": s.audience,
                "opens_on": s.opens_on.isoformat() if s.opens_on else None,
                "closes_on": s.closes_on.isoformat() if s.closes_on else None,
                "responses": count,
                "intentions": [i.id for i in s.intentions],
            }
            for s, count in sr.list_surveys()
        ]
    )


@bp.route("/v1/surveys/<int:survey_id>/results")
@_rate_limited
@token_required
def survey_results(survey_id: int) -> Response:
    filters = _filters()
    results = sr.survey_results(survey_id, filters)
    return _envelope(
        {
            "id": results.survey_id,
            "title": results.title,
            "status": results.status,
            "responses": results.respondents,
            "versions": list(results.versions),
            "questions": [] if results.too_few else [_question(q) for q in results.questions],
            "fft": _fft(results.fft) if results.fft is not None else None,
        },
        _filters_json(filters),
    )


@bp.route("/v1/fft")
@_rate_limited
@token_required
def fft_score() -> Response:
    """The FFT score: every survey's FFT answers and imported ratings, or one survey's."""
    filters = _filters()
    survey_id = _int_arg("survey_id")
    if survey_id is not None:
        sr.get_survey(survey_id)
    return _envelope(
        _fft(sr.fft_summary(survey_id, filters)), {**_filters_json(filters), "survey_id": survey_id}
    )
