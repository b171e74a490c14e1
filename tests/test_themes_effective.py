"""One rule for a comment's themes, in two query shapes: the general one every report uses and
the narrowed one a survey question's results use must always agree."""

from __future__ import annotations

import random

from sqlalchemy import select

from engage.extensions import db
from engage.models import AnalysisRun, Comment, CommentTheme, Theme
from engage.services import themes


def _world(seed: int) -> None:
    """Comments of every state, themed by people, by the current run and by an old run, with
    one theme merged into another."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    names = ["waits", "parking", "staff", "food", "phones"]
    made = {n: Theme(slug=n, name=n.title(), description="") for n in names}
    db.session.add_all(made.values())
    old, current = AnalysisRun(status="succeeded"), AnalysisRun(status="succeeded", is_current=True)
    db.session.add_all([old, current])
    db.session.flush()
    made["phones"].merged_into_id = made["waits"].id
    for i in range(120):
        comment = Comment(
            source="survey",
            source_key=f"k{seed}-{i}",
            original_text="x",
            redacted_text="x",
            moderation_state=rng.choice(["approved", "approved", "pending", "hidden"]),
        )
        db.session.add(comment)
        db.session.flush()
        for theme in rng.sample(list(made.values()), rng.randint(0, 3)):
            source, run = rng.choice(
                [("model", current.id), ("model", current.id), ("model", old.id), ("person", None)]
            )
            db.session.add(
                CommentTheme(comment_id=comment.id, theme_id=theme.id, run_id=run, source=source)
            )
    db.session.commit()


def test_the_narrowed_shape_gives_exactly_the_themes_the_general_one_gives(app):
    for seed in (1, 2, 3):
        db.session.query(CommentTheme).delete()
        db.session.query(Comment).delete()
        db.session.query(Theme).update({Theme.merged_into_id: None})
        db.session.query(Theme).delete()
        db.session.query(AnalysisRun).delete()
        db.session.commit()
        _world(seed)
        general = themes.effective_comment_themes().subquery()
        expected = set(db.session.execute(select(general.c.comment_id, general.c.theme_id)))
        approved = select(Comment.id.label("id")).where(Comment.moderation_state == "approved")
        narrowed = themes.effective_themes_among(approved.cte("approved")).subquery()
        found = set(db.session.execute(select(narrowed.c.comment_id, narrowed.c.theme_id)))
        assert expected, "the world has themed approved comments"
        assert found == expected, f"seed {seed}: {found ^ expected}"
