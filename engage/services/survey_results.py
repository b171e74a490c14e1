"""What residents answered, question by question: counts, the FFT score and cross-tabs.

Counting happens in SQL. Answers are grouped by their stored JSON text, so a question with
100,000 answers comes back as a handful of rows (one per distinct answer, or per combination
of a multiple-choice question's options); Python only decodes and folds those rows. Medians and
quartiles are read off the same frequency table, never off a list of every answer.

What is counted:
- submitted responses only, limited by the filter (when sent, where the resident lives, and
  how they took part: ``CHANNELS``);
- a question's percentages are of the residents **shown** it. Routing hides questions, and a
  hidden answer is dropped when a response is sent (``responses.submit``), so a resident who
  was never asked is neither an answer nor "not answered";
- a rating is stored as its option's position, so its results combine across languages and
  rewordings; an answer that is no longer one of a question's options (the option was removed
  after people chose it) is listed as such rather than dropped;
- every count goes through ``engage.services.suppression``: one-way tables beside their
  total, cross-tabs with their rows, columns and totals together. A survey with fewer
  respondents than the threshold shows no breakdown at all.

The FFT score is the NHS one: the share of *all* responses (including "Don't know") that were
"Very good" or "Good", and that were "Poor" or "Very poor", with the count it rests on.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import Text, and_, case, cast, func, literal, select, text, union_all
from sqlalchemy.orm import aliased

from engage.extensions import db
from engage.models import (
    Answer,
    Comment,
    Demographics,
    Invitation,
    Place,
    Response,
    Survey,
    Theme,
)
from engage.models.structure import pending_changes
from engage.services import reports
from engage.services import themes as theme_service
from engage.services.errors import NotFound
from engage.services.responses import FREE_TEXT_KINDS, _shown
from engage.services.suppression import (
    Cell,
    Hidden,
    SuppressedCrosstab,
    SuppressedTable,
    suppress_count,
    suppress_crosstab,
    suppress_table,
)
from engage.services.surveys import QuestionView, SectionView, Structure, structure_of

NOT_KNOWN = reports.NOT_KNOWN
NOT_ANSWERED = "Not answered"
NO_LONGER = " (no longer an option)"
CHOICE_KINDS = frozenset({"single_choice", "multi_choice", "fft", "consent", "rating"})
ROW_KINDS = frozenset({"single_choice", "fft", "consent", "rating"})  # one answer each
STAT_KINDS = frozenset({"number", "date"})
QUOTES_PER_QUESTION = 3
CONCURRENT_READS = 4  # connections one results page may use at once, from the pool
THEMES_PER_QUESTION = 12

FFT_POSITIVE = ("Very good", "Good")
FFT_NEGATIVE = ("Poor", "Very poor")
FFT_GROUPS = ("Positive", "Neither, or don't know", "Negative")
FFT_SOURCE_SURVEY = "answers to the survey's Friends and Family Test questions"

# How a resident took part. A personal link (an invitation) to a panel or PPG survey is the
# panel's or the PPG's; to a public survey it is a personal invitation; no invitation is the
# survey's public link.
CHANNELS: dict[str, str] = {
    "public": "Public link",
    "panel": "Citizens' Panel",
    "ppg": "Patient participation group",
    "invitation": "Personal invitation",
}
DIMENSIONS: dict[str, str] = {
    "place": "Place",
    "age_band": "Age group",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "deprivation_decile": "Deprivation decile (1 is most deprived)",
    "channel": "How they took part",
}
# A survey's own equality questions are keyed as the panel's fields are (builder's block).
DEMOGRAPHIC_KEYS = ("age_band", "sex", "ethnicity")


# --- what callers pass ----------------------------------------------------------------------


@dataclass(frozen=True)
class ResultsFilter:
    """Which submitted responses the results cover; every field is optional."""

    date_from: date | None = None
    date_to: date | None = None  # inclusive
    place_id: int | None = None  # this place and everywhere inside it
    channel: str | None = None  # a key of CHANNELS

    def describe(self) -> list[str]:
        """Plain-English lines saying what the results are limited to."""
        lines = []
        if self.date_from or self.date_to:
            start = self.date_from.strftime("%-d %B %Y") if self.date_from else "the start"
            end = self.date_to.strftime("%-d %B %Y") if self.date_to else "today"
            lines.append(f"Responses sent from {start} to {end}")
        if self.place_id is not None:
            name = db.session.scalar(select(Place.name).where(Place.id == self.place_id))
            lines.append(f"Place: {name or 'unknown place'}")
        if self.channel:
            lines.append(f"Took part through: {CHANNELS.get(self.channel, self.channel)}")
        return lines


# --- what callers get back ------------------------------------------------------------------


@dataclass(frozen=True)
class OptionResult:
    label: str
    cell: Cell
    percent: float | None  # of the residents shown the question; None when not shown


@dataclass(frozen=True)
class Share:
    """The share of residents who gave one of ``labels`` (a rating's top or bottom two)."""

    labels: tuple[str, ...]
    percent: float | None  # None when a count it would rest on is hidden


@dataclass(frozen=True)
class Stats:
    """A number or date question: how many answered, the median and quartiles."""

    answered: int | None
    median: float | date | None
    lower_quartile: float | date | None
    upper_quartile: float | date | None
    histogram: SuppressedTable


@dataclass(frozen=True)
class QuestionTheme:
    theme_id: int
    name: str
    cell: Cell


@dataclass(frozen=True)
class Quote:
    comment_id: int
    text: str
    received: str  # "March 2025"


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    key: str
    kind: str
    text: str
    section: str
    options: tuple[str, ...]
    routed: bool  # shown only to some residents
    shown: int | None
    answered: Cell
    not_answered: Cell
    table: SuppressedTable | None = None  # options (and not answered) beside residents shown
    results: list[OptionResult] = field(default_factory=list)
    top: Share | None = None
    bottom: Share | None = None
    stats: Stats | None = None
    themes: list[QuestionTheme] = field(default_factory=list)
    themes_table: SuppressedTable | None = None
    quotes: list[Quote] = field(default_factory=list)
    groups: list[tuple[str, SuppressedTable]] = field(default_factory=list)  # postcode

    @property
    def multiple(self) -> bool:
        return self.kind == "multi_choice"

    @property
    def closed(self) -> bool:
        return self.kind in CHOICE_KINDS


@dataclass(frozen=True)
class FftRow:
    """One line of an FFT table: the responses and the NHS shares."""

    label: str
    responses: Cell
    positive: Cell
    negative: Cell
    positive_percent: int | None
    negative_percent: int | None


@dataclass(frozen=True)
class FftSummary:
    threshold: int
    overall: FftRow
    by_month: list[FftRow]
    by_place: list[FftRow]
    by_service: list[FftRow]
    sources: list[str]  # what it counts, in words

    @property
    def too_few(self) -> bool:
        return self.overall.responses.value is None


@dataclass(frozen=True)
class SurveyResults:
    survey_id: int
    title: str
    status: str
    threshold: int
    filters: ResultsFilter
    respondents: int | None
    respondents_hidden: Hidden | None
    versions: tuple[int, ...]
    questions: list[QuestionResult]
    fft: FftSummary | None

    @property
    def too_few(self) -> bool:
        return self.respondents is None


@dataclass(frozen=True)
class Crosstab:
    """A closed question (or a free-text question's themes) broken down by a group."""

    survey_id: int
    question_id: int
    question: str
    by: str
    by_label: str
    unit: str  # respondents or comments
    threshold: int
    filters: ResultsFilter
    table: SuppressedCrosstab
    note: str = ""

    @property
    def too_few(self) -> bool:
        return self.table.total is None or not self.table.rows

    @property
    def by_phrase(self) -> str:
        """'by place', or 'by the answer to "How did you get there?"' (its words kept as typed)."""
        if self.by.startswith("question:"):
            return f"by the answer to \u201c{self.by_label}\u201d"
        return f"by {self.by_label.lower()}"


# --- public functions ---------------------------------------------------------------------


def get_survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("There is no survey with that id")
    return survey


def list_surveys() -> list[tuple[Survey, int | None]]:
    """Every survey but drafts with its submitted responses (suppressed), newest first."""
    limit = reports.threshold()
    counts = dict(
        db.session.execute(
            select(Response.survey_id, func.count())
            .where(Response.status == "submitted")
            .group_by(Response.survey_id)
        )
        .tuples()
        .all()
    )
    surveys = db.session.scalars(
        select(Survey).where(Survey.status != "draft").order_by(Survey.created_at.desc())
    )
    return [(s, suppress_count(counts.get(s.id, 0), limit)) for s in surveys]


def survey_results(survey_id: int, filters: ResultsFilter | None = None) -> SurveyResults:
    """Every question's results for ``survey_id``, in the survey's order, all suppressed."""
    survey = get_survey(survey_id)
    return _survey_results(survey.id, survey.structure_token, filters or ResultsFilter())


def crosstab(
    survey_id: int, question_id: int, by: str, filters: ResultsFilter | None = None
) -> Crosstab:
    """``question_id`` broken down by a dimension or (``question:<id>``) another question.

    A closed question gives respondents per answer; a free-text question gives the comments
    per theme of its answers ("what people who found it very difficult wrote about").
    """
    survey = get_survey(survey_id)
    return _crosstab(survey.id, survey.structure_token, question_id, by, filters or ResultsFilter())


def breakdown_choices(survey_id: int, question_id: int) -> list[tuple[str, str]]:
    """What ``question_id`` can be broken down by: the dimensions, then other closed questions."""
    structure = structure_of(get_survey(survey_id))
    return [(k, v) for k, v in DIMENSIONS.items()] + [
        (f"question:{q.id}", q.text)
        for q in _questions(structure)
        if q.kind in ROW_KINDS and q.id != question_id
    ]


def fft_summary(survey_id: int | None = None, filters: ResultsFilter | None = None) -> FftSummary:
    """The FFT score: a survey's FFT questions, or (no survey) every FFT answer and import."""
    return _fft_summary(survey_id, filters or ResultsFilter())


# --- how it is worked out -------------------------------------------------------------------


def _questions(structure: Structure) -> list[QuestionView]:
    return [q for s in structure.sections for q in s.questions]


def _decode(raw: Any) -> Any:
    """An answer's stored JSON text as the value it holds."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


def _value_text() -> Any:
    # Grouping by the JSON text works alike on SQLite (stored as text) and PostgreSQL (json).
    return cast(Answer.value, Text)


def _invited(survey_id: int) -> Any:
    """The survey's responses that came through a personal link, once each."""
    return (
        select(Invitation.response_id.label("response_id"))
        .where(Invitation.survey_id == survey_id, Invitation.response_id.is_not(None))
        .distinct()
        .subquery("invited")
    )


def _channel_of(audience: str, invited: Any) -> Any:
    by_invitation = {"panel": "panel", "ppg": "ppg"}.get(audience, "invitation")
    return case(
        (invited.c.response_id.is_not(None), literal(by_invitation)), else_=literal("public")
    )


def _base(survey: Survey, filters: ResultsFilter) -> Any:
    """A CTE: one row per submitted response the filter keeps, with how they took part.

    How they took part comes from a join to the survey's invited responses: as a correlated
    EXISTS it made PostgreSQL sort every response on disk to group by it.
    """
    invited = _invited(survey.id)
    channel = _channel_of(survey.audience, invited)
    stmt = (
        select(
            Response.id.label("id"),
            Response.place_id.label("place_id"),
            Response.person_id.label("person_id"),
            Response.deprivation_decile.label("decile"),
            Response.survey_version.label("version"),
            Response.submitted_at.label("sent_at"),
            channel.label("channel"),
        )
        .outerjoin(invited, invited.c.response_id == Response.id)
        .where(Response.survey_id == survey.id, Response.status == "submitted")
    )
    stmt = _filter_dates(stmt, Response.submitted_at, Response.place_id, filters)
    if filters.channel in CHANNELS:
        stmt = stmt.where(channel == filters.channel)
    return stmt.cte("base")


def _concurrently(reads: dict[Any, Callable[[], Any]]) -> dict[Any, Any]:
    """Run independent reads side by side on PostgreSQL, each in its own session.

    A results page's aggregates do not depend on each other, and one after another they took
    twice as long as the slowest. Each runs in a thread with its own application context, so
    its own session and connection, and so sees only what is committed: this is for read-only
    pages, and a session holding uncommitted changes reads in turn instead. SQLite runs them
    in turn (it has one writer and little to gain).
    """
    if (
        len(reads) < 2
        or db.engine.dialect.name != "postgresql"
        or pending_changes(db.session())
        or not current_app.config.get("ENGAGE_RESULTS_CONCURRENT", True)
    ):
        return {key: call() for key, call in reads.items()}
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run(call: Callable[[], Any]) -> Any:
        with app.app_context():
            _tune()
            return call()

    with ThreadPoolExecutor(max_workers=min(len(reads), CONCURRENT_READS)) as pool:
        futures = {key: pool.submit(run, call) for key, call in reads.items()}
        return {key: future.result() for key, future in futures.items()}


def _tune() -> None:
    """Settings for these short aggregates on PostgreSQL, for this transaction only.

    No JIT (it compiles for longer than they run), and room to group in memory: at the default
    4 MB, grouping 100,000 responses' answers spilled to disk.
    """
    reports._no_jit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '32MB'"))


def _fingerprint(survey_id: int) -> tuple[Any, ...]:
    """Changes whenever a survey's results could: a response sent or deleted."""
    return tuple(
        db.session.execute(
            select(
                func.count(Response.id), func.max(Response.id), func.max(Response.submitted_at)
            ).where(Response.survey_id == survey_id, Response.status == "submitted")
        ).one()
    )


@reports.cached
def _survey_results_cached(
    survey_id: int, token: str, filters: ResultsFilter, fingerprint: tuple[Any, ...]
) -> SurveyResults:
    return _count_survey_results(survey_id, filters, fingerprint)


def _survey_results(survey_id: int, token: str, filters: ResultsFilter) -> SurveyResults:
    # The structure token and the responses' fingerprint are part of the cache key.
    return _survey_results_cached(survey_id, token, filters, _fingerprint(survey_id))


def _count_survey_results(
    survey_id: int, filters: ResultsFilter, fingerprint: tuple[Any, ...]
) -> SurveyResults:
    survey = get_survey(survey_id)
    structure = structure_of(survey)
    limit = reports.threshold()
    _tune()
    base = _base(survey, filters)
    # One pass gives the total and which versions of the questions were answered.
    per_version = db.session.execute(
        select(base.c.version, func.count()).group_by(base.c.version).order_by(base.c.version)
    ).all()
    total = sum(int(n) for _, n in per_version)
    versions = tuple(v for v, _ in per_version)
    shown_total = suppress_count(total, limit)
    questions = _questions(structure)
    sections = {q.id: s for s in structure.sections for q in s.questions}
    reads: dict[Any, Callable[[], Any]] = {}
    if any(q.kind == "fft" for q in questions):
        reads["fft"] = partial(_fft_cached, survey.id, filters, fingerprint)
    if shown_total is not None and total:
        apart = {q.id for q in questions if q.kind in FREE_TEXT_KINDS or q.kind == "postcode"}
        reads["dist"] = partial(_distributions, base, [q.id for q in questions], apart)
        for q in questions:
            if q.kind in FREE_TEXT_KINDS:
                reads[q.id] = partial(_theme_rows, base, q.id)
            elif q.kind == "postcode":
                reads[q.id] = partial(_postcode_rows, base, q.id)
    read = _concurrently(reads)
    fft = read.get("fft")
    if shown_total is None or total == 0:
        hidden = Hidden.SMALL if total else None
        return SurveyResults(
            survey.id,
            survey.title,
            survey.status,
            limit,
            filters,
            shown_total if total else 0,
            hidden,
            versions,
            [_empty_result(q, sections[q.id], limit, total) for q in questions],
            fft,
        )
    # Free text and postcodes are nearly all different: they are only counted, not grouped.
    dist = read["dist"]
    answered = {qid: sum(counts.values()) for qid, counts in dist.items()}
    for qid in apart:
        dist.pop(qid, None)
    shown = _shown_counts(base, structure, dist, total)
    results = []
    for q in questions:
        section = sections[q.id]
        n_shown = shown.get(q.id, total)
        n_answered = answered.get(q.id, 0)
        if q.kind in CHOICE_KINDS:
            result = _choice_result(q, section, dist.get(q.id, {}), n_shown, limit)
        elif q.kind in STAT_KINDS:
            result = _stats_result(q, section, dist.get(q.id, {}), n_shown, n_answered, limit)
        elif q.kind in FREE_TEXT_KINDS:
            result = _free_text_result(base, q, section, n_shown, n_answered, limit, read[q.id])
        elif q.kind == "postcode":
            result = _postcode_result(q, section, n_shown, n_answered, limit, read[q.id])
        else:
            result = _answered_only(q, section, n_shown, n_answered, limit)
        results.append(result)
    return SurveyResults(
        survey.id,
        survey.title,
        survey.status,
        limit,
        filters,
        total,
        None,
        versions,
        results,
        fft,
    )


def _distributions(
    base: Any, question_ids: list[int], only_counted: set[int]
) -> dict[int, dict[str, int]]:
    """Respondents per distinct stored answer, for each question, in one pass over the answers.

    Questions in ``only_counted`` come back as one group: their answers are only counted.
    """
    if not question_ids:
        return {}
    value = _value_text()
    if only_counted:
        value = case((Answer.question_id.in_(only_counted), literal("")), else_=value)
    rows = db.session.execute(
        select(Answer.question_id, value, func.count())
        .join(base, base.c.id == Answer.response_id)
        .where(Answer.question_id.in_(question_ids))
        .group_by(Answer.question_id, value)
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for qid, raw, n in rows:
        found[qid][raw] = int(n)
    return found


def _rules(section: SectionView, question: QuestionView) -> list[dict[str, Any]]:
    return [r for r in (section.show_if, question.show_if) if r]


def _shown_counts(
    base: Any, structure: Structure, dist: dict[int, dict[str, int]], total: int
) -> dict[int, int]:
    """How many of the responses routing showed each question to.

    Routing reads earlier answers, so the residents shown a question are those whose answers to
    the questions its rules name pass them; that is worked out from the joint distribution of
    those answers (usually one question's, already counted).
    """
    by_key = {q.key: q for q in _questions(structure)}
    shown: dict[int, int] = {}
    joint_cache: dict[tuple[str, ...], list[tuple[dict[str, Any], int]]] = {}
    for section in structure.sections:
        for q in section.questions:
            rules = _rules(section, q)
            if not rules:
                shown[q.id] = total
                continue
            keys = tuple(sorted({str(r.get("question", "")) for r in rules}))
            if keys not in joint_cache:
                controllers = [by_key[k] for k in keys if k in by_key]
                joint_cache[keys] = _joint(base, controllers, dist, total)
            shown[q.id] = sum(
                n for answers, n in joint_cache[keys] if all(_shown(r, answers) for r in rules)
            )
    return shown


def _joint(
    base: Any, controllers: list[QuestionView], dist: dict[int, dict[str, int]], total: int
) -> list[tuple[dict[str, Any], int]]:
    """Responses per combination of answers to ``controllers`` (no answer included)."""
    if len(controllers) == 1 and controllers[0].id in dist:
        q = controllers[0]
        counts = dist[q.id]
        answered = sum(counts.values())
        combos = [({q.key: _decode(raw)}, n) for raw, n in counts.items()]
        return [*combos, ({}, total - answered)]
    if not controllers:
        return [({}, total)]
    aliases = [aliased(Answer) for _ in controllers]
    stmt = select(*(cast(a.value, Text) for a in aliases), func.count()).select_from(base)
    for alias, q in zip(aliases, controllers, strict=True):
        stmt = stmt.outerjoin(
            alias, and_(alias.response_id == base.c.id, alias.question_id == q.id)
        )
    stmt = stmt.group_by(*(cast(a.value, Text) for a in aliases))
    out = []
    for row in db.session.execute(stmt):
        answers = {
            q.key: _decode(raw)
            for q, raw in zip(controllers, row[:-1], strict=True)
            if raw is not None
        }
        out.append((answers, int(row[-1])))
    return out


def _labels(question: QuestionView) -> list[str]:
    return list(question.options)


def _option_counts(question: QuestionView, counts: dict[str, int]) -> list[tuple[str, int]]:
    """Respondents per option, in the question's order; stored values no longer offered last."""
    per: dict[str, int] = {label: 0 for label in question.options}
    extra: dict[str, int] = {}
    for raw, n in counts.items():
        value = _decode(raw)
        chosen = value if isinstance(value, list) else [value]
        for v in chosen:
            label = _option_label(question, v)
            if label in per:
                per[label] += n
            else:
                extra[label] = extra.get(label, 0) + n
    return [*per.items(), *sorted(extra.items())]


def _option_label(question: QuestionView, value: Any) -> str:
    if question.kind == "rating" and isinstance(value, int):
        if 0 < value <= len(question.options):
            return question.options[value - 1]
        return f"Point {value} of the scale{NO_LONGER}"
    text = str(value)
    return text if text in question.options else text + NO_LONGER


def _percent(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _answered_cells(shown: int, answered: int, limit: int) -> tuple[int | None, Cell, Cell]:
    """The residents shown, answered and not answered, suppressed as one table."""
    table = suppress_table([("Answered", answered), (NOT_ANSWERED, shown - answered)], shown, limit)
    return table.total, table.cells[0], table.cells[1]


def _choice_result(
    q: QuestionView, section: SectionView, counts: dict[str, int], shown: int, limit: int
) -> QuestionResult:
    options = _option_counts(q, counts)
    answered = sum(counts.values())
    table = suppress_table([*options, (NOT_ANSWERED, shown - answered)], shown, limit)
    *cells, not_answered = table.cells
    results = [OptionResult(c.label, c, _percent(c.value, table.total)) for c in cells]
    top = bottom = None
    if q.kind == "rating" and len(q.options) >= 4:
        bottom = _share(results[:2])
        top = _share(results[len(q.options) - 2 : len(q.options)])
    answered_cell = (
        Cell("Answered", answered)
        if table.total is not None and not_answered.value is not None
        else Cell("Answered", None, not_answered.hidden)
    )
    return _result(
        q,
        section,
        table.total,
        answered_cell,
        not_answered,
        table=table,
        results=results,
        top=top,
        bottom=bottom,
    )


def _result(
    q: QuestionView,
    section: SectionView,
    shown: int | None,
    answered: Cell,
    not_answered: Cell,
    **parts: Any,
) -> QuestionResult:
    """A question's result: what every kind has, and ``parts`` that only some kinds have."""
    return QuestionResult(
        q.id,
        q.key,
        q.kind,
        q.text,
        section.title,
        q.options,
        bool(_rules(section, q)),
        shown,
        answered,
        not_answered,
        **parts,
    )


def _share(results: Sequence[OptionResult]) -> Share:
    # A share of two counts is shown only when both are: otherwise it would give a hidden one.
    labels = tuple(r.label for r in results)
    if any(r.percent is None for r in results):
        return Share(labels, None)
    return Share(labels, round(sum(r.percent or 0 for r in results), 1))


def _empty_result(q: QuestionView, section: SectionView, limit: int, total: int) -> QuestionResult:
    why = Hidden.SMALL if total else None
    value = None if total else 0
    return _result(
        q,
        section,
        value,
        Cell("Answered", value, why),
        Cell(NOT_ANSWERED, value, why),
    )


def _answered_only(
    q: QuestionView, section: SectionView, shown: int, answered: int, limit: int
) -> QuestionResult:
    total, answered_cell, not_answered = _answered_cells(shown, answered, limit)
    return _result(
        q,
        section,
        total,
        answered_cell,
        not_answered,
    )


def _quantile(freq: Sequence[tuple[float, int]], q: float) -> float:
    """The ``q`` quantile (linear interpolation, as numpy's default) of a frequency table."""
    n = sum(c for _, c in freq)
    h = (n - 1) * q
    lo, frac = int(math.floor(h)), h - math.floor(h)

    def at(index: int) -> float:
        seen = 0
        for value, count in freq:
            seen += count
            if index < seen:
                return value
        return freq[-1][0]

    low = at(lo)
    return low if frac == 0 else low + (at(lo + 1) - low) * frac


def _nice_step(span: float, bins: int = 8) -> float:
    raw = span / bins if span > 0 else 1
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def _stats_result(
    q: QuestionView,
    section: SectionView,
    counts: dict[str, int],
    shown: int,
    answered: int,
    limit: int,
) -> QuestionResult:
    total, answered_cell, not_answered = _answered_cells(shown, answered, limit)
    values: dict[float, int] = defaultdict(int)
    for raw, n in counts.items():
        value = _decode(raw)
        try:
            number = (
                float(date.fromisoformat(value).toordinal()) if q.kind == "date" else float(value)
            )
        except (TypeError, ValueError):
            continue
        values[number] += n
    freq = sorted(values.items())
    n_values = sum(values.values())
    if answered_cell.value is None or suppress_count(n_values, limit) is None or not freq:
        stats = Stats(answered_cell.value, None, None, None, SuppressedTable([], None))
    else:
        med, lq, uq = (_quantile(freq, p) for p in (0.5, 0.25, 0.75))
        histogram = (
            _date_histogram(freq, n_values, limit)
            if q.kind == "date"
            else _number_histogram(freq, n_values, limit)
        )
        if q.kind == "date":
            as_date: Callable[[float], date] = lambda x: date.fromordinal(int(round(x)))  # noqa: E731
            stats = Stats(n_values, as_date(med), as_date(lq), as_date(uq), histogram)
        else:
            stats = Stats(n_values, med, lq, uq, histogram)
    return _result(
        q,
        section,
        total,
        answered_cell,
        not_answered,
        stats=stats,
    )


def _number_histogram(freq: Sequence[tuple[float, int]], n: int, limit: int) -> SuppressedTable:
    """Equal-width bins with round edges; the lowest and highest values are never printed."""
    low, high = freq[0][0], freq[-1][0]
    step = _nice_step(high - low)
    start = math.floor(low / step) * step
    bins: dict[int, int] = defaultdict(int)
    for value, count in freq:
        bins[int((value - start) // step)] += count
    last = max(bins)
    rows = [
        (f"{_fmt(start + i * step)} to under {_fmt(start + (i + 1) * step)}", bins.get(i, 0))
        for i in range(last + 1)
    ]
    return suppress_table(rows, n, limit)


def _date_histogram(freq: Sequence[tuple[float, int]], n: int, limit: int) -> SuppressedTable:
    """Answers by month (by year when they span more than three years)."""
    per: dict[str, int] = defaultdict(int)
    days = [(date.fromordinal(int(v)), c) for v, c in freq]
    yearly = days[-1][0].year - days[0][0].year > 3
    for d, c in days:
        per[f"{d.year}" if yearly else f"{d.year}-{d.month:02d}"] += c
    if yearly:
        keys = [str(y) for y in range(days[0][0].year, days[-1][0].year + 1)]
    else:
        keys = reports._period_keys(days[0][0], days[-1][0], "month")
    label = (lambda k: k) if yearly else (lambda k: reports.period_label(k, "month"))
    return suppress_table([(label(k), per.get(k, 0)) for k in keys], n, limit)


def _theme_rows(base: Any, question_id: int) -> list[tuple[int, str, int]]:
    """(theme id, name, comments) for the approved answers to a free-text question."""
    approved = (
        select(Comment.id.label("id"))
        .join(base, base.c.id == Comment.response_id)
        .where(Comment.question_id == question_id, Comment.moderation_state == "approved")
        .cte("approved")
    )
    eff = theme_service.effective_themes_among(approved).subquery()
    return [
        (int(tid), str(name), int(n))
        for tid, name, n in db.session.execute(
            select(eff.c.theme_id, Theme.name, func.count(func.distinct(eff.c.comment_id)))
            .join(Theme, Theme.id == eff.c.theme_id)
            .group_by(eff.c.theme_id, Theme.name)
        )
    ]


def _free_text_result(
    base: Any,
    q: QuestionView,
    section: SectionView,
    shown: int,
    answered: int,
    limit: int,
    rows: list[tuple[int, str, int]],
) -> QuestionResult:
    total, answered_cell, not_answered = _answered_cells(shown, answered, limit)
    themes: list[QuestionTheme] = []
    themes_table = None
    quotes: list[Quote] = []
    if answered_cell.value is not None:
        # Largest first by the true count would leak the order of hidden ones: those go last.
        ordered = sorted(rows, key=lambda r: (-r[2], r[1].lower()))[:THEMES_PER_QUESTION]
        themes_table = suppress_table([(name, int(n)) for _, name, n in ordered], answered, limit)
        themes = [
            QuestionTheme(tid, name, cell)
            for (tid, name, _), cell in zip(ordered, themes_table.cells, strict=True)
        ]
        themes.sort(key=lambda t: (t.cell.value is None, -(t.cell.value or 0), t.name.lower()))
        quotes = [
            Quote(cid, translation or redacted, f"{received:%B %Y}")
            for cid, translation, redacted, received in db.session.execute(
                select(
                    Comment.id,
                    Comment.translation_text,
                    Comment.redacted_text,
                    Comment.received_at,
                )
                .join(base, base.c.id == Comment.response_id)
                .where(
                    Comment.question_id == q.id,
                    Comment.moderation_state == "approved",
                    Comment.redacted_text.is_not(None),
                )
                .order_by(Comment.received_at.desc(), Comment.id.desc())
                .limit(QUOTES_PER_QUESTION)
            )
        ]
    return _result(
        q,
        section,
        total,
        answered_cell,
        not_answered,
        themes=themes,
        themes_table=themes_table,
        quotes=quotes,
    )


def _postcode_rows(base: Any, question_id: int) -> list[tuple[int | None, int | None, int]]:
    """(place id, decile, respondents) of those who answered a postcode question."""
    return [
        (place, decile, int(n))
        for place, decile, n in db.session.execute(
            select(base.c.place_id, base.c.decile, func.count())
            .select_from(base)
            .join(Answer, and_(Answer.response_id == base.c.id, Answer.question_id == question_id))
            .group_by(base.c.place_id, base.c.decile)
        )
    ]


def _postcode_result(
    q: QuestionView,
    section: SectionView,
    shown: int,
    answered: int,
    limit: int,
    rows: list[tuple[int | None, int | None, int]],
) -> QuestionResult:
    """Never the postcodes themselves: the places and deprivation deciles they fall in."""
    total, answered_cell, not_answered = _answered_cells(shown, answered, limit)
    groups: list[tuple[str, SuppressedTable]] = []
    if answered_cell.value is not None:
        names = reports._place_names()
        places: dict[str, int] = defaultdict(int)
        deciles: dict[str, int] = defaultdict(int)
        for place_id, decile, n in rows:
            places[names.get(place_id, NOT_KNOWN) if place_id else NOT_KNOWN] += int(n)
            deciles[str(decile) if decile else NOT_KNOWN] += int(n)
        groups = [
            (DIMENSIONS["place"], _group_table("place", places, answered, limit)),
            (
                DIMENSIONS["deprivation_decile"],
                _group_table("deprivation_decile", deciles, answered, limit),
            ),
        ]
    return _result(
        q,
        section,
        total,
        answered_cell,
        not_answered,
        groups=groups,
    )


def _group_table(dimension: str, groups: dict[str, int], total: int, limit: int) -> SuppressedTable:
    ordered = sorted(groups, key=lambda k: reports._category_order(dimension, k))
    return suppress_table([(k, groups[k]) for k in ordered], total, limit)


# --- cross-tabs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """How a response's group is found: SQL columns to group by, and how to name the group."""

    unlabelled: list[Any]
    join: Callable[[Any], Any]
    name: Callable[[tuple[Any, ...]], str]
    order: Callable[[str], Any]
    label: str

    @property
    def columns(self) -> list[Any]:
        # Labelled, so that a group read from an answer never shares a name with the answer.
        return [c.label(f"group_{i}") for i, c in enumerate(self.unlabelled)]


def _rows_for(by: str, structure: Structure, base: Any) -> _Rows:
    questions = {q.id: q for q in _questions(structure)}
    if by.startswith("question:"):
        try:
            other = questions[int(by.split(":", 1)[1])]
        except (KeyError, ValueError):
            raise NotFound("That question is not in this survey") from None
        if other.kind not in ROW_KINDS:
            raise NotFound("A breakdown can be by a question with one answer each")
        alias = aliased(Answer)
        order = (
            [*(_option_label(other, i + 1) for i in range(len(other.options)))]
            if (other.kind == "rating")
            else list(other.options)
        )

        def join_other(stmt: Any) -> Any:
            return stmt.outerjoin(
                alias, and_(alias.response_id == base.c.id, alias.question_id == other.id)
            )

        def name_other(raw: tuple[Any, ...]) -> str:
            value = _decode(raw[0])
            return NOT_ANSWERED if value is None else _option_label(other, value)

        def order_other(label: str) -> Any:
            return (
                (0, order.index(label))
                if label in order
                else (1 if label != NOT_ANSWERED else 2, label)
            )

        return _Rows([cast(alias.value, Text)], join_other, name_other, order_other, other.text)
    if by not in DIMENSIONS:
        raise NotFound("Choose a breakdown from the list")
    label = DIMENSIONS[by]
    if by == "channel":
        return _Rows(
            [base.c.channel],
            lambda stmt: stmt,
            lambda raw: CHANNELS.get(raw[0], NOT_KNOWN),
            lambda k: list(CHANNELS.values()).index(k) if k in CHANNELS.values() else 99,
            label,
        )
    if by == "place":
        names = reports._place_names()
        return _Rows(
            [base.c.place_id],
            lambda stmt: stmt,
            lambda raw: names.get(raw[0], NOT_KNOWN) if raw[0] else NOT_KNOWN,
            lambda k: reports._category_order("place", k),
            label,
        )
    demo = aliased(Demographics)

    def join_demo(stmt: Any) -> Any:
        return stmt.outerjoin(demo, demo.person_id == base.c.person_id)

    if by == "deprivation_decile":
        return _Rows(
            [func.coalesce(base.c.decile, demo.deprivation_decile)],
            join_demo,
            lambda raw: str(raw[0]) if raw[0] else NOT_KNOWN,
            lambda k: reports._category_order("deprivation_decile", k),
            label,
        )
    # Age, sex, ethnic group: the survey's own equality question when it asked, else what a
    # panel member told the panel.
    own = next((q for q in _questions(structure) if q.key == by and q.kind in ROW_KINDS), None)
    own_alias = aliased(Answer)
    columns = [getattr(demo, by)]
    if own is not None:
        columns.insert(0, cast(own_alias.value, Text))

    def join_own(stmt: Any) -> Any:
        stmt = join_demo(stmt)
        if own is not None:
            stmt = stmt.outerjoin(
                own_alias, and_(own_alias.response_id == base.c.id, own_alias.question_id == own.id)
            )
        return stmt

    def name_demo(raw: tuple[Any, ...]) -> str:
        if own is not None and raw[0] is not None:
            value = _decode(raw[0])
        else:
            value = raw[-1]
        if value in (None, "", "Prefer not to say"):
            return NOT_KNOWN
        return str(value)

    return _Rows(columns, join_own, name_demo, lambda k: reports._category_order(by, k), label)


@reports.cached
def _crosstab_cached(
    survey_id: int,
    token: str,
    question_id: int,
    by: str,
    filters: ResultsFilter,
    fingerprint: tuple[Any, ...],
) -> Crosstab:
    return _count_crosstab(survey_id, question_id, by, filters)


def _crosstab(
    survey_id: int, token: str, question_id: int, by: str, filters: ResultsFilter
) -> Crosstab:
    return _crosstab_cached(survey_id, token, question_id, by, filters, _fingerprint(survey_id))


def _count_crosstab(survey_id: int, question_id: int, by: str, filters: ResultsFilter) -> Crosstab:
    survey = get_survey(survey_id)
    structure = structure_of(survey)
    question = next((q for q in _questions(structure) if q.id == question_id), None)
    if question is None:
        raise NotFound("That question is not in this survey")
    if question.kind not in CHOICE_KINDS and question.kind not in FREE_TEXT_KINDS:
        raise NotFound("Only choice, rating and free-text questions can be broken down")
    limit = reports.threshold()
    _tune()
    base = _base(survey, filters)
    rows_spec = _rows_for(by, structure, base)
    if question.kind in FREE_TEXT_KINDS:
        return _theme_crosstab(survey, question, by, rows_spec, base, filters, limit)
    value = _value_text().label("answer_value")
    stmt = (
        select(*rows_spec.columns, value, func.count())
        .select_from(base)
        .join(Answer, and_(Answer.response_id == base.c.id, Answer.question_id == question.id))
    )
    stmt = rows_spec.join(stmt).group_by(*rows_spec.columns, value)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    row_totals: dict[str, int] = defaultdict(int)
    column_order = list(_labels(question)) if question.kind != "rating" else list(question.options)
    for row in db.session.execute(stmt):
        *group, raw, n = row
        name = rows_spec.name(tuple(group))
        row_totals[name] += int(n)  # each response answers once: the row's respondents
        answer = _decode(raw)
        for v in answer if isinstance(answer, list) else [answer]:
            label = _option_label(question, v)
            if label not in column_order:
                column_order.append(label)
            counts[(name, label)] += int(n)
    rows = sorted(row_totals, key=rows_spec.order)
    column_totals = {c: sum(counts.get((r, c), 0) for r in rows) for c in column_order}
    table = suppress_crosstab(
        rows,
        column_order,
        counts,
        limit,
        row_totals=row_totals,
        column_totals=column_totals,
        total=sum(row_totals.values()),
    )
    note = (
        "People could choose more than one answer, so a row's percentages can add up to more "
        "than 100."
        if question.kind == "multi_choice"
        else ""
    )
    return Crosstab(
        survey.id,
        question.id,
        question.text,
        by,
        rows_spec.label,
        "respondents",
        limit,
        filters,
        table,
        note,
    )


def _theme_crosstab(
    survey: Survey,
    question: QuestionView,
    by: str,
    rows_spec: _Rows,
    base: Any,
    filters: ResultsFilter,
    limit: int,
) -> Crosstab:
    """Comments on ``question`` per theme, by group: what each group wrote about."""
    eff = theme_service.effective_comment_themes().subquery()
    joined = (
        select(*rows_spec.columns, eff.c.theme_id, func.count(func.distinct(Comment.id)))
        .select_from(base)
        .join(Comment, and_(Comment.response_id == base.c.id, Comment.question_id == question.id))
        .join(eff, eff.c.comment_id == Comment.id)
    )
    cells = db.session.execute(
        rows_spec.join(joined).group_by(*rows_spec.columns, eff.c.theme_id)
    ).all()
    # Each row's total is its approved comments on the question, themed or not.
    totals_stmt = (
        select(*rows_spec.columns, func.count(func.distinct(Comment.id)))
        .select_from(base)
        .join(Comment, and_(Comment.response_id == base.c.id, Comment.question_id == question.id))
        .where(Comment.moderation_state == "approved")
    )
    totals = db.session.execute(rows_spec.join(totals_stmt).group_by(*rows_spec.columns)).all()
    names = dict(db.session.execute(select(Theme.id, Theme.name)).tuples().all())
    row_totals: dict[str, int] = defaultdict(int)
    for row in totals:
        *group, n = row
        row_totals[rows_spec.name(tuple(group))] += int(n)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    per_theme: dict[str, int] = defaultdict(int)
    for row in cells:
        *group, theme_id, n = row
        theme = names.get(theme_id, "Unknown theme")
        counts[(rows_spec.name(tuple(group)), theme)] += int(n)
        per_theme[theme] += int(n)
    columns = sorted(per_theme, key=lambda t: (-per_theme[t], t.lower()))[:THEMES_PER_QUESTION]
    rows = sorted(row_totals, key=rows_spec.order)
    table = suppress_crosstab(
        rows,
        columns,
        {k: v for k, v in counts.items() if k[1] in columns},
        limit,
        row_totals=row_totals,
        column_totals={c: per_theme[c] for c in columns},
        total=sum(row_totals.values()),
    )
    return Crosstab(
        survey.id,
        question.id,
        question.text,
        by,
        rows_spec.label,
        "comments",
        limit,
        filters,
        table,
        "A comment can speak of several themes, so a row's percentages can add up to more than "
        f"100. The {THEMES_PER_QUESTION} largest themes are shown.",
    )


# --- the Friends and Family Test ----------------------------------------------------------


def _fft_group(rating: str | None) -> str | None:
    if rating in FFT_POSITIVE:
        return FFT_GROUPS[0]
    if rating in FFT_NEGATIVE:
        return FFT_GROUPS[2]
    if rating in ("Neither good nor poor", "Don't know"):
        return FFT_GROUPS[1]
    return None


def _month_of(column: Any) -> Any:
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


@reports.cached
def _fft_cached(
    survey_id: int | None, filters: ResultsFilter, fingerprint: tuple[Any, ...]
) -> FftSummary:
    return _count_fft(survey_id, filters)


def _fft_summary(survey_id: int | None, filters: ResultsFilter) -> FftSummary:
    fingerprint = _fingerprint(survey_id) if survey_id is not None else _all_fingerprint()
    return _fft_cached(survey_id, filters, fingerprint)


def _all_fingerprint() -> tuple[Any, ...]:
    return tuple(
        db.session.execute(
            select(
                func.count(Response.id), func.max(Response.id), func.max(Response.submitted_at)
            ).where(Response.status == "submitted")
        ).one()
    )


def _count_fft(survey_id: int | None, filters: ResultsFilter) -> FftSummary:
    """Ratings per (month, place, service), from survey answers and (for all surveys) imports."""
    from engage.models import Question

    limit = reports.threshold()
    _tune()
    if survey_id is not None:
        # One survey's: its FFT questions' answers among the responses the filter keeps.
        survey = get_survey(survey_id)
        base = _base(survey, filters)
        asked = [q.id for q in _questions(structure_of(survey)) if q.kind == "fft"]
        answers = (
            select(
                literal("answer").label("source"),
                cast(Answer.value, Text).label("rating"),
                _month_of(base.c.sent_at).label("month"),
                base.c.place_id.label("place_id"),
                literal(None, type_=Text).label("service"),
            )
            .select_from(base)
            .join(Answer, and_(Answer.response_id == base.c.id, Answer.question_id.in_(asked)))
        )
    else:
        answers = (
            select(
                literal("answer").label("source"),
                cast(Answer.value, Text).label("rating"),
                _month_of(Response.submitted_at).label("month"),
                Response.place_id.label("place_id"),
                literal(None, type_=Text).label("service"),
            )
            .join(Response, Response.id == Answer.response_id)
            .join(Question, Question.id == Answer.question_id)
            .where(Question.kind == "fft", Response.status == "submitted")
        )
        answers = _filter_dates(answers, Response.submitted_at, Response.place_id, filters)
    parts = [answers]
    sources = [FFT_SOURCE_SURVEY]
    if survey_id is None:
        sources = ["answers to Friends and Family Test questions in Engage's surveys"]
        if not filters.channel or filters.channel not in CHANNELS:
            imported = select(
                literal("import").label("source"),
                Comment.fft_rating.label("rating"),
                _month_of(Comment.received_at).label("month"),
                Comment.place_id.label("place_id"),
                Comment.service.label("service"),
            ).where(Comment.fft_rating.is_not(None), Comment.source != "survey")
            parts.append(_filter_dates(imported, Comment.received_at, Comment.place_id, filters))
            sources.append("imported feedback that gives its Friends and Family Test rating")
    union = union_all(*parts).subquery()
    grouped = db.session.execute(
        select(
            union.c.source,
            union.c.rating,
            union.c.month,
            union.c.place_id,
            union.c.service,
            func.count(),
        ).group_by(union.c.source, union.c.rating, union.c.month, union.c.place_id, union.c.service)
    ).all()
    return _fold_fft(
        [(source == "answer", r, m, p, sv, int(n)) for source, r, m, p, sv, n in grouped],
        sources,
        limit,
    )


def _fold_fft(
    grouped: Iterable[tuple[bool, Any, str | None, int | None, str | None, int]],
    sources: list[str],
    limit: int,
) -> FftSummary:
    """The FFT tables from ratings counted per (month, place, service), suppressed together.

    Each row of ``grouped`` is (whether the rating is an answer's JSON text, rating, month,
    place id, service, count).
    """
    names = reports._place_names()
    by_month: dict[tuple[str, str], int] = defaultdict(int)
    by_place: dict[tuple[str, str], int] = defaultdict(int)
    by_service: dict[tuple[str, str], int] = defaultdict(int)
    overall: dict[str, int] = defaultdict(int)
    months: set[str] = set()
    for is_answer, rating, month, place_id, service, n in grouped:
        value = _decode(rating) if is_answer else rating
        group = _fft_group(value)
        if group is None or month is None:
            continue
        overall[group] += n
        months.add(month)
        by_month[(month, group)] += n
        by_place[(names.get(place_id, NOT_KNOWN) if place_id else NOT_KNOWN, group)] += n
        by_service[((service or "").strip() or NOT_KNOWN, group)] += n
    total = sum(overall.values())
    whole = suppress_table([(g, overall.get(g, 0)) for g in FFT_GROUPS], total, limit)
    overall_row = _fft_row("All responses", whole.cells, whole.total, whole.total_hidden)
    if whole.total is None or total == 0:
        return FftSummary(limit, overall_row, [], [], [], sources)
    month_keys = reports._period_keys(
        date(int(min(months)[:4]), int(min(months)[5:]), 1),
        date(int(max(months)[:4]), int(max(months)[5:]), 1),
        "month",
    )
    tables = [
        _fft_table(month_keys, by_month, limit),
        _fft_table(
            sorted({p for p, _ in by_place}, key=lambda k: reports._category_order("place", k)),
            by_place,
            limit,
        ),
        _fft_table(
            sorted({s for s, _ in by_service}, key=lambda k: (k == NOT_KNOWN, k.lower())),
            by_service,
            limit,
        ),
    ]
    # Each table's column totals are the overall counts: a count one of them hides to protect
    # its cells must be hidden in the headline too, or the headline would give it away.
    cells = [
        next((t.column_totals[i] for t in tables if t.column_totals[i].value is None), cell)
        for i, cell in enumerate(whole.cells)
    ]
    overall_row = _fft_row("All responses", cells, whole.total, whole.total_hidden)
    month_label = partial(reports.period_label, period="month")
    return FftSummary(
        limit,
        overall_row,
        _fft_rows(tables[0], month_label),
        _fft_rows(tables[1]),
        _fft_rows(tables[2]),
        sources,
    )


def _filter_dates(stmt: Any, when: Any, place: Any, filters: ResultsFilter) -> Any:
    if filters.date_from is not None:
        stmt = stmt.where(when >= datetime.combine(filters.date_from, time.min))
    if filters.date_to is not None:
        stmt = stmt.where(when < datetime.combine(filters.date_to + timedelta(days=1), time.min))
    if filters.place_id is not None:
        stmt = stmt.where(place.in_(reports._place_and_descendants(filters.place_id)))
    return stmt


def _fft_row(label: str, cells: Sequence[Cell], total: int | None, hidden: Hidden | None) -> FftRow:
    positive, _, negative = cells
    responses = Cell(label, total, hidden if total is None else None)
    return FftRow(
        label,
        responses,
        positive,
        negative,
        _whole_percent(positive.value, total),
        _whole_percent(negative.value, total),
    )


def _whole_percent(part: int | None, whole: int | None) -> int | None:
    # The NHS publishes FFT shares as whole percentages.
    if part is None or not whole:
        return None
    return int(math.floor(100 * part / whole + 0.5))


def _fft_table(
    keys: list[str], counts: dict[tuple[str, str], int], limit: int
) -> SuppressedCrosstab:
    """Rows of an FFT table suppressed together, so no row's small count comes out of another."""
    return suppress_crosstab(
        keys, list(FFT_GROUPS), {k: v for k, v in counts.items() if k[0] in keys}, limit
    )


def _fft_rows(table: SuppressedCrosstab, label: Callable[[str], str] = str) -> list[FftRow]:
    return [
        _fft_row(label(key), cells, total.value, total.hidden)
        for key, cells, total in zip(table.rows, table.cells, table.row_totals, strict=True)
    ]


# --- headlines for reports and Board papers ------------------------------------------------


@dataclass(frozen=True)
class HeadlineAnswer:
    question: str
    answer: str  # the most chosen answer, or a rating's top two
    percent: float


@dataclass(frozen=True)
class Headline:
    """A survey's results in a few lines, for an intention's report and Board paper."""

    survey_id: int
    title: str
    threshold: int
    respondents: int | None
    respondents_hidden: Hidden | None
    fft: FftRow | None
    answers: list[HeadlineAnswer]


HEADLINE_ANSWERS = 6


def headline(results: SurveyResults) -> Headline:
    """The lead answer to each closed question (consent aside), from already suppressed results.

    Only shown counts are compared, so a hidden one can never be named as the largest.
    """
    answers: list[HeadlineAnswer] = []
    for q in results.questions:
        if not q.results or q.kind == "consent" or len(answers) >= HEADLINE_ANSWERS:
            continue
        if q.top is not None and q.top.percent is not None:
            answers.append(HeadlineAnswer(q.text, " or ".join(q.top.labels), q.top.percent))
            continue
        shown = [r for r in q.results if r.percent is not None and r.cell.value]
        if shown:
            lead = max(shown, key=lambda r: r.cell.value or 0)
            answers.append(HeadlineAnswer(q.text, lead.label, lead.percent or 0.0))
    fft = results.fft.overall if results.fft is not None and not results.fft.too_few else None
    return Headline(
        results.survey_id,
        results.title,
        results.threshold,
        results.respondents,
        results.respondents_hidden,
        fft,
        [] if results.too_few else answers,
    )


def headlines_for_intention(
    intention_id: int, filters: ResultsFilter | None = None
) -> list[Headline]:
    """Each published survey that names ``intention_id``, in a few lines."""
    from engage.models import survey_intention

    ids = db.session.scalars(
        select(Survey.id)
        .join(survey_intention, survey_intention.c.survey_id == Survey.id)
        .where(survey_intention.c.intention_id == intention_id, Survey.status != "draft")
        .order_by(Survey.created_at.desc())
    )
    return [headline(survey_results(i, filters)) for i in ids]


def from_report_filter(filters: reports.ReportFilter) -> ResultsFilter:
    """A report's dates and place as the survey results' filter (responses sent, not comments)."""
    return ResultsFilter(
        date_from=filters.date_from, date_to=filters.date_to, place_id=filters.place_id
    )
