"""Who may read one message in the outbox (merged into tests/test_roles.py)."""

from engage.extensions import db
from engage.models import OutboundMessage, Role

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {"panel.outbox_message": {Role.ENGAGEMENT, Role.ADMIN}}


def make_rows() -> None:
    """A message with id 1."""
    db.session.add(
        OutboundMessage(kind="profile_link", to_address="a@example.org", subject="S", body="B")
    )
    db.session.flush()
