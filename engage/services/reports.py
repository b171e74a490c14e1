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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import String, cast, func, literal, select

from engage.extensions import db
from engage.models import (
    Comment,
    Intention,
    IntentionDomain,
    Place,
    Survey,
    Theme,
    ThemeIntentionLink,
    Topic,
)
from engage.services import themes as theme_service
from engage.services.errors import NotFound
from engage.services.suppression import (
    Cell,
    SuppressedTable,
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

    def describe(self) -> list[str]:
        """Plain-English lines saying what the report is limited to (for pages and exports)."""
        lines = []
        if self.survey_id is not None:
            title = db.session.scalar(select(Survey.title).where(Survey.id == self.survey_id))
            lines.append(f"Survey: {title or 'unknown survey'}")
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
    comments: int | None
    respondents: int | None


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
    rows = _comment_rows(list(confirmed), filters)
    report = _report(rows, filters, confirmed)
    per_theme = _per_theme_comments(rows)
    limit = report.threshold
    themes = (
        suppress_table(
            [(confirmed[t], per_theme.get(t, 0)) for t in confirmed],
            len({r.comment_id for r in rows}),
            limit,
        )
        if not report.too_few
        else SuppressedTable([Cell(n, None) for n in confirmed.values()], None)
    )
    linked = [
        LinkedTheme(tid, cell.label, "confirmed", cell.value)
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


def theme_summary(theme_id: int, filters: ReportFilter | None = None) -> ThemeSummary:
    """A theme's report: counts, trend, breakdowns, quotes, and the intentions it touches."""
    filters = filters or ReportFilter()
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("There is no theme with that id")
    if theme.merged_into_id is not None:
        # Its comments count under the theme it was merged into; say so rather than show zero.
        raise NotFound("That theme was merged into another; its comments count there")
    rows = _comment_rows([theme.id], filters)
    report = _report(rows, filters, {theme.id: theme.name})
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
        ).all()
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
    kinds = dict(
        db.session.execute(
            select(IntentionDomain.name, IntentionDomain.kind).where(IntentionDomain.year == year)
        ).all()
    )
    grouped: dict[str, list[IntentionRow]] = defaultdict(list)
    for row in list_intentions(year, filters):
        grouped[row.domain].append(row)
    return [DomainGroup(name, kinds.get(name), rows) for name, rows in grouped.items()]


def list_themes(filters: ReportFilter | None = None) -> list[ThemeRow]:
    """Every theme (merged ones count under their target) with its counts, largest first."""
    filters = filters or ReportFilter()
    limit = threshold()
    themes = db.session.execute(
        select(Theme.id, Theme.name).where(Theme.merged_into_id.is_(None))
    ).all()
    links = dict(
        db.session.execute(
            select(ThemeIntentionLink.theme_id, func.count())
            .where(ThemeIntentionLink.state == "confirmed")
            .group_by(ThemeIntentionLink.theme_id)
        ).all()
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


@dataclass(frozen=True)
class _Row:
    comment_id: int
    theme_id: int
    respondent: str
    received_at: datetime
    place_id: int | None
    age_band: str | None
    sex: str | None
    ethnicity: str | None
    deprivation_decile: int | None


def _respondent() -> Any:
    return func.coalesce(Comment.respondent_key, literal("c:") + cast(Comment.id, String))


def _apply_filters(stmt: Any, filters: ReportFilter) -> Any:
    if filters.survey_id is not None:
        stmt = stmt.where(Comment.survey_id == filters.survey_id)
    if filters.date_from is not None:
        stmt = stmt.where(Comment.received_at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        stmt = stmt.where(Comment.received_at < end)
    if filters.place_id is not None:
        stmt = stmt.where(Comment.place_id.in_(_place_and_descendants(filters.place_id)))
    return stmt


def _comment_rows(theme_ids: Sequence[int], filters: ReportFilter) -> list[_Row]:
    """One row per (comment, theme) among ``theme_ids``, with the context breakdowns need."""
    if not theme_ids:
        return []
    eff = theme_service.effective_comment_themes().subquery()
    stmt = (
        select(
            eff.c.comment_id,
            eff.c.theme_id,
            _respondent(),
            Comment.received_at,
            Comment.place_id,
            Comment.age_band,
            Comment.sex,
            Comment.ethnicity,
            Comment.deprivation_decile,
        )
        .select_from(eff)
        .join(Comment, Comment.id == eff.c.comment_id)
        .where(eff.c.theme_id.in_(list(theme_ids)))
        .distinct()
    )
    return [_Row(*row) for row in db.session.execute(_apply_filters(stmt, filters))]


def _counts(comments: int, respondents: int, *, limit: int) -> Counts:
    if suppress_count(respondents, limit) is None or suppress_count(comments, limit) is None:
        return Counts(None, None)
    return Counts(comments, respondents)


def _report(rows: list[_Row], filters: ReportFilter, names: dict[int, str]) -> Report:
    limit = threshold()
    by_comment: dict[int, _Row] = {}
    for row in rows:
        by_comment.setdefault(row.comment_id, row)
    comments = list(by_comment.values())
    respondents = {r.respondent for r in comments}
    counts = _counts(len(comments), len(respondents), limit=limit)
    period = filters.period if filters.period in PERIODS else "month"
    if counts.respondents is None:
        return Report(
            limit,
            filters,
            counts,
            Trend(period, SuppressedTable([], None)),
            [Breakdown(d, label, SuppressedTable([], None)) for d, label in DIMENSIONS],
            [],
        )
    return Report(
        limit,
        filters,
        counts,
        _trend(comments, period, filters, limit),
        _breakdowns(comments, limit),
        _quotes(rows, names, limit),
    )


def _report_fields(report: Report) -> dict[str, Any]:
    return {
        "threshold": report.threshold,
        "filters": report.filters,
        "counts": report.counts,
        "trend": report.trend,
        "breakdowns": report.breakdowns,
        "quotes": report.quotes,
    }


def _per_theme_comments(rows: Iterable[_Row]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        counts[row.theme_id] += 1
    return counts


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


def _trend(comments: list[_Row], period: str, filters: ReportFilter, limit: int) -> Trend:
    counts: dict[str, int] = defaultdict(int)
    for row in comments:
        counts[_period_key(row.received_at, period)] += 1
    dates = [r.received_at.date() for r in comments]
    if not dates:
        return Trend(period, SuppressedTable([], 0))
    start = filters.date_from or min(dates)
    end = filters.date_to or max(dates)
    keys = _period_keys(start, end, period)
    table = suppress_table([(k, counts.get(k, 0)) for k in keys], len(comments), limit)
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


def _breakdowns(comments: list[_Row], limit: int) -> list[Breakdown]:
    place_names = _place_names()
    total = len({r.respondent for r in comments})
    result = []
    for dimension, label in DIMENSIONS:
        groups: dict[str, set[str]] = defaultdict(set)
        for row in comments:
            if dimension == "place":
                value = place_names.get(row.place_id) if row.place_id is not None else None
            else:
                raw = getattr(row, dimension)
                value = str(raw) if raw not in (None, "", "Prefer not to say") else None
            groups[value or NOT_KNOWN].add(row.respondent)
        ordered = sorted(groups, key=lambda k: _category_order(dimension, k))
        table = suppress_table([(k, len(groups[k])) for k in ordered], total, limit)
        result.append(Breakdown(dimension, label, table))
    return result


def _quotes(rows: list[_Row], names: dict[int, str], limit: int) -> list[Quote]:
    """Representative redacted quotes, only from themes shown with enough comments.

    A run's representative comments come first; then the most recent. Never the original text.
    """
    per_theme: dict[int, list[_Row]] = defaultdict(list)
    for row in rows:
        per_theme[row.theme_id].append(row)
    eligible = {
        t: theme_rows
        for t, theme_rows in per_theme.items()
        if suppress_count(len({r.respondent for r in theme_rows}), limit) is not None
    }
    if not eligible:
        return []
    representative = _representative_ids(list(eligible))
    chosen: list[tuple[int, int]] = []  # (comment id, theme id)
    seen: set[int] = set()
    for theme_id, theme_rows in sorted(eligible.items(), key=lambda kv: -len(kv[1])):
        ids = {r.comment_id for r in theme_rows}
        ordered = [c for c in representative.get(theme_id, []) if c in ids]
        ordered += [
            r.comment_id for r in sorted(theme_rows, key=lambda r: r.received_at, reverse=True)
        ]
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
    quotes = []
    for cid, theme_id in chosen:
        text, received = texts.get(cid, (None, None))
        if text and received is not None and len(quotes) < QUOTES_PER_REPORT:
            quotes.append(
                Quote(cid, text, f"{received:%B %Y}", names.get(theme_id, "")),
            )
    return quotes


def _representative_ids(theme_ids: list[int]) -> dict[int, list[int]]:
    """The current run's representative comments for each theme (merged themes included)."""
    run_id = theme_service.current_run_id()
    if run_id is None:
        return {}
    targets = dict(
        db.session.execute(
            select(Theme.id, func.coalesce(Theme.merged_into_id, Theme.id)).where(
                func.coalesce(Theme.merged_into_id, Theme.id).in_(theme_ids)
            )
        ).all()
    )
    found: dict[int, list[int]] = defaultdict(list)
    for theme_id, ids in db.session.execute(
        select(Topic.theme_id, Topic.representative_comment_ids).where(
            Topic.run_id == run_id, Topic.theme_id.in_(list(targets))
        )
    ):
        found[targets[theme_id]].extend(ids or [])
    return found
