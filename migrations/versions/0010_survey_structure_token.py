"""survey structure token: resident pages cache a survey's structure by it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("structure_token", sa.String(length=32), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_column("structure_token")
