"""Who may reach the coding routes (merged into tests/test_roles.py)."""

from engage.models import Role

ENGAGEMENT = {Role.ENGAGEMENT, Role.ADMIN}

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {
    "insight.comment": ENGAGEMENT,
    "insight.codes": ENGAGEMENT,
    "insight.edit_code": ENGAGEMENT,
    "insight.samples": ENGAGEMENT,
    "insight.sample": ENGAGEMENT,
}


def make_rows() -> None:
    """A comment, a code and a sample with id 1."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.models import Code, CodingSample, Comment

    if db.session.get(Comment, 1) is None:
        db.session.add(Comment(source="fft", source_key="roles-coding-1", original_text="Roles"))
    if db.session.scalar(select(Code).where(Code.name == "Roles check")) is None:
        db.session.add(Code(name="Roles check"))
    db.session.flush()
    db.session.add(CodingSample(name="Roles", comment_ids=[1], coder_ids=[]))
    db.session.commit()
