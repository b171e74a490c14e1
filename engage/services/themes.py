"""Which themes each comment speaks of, as the workspace and reports should count them.

A comment's themes are the ones a person gave it, when anyone has (theme review and coding are
corrections the model must not overwrite); otherwise the ones the current analysis run gave
it. Only approved comments count: nothing pending or hidden reaches a report.
"""

from __future__ import annotations

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from engage.extensions import db
from engage.models import AnalysisRun, Comment, CommentTheme, Theme


def current_run_id() -> int | None:
    """The analysis run whose results are shown, or None before the first one succeeds."""
    return db.session.scalar(select(AnalysisRun.id).where(AnalysisRun.is_current.is_(True)))


def effective_comment_themes(run_id: int | None = None) -> Select[tuple[int, int, bool]]:
    """(comment_id, theme_id, is_main) for every approved comment's effective themes.

    Merged themes count under the theme they were merged into. Use it as a subquery:
    ``effective_comment_themes().subquery()``.
    """
    run_id = run_id if run_id is not None else current_run_id()
    person = aliased(CommentTheme)
    by_person = exists().where(
        person.comment_id == CommentTheme.comment_id, person.source == "person"
    )
    merged = aliased(Theme)
    theme_id = db.func.coalesce(merged.id, CommentTheme.theme_id)
    return (
        select(
            CommentTheme.comment_id.label("comment_id"),
            theme_id.label("theme_id"),
            CommentTheme.is_main.label("is_main"),
        )
        .join(Comment, Comment.id == CommentTheme.comment_id)
        .join(Theme, Theme.id == CommentTheme.theme_id)
        .outerjoin(merged, merged.id == Theme.merged_into_id)
        .where(
            Comment.moderation_state == "approved",
            or_(
                CommentTheme.source == "person",
                and_(CommentTheme.run_id == run_id, ~by_person)
                if run_id is not None
                else db.false(),
            ),
        )
    )


def themes_of(comment_id: int) -> list[Theme]:
    """A comment's effective themes, main theme first."""
    rows = effective_comment_themes().where(CommentTheme.comment_id == comment_id).subquery()
    return list(
        db.session.scalars(
            select(Theme).join(rows, rows.c.theme_id == Theme.id).order_by(rows.c.is_main.desc())
        ).unique()
    )
