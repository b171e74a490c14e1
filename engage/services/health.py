"""Readiness: can the app reach its database, and is the schema at the code's migration head?

It also reports whether the folders the app writes to (uploads, saved models, the topic
pipeline's embedding cache) are writable and have room. A problem there does not make the site
unready, since residents' pages do not need them, but imports and analysis runs would fail, so
it is listed for the person or monitor reading the report.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from engage.extensions import db
from engage.services import migrations

# Below this much free space a folder is reported as low: an import or a run may not fit.
LOW_SPACE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class FolderCheck:
    name: str
    path: str
    writable: bool
    free_bytes: int | None

    @property
    def problem(self) -> str | None:
        if not self.writable:
            return f"{self.name} folder {self.path} is not writable"
        if self.free_bytes is not None and self.free_bytes < LOW_SPACE_BYTES:
            return f"{self.name} folder {self.path} has only {self.free_bytes // 2**20} MB free"
        return None


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrated: bool
    detail: str
    folders: tuple[FolderCheck, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return self.database and self.migrated

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "not ready",
            "database": self.database,
            "migrated": self.migrated,
            "detail": self.detail,
            "storage": {
                f.name: {"path": f.path, "writable": f.writable, "free_bytes": f.free_bytes}
                for f in self.folders
            },
            "warnings": [f.problem for f in self.folders if f.problem],
        }


def _folder(name: str, path: Path) -> FolderCheck:
    """Whether the app can write ``path`` (or, before it exists, make it) and its free space."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    writable = existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
    try:
        free: int | None = shutil.disk_usage(existing).free
    except OSError:
        free = None
    return FolderCheck(name, str(path), writable, free)


def folders() -> tuple[FolderCheck, ...]:
    return (
        _folder("instance", Path(current_app.instance_path)),
        _folder("topics cache", Path(current_app.config["ENGAGE_TOPICS_CACHE"])),
    )


def readiness() -> Readiness:
    try:
        # One connection for both checks: a second one would wait on SQLite's write lock.
        conn = db.session.connection()
        conn.execute(text("SELECT 1"))
        current, head = migrations.current_and_head(conn)
    except Exception:  # noqa: BLE001 - any failure means "not ready", with a reason
        db.session.rollback()
        return Readiness(False, False, "database unreachable", folders())
    finally:
        db.session.rollback()
    if current != head:
        detail = f"database at {current or 'nothing'}, code at {head}"
        return Readiness(True, False, detail, folders())
    return Readiness(True, True, "ok", folders())
