"""postcode lookup, and the deprivation and district a response's postcode gives

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postcode_lookup",
        sa.Column("postcode", sa.String(length=8), nullable=False),
        sa.Column("district", sa.String(length=4), nullable=False),
        sa.Column("lad_code", sa.String(length=9), nullable=True),
        sa.Column("lsoa_code", sa.String(length=9), nullable=True),
        sa.Column("imd_decile", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("postcode", name=op.f("pk_postcode_lookup")),
    )
    with op.batch_alter_table("postcode_lookup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postcode_lookup_district"), ["district"], unique=False
        )
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deprivation_decile", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("postcode_district", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("postcode_district")
        batch_op.drop_column("deprivation_decile")
    with op.batch_alter_table("postcode_lookup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postcode_lookup_district"))
    op.drop_table("postcode_lookup")
