"""panel profile links, outbox, PPG surveys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_outbound_message_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_outbound_message_survey_id_survey"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_message")),
    )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_message_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_message_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "survey_practice",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["gp_practice.id"],
            name=op.f("fk_survey_practice_practice_id_gp_practice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
            name=op.f("fk_survey_practice_survey_id_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "practice_id", name=op.f("pk_survey_practice")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("profile_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("profile_token_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_person_profile_token_hash"), ["profile_token_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_person_profile_token_hash"), type_="unique")
        batch_op.drop_column("profile_token_expires_at")
        batch_op.drop_column("profile_token_hash")

    op.drop_table("survey_practice")
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_message_person_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_message_created_at"))

    op.drop_table("outbound_message")
