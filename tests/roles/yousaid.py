"""Who may reach the "you said, we did" pages, the API and its tokens (merged into
tests/test_roles.py)."""

from engage.models import Role

ALL = set(Role)
WRITERS = {Role.COMMISSIONER, Role.ADMIN}

# Residents' pages, and the API: it authenticates with a bearer token, not a staff session
# (tests/test_api.py proves every API route refuses a request without one).
PUBLIC: set[str] = {
    "yousaid.index",
    "yousaid.show",
    "api.list_intentions",
    "api.show_intention",
    "api.list_themes",
    "api.show_theme",
    "api.counts",
    "api.list_responses",
    "api.openapi",
}

MATRIX: dict[str, set[Role]] = {
    # Everyone on the staff may read; commissioners (and admins) write and publish.
    "reports.responses": ALL,
    "reports.show_response": ALL,
    "reports.new_response": WRITERS,
    "reports.edit_response": WRITERS,
    "reports.publish_response": WRITERS,
    "reports.unpublish_response": WRITERS,
    # API tokens are issued and revoked by administrators only.
    "admin.api_tokens": {Role.ADMIN},
    "admin.revoke_api_token": {Role.ADMIN},
}


def make_rows() -> None:
    """Response 1, so that /you-said-we-did/1 pages resolve."""
    from engage.extensions import db
    from engage.models import YouSaidWeDid

    if db.session.get(YouSaidWeDid, 1) is None:
        db.session.add(
            YouSaidWeDid(
                intention_id=1, you_said="Buses are rare.", we_did="We asked.", status="acting"
            )
        )
        db.session.commit()
