"""Resume a response (hashed link and code, last update) and questions' own error messages.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_message", sa.String(length=300), nullable=True))
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resume_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("resume_code_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_response_resume_code_hash"), ["resume_code_hash"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_response_resume_token_hash"), ["resume_token_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_response_resume_token_hash"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_response_resume_code_hash"))
        batch_op.drop_column("resume_code_hash")
        batch_op.drop_column("resume_token_hash")
        batch_op.drop_column("updated_at")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_column("error_message")
