"""invitation criteria: which kinds of criterion chose each person, as columns

The outbox, the sent table and the counts on the invitations page used to read them back from
the stored segment text. Rows from before are filled from that same text rule, frozen here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# How invitations.Segment.describe named its criteria when this migration was written.
_DEMOGRAPHIC_LABELS = ("aged", "sex", "ethnic group")
_ETHNIC_GROUP = "ethnic group"


def _names(description: str, label: str) -> bool:
    return f" {label} " in f" {description} "


def upgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "chosen_by_demographics", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "chosen_by_ethnicity", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # In Python, not SQL LIKE: SQLite's LIKE ignores case and the rule being replaced did not.
    # One UPDATE per distinct description: a wave of invitations shares a handful of them.
    invitation = sa.table(
        "invitation",
        sa.column("segment", sa.String),
        sa.column("chosen_by_demographics", sa.Boolean),
        sa.column("chosen_by_ethnicity", sa.Boolean),
    )
    bind = op.get_bind()
    for (description,) in bind.execute(sa.select(invitation.c.segment).distinct()).all():
        demographics = any(_names(description, label) for label in _DEMOGRAPHIC_LABELS)
        if demographics:
            bind.execute(
                invitation.update()
                .where(invitation.c.segment == description)
                .values(
                    chosen_by_demographics=True,
                    chosen_by_ethnicity=_names(description, _ETHNIC_GROUP),
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_column("chosen_by_ethnicity")
        batch_op.drop_column("chosen_by_demographics")
