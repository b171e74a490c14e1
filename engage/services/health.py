"""Readiness: can the app reach its database, and is the schema at the code's migration head?"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from engage.extensions import db
from engage.services import migrations


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrated: bool
    detail: str

    @property
    def ready(self) -> bool:
        return self.database and self.migrated

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "not ready",
            "database": self.database,
            "migrated": self.migrated,
            "detail": self.detail,
        }


def readiness() -> Readiness:
    try:
        # One connection for both checks: a second one would wait on SQLite's write lock.
        conn = db.session.connection()
        conn.execute(text("SELECT 1"))
        current, head = migrations.current_and_head(conn)
    except Exception:  # noqa: BLE001 - any failure means "not ready", with a reason
        db.session.rollback()
        return Readiness(False, False, "database unreachable")
    finally:
        db.session.rollback()
    if current != head:
        return Readiness(True, False, f"database at {current or 'nothing'}, code at {head}")
    return Readiness(True, True, "ok")
