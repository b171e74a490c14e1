"""The erasure ledger's copy in the database: who was erased and when, and nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engage.models.base import Base


class ErasureLedgerEntry(Base):
    """One person's erasure, written in the erasure's own transaction (see
    engage/services/erasure_ledger.py). No personal data: the person's id and opaque ref.

    No foreign key: the entry must outlive anything done to the person's row, and it is read
    against databases restored from backups that may not hold that person at all.
    """

    __tablename__ = "erasure_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(index=True)
    person_ref: Mapped[str] = mapped_column(String(36), unique=True)
    erased_at: Mapped[datetime]
