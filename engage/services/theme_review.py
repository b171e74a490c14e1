"""Theme review: the team renames, merges, splits and corrects the themes a run found.

Corrections are stored as the team's own data, never by editing a run's output: a person's
themes for a comment (``CommentTheme.source == "person"``) replace the model's for that comment,
a merged theme points at its target (``Theme.merged_into_id``), and a candidate topic promoted
to a theme gets rows under its run. So a new run cannot undo a correction, trends survive
re-analysis, and the corrections feed the next run as coded examples.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update

from engage.extensions import db
from engage.models import (
    AnalysisRun,
    Code,
    Comment,
    CommentTheme,
    Intention,
    Theme,
    ThemeIntentionLink,
    Topic,
    utcnow,
)
from engage.services.errors import NotFound
from engage.services.themes import current_run_id, effective_comment_themes


class ReviewError(ValueError):
    """A correction that cannot be made; the message says why."""


@dataclass
class ThemeCard:
    theme: Theme
    comments: int
    keywords: list[str] = field(default_factory=list)
    quotes: list[tuple[int, str]] = field(default_factory=list)
    links: int = 0


@dataclass
class CandidateCard:
    topic: Topic
    quotes: list[tuple[int, str]] = field(default_factory=list)


def get_theme(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(f"no theme {theme_id}")
    return theme


def _quotes(comment_ids: Iterable[int], limit: int = 3) -> list[tuple[int, str]]:
    ids = list(comment_ids)[: limit * 3]
    if not ids:
        return []
    rows = db.session.execute(
        select(Comment.id, func.coalesce(Comment.translation_text, Comment.redacted_text)).where(
            Comment.id.in_(ids), Comment.moderation_state == "approved"
        )
    ).all()
    order = {cid: n for n, cid in enumerate(ids)}
    return sorted(((r[0], r[1]) for r in rows if r[1]), key=lambda r: order[r[0]])[:limit]


def theme_cards() -> list[ThemeCard]:
    """Every active theme with its size, the current run's keywords and a few comments."""
    eff = effective_comment_themes().subquery()
    counts: dict[int, int] = dict(
        db.session.execute(
            select(eff.c.theme_id, func.count(func.distinct(eff.c.comment_id))).group_by(
                eff.c.theme_id
            )
        )
        .tuples()
        .all()
    )
    links: dict[int, int] = dict(
        db.session.execute(
            select(ThemeIntentionLink.theme_id, func.count())
            .where(ThemeIntentionLink.state != "rejected")
            .group_by(ThemeIntentionLink.theme_id)
        )
        .tuples()
        .all()
    )
    run_id = current_run_id()
    topics = (
        {
            t.theme_id: t
            for t in db.session.scalars(
                select(Topic).where(Topic.run_id == run_id, Topic.theme_id.is_not(None))
            )
        }
        if run_id
        else {}
    )
    cards = []
    for theme in db.session.scalars(
        select(Theme).where(Theme.merged_into_id.is_(None)).order_by(Theme.name)
    ):
        topic = topics.get(theme.id)
        cards.append(
            ThemeCard(
                theme=theme,
                comments=int(counts.get(theme.id, 0)),
                keywords=list(topic.keywords) if topic else [],
                quotes=_quotes(topic.representative_comment_ids) if topic else [],
                links=int(links.get(theme.id, 0)),
            )
        )
    cards.sort(key=lambda c: (-c.comments, c.theme.name))
    return cards


def candidates() -> list[CandidateCard]:
    """Topics of the current run that match no theme: candidate new themes."""
    run_id = current_run_id()
    if run_id is None:
        return []
    topics = db.session.scalars(
        select(Topic)
        .where(Topic.run_id == run_id, Topic.theme_id.is_(None), Topic.number >= 0)
        .order_by(Topic.size.desc())
    )
    return [CandidateCard(t, _quotes(t.representative_comment_ids)) for t in topics]


def theme_comment_count(theme_id: int) -> int:
    """How many comments speak of the theme now, counted as the themes list counts them."""
    eff = effective_comment_themes().subquery()
    return int(
        db.session.scalar(
            select(func.count(func.distinct(eff.c.comment_id))).where(eff.c.theme_id == theme_id)
        )
        or 0
    )


def theme_comments(theme_id: int, limit: int = 200) -> list[tuple[int, str, bool]]:
    """(comment id, text, is main theme) of a theme's comments, most recent first."""
    eff = effective_comment_themes().subquery()
    rows = db.session.execute(
        select(
            Comment.id,
            func.coalesce(Comment.translation_text, Comment.redacted_text),
            eff.c.is_main,
        )
        .join(eff, eff.c.comment_id == Comment.id)
        .where(eff.c.theme_id == theme_id)
        .order_by(Comment.received_at.desc(), Comment.id.desc())
        .limit(limit)
    ).all()
    return [(r[0], r[1] or "", bool(r[2])) for r in rows]


# --- Editing themes -----------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    from topics.taxonomy import slugify  # the pipeline's own rule, so slugs round-trip

    base = slugify(name) or "theme"
    slug, n = base, 2
    while db.session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_name(name: str, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ReviewError("Enter a name for the theme")
    clash = db.session.scalar(
        select(Theme).where(func.lower(Theme.name) == name.lower(), Theme.merged_into_id.is_(None))
    )
    if clash is not None and clash.id != exclude:
        raise ReviewError(f"There is already a theme called '{clash.name}'")
    return name


def update_theme(theme_id: int, name: str, description: str, examples: Sequence[str]) -> Theme:
    """Rename and describe a theme; its description and examples steer the next run."""
    theme = get_theme(theme_id)
    theme.name = _check_name(name, exclude=theme.id)
    theme.description = description.strip()
    theme.examples = [e.strip() for e in examples if e.strip()][:20]
    db.session.commit()
    return theme


def create_theme(name: str, description: str = "", examples: Sequence[str] = ()) -> Theme:
    theme = Theme(
        slug=_unique_slug(name),
        name=_check_name(name),
        description=description.strip(),
        examples=[e.strip() for e in examples if e.strip()],
        origin="team",
    )
    db.session.add(theme)
    db.session.flush()
    return theme


def _effective_for(comment_ids: Sequence[int]) -> dict[int, list[tuple[int, bool]]]:
    eff = effective_comment_themes().subquery()
    out: dict[int, list[tuple[int, bool]]] = {cid: [] for cid in comment_ids}
    for cid, tid, main in db.session.execute(
        select(eff.c.comment_id, eff.c.theme_id, eff.c.is_main)
        .where(eff.c.comment_id.in_(list(comment_ids)))
        .order_by(eff.c.comment_id, eff.c.is_main.desc())
    ):
        if all(t != tid for t, _ in out[cid]):
            out[cid].append((tid, bool(main)))
    return out


def _set_person_themes(comment_id: int, themes: Sequence[tuple[int, bool]]) -> None:
    """A person's complete themes for a comment, replacing the model's and earlier ones."""
    db.session.execute(
        delete(CommentTheme).where(
            CommentTheme.comment_id == comment_id, CommentTheme.source == "person"
        )
    )
    if not themes:
        # "No theme applies" is a decision too; without a row the model's themes would return.
        return
    has_main = any(main for _, main in themes)
    for n, (theme_id, main) in enumerate(themes):
        db.session.add(
            CommentTheme(
                comment_id=comment_id,
                theme_id=theme_id,
                run_id=None,
                is_main=main or (not has_main and n == 0),
                probability=1.0,
                source="person",
            )
        )


def move_comments(comment_ids: Sequence[int], from_theme_id: int, to_theme_id: int | None) -> int:
    """Move comments from one theme to another (or out of it, with None)."""
    get_theme(from_theme_id)
    if to_theme_id is not None:
        target = get_theme(to_theme_id)
        if target.merged_into_id:
            raise ReviewError("That theme was merged into another; move the comments there")
    if not comment_ids:
        raise ReviewError("Select the comments to move")
    moved = 0
    for cid, themes in _effective_for(comment_ids).items():
        if all(t != from_theme_id for t, _ in themes):
            continue
        new: list[tuple[int, bool]] = []
        for t, main in themes:
            t2 = to_theme_id if t == from_theme_id else t
            if t2 is not None and all(t2 != x for x, _ in new):
                new.append((t2, main))
        if not new:
            # Moved out of its only theme: a person says it has none; keep that as a decision
            # by recording it against the (now empty) set: the comment keeps no theme.
            _set_no_theme(cid)
        else:
            _set_person_themes(cid, new)
        moved += 1
    db.session.commit()
    return moved


def _set_no_theme(comment_id: int) -> None:
    """Record "no theme applies": model rows of the current run for it are removed."""
    _set_person_themes(comment_id, [])
    run_id = current_run_id()
    if run_id is not None:
        db.session.execute(
            delete(CommentTheme).where(
                CommentTheme.comment_id == comment_id, CommentTheme.run_id == run_id
            )
        )


def split_theme(
    theme_id: int, new_name: str, comment_ids: Sequence[int], description: str = ""
) -> Theme:
    """Make a new theme from some of a theme's comments."""
    if not comment_ids:
        raise ReviewError("Select the comments that belong to the new theme")
    get_theme(theme_id)
    new = create_theme(new_name, description)
    db.session.flush()
    move_comments(comment_ids, theme_id, new.id)
    return new


def merge_themes(source_ids: Sequence[int], target_id: int) -> Theme:
    """Merge themes into a target; reports count their comments under the target from now on."""
    target = get_theme(target_id)
    if target.merged_into_id:
        raise ReviewError("The theme to merge into was itself merged; choose the theme it became")
    sources = [get_theme(i) for i in source_ids if i != target_id]
    if not sources:
        raise ReviewError("Choose at least one other theme to merge into this one")
    ids = [s.id for s in sources]
    # Chains stay one step long: themes merged into a source now point at the target.
    db.session.execute(
        update(Theme).where(Theme.merged_into_id.in_(ids)).values(merged_into_id=target.id)
    )
    for s in sources:
        s.merged_into_id = target.id
    # The team's own rows move to the target (without duplicating one already there).
    for row in db.session.scalars(
        select(CommentTheme).where(CommentTheme.theme_id.in_(ids), CommentTheme.source == "person")
    ):
        dup = db.session.scalar(
            select(CommentTheme.id).where(
                CommentTheme.comment_id == row.comment_id,
                CommentTheme.theme_id == target.id,
                CommentTheme.source == "person",
            )
        )
        if dup is None:
            row.theme_id = target.id
        else:
            db.session.delete(row)
    db.session.execute(update(Code).where(Code.theme_id.in_(ids)).values(theme_id=target.id))
    for link in db.session.scalars(
        select(ThemeIntentionLink).where(ThemeIntentionLink.theme_id.in_(ids))
    ):
        clash = db.session.scalar(
            select(ThemeIntentionLink).where(
                ThemeIntentionLink.theme_id == target.id,
                ThemeIntentionLink.intention_id == link.intention_id,
            )
        )
        if clash is None:
            link.theme_id = target.id
        else:
            if clash.state == "suggested" and link.state != "suggested":
                clash.state, clash.decided_by_id, clash.decided_at = (
                    link.state,
                    link.decided_by_id,
                    link.decided_at,
                )
            db.session.delete(link)
    db.session.commit()
    return target


# --- Candidate topics ----------------------------------------------------------------------


def _topic_members(topic: Topic) -> list[int]:
    """Comment ids the run put in this topic (from the run's saved assignments)."""
    run = db.session.get(AnalysisRun, topic.run_id)
    if run is None or not run.model_dir:
        return list(topic.representative_comment_ids)
    path = Path(current_app.instance_path) / run.model_dir / "model.json"
    try:
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return list(topic.representative_comment_ids)
    return [
        int(a["id"])
        for a in meta.get("assignments", [])
        if a.get("topic") == topic.number and not a.get("theme")
    ]


def adopt_topic(topic_id: int, theme_id: int | None = None, name: str | None = None) -> Theme:
    """Make a candidate topic a new theme, or match it to an existing one."""
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(f"no topic {topic_id}")
    if topic.theme_id is not None:
        raise ReviewError("This topic already belongs to a theme")
    if theme_id is not None:
        theme = get_theme(theme_id)
        if theme.merged_into_id:
            raise ReviewError("That theme was merged into another; choose the theme it became")
    else:
        theme = create_theme(name or topic.label, examples=[])
        theme.origin = "discovered"
        theme.examples = [q for _, q in _quotes(topic.representative_comment_ids, limit=5)]
    topic.theme_id = theme.id
    members = _topic_members(topic)
    have = set(
        db.session.scalars(
            select(CommentTheme.comment_id).where(
                CommentTheme.run_id == topic.run_id, CommentTheme.comment_id.in_(members)
            )
        )
    )
    for cid in members:
        if cid not in have:
            db.session.add(
                CommentTheme(
                    comment_id=cid,
                    theme_id=theme.id,
                    run_id=topic.run_id,
                    topic_id=topic.id,
                    is_main=True,
                    source="model",
                )
            )
    db.session.commit()
    return theme


# --- Links to commissioning intentions --------------------------------------------------------


def links_for(theme_id: int) -> list[ThemeIntentionLink]:
    return list(
        db.session.scalars(
            select(ThemeIntentionLink)
            .where(ThemeIntentionLink.theme_id == theme_id)
            .order_by(
                (ThemeIntentionLink.state == "rejected").asc(),
                ThemeIntentionLink.score.desc().nulls_last(),
            )
        )
    )


def decide_link(link_id: int, state: str, user_id: int | None) -> ThemeIntentionLink:
    if state not in ("confirmed", "rejected", "suggested"):
        raise ReviewError("Choose confirm or reject")
    link = db.session.get(ThemeIntentionLink, link_id)
    if link is None:
        raise NotFound(f"no link {link_id}")
    link.state = state
    link.decided_by_id = user_id if state != "suggested" else None
    link.decided_at = utcnow() if state != "suggested" else None
    db.session.commit()
    return link


def add_link(theme_id: int, intention_id: int, user_id: int | None) -> ThemeIntentionLink:
    """A person links a theme to an intention by hand: confirmed from the start."""
    get_theme(theme_id)
    if db.session.get(Intention, intention_id) is None:
        raise ReviewError("Choose a commissioning intention")
    link = db.session.scalar(
        select(ThemeIntentionLink).where(
            ThemeIntentionLink.theme_id == theme_id,
            ThemeIntentionLink.intention_id == intention_id,
        )
    )
    if link is None:
        link = ThemeIntentionLink(theme_id=theme_id, intention_id=intention_id, origin="person")
        db.session.add(link)
    link.state, link.decided_by_id, link.decided_at = "confirmed", user_id, utcnow()
    db.session.commit()
    return link


def intention_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Intentions grouped by domain, for a select with option groups."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for i in db.session.scalars(
        select(Intention)
        .where(Intention.retired.is_(False))
        .order_by(Intention.domain, Intention.position, Intention.id)
    ):
        groups.setdefault(f"{i.domain} ({i.year})", []).append((i.id, i.title))
    return list(groups.items())
