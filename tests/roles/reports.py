"""Who may reach the reports routes (merged into tests/test_roles.py): every staff role."""

from engage.models import Role

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {
    endpoint: set(Role)
    for endpoint in (
        "reports.intentions",
        "reports.intention",
        "reports.intentions_export",
        "reports.intention_export",
        "reports.intention_board_paper",
        "reports.themes",
        "reports.theme",
        "reports.themes_export",
        "reports.theme_export",
        "reports.theme_board_paper",
    )
}


def make_rows() -> None:
    """Theme 1, so that /themes/1 resolves (the catalogue gives intention 1)."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.models import Theme

    if db.session.scalar(select(Theme.id).where(Theme.id == 1)) is None:
        db.session.add(Theme(id=1, slug="roles-theme", name="Roles theme"))
        db.session.flush()
