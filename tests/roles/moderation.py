"""Who may reach the moderation routes (merged into tests/test_roles.py)."""

from engage.models import Role

ENGAGEMENT = {Role.ENGAGEMENT, Role.ADMIN}

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {
    "moderation.queue": ENGAGEMENT,
    "moderation.comment": ENGAGEMENT,
    "moderation.bulk": ENGAGEMENT,
}


def make_rows() -> None:
    """A comment with id 1."""
    from engage.extensions import db
    from engage.models import Comment

    if db.session.get(Comment, 1) is None:
        db.session.add(
            Comment(source="fft", source_key="roles-moderation-1", original_text="Roles")
        )
        db.session.commit()
