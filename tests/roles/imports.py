"""Who may reach the imports routes (merged into tests/test_roles.py)."""

from engage.models import Role

PUBLIC: set[str] = set()
TEAM = {Role.ENGAGEMENT, Role.ADMIN}
MATRIX: dict[str, set[Role]] = {
    "imports.list_imports": TEAM,
    "imports.upload": TEAM,
    "imports.mapping": TEAM,
    "imports.confirm": TEAM,
    "imports.show": TEAM,
    "imports.cancel": TEAM,
    "imports.resume": TEAM,
    "imports.errors_csv": TEAM,
}


def make_rows() -> None:
    """A mapped import, so that /staff/imports/1/... resolve (its file is long gone)."""
    from engage.extensions import db
    from engage.models import ImportBatch

    db.session.add(
        ImportBatch(
            filename="feedback.csv",
            stored_name="missing.csv",
            sha256="0" * 64,
            file_format="csv",
            source="healthwatch",
            status="mapped",
            mapping={"text": 0},
        )
    )
