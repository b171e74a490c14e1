"""audit log append-only: the database refuses to change or delete an audit event

The application only ever adds events; these triggers make that hold for anything else that
reaches the database with the application's credentials (a bug, a console, an injected
statement), which is what an information-governance lead asks of an audit trail. TRUNCATE is
left to the database owner (the test suite empties tables with it). Users are deactivated,
never deleted, so the SET NULL on audit_event.user_id never fires.

A later migration that rebuilds audit_event on SQLite (batch mode) must create these again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MESSAGE = "the audit log is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
            " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event"
            f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {operation} refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        return
    for operation in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{operation}")
