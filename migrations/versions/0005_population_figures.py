"""population figures

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "population_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_code", sa.String(length=20), nullable=False),
        sa.Column("area_name", sa.String(length=120), nullable=False),
        sa.Column("dimension", sa.String(length=30), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_figure")),
        sa.UniqueConstraint(
            "area_name",
            "dimension",
            "category",
            name=op.f("uq_population_figure_area_name_dimension_category"),
        ),
    )
    with op.batch_alter_table("population_figure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_population_figure_place_code"), ["place_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("population_figure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_population_figure_place_code"))

    op.drop_table("population_figure")
