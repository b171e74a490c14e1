"""comment FFT rating and service: imported Friends and Family Test feedback keeps its rating
and the practice or service it is about, so FFT scores can count imports beside surveys

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comment") as batch:
        batch.add_column(sa.Column("fft_rating", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("service", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("comment") as batch:
        batch.drop_column("service")
        batch.drop_column("fft_rating")
