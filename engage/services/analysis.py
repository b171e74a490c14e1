"""Analysis runs: choose comments, fit the topic pipeline in the background, keep the results.

The ``analysis_run`` row is the truth. A run is claimed with a conditional UPDATE, so a
duplicated queue message never runs it twice; it beats a heartbeat while it works, so a run
whose worker died is noticed (``recover_stale_runs``) and queued again or failed with a message;
and its results (topics, comment themes, suggested links) are written in one transaction at the
end, so a failed or cancelled run leaves the previous results exactly as they were.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import current_app
from sqlalchemy import Table, delete, func, select, update

from engage.extensions import db
from engage.models import (
    AnalysisRun,
    Comment,
    CommentTheme,
    Intention,
    Theme,
    ThemeIntentionLink,
    Topic,
    utcnow,
)
from engage.services.errors import NotFound

if TYPE_CHECKING:
    from topics import Taxonomy, TopicPipeline

ACTIVE = ("queued", "running")
MIN_COMMENTS = 20
MAX_ATTEMPTS = 3
SOURCES = ("survey", "healthwatch", "fft", "event", "import")


class RunRefused(ValueError):
    """A run cannot start; the message says what to do."""


class RunCancelled(Exception):
    """The team asked the run to stop."""


@dataclass(frozen=True)
class Scope:
    """Which comments a run analyses."""

    survey_id: int | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def to_params(self) -> dict[str, Any]:
        return {
            "survey_id": self.survey_id,
            "source": self.source,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Scope:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            survey_id=params.get("survey_id"),
            source=params.get("source"),
            date_from=day(params.get("date_from")),
            date_to=day(params.get("date_to")),
        )


# --- The team's themes ---------------------------------------------------------------------


def seed_themes() -> int:
    """Put the built-in taxonomy's themes in the table, once; the team's edits are kept."""
    from topics import builtin_taxonomy

    known = set(db.session.scalars(select(Theme.slug)))
    added = 0
    for theme in builtin_taxonomy().themes:
        if theme.slug in known:
            continue
        db.session.add(
            Theme(
                slug=theme.slug,
                name=theme.name,
                description=theme.description,
                examples=list(theme.examples),
                origin="seed",
            )
        )
        added += 1
    db.session.flush()
    return added


def active_themes() -> list[Theme]:
    """Themes not merged into another, by name."""
    return list(
        db.session.scalars(select(Theme).where(Theme.merged_into_id.is_(None)).order_by(Theme.name))
    )


def taxonomy_from_themes() -> Taxonomy:
    """The team's current taxonomy as the pipeline reads it (renames and examples included)."""
    from topics import builtin_taxonomy
    from topics.taxonomy import Taxonomy
    from topics.taxonomy import Theme as TaxonomyTheme

    non_answer = {t.slug for t in builtin_taxonomy().themes if t.non_answer}
    return Taxonomy(
        tuple(
            TaxonomyTheme(
                slug=t.slug,
                name=t.name,
                description=t.description,
                examples=tuple(t.examples),
                non_answer=t.slug in non_answer,
                source=t.origin,
            )
            for t in active_themes()
        )
    )


# --- Starting, watching and cancelling -------------------------------------------------------


def scoped_comments(scope: Scope) -> Any:
    """Approved comments in the scope, as a select of (id, text to analyse)."""
    text = func.coalesce(Comment.translation_text, Comment.redacted_text)
    stmt = select(Comment.id, text).where(
        Comment.moderation_state == "approved",
        text.is_not(None),
        # A comment in another language with no translation stays out of English clustering.
        (Comment.language.is_(None))
        | (Comment.language == "en")
        | Comment.translation_text.is_not(None),
    )
    if scope.survey_id:
        stmt = stmt.where(Comment.survey_id == scope.survey_id)
    if scope.source:
        stmt = stmt.where(Comment.source == scope.source)
    if scope.date_from:
        stmt = stmt.where(Comment.received_at >= datetime.combine(scope.date_from, time.min))
    if scope.date_to:
        stmt = stmt.where(
            Comment.received_at < datetime.combine(scope.date_to, time.min) + timedelta(days=1)
        )
    return stmt.order_by(Comment.id)


def count_in_scope(scope: Scope) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(scoped_comments(scope).subquery())) or 0
    )


def active_run() -> AnalysisRun | None:
    return db.session.scalar(select(AnalysisRun).where(AnalysisRun.status.in_(ACTIVE)).limit(1))


def start_run(scope: Scope, user_id: int | None) -> AnalysisRun:
    """Queue a run of the scope's comments; one run at a time, so results never interleave."""
    busy = active_run()
    if busy is not None:
        raise RunRefused(
            f"Run {busy.id} is still {busy.status}. Wait for it to finish or cancel it first."
        )
    n = count_in_scope(scope)
    if n < MIN_COMMENTS:
        raise RunRefused(
            f"These filters match {n} approved comment{'s' if n != 1 else ''}; a run needs at "
            f"least {MIN_COMMENTS}. Approve comments in moderation or widen the filters."
        )
    run = AnalysisRun(
        status="queued", params=scope.to_params(), comment_count=n, created_by_id=user_id
    )
    db.session.add(run)
    db.session.commit()
    enqueue(run.id)
    return run


def enqueue(run_id: int) -> None:
    from engage.jobs.analysis_tasks import run_analysis

    run_analysis(run_id)


def cancel_run(run_id: int) -> AnalysisRun:
    """Ask a run to stop; a queued run stops at once, a running one at its next checkpoint."""
    run = get_run(run_id)
    now = utcnow()
    db.session.execute(
        update(AnalysisRun)
        .where(AnalysisRun.id == run_id, AnalysisRun.status == "queued")
        .values(status="cancelled", finished_at=now, stage="Cancelled before it started")
    )
    db.session.execute(
        update(AnalysisRun)
        .where(AnalysisRun.id == run_id, AnalysisRun.status == "running")
        .values(cancel_requested=True)
    )
    db.session.commit()
    db.session.refresh(run)
    return run


def get_run(run_id: int) -> AnalysisRun:
    run = db.session.get(AnalysisRun, run_id)
    if run is None:
        raise NotFound(f"no analysis run {run_id}")
    return run


def list_runs(limit: int = 50) -> list[AnalysisRun]:
    return list(
        db.session.scalars(select(AnalysisRun).order_by(AnalysisRun.id.desc()).limit(limit))
    )


def recover_stale_runs(now: datetime | None = None) -> list[int]:
    """Runs whose worker went silent: queue them again, or fail them after MAX_ATTEMPTS."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=current_app.config["ENGAGE_RUN_STALE_SECONDS"])
    stale = db.session.scalars(
        select(AnalysisRun).where(
            AnalysisRun.status == "running",
            func.coalesce(AnalysisRun.heartbeat_at, AnalysisRun.started_at) < stale_before,
        )
    ).all()
    requeued: list[int] = []
    for run in stale:
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.finished_at = "failed", now
            run.error = (
                f"The worker stopped during this run {run.attempts} times. The previous results "
                "are unchanged. Check that the worker has enough memory, then start a new run."
            )
        else:
            run.status, run.stage = "queued", "Queued again: its worker stopped"
            requeued.append(run.id)
    db.session.commit()
    for run_id in requeued:
        enqueue(run_id)
    return requeued


# --- Doing the work -------------------------------------------------------------------------


def _claim(run_id: int) -> bool:
    """Mark a queued run running; False if someone else has it or it was cancelled."""
    now = utcnow()
    claimed = db.session.execute(  # an UPDATE returns a CursorResult, which has rowcount
        update(AnalysisRun)
        .where(AnalysisRun.id == run_id, AnalysisRun.status == "queued")
        .values(
            status="running",
            started_at=now,
            heartbeat_at=now,
            attempts=AnalysisRun.attempts + 1,
            progress=0,
            stage="Starting",
            error=None,
        )
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return bool(claimed)


class _Progress:
    """Turns the pipeline's messages into the row's stage, progress and heartbeat."""

    STAGES = (
        ("embedding", 10, "Reading the comments (embedding)"),
        ("embedded", 40, "Reading the comments (embedding)"),
        ("steering", 60, "Matching comments to the team's themes"),
        ("topics", 75, "Finding new topics"),
        ("cluster", 75, "Finding new topics"),
    )

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.last = datetime.min

    def set(self, progress: int, stage: str) -> None:
        # Committed at once, so the page sees progress while the run works. Checkpoints come
        # only where the run holds no unsaved work, so this commit never publishes half of it.
        db.session.commit()
        cancel = db.session.scalar(
            select(AnalysisRun.cancel_requested).where(AnalysisRun.id == self.run_id)
        )
        db.session.execute(
            update(AnalysisRun)
            .where(AnalysisRun.id == self.run_id)
            .values(progress=progress, stage=stage, heartbeat_at=utcnow())
        )
        db.session.commit()
        if cancel:
            raise RunCancelled

    def __call__(self, message: str) -> None:
        for key, progress, stage in self.STAGES:
            if key in message:
                self.set(progress, stage)
                return


def _embedder() -> Any:
    from topics import CachedEmbedder, EmbeddingCache, HashingEmbedder, default_embedder

    cache = Path(current_app.config["ENGAGE_TOPICS_CACHE"])
    cache.mkdir(parents=True, exist_ok=True)
    if current_app.config["ENGAGE_TOPICS_EMBEDDER"] == "hashing":
        return CachedEmbedder(HashingEmbedder(), EmbeddingCache(cache / "embeddings.sqlite3"))
    import os

    # numba (UMAP, HDBSCAN) keeps its compiled code here, so a new worker skips most JIT.
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache / "numba"))
    return default_embedder(cache)


def person_labels(comment_ids: Sequence[int]) -> dict[str, list[str]]:
    """The team's coding of these comments, as theme slugs: theme review and manual coding."""
    wanted = set(comment_ids)
    labels: dict[str, list[str]] = {}
    rows = db.session.execute(
        select(CommentTheme.comment_id, Theme.slug, CommentTheme.is_main)
        .join(Theme, Theme.id == CommentTheme.theme_id)
        .where(CommentTheme.source == "person")
        .order_by(CommentTheme.comment_id, CommentTheme.is_main.desc())
    )
    for comment_id, slug, _main in rows:
        if comment_id in wanted:
            labels.setdefault(str(comment_id), []).append(slug)
    try:
        from engage.services.coding import labels_for_pipeline
    except ImportError:  # manual coding not installed in this build
        return labels
    for key, slugs in labels_for_pipeline().items():
        if int(key) in wanted and key not in labels:
            labels[key] = list(slugs)
    return labels


def _resolve_merged(slugs: Sequence[str]) -> dict[str, int]:
    """Theme slug -> the id of the theme it now counts under (following merges)."""
    themes = {t.id: t for t in db.session.scalars(select(Theme))}
    by_slug = {t.slug: t for t in themes.values()}
    out: dict[str, int] = {}
    for slug in slugs:
        theme = by_slug.get(slug)
        seen = set()
        while theme is not None and theme.merged_into_id and theme.id not in seen:
            seen.add(theme.id)
            theme = themes.get(theme.merged_into_id)
        if theme is not None:
            out[slug] = theme.id
    return out


def execute(run_id: int) -> None:
    """The task body: fit, then write everything in one transaction, or nothing."""
    if not _claim(run_id):
        return
    progress = _Progress(run_id)
    model_dir: Path | None = None
    try:
        run = get_run(run_id)
        scope = Scope.from_params(run.params)
        progress.set(5, "Choosing comments")
        rows = db.session.execute(scoped_comments(scope)).all()
        db.session.commit()  # no read transaction held open through the long fit
        if len(rows) < MIN_COMMENTS:
            raise RunRefused(
                f"Only {len(rows)} approved comments match this run's filters now; a run needs "
                f"at least {MIN_COMMENTS}."
            )
        ids = [str(r[0]) for r in rows]
        texts = [r[1] for r in rows]
        seed_themes()
        db.session.commit()
        coded = person_labels([r[0] for r in rows])
        taxonomy = taxonomy_from_themes()
        db.session.commit()

        from topics import TopicPipeline

        pipeline = TopicPipeline(embedder=_embedder(), taxonomy=taxonomy, progress=progress)
        pipeline.fit(texts, ids=ids, coded=coded)
        progress.set(85, "Linking themes to commissioning intentions")
        matches = _intention_matches(pipeline)
        progress.set(90, "Saving the model")
        model_dir = Path(current_app.instance_path) / "models" / f"run-{run_id}"
        pipeline.save(model_dir)
        progress.set(95, "Saving the results")
        _write_results(run_id, pipeline, matches, model_dir)
    except RunCancelled:
        db.session.rollback()
        _finish(run_id, "cancelled", "Cancelled; the previous results are unchanged.")
        _remove(model_dir)
    except Exception as exc:  # noqa: BLE001 - every failure must end in a readable state
        db.session.rollback()
        current_app.logger.exception("analysis run %s failed", run_id)
        _finish(run_id, "failed", _explain(exc))
        _remove(model_dir)


def _explain(exc: Exception) -> str:
    from topics import PipelineError

    if isinstance(exc, RunRefused | PipelineError):
        detail = str(exc)
    elif isinstance(exc, MemoryError):
        detail = "The worker ran out of memory. Analyse fewer comments at once or add memory."
    elif isinstance(exc, OSError | sqlite3.Error):
        detail = _explain_storage(exc)
    else:
        detail = f"An unexpected error stopped the run ({exc.__class__.__name__})."
    return f"{detail} The previous results are unchanged."


# errno values that mean "no room": a full disk, a quota, a file-size limit.
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _explain_storage(exc: OSError | sqlite3.Error) -> str:
    """Say which folder could not be written and what a person can do about it."""
    cache = current_app.config["ENGAGE_TOPICS_CACHE"]
    if isinstance(exc, sqlite3.Error):
        # Raw sqlite3 errors come only from the embedding cache (Engage's own database is reached
        # through SQLAlchemy): SQLITE_FULL on a full disk, an I/O error at a file-size limit.
        text = str(exc).lower()
        where = f"the embedding cache in {cache}"
        full = "full" in text or "i/o" in text
    else:
        where = exc.filename or cache
        full = exc.errno in _NO_ROOM
    if full:
        return (
            f"The server ran out of disk space writing {where}. Free space on that disk (or set "
            "ENGAGE_TOPICS_CACHE to a folder on a disk with room), then start the run again."
        )
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (
        f"The server could not write {where} ({reason}). Give the worker's user write access "
        "to it, or set ENGAGE_TOPICS_CACHE to a writable folder, then start the run again."
    )


def _finish(run_id: int, status: str, message: str) -> None:
    db.session.execute(
        update(AnalysisRun)
        .where(AnalysisRun.id == run_id)
        .values(
            status=status,
            error=message if status == "failed" else None,
            stage=message if status != "failed" else "Failed",
            finished_at=utcnow(),
        )
    )
    db.session.commit()


def _remove(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def _intention_matches(pipeline: TopicPipeline) -> list[Any]:
    from topics.mapping import map_themes_to_intentions

    catalogue = db.session.scalars(
        select(Intention).where(Intention.retired.is_(False)).order_by(Intention.id)
    ).all()
    db.session.commit()
    if not catalogue:
        return []
    return map_themes_to_intentions(pipeline, [(i.key, i.title, i.text) for i in catalogue])


def _write_results(
    run_id: int, pipeline: TopicPipeline, matches: Sequence[Any], model_dir: Path
) -> None:
    """Topics, comment themes and suggested links, and the switch of the current run: at once."""
    run = get_run(run_id)
    if run.cancel_requested:
        raise RunCancelled
    slugs = {s for a in pipeline.assignments_ for s in a.themes} | {
        t.theme for t in pipeline.topics_ if t.theme
    }
    # Themes coders named that the table lacked become the team's themes.
    known = set(db.session.scalars(select(Theme.slug)))
    if pipeline.taxonomy_ is not None:
        for th in pipeline.taxonomy_.themes:
            if th.slug in slugs and th.slug not in known:
                db.session.add(Theme(slug=th.slug, name=th.name, origin="team"))
        db.session.flush()
    theme_ids = _resolve_merged(sorted(slugs))

    topic_rows: dict[int, Topic] = {}
    for t in pipeline.topics_:
        row = Topic(
            run_id=run_id,
            number=t.id,
            label=t.label[:200],
            keywords=list(t.keywords),
            size=t.size,
            representative_comment_ids=[int(i) for i in t.representative_ids],
            theme_id=theme_ids.get(t.theme) if t.theme else None,
        )
        db.session.add(row)
        topic_rows[t.id] = row
    db.session.flush()

    topic_ids = {number: row.id for number, row in topic_rows.items()}
    mappings = _theme_rows(pipeline.assignments_, theme_ids, topic_ids, run_id)
    if mappings:
        db.session.execute(cast(Table, CommentTheme.__table__).insert(), mappings)

    _suggest_links(matches, theme_ids)

    db.session.execute(
        update(AnalysisRun).where(AnalysisRun.is_current.is_(True)).values(is_current=False)
    )
    run.is_current = True
    run.status, run.progress, run.stage = "succeeded", 100, "Finished"
    run.finished_at = utcnow()
    run.comment_count = len(pipeline.assignments_)
    run.model_dir = str(model_dir.relative_to(current_app.instance_path))
    db.session.commit()
    _prune_old_results(keep=run_id)


def _theme_rows(
    assignments: Sequence[Any],
    theme_ids: Mapping[str, int],
    topic_ids: Mapping[int, int],
    run_id: int,
) -> list[dict[str, Any]]:
    """comment_theme rows for a run's assignments: main theme first, each theme once."""
    rows: list[dict[str, Any]] = []
    for a in assignments:
        seen: set[int] = set()
        for n, slug in enumerate(a.themes):
            theme_id = theme_ids.get(slug)
            if theme_id is None or theme_id in seen:
                continue
            seen.add(theme_id)
            rows.append(
                {
                    "comment_id": int(a.id),
                    "theme_id": theme_id,
                    "run_id": run_id,
                    "topic_id": topic_ids.get(a.topic) if n == 0 else None,
                    "is_main": n == 0,
                    "probability": float(a.probability) if n == 0 else None,
                    "source": "model",
                }
            )
    return rows


def _suggest_links(matches: Sequence[Any], theme_ids: Mapping[str, int]) -> None:
    """Refresh the model's suggestions; a person's confirmation or rejection is never undone."""
    intentions = {i.key: i.id for i in db.session.scalars(select(Intention))}
    existing = {
        (link.theme_id, link.intention_id): link
        for link in db.session.scalars(select(ThemeIntentionLink))
    }
    for theme_matches in matches:
        theme_id = theme_ids.get(theme_matches.theme)
        if theme_id is None:
            continue
        for m in theme_matches.matches:
            intention_id = intentions.get(m.key)
            if intention_id is None:
                continue
            evidence = {
                "shared_terms": list(m.evidence.shared_terms),
                "closest_sentences": [
                    {"text": s, "similarity": round(float(sim), 3)}
                    for s, sim in m.evidence.closest_sentences
                ],
            }
            link = existing.get((theme_id, intention_id))
            if link is None:
                link = ThemeIntentionLink(
                    theme_id=theme_id, intention_id=intention_id, origin="model"
                )
                db.session.add(link)
                existing[(theme_id, intention_id)] = link
            link.score = round(float(m.score), 4)
            link.evidence = evidence


def _prune_old_results(keep: int, keep_runs: int = 3) -> None:
    """Keep the model rows of the last few runs only; older ones' files and rows go."""
    old = db.session.scalars(
        select(AnalysisRun)
        .where(AnalysisRun.status == "succeeded", AnalysisRun.id != keep)
        .order_by(AnalysisRun.id.desc())
        .offset(keep_runs - 1)
    ).all()
    for run in old:
        db.session.execute(
            delete(CommentTheme).where(
                CommentTheme.run_id == run.id, CommentTheme.source == "model"
            )
        )
        if run.model_dir:
            _remove(Path(current_app.instance_path) / run.model_dir)
            run.model_dir = None
    db.session.commit()


# --- New comments between runs ---------------------------------------------------------------


def assign_new_comments(limit: int = 5000) -> int:
    """Give approved comments that arrived since the current run its themes, without a refit."""
    run = db.session.scalar(select(AnalysisRun).where(AnalysisRun.is_current.is_(True)))
    if run is None or not run.model_dir:
        return 0
    done = select(CommentTheme.comment_id).where(
        (CommentTheme.run_id == run.id) | (CommentTheme.source == "person")
    )
    scope = Scope.from_params(run.params)
    model_dir = Path(current_app.instance_path) / run.model_dir
    from topics import TopicPipeline

    pipeline = TopicPipeline.load(model_dir, embedder=_embedder())
    # Comments the run itself saw keep its verdict, themed or not.
    seen = {int(i) for i in pipeline.ids_}
    rows = [
        r
        for r in db.session.execute(scoped_comments(scope).where(Comment.id.not_in(done))).all()
        if r[0] not in seen
    ][:limit]
    db.session.commit()
    if not rows:
        return 0
    assignments = pipeline.transform([r[1] for r in rows], ids=[str(r[0]) for r in rows])
    slugs = sorted({s for a in assignments for s in a.themes})
    theme_ids = _resolve_merged(slugs)
    topics_by_number = {
        t.number: t.id for t in db.session.scalars(select(Topic).where(Topic.run_id == run.id))
    }
    mappings = _theme_rows(assignments, theme_ids, topics_by_number, run.id)
    if mappings:
        db.session.execute(cast(Table, CommentTheme.__table__).insert(), mappings)
    db.session.commit()
    return len(rows)
