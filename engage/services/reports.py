"""What residents said about each theme and commissioning intention, ready to show or export.

Every count here is already suppressed (see ``engage.services.suppression``): a suppressed
count is ``None``. Callers (pages, exports, the JSON API) never see a raw small number.

What is counted:
- a comment counts once however many of a report's themes it speaks of, and only as
  ``engage.services.themes.effective_comment_themes()`` says (approved comments, person-given
  themes over the current run's, merged themes under their target);
- respondents are distinct ``respondent_key`` values (a comment without one is its own
  respondent);
- an intention's basis is its **confirmed** theme links. Suggested links are listed apart, by
  name only, so a reader knows a review is pending but no number rests on an unchecked match;
  rejected links are left out;
- the trend counts comments by the month (or calendar quarter) they were received; the
  breakdowns count respondents in each group, with "Not known" as a group of its own;
- a report about fewer than ``threshold`` respondents shows no breakdown, trend or quote.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import String, case, cast, func, literal, or_, select, text, union_all

from engage.extensions import db
from engage.models import (
    Comment,
    CommentTheme,
    Intention,
    IntentionDomain,
    Place,
    Question,
    Survey,
    Theme,
    ThemeIntentionLink,
    Topic,
)
from engage.services import themes as theme_service
from engage.services.errors import NotFound
from engage.services.suppression import (
    Cell,
    Hidden,
    SuppressedTable,
    is_small,
    suppress_count,
    suppress_table,
)

NOT_KNOWN = "Not known"
QUOTES_PER_REPORT = 6
QUOTES_PER_THEME = 2
PERIODS = ("month", "quarter")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("place", "Place"),
    ("age_band", "Age group"),
    ("sex", "Sex"),
    ("ethnicity", "Ethnic group"),
    ("deprivation_decile", "Deprivation decile (1 is most deprived)"),
)
AGE_ORDER = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")


# --- what callers pass and get back -------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """Which comments a report covers; every field is optional."""

    survey_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    place_id: int | None = None  # this place and everywhere inside it
    period: str = "month"  # trend by "month" or "quarter"
    question_id: int | None = None  # answers to one survey question (from its results page)

    def describe(self) -> list[str]:
        """Plain-English lines saying what the report is limited to (for pages and exports)."""
        lines = []
        if self.survey_id is not None:
            title = db.session.scalar(select(Survey.title).where(Survey.id == self.survey_id))
            lines.append(f"Survey: {title or 'unknown survey'}")
        if self.question_id is not None:
            asked = db.session.scalar(select(Question.text).where(Question.id == self.question_id))
            lines.append(f"Answers to the question: {asked or 'unknown question'}")
        if self.date_from or self.date_to:
            start = self.date_from.strftime("%-d %B %Y") if self.date_from else "the start"
            end = self.date_to.strftime("%-d %B %Y") if self.date_to else "today"
            lines.append(f"Comments received from {start} to {end}")
        if self.place_id is not None:
            name = db.session.scalar(select(Place.name).where(Place.id == self.place_id))
            lines.append(f"Place: {name or 'unknown place'}")
        return lines


@dataclass(frozen=True)
class Counts:
    """A report's headline numbers; when hidden, respondents are always fewer than the threshold."""

    comments: int | None
    respondents: int | None
    # Comments are hidden with too few respondents even when there are many of them.
    comments_hidden: Hidden | None = None


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    table: SuppressedTable  # respondents per group; total is all respondents


@dataclass(frozen=True)
class Trend:
    period: str  # month or quarter
    table: SuppressedTable  # comments per period; total is all comments


@dataclass(frozen=True)
class Quote:
    comment_id: int
    text: str
    received: str  # "March 2025": no closer, so a quote cannot be matched to a visit
    theme: str


@dataclass(frozen=True)
class LinkedTheme:
    theme_id: int
    name: str
    state: str  # confirmed or suggested
    comments: int | None  # None when suppressed or (for suggested links) not counted
    hidden: Hidden | None = None  # why comments is None, for a confirmed link


@dataclass(frozen=True)
class LinkedIntention:
    intention_id: int
    title: str
    domain: str
    year: str
    state: str


@dataclass(frozen=True)
class Report:
    """What a theme or an intention page shows, with everything suppressed."""

    threshold: int
    filters: ReportFilter
    counts: Counts
    trend: Trend
    breakdowns: list[Breakdown]
    quotes: list[Quote]

    @property
    def too_few(self) -> bool:
        """True when the report covers fewer people than the threshold (or none is shown)."""
        return self.counts.respondents is None


@dataclass(frozen=True)
class IntentionSummary(Report):
    intention_id: int = 0
    title: str = ""
    text: str = ""
    domain: str = ""
    year: str = ""
    kind: str = ""
    themes: SuppressedTable = field(default_factory=lambda: SuppressedTable([], 0))
    linked_themes: list[LinkedTheme] = field(default_factory=list)
    suggested_themes: list[LinkedTheme] = field(default_factory=list)


@dataclass(frozen=True)
class ThemeSummary(Report):
    theme_id: int = 0
    name: str = ""
    description: str = ""
    intentions: list[LinkedIntention] = field(default_factory=list)
    suggested_intentions: list[LinkedIntention] = field(default_factory=list)


@dataclass(frozen=True)
class IntentionRow:
    intention_id: int
    title: str
    domain: str
    year: str
    kind: str
    linked_themes: int
    counts: Counts


@dataclass(frozen=True)
class DomainGroup:
    name: str
    kind: str | None  # life_course, cross_cutting, programme
    intentions: list[IntentionRow]


@dataclass(frozen=True)
class ThemeRow:
    theme_id: int
    name: str
    linked_intentions: int
    counts: Counts


# --- public functions ---------------------------------------------------------------------


def threshold() -> int:
    return int(current_app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"])


# --- a cache that can never be stale ---------------------------------------------------------
#
# A report at 100,000 comments takes a few hundred milliseconds to count, and it is the same
# report until something it rests on changes. So each result is kept, per process, under a key
# that includes a fingerprint of everything a report reads: the current run, comment themes
# added or removed, moderation, links decided, themes renamed or merged, the catalogue. Any
# change gives a new fingerprint and so a fresh count; nothing is ever served out of date.

_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()


def data_fingerprint() -> tuple[Any, ...]:
    """One round trip: aggregates that change whenever any report's numbers could."""
    ct, c, link, th, it = CommentTheme, Comment, ThemeIntentionLink, Theme, Intention
    row = db.session.execute(
        select(
            select(func.max(ct.id)).scalar_subquery(),
            select(func.count(c.id)).where(c.moderation_state == "approved").scalar_subquery(),
            select(func.max(c.moderated_at)).scalar_subquery(),
            select(func.max(c.id)).scalar_subquery(),
            select(func.count(link.id)).where(link.state == "confirmed").scalar_subquery(),
            select(func.max(link.decided_at)).scalar_subquery(),
            select(func.max(link.id)).scalar_subquery(),
            select(func.count(th.id)).where(th.merged_into_id.is_not(None)).scalar_subquery(),
            select(func.max(th.id)).scalar_subquery(),
            select(func.count(it.id)).where(it.retired.is_(False)).scalar_subquery(),
            select(func.count(ct.id)).scalar_subquery(),
        )
    ).one()
    names = tuple(db.session.execute(select(th.id, th.name).order_by(th.id)).all())
    return (*row, hash(names), theme_service.current_run_id(), threshold())


def cached(fn: Any) -> Any:
    """Keep ``fn``'s result per process under its arguments and ``data_fingerprint()``."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Off in tests by default: test databases reuse ids, so fingerprints could coincide.
        if not current_app.config.get("ENGAGE_REPORT_CACHE", not current_app.testing):
            return fn(*args, **kwargs)
        key = (
            fn.__name__,
            str(db.engine.url),
            args,
            tuple(sorted(kwargs.items())),
            data_fingerprint(),
        )
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                hit = _CACHE[key]
                return list(hit) if isinstance(hit, list) else hit
        value = fn(*args, **kwargs)
        with _CACHE_LOCK:
            _CACHE[key] = value
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
        return value

    wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
    wrapper.uncached = fn  # type: ignore[attr-defined]
    return wrapper


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


@cached
def intention_summary(intention_id: int, filters: ReportFilter | None = None) -> IntentionSummary:
    """An intention's report: confirmed themes, counts, trend, breakdowns, quotes."""
    filters = filters or ReportFilter()
    intention = db.session.get(Intention, intention_id)
    if intention is None:
        raise NotFound("There is no commissioning intention with that id")
    links = db.session.execute(
        select(ThemeIntentionLink.theme_id, ThemeIntentionLink.state, Theme.name)
        .join(Theme, Theme.id == ThemeIntentionLink.theme_id)
        .where(
            ThemeIntentionLink.intention_id == intention_id,
            ThemeIntentionLink.state.in_(("confirmed", "suggested")),
        )
        .order_by(Theme.name)
    ).all()
    confirmed = {tid: name for tid, state, name in links if state == "confirmed"}
    report, agg = _report(list(confirmed), filters, confirmed)
    limit = report.threshold
    themes = (
        suppress_table(
            [(confirmed[t], agg.theme_comments.get(t, 0)) for t in confirmed],
            agg.comments,
            limit,
        )
        if not report.too_few
        else _all_hidden(
            [(confirmed[t], agg.theme_comments.get(t, 0)) for t in confirmed], agg.comments, limit
        )
    )
    linked = [
        LinkedTheme(tid, cell.label, "confirmed", cell.value, cell.hidden)
        for tid, cell in zip(confirmed, themes.cells, strict=True)
    ]
    suggested = [
        LinkedTheme(tid, name, "suggested", None)
        for tid, state, name in links
        if state == "suggested"
    ]
    return IntentionSummary(
        **_report_fields(report),
        intention_id=intention.id,
        title=intention.title,
        text=intention.text,
        domain=intention.domain,
        year=intention.year,
        kind=intention.kind,
        themes=themes,
        linked_themes=linked,
        suggested_themes=suggested,
    )


@cached
def theme_summary(theme_id: int, filters: ReportFilter | None = None) -> ThemeSummary:
    """A theme's report: counts, trend, breakdowns, quotes, and the intentions it touches."""
    filters = filters or ReportFilter()
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("There is no theme with that id")
    if theme.merged_into_id is not None:
        # Its comments count under the theme it was merged into; say so rather than show zero.
        raise NotFound("That theme was merged into another; its comments count there")
    report, _ = _report([theme.id], filters, {theme.id: theme.name})
    links = db.session.execute(
        select(
            Intention.id,
            Intention.title,
            Intention.domain,
            Intention.year,
            ThemeIntentionLink.state,
        )
        .join(ThemeIntentionLink, ThemeIntentionLink.intention_id == Intention.id)
        .where(
            ThemeIntentionLink.theme_id == theme.id,
            ThemeIntentionLink.state.in_(("confirmed", "suggested")),
        )
        .order_by(Intention.year.desc(), Intention.domain, Intention.position)
    ).all()
    return ThemeSummary(
        **_report_fields(report),
        theme_id=theme.id,
        name=theme.name,
        description=theme.description,
        intentions=[LinkedIntention(*row) for row in links if row.state == "confirmed"],
        suggested_intentions=[LinkedIntention(*row) for row in links if row.state == "suggested"],
    )


@cached
def list_intentions(
    year: str | None = None, filters: ReportFilter | None = None
) -> list[IntentionRow]:
    """Every live intention (of ``year``) with its confirmed themes' counts, in plan order."""
    filters = filters or ReportFilter()
    limit = threshold()
    stmt = select(Intention).where(Intention.retired.is_(False))
    if year:
        stmt = stmt.where(Intention.year == year)
    intentions = list(db.session.scalars(stmt.order_by(Intention.year.desc(), Intention.position)))
    links: dict[int, int] = dict(
        db.session.execute(
            select(ThemeIntentionLink.intention_id, func.count())
            .where(ThemeIntentionLink.state == "confirmed")
            .group_by(ThemeIntentionLink.intention_id)
        )
        .tuples()
        .all()
    )
    eff = theme_service.effective_comment_themes().subquery()
    counted = db.session.execute(
        _apply_filters(
            select(
                ThemeIntentionLink.intention_id,
                func.count(func.distinct(Comment.id)),
                func.count(func.distinct(_respondent())),
            )
            .select_from(ThemeIntentionLink)
            .join(eff, eff.c.theme_id == ThemeIntentionLink.theme_id)
            .join(Comment, Comment.id == eff.c.comment_id)
            .where(ThemeIntentionLink.state == "confirmed")
            .group_by(ThemeIntentionLink.intention_id),
            filters,
        )
    ).all()
    counts = {i: (c, r) for i, c, r in counted}
    return [
        IntentionRow(
            i.id,
            i.title,
            i.domain,
            i.year,
            i.kind,
            links.get(i.id, 0),
            _counts(*counts.get(i.id, (0, 0)), limit=limit),
        )
        for i in intentions
    ]


def intentions_by_domain(year: str, filters: ReportFilter | None = None) -> list[DomainGroup]:
    """``list_intentions`` grouped by life-course domain or cross-cutting area, in plan order."""
    kinds: dict[str, str] = dict(
        db.session.execute(
            select(IntentionDomain.name, IntentionDomain.kind).where(IntentionDomain.year == year)
        )
        .tuples()
        .all()
    )
    grouped: dict[str, list[IntentionRow]] = defaultdict(list)
    for row in list_intentions(year, filters):
        grouped[row.domain].append(row)
    return [DomainGroup(name, kinds.get(name), rows) for name, rows in grouped.items()]


@cached
def list_themes(filters: ReportFilter | None = None) -> list[ThemeRow]:
    """Every theme (merged ones count under their target) with its counts, largest first."""
    filters = filters or ReportFilter()
    limit = threshold()
    themes = db.session.execute(
        select(Theme.id, Theme.name).where(Theme.merged_into_id.is_(None))
    ).all()
    links: dict[int, int] = dict(
        db.session.execute(
            select(ThemeIntentionLink.theme_id, func.count())
            .where(ThemeIntentionLink.state == "confirmed")
            .group_by(ThemeIntentionLink.theme_id)
        )
        .tuples()
        .all()
    )
    eff = theme_service.effective_comment_themes().subquery()
    counted = db.session.execute(
        _apply_filters(
            select(
                eff.c.theme_id,
                func.count(func.distinct(Comment.id)),
                func.count(func.distinct(_respondent())),
            )
            .select_from(eff)
            .join(Comment, Comment.id == eff.c.comment_id)
            .group_by(eff.c.theme_id),
            filters,
        )
    ).all()
    counts = {t: (c, r) for t, c, r in counted}
    rows = [
        ThemeRow(tid, name, links.get(tid, 0), _counts(*counts.get(tid, (0, 0)), limit=limit))
        for tid, name in themes
    ]
    # Largest first by the true count would leak the order of suppressed ones: sort suppressed
    # rows together, by name.
    return sorted(rows, key=lambda r: (-(r.counts.comments or 0), r.name.lower()))


def surveys_with_comments() -> list[tuple[int, str]]:
    """Surveys a report can be limited to."""
    return [
        (i, t)
        for i, t in db.session.execute(
            select(Survey.id, Survey.title)
            .where(select(Comment.id).where(Comment.survey_id == Survey.id).exists())
            .order_by(Survey.title)
        )
    ]


def places() -> list[tuple[int, str]]:
    """Places a report can be limited to: the ICB's places and footprints, by name."""
    return [
        (i, n)
        for i, n in db.session.execute(
            select(Place.id, Place.name)
            .where(Place.kind.in_(("icb", "place", "footprint")))
            .order_by(Place.name)
        )
    ]


def period_label(key: str, period: str) -> str:
    """'2025-03' reads 'Mar 2025'; '2025-Q1' reads 'Jan to Mar 2025'."""
    year, part = key.split("-")
    if period == "quarter":
        q = int(part[1:])
        return f"{MONTHS[3 * q - 3]} to {MONTHS[3 * q - 1]} {year}"
    return f"{MONTHS[int(part) - 1]} {year}"


# --- how it is worked out -------------------------------------------------------------------


@dataclass
class _Aggregates:
    """The raw counts of one report, straight from one query; suppressed before anyone sees."""

    comments: int = 0
    respondents: int = 0
    theme_comments: dict[int, int] = field(default_factory=dict)
    theme_respondents: dict[int, int] = field(default_factory=dict)
    months: dict[str, int] = field(default_factory=dict)  # "2025-03" -> comments
    groups: dict[str, dict[str, int]] = field(default_factory=dict)  # dimension -> respondents
    candidates: list[tuple[int, int, int]] = field(default_factory=list)  # comment, theme, rank
    representative: dict[int, list[int]] = field(default_factory=dict)  # theme -> comment ids


def _respondent() -> Any:
    return func.coalesce(Comment.respondent_key, literal("c:") + cast(Comment.id, String))


def _apply_filters(stmt: Any, filters: ReportFilter) -> Any:
    if filters.survey_id is not None:
        stmt = stmt.where(Comment.survey_id == filters.survey_id)
    if filters.question_id is not None:
        stmt = stmt.where(Comment.question_id == filters.question_id)
    if filters.date_from is not None:
        stmt = stmt.where(Comment.received_at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        stmt = stmt.where(Comment.received_at < end)
    if filters.place_id is not None:
        stmt = stmt.where(Comment.place_id.in_(_place_and_descendants(filters.place_id)))
    return stmt


def _month_key() -> Any:
    if db.engine.dialect.name == "postgresql":
        return func.to_char(Comment.received_at, "YYYY-MM")
    return func.strftime("%Y-%m", Comment.received_at)


def _group_value(column: Any) -> Any:
    """A demographic column as a group name: blank and "Prefer not to say" are not known."""
    return case(
        (column.is_(None), literal(NOT_KNOWN)),
        (cast(column, String).in_(("", "Prefer not to say")), literal(NOT_KNOWN)),
        else_=cast(column, String),
    )


def _place_group() -> Any:
    names = _place_names()
    if not names:
        return literal(NOT_KNOWN)
    return case(names, value=Comment.place_id, else_=literal(NOT_KNOWN))


def _scope(theme_ids: Sequence[int], filters: ReportFilter) -> Any:
    """A CTE: one row per (comment, theme) among ``theme_ids``, with what breakdowns need."""
    ids = list(theme_ids)
    # Narrow by theme before working out effective themes, so the theme index does the work.
    sources = select(Theme.id).where(or_(Theme.id.in_(ids), Theme.merged_into_id.in_(ids)))
    eff = (
        theme_service.effective_comment_themes()
        .where(CommentTheme.theme_id.in_(sources))
        .subquery()
    )
    stmt = (
        select(
            eff.c.comment_id,
            eff.c.theme_id,
            _respondent().label("respondent"),
            Comment.received_at,
            _month_key().label("month"),
            _place_group().label("place"),
            *(_group_value(getattr(Comment, d)).label(d) for d, _ in DIMENSIONS[1:]),
        )
        .select_from(eff)
        .join(Comment, Comment.id == eff.c.comment_id)
        .where(eff.c.theme_id.in_(ids))
    )
    # No DISTINCT: every count below counts distinct values, and the sort would cost ~50 ms.
    return _apply_filters(stmt, filters).cte("scoped")


def _aggregate(scoped: Any, representative: set[int]) -> _Aggregates:
    """Every count a report needs, in one round trip (the CTE is worked out once)."""
    s = scoped.c
    comments = func.count(func.distinct(s.comment_id))
    people = func.count(func.distinct(s.respondent))
    zero = literal(0)
    parts = [
        select(literal("total"), literal(""), comments, people),
        select(literal("theme"), cast(s.theme_id, String), comments, people).group_by(s.theme_id),
        select(literal("month"), s.month, comments, zero).group_by(s.month),
        *(select(literal(d), s[d], zero, people).group_by(s[d]) for d, _ in DIMENSIONS),
    ]
    # Quote candidates ride along: each theme's most recent comments, and the run's
    # representative ones that fall within this report.
    rank = (
        func.row_number()
        .over(partition_by=s.theme_id, order_by=(s.received_at.desc(), s.comment_id.desc()))
        .label("rank")
    )
    ranked = select(s.comment_id, s.theme_id, rank).subquery()
    parts.append(
        select(
            literal("quote"), cast(ranked.c.theme_id, String), ranked.c.comment_id, ranked.c.rank
        ).where(
            or_(ranked.c.rank <= QUOTES_PER_THEME, ranked.c.comment_id.in_(representative or [-1]))
        )
    )
    agg = _Aggregates(groups={d: {} for d, _ in DIMENSIONS})
    for kind, key, n_comments, n_people in db.session.execute(union_all(*parts)):
        if kind == "total":
            agg.comments, agg.respondents = int(n_comments), int(n_people)
        elif kind == "theme":
            agg.theme_comments[int(key)] = int(n_comments)
            agg.theme_respondents[int(key)] = int(n_people)
        elif kind == "quote":
            agg.candidates.append((int(n_comments), int(key), int(n_people)))
        elif kind == "month":
            agg.months[key] = int(n_comments)
        else:
            agg.groups[kind][key] = int(n_people)
    return agg


def _counts(comments: int, respondents: int, *, limit: int) -> Counts:
    if suppress_count(respondents, limit) is None or suppress_count(comments, limit) is None:
        why = Hidden.SMALL if is_small(comments, limit) else Hidden.PROTECTS
        return Counts(None, None, why)
    return Counts(comments, respondents)


def _all_hidden(counts: Sequence[tuple[str, int]], total: int, limit: int) -> SuppressedTable:
    """A table about too few people: nothing shown, each count saying truly why."""

    def why(n: int) -> Hidden:
        return Hidden.SMALL if is_small(n, limit) else Hidden.PROTECTS

    return SuppressedTable([Cell(k, None, why(n)) for k, n in counts], None, why(total))


def _no_jit() -> None:
    """PostgreSQL's JIT spends ~200 ms compiling these short aggregates: more than they take."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _report(
    theme_ids: Sequence[int], filters: ReportFilter, names: dict[int, str]
) -> tuple[Report, _Aggregates]:
    limit = threshold()
    period = filters.period if filters.period in PERIODS else "month"
    if not theme_ids:
        agg = _Aggregates()
        empty = Report(
            limit,
            filters,
            Counts(0, 0),
            Trend(period, SuppressedTable([], 0)),
            [Breakdown(d, label, SuppressedTable([], 0)) for d, label in DIMENSIONS],
            [],
        )
        return empty, agg
    _no_jit()
    representative = _representative_ids(list(theme_ids))
    scoped = _scope(theme_ids, filters)
    agg = _aggregate(scoped, {c for ids in representative.values() for c in ids})
    agg.representative = representative
    counts = _counts(agg.comments, agg.respondents, limit=limit)
    if counts.respondents is None:
        hidden = Report(
            limit,
            filters,
            counts,
            Trend(period, _all_hidden([], agg.comments, limit)),
            [Breakdown(d, name, _all_hidden([], agg.respondents, limit)) for d, name in DIMENSIONS],
            [],
        )
        return hidden, agg
    report = Report(
        limit,
        filters,
        counts,
        _trend(agg, period, filters, limit),
        _breakdowns(agg, limit),
        _quotes(theme_ids, agg, names, limit),
    )
    return report, agg


def _report_fields(report: Report) -> dict[str, Any]:
    return {
        "threshold": report.threshold,
        "filters": report.filters,
        "counts": report.counts,
        "trend": report.trend,
        "breakdowns": report.breakdowns,
        "quotes": report.quotes,
    }


def _period_key(moment: datetime, period: str) -> str:
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return f"{moment.year}-{moment.month:02d}"


def _period_keys(start: date, end: date, period: str) -> list[str]:
    """Every period from ``start`` to ``end``, so quiet months show as zero, not as a gap."""
    keys: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        key = _period_key(datetime(year, month, 1), period)
        if not keys or keys[-1] != key:
            keys.append(key)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _trend(agg: _Aggregates, period: str, filters: ReportFilter, limit: int) -> Trend:
    if not agg.months:
        return Trend(period, SuppressedTable([], 0))
    counts: dict[str, int] = defaultdict(int)
    for month, n in agg.months.items():
        year, mon = month.split("-")
        counts[_period_key(datetime(int(year), int(mon), 1), period)] += n
    first, last = min(agg.months), max(agg.months)
    start = filters.date_from or date(int(first[:4]), int(first[5:]), 1)
    end = filters.date_to or date(int(last[:4]), int(last[5:]), 1)
    keys = _period_keys(start, end, period)
    table = suppress_table([(k, counts.get(k, 0)) for k in keys], agg.comments, limit)
    return Trend(period, table)


def _place_names() -> dict[int, str]:
    """Each place id to the name it is reported under: its own 'place' (or footprint) level.

    Neighbourhoods are rolled up so that breakdowns are not split into groups too small to show.
    """
    places = {p.id: p for p in db.session.scalars(select(Place))}
    names: dict[int, str] = {}
    for pid, place in places.items():
        current: Place | None = place
        while current is not None and current.kind not in ("place", "footprint", "icb"):
            current = places.get(current.parent_id) if current.parent_id else None
        names[pid] = (current or place).name
    return names


def _place_and_descendants(place_id: int) -> list[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for pid, parent in db.session.execute(select(Place.id, Place.parent_id)):
        children[parent].append(pid)
    found, todo = [], [place_id]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _category_order(dimension: str, label: str) -> tuple[int, Any]:
    if label == NOT_KNOWN:
        return (2, "")
    if dimension == "deprivation_decile":
        return (0, int(label))
    if dimension == "age_band" and label in AGE_ORDER:
        return (0, AGE_ORDER.index(label))
    return (1 if dimension == "age_band" else 0, label.lower())


def _breakdowns(agg: _Aggregates, limit: int) -> list[Breakdown]:
    result = []
    for dimension, label in DIMENSIONS:
        groups = agg.groups.get(dimension, {})
        ordered = sorted(groups, key=lambda k: _category_order(dimension, k))
        table = suppress_table([(k, groups[k]) for k in ordered], agg.respondents, limit)
        result.append(Breakdown(dimension, label, table))
    return result


def _quotes(
    theme_ids: Sequence[int],
    agg: _Aggregates,
    names: dict[int, str],
    limit: int,
) -> list[Quote]:
    """Representative redacted quotes, only from themes shown with enough people.

    A run's representative comments come first; then the most recent. Never the original text.
    """
    eligible = [
        t for t in theme_ids if suppress_count(agg.theme_respondents.get(t, 0), limit) is not None
    ]
    if not eligible:
        return []
    representative = agg.representative
    candidates = [(c, t) for c, t, _ in sorted(agg.candidates, key=lambda row: row[2])]
    in_scope: dict[int, list[int]] = defaultdict(list)
    for cid, tid in candidates:
        in_scope[tid].append(cid)
    chosen: list[tuple[int, int]] = []  # (comment id, theme id)
    seen: set[int] = set()
    for theme_id in sorted(eligible, key=lambda t: -agg.theme_comments.get(t, 0)):
        found = set(in_scope.get(theme_id, []))
        ordered = [c for c in representative.get(theme_id, []) if c in found]
        ordered += in_scope.get(theme_id, [])
        taken = 0
        for cid in ordered:
            if taken >= QUOTES_PER_THEME or len(chosen) >= QUOTES_PER_REPORT * 2:
                break
            if cid not in seen:
                seen.add(cid)
                chosen.append((cid, theme_id))
                taken += 1
    texts = {
        cid: (translation or redacted, received)
        for cid, translation, redacted, received in db.session.execute(
            select(
                Comment.id, Comment.translation_text, Comment.redacted_text, Comment.received_at
            ).where(Comment.id.in_([c for c, _ in chosen]), Comment.moderation_state == "approved")
        )
    }
    quotes: list[Quote] = []
    for cid, theme_id in chosen:
        quote_text, received = texts.get(cid, (None, None))
        if quote_text and received is not None and len(quotes) < QUOTES_PER_REPORT:
            quotes.append(Quote(cid, quote_text, f"{received:%B %Y}", names.get(theme_id, "")))
    return quotes


def _representative_ids(theme_ids: list[int]) -> dict[int, list[int]]:
    """The current run's representative comments for each theme (merged themes included)."""
    run_id = theme_service.current_run_id()
    if run_id is None:
        return {}
    targets: dict[int, int] = dict(
        db.session.execute(
            select(Theme.id, func.coalesce(Theme.merged_into_id, Theme.id)).where(
                func.coalesce(Theme.merged_into_id, Theme.id).in_(theme_ids)
            )
        )
        .tuples()
        .all()
    )
    found: dict[int, list[int]] = defaultdict(list)
    for theme_id, ids in db.session.execute(
        select(Topic.theme_id, Topic.representative_comment_ids).where(
            Topic.run_id == run_id, Topic.theme_id.in_(list(targets))
        )
    ):
        found[targets[theme_id]].extend(ids or [])
    return found
