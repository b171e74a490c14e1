"""The erasure ledger: restoring a backup taken before a resident was erased must not bring
them back.

Each erasure (``panel.erase``: a resident's request, the team's, or the retention job's) is
written twice, with no personal data in either (the person's id, their opaque ref, when):

1. a row in ``erasure_ledger``, in the erasure's own transaction, so the database says so too;
2. a line in the ledger FILE (``ENGAGE_ERASURE_LEDGER``, by default
   ``<instance>/erasures.jsonl``), appended and fsynced *before* that transaction commits.

Why before: the file is what a restore reads, and it must hold every erasure that committed.
Written after the commit, a crash, a full disk or a killed worker between the two would leave
an erasure that happened but is not in the file, and restoring an older backup would bring that
person back. Written first, the worst case is a line for an erasure whose commit then failed:
re-applying it erases someone who asked to be erased (or whom retention was due to erase),
which is what was meant to happen. If the line cannot be written, the erasure fails and is
rolled back, saying so, rather than committing without a record that a restore could use.

The file lives outside the database, so a restore cannot lose it; every backup copies it beside
itself (FILE.erasures.jsonl), so a host that loses its instance folder still has the copy taken
with the newest backup. ``engage restore`` re-applies, with ``panel.erase`` itself, every erasure
in the live file, the backup's copy and the restored table, before it finishes and so before
the site serves; a person the restored database never held (they joined after the backup) is
skipped. People are matched by their ref, never by id alone: ids are handed out again after a
restore, refs are random and never reused.
"""

from __future__ import annotations

import contextvars
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from engage.extensions import db
from engage.models import ErasureLedgerEntry, Person
from engage.models.base import as_utc
from engage.services import backup as backups
from engage.services.errors import DomainError

ENV = "ENGAGE_ERASURE_LEDGER"
DEFAULT_NAME = "erasures.jsonl"

# Set while a restore re-applies an erasure that is already in the file: the erasure's own
# time, for the table's row; the file is not written again.
_replaying: contextvars.ContextVar[datetime | None] = contextvars.ContextVar(
    "erasure_ledger_replaying", default=None
)


class LedgerError(DomainError):
    """The ledger could not be written or read; nothing was erased or restored."""

    status_code = 503


@dataclass(frozen=True, order=True)
class Entry:
    erased_at: str  # ISO 8601, UTC
    ref: str
    person_id: int

    def line(self) -> str:
        data = {"erased_at": self.erased_at, "person_id": self.person_id, "ref": self.ref}
        return json.dumps(data, sort_keys=True) + "\n"


def ledger_path() -> Path:
    configured = current_app.config.get(ENV) or os.environ.get(ENV)
    return Path(configured) if configured else Path(current_app.instance_path) / DEFAULT_NAME


def _iso(value: datetime) -> str:
    return as_utc(value).astimezone(UTC).isoformat(timespec="seconds")


# --- writing ----------------------------------------------------------------------------------


def record(person: Person) -> None:
    """Write ``person``'s erasure to the ledger, inside the erasure's transaction: the table's
    row now (committed with the erasure) and the file's line, fsynced, before the commit."""
    assert person.erased_at is not None, "record an erasure after erasing"  # noqa: S101
    replayed_at = _replaying.get()
    erased_at = replayed_at or person.erased_at
    if (
        db.session.scalar(
            select(ErasureLedgerEntry.id).where(ErasureLedgerEntry.person_ref == person.ref)
        )
        is None
    ):
        db.session.add(
            ErasureLedgerEntry(person_id=person.id, person_ref=person.ref, erased_at=erased_at)
        )
        db.session.flush()
    if replayed_at is None:
        try:
            append(ledger_path(), [Entry(_iso(erased_at), person.ref, person.id)])
        except OSError as err:
            db.session.rollback()
            raise LedgerError(
                f"The erasure could not be written to the erasure ledger ({err.strerror or err}), "
                "so nothing was erased. Ask the administrator to make the ledger writable, "
                "then try again."
            ) from err


def append(path: Path, entries: Iterable[Entry]) -> None:
    """Append entries to the ledger file and fsync it (and its folder when it is new).

    An exclusive lock keeps lines from several web and worker processes whole; a line a crash
    left half-written is ended first, so the next line is never glued to it.
    """
    lines = "".join(e.line() for e in entries)
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size:
            with path.open("rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    lines = "\n" + lines
        os.write(fd, lines.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- reading ----------------------------------------------------------------------------------


def read(path: Path) -> list[Entry]:
    """The entries in a ledger file (none if it is absent). A line a crash left unfinished is
    skipped: its erasure never committed (the line is written before the commit)."""
    if not path.exists():
        return []
    found: list[Entry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data: dict[str, Any] = json.loads(line)
            found.append(Entry(str(data["erased_at"]), str(data["ref"]), int(data["person_id"])))
        except (ValueError, KeyError, TypeError):
            continue
    return found


def in_table() -> list[Entry]:
    return [
        Entry(_iso(row.erased_at), row.person_ref, row.person_id)
        for row in db.session.scalars(select(ErasureLedgerEntry))
    ]


def sync_file(path: Path | None = None) -> int:
    """Append to the file the table's entries it lacks (people erased before the ledger
    existed, whom migration 0015 put in the table). Returns how many were added."""
    path = path or ledger_path()
    have = {e.ref for e in read(path)}
    missing = sorted(e for e in in_table() if e.ref not in have)
    append(path, missing)
    return len(missing)


# --- re-applying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reapplied:
    known: int  # erasures in the ledger
    reapplied: int  # people the restored database held un-erased, now erased again
    absent: int  # people the restored database never held (they joined after the backup)


@contextmanager
def _replay(erased_at: datetime) -> Iterator[None]:
    token = _replaying.set(erased_at)
    try:
        yield
    finally:
        _replaying.reset(token)


def reapply(extra: Iterable[Path] = ()) -> Reapplied:
    """Erase again everyone in the ledger (the live file, ``extra`` files and the table) whom
    this database holds un-erased, with ``panel.erase`` itself; then bring the live file up to
    date with everything it lacks. Safe to run again: it does nothing the second time."""
    from engage.services import panel

    live = ledger_path()
    entries: dict[str, Entry] = {}
    for entry in [*read(live), *(e for p in extra for e in read(p)), *in_table()]:
        entries.setdefault(entry.ref, entry)
    reapplied = absent = 0
    for entry in sorted(entries.values()):
        person = db.session.scalar(select(Person).where(Person.ref == entry.ref))
        if person is None:
            absent += 1
            continue
        if person.erased_at is None:
            with _replay(datetime.fromisoformat(entry.erased_at)):
                panel.erase(person.id)
            reapplied += 1
    in_file = {e.ref for e in read(live)}
    append(live, sorted(e for e in entries.values() if e.ref not in in_file))
    return Reapplied(len(entries), reapplied, absent)


def check_before_restore(backup_file: Path) -> Path:
    """The live ledger a restore will read; refuse when it is missing but the backup's copy
    shows there were erasures (the instance folder was lost: find the newest copy first)."""
    live = ledger_path()
    copy = backups.ledger_copy_path(Path(backup_file).resolve())
    copied = read(copy)
    if not live.exists() and copied:
        raise LedgerError(
            f"The erasure ledger {live} is missing, but the backup's copy ({copy.name}) lists "
            f"{len(copied)} erasures, so people erased since the backup could come back. Nothing "
            f"was restored: copy the newest erasure ledger you have (the .erasures.jsonl beside "
            f"your newest backup) to {live}, or set {ENV} to it, and run `engage restore` again."
        )
    return live


def restore_and_reapply(database_url: str, backup_file: Path) -> tuple[backups.Manifest, Reapplied]:
    """`engage restore`: the database from the backup, migrated, then every erasure since."""
    check_before_restore(backup_file)
    manifest = backups.restore_database(database_url, backup_file)
    db.session.remove()
    db.engine.dispose()  # the restore wrote behind the app's back: start from fresh connections
    return manifest, reapply(extra=[backups.ledger_copy_path(Path(backup_file).resolve())])
