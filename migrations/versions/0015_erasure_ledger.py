"""erasure ledger: who was erased and when (no personal data), so that restoring a backup
taken before an erasure re-applies it; filled for everyone already erased

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("person_ref", sa.String(length=36), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_ledger")),
        sa.UniqueConstraint("person_ref", name=op.f("uq_erasure_ledger_person_ref")),
    )
    with op.batch_alter_table("erasure_ledger") as batch:
        batch.create_index(batch.f("ix_erasure_ledger_person_id"), ["person_id"], unique=False)
    # People erased before the ledger existed are in it too.
    op.execute(
        "INSERT INTO erasure_ledger (person_id, person_ref, erased_at)"
        " SELECT id, ref, erased_at FROM person WHERE erased_at IS NOT NULL ORDER BY erased_at, id"
    )


def downgrade() -> None:
    with op.batch_alter_table("erasure_ledger") as batch:
        batch.drop_index(batch.f("ix_erasure_ledger_person_id"))
    op.drop_table("erasure_ledger")
