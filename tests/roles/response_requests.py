"""Who may find, copy and delete a response by its reference (merged into tests/test_roles.py)."""

from engage.models import Role
from engage.services import responses

TEAM = {Role.ENGAGEMENT, Role.ADMIN}
MATRIX: dict[str, set[Role]] = {
    "admin.response_requests": TEAM,
    "admin.response_request": TEAM,
    "admin.response_copy": TEAM,
}


def make_rows() -> None:
    """A response with id 1, to the survey the role test creates."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.models import Survey

    responses.start_response(db.session.scalars(select(Survey)).first())
