"""Backups that restore: a consistent copy of the database taken while the site serves, with a
manifest beside it, and a restore that refuses what it cannot do safely.

``backup(url, FILE)`` writes FILE and FILE.json:

- PostgreSQL: ``pg_dump --format=custom`` run inside an exported snapshot, so the dump, the
  schema revision and the row counts in the manifest all describe the same moment; residents
  keep submitting while it runs (pg_dump takes only ACCESS SHARE locks).
- SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
  snapshot while WAL writers carry on; the revision and counts are read from the copy.

The manifest records the engine, the schema revision (Alembic's version in the database), when
it was taken, the file's SHA-256 and size, and each table's row count. The erasure ledger (see
``erasure_ledger``) is copied beside the backup as FILE.erasures.jsonl: it lives outside the
database on purpose, so a restore of an old backup can be told who was erased since.

``restore(url, FILE)`` restores into an EMPTY database only, refuses a backup whose checksum
does not match or whose revision is newer than this code, checks the row counts against the
manifest, migrates to head and then re-applies every erasure in the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine, func, inspect, pool, select, table, text
from sqlalchemy.engine import URL, make_url

from engage.config import normalise_database_url
from engage.services import migrations

MANIFEST_FORMAT = "engage-backup/1"
LEDGER_COPY_SUFFIX = ".erasures.jsonl"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says what to do instead."""


@dataclass
class Manifest:
    engine: str  # "postgresql" or "sqlite"
    revision: str
    created_at: str
    checksum: str  # "sha256:<hex>" of the backup file
    size_bytes: int
    tables: dict[str, int]  # rows in each table at the moment of the backup
    file: str  # the backup file's name (the manifest sits beside it)
    format: str = MANIFEST_FORMAT
    server_version: str | None = None
    tool: str | None = None  # "pg_dump (PostgreSQL) 15.x" or "sqlite3 3.x"
    erasure_ledger: dict[str, Any] | None = None  # the ledger copied beside it

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    migrated_to: str
    erasures_reapplied: int
    erasures_known: int


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def ledger_copy_path(path: Path) -> Path:
    return path.with_name(path.name + LEDGER_COPY_SUFFIX)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def engine_of(database_url: str) -> str:
    name = make_url(normalise_database_url(database_url)).get_backend_name()
    if name not in ("postgresql", "sqlite"):
        raise BackupError(f"Engage backs up PostgreSQL and SQLite, not {name}.")
    return name


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


def read_manifest(path: Path) -> Manifest:
    where = manifest_path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    if not where.is_file():
        raise BackupError(
            f"The backup {path.name} has no manifest ({where.name} beside it), so its revision "
            "and checksum cannot be checked: copy the manifest back beside it."
        )
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
        if data.get("format") != MANIFEST_FORMAT:
            raise BackupError(f"{where.name} is not an Engage backup manifest.")
        return Manifest(**data)
    except (ValueError, TypeError) as err:
        raise BackupError(f"{where.name} is not a readable Engage backup manifest: {err}") from err


# --- taking a backup ---------------------------------------------------------------------------


def _user_tables(conn: Connection) -> list[str]:
    return sorted(t for t in inspect(conn).get_table_names() if t != "alembic_version")


def _count_rows(conn: Connection, tables: Iterable[str]) -> dict[str, int]:
    # Core constructs, not SQL text: the names are quoted by the dialect.
    return {
        t: int(conn.execute(select(func.count()).select_from(table(t))).scalar_one())
        for t in tables
    }


def _revision(conn: Connection) -> str:
    if "alembic_version" not in inspect(conn).get_table_names():
        raise BackupError("The database has no schema revision: run `engage db-upgrade` first.")
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(found) != 1:
        raise BackupError(f"The database has {len(found)} schema revisions; expected one.")
    return str(found[0])


def backup(
    database_url: str,
    path: Path,
    *,
    ledger: Path | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Manifest:
    """Write a consistent backup of the database to ``path`` and its manifest beside it.

    ``ledger``: the erasure ledger file, copied beside the backup (FILE.erasures.jsonl).
    Nothing is left under the final names unless the whole backup succeeded.
    """
    path = Path(path).resolve()
    engine = engine_of(database_url)
    for existing in (path, manifest_path(path)):
        if existing.exists():
            raise BackupError(f"{existing} already exists: choose a new name for each backup.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.unlink(missing_ok=True)
    created_at = now().isoformat(timespec="seconds")
    try:
        if engine == "sqlite":
            revision, tables, server, tool = _backup_sqlite(database_url, tmp)
        else:
            revision, tables, server, tool = _backup_postgres(database_url, tmp)
        _fsync_file(tmp)
        checksum = sha256_of(tmp)
        size = tmp.stat().st_size
        tmp.replace(path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
    ledger_info = _copy_ledger(ledger, ledger_copy_path(path)) if ledger is not None else None
    manifest = Manifest(
        engine=engine,
        revision=revision,
        created_at=created_at,
        checksum=checksum,
        size_bytes=size,
        tables=tables,
        file=path.name,
        server_version=server,
        tool=tool,
        erasure_ledger=ledger_info,
    )
    _write_json_atomically(manifest_path(path), asdict(manifest))
    return manifest


def _copy_ledger(ledger: Path, target: Path) -> dict[str, Any]:
    """Copy the erasure ledger beside the backup: it must travel with every backup."""
    tmp = target.with_name(f".{target.name}.partial")
    if ledger.exists():
        shutil.copyfile(ledger, tmp)
    else:
        tmp.write_bytes(b"")
    _fsync_file(tmp)
    tmp.replace(target)
    _fsync_dir(target.parent)
    entries = sum(1 for line in target.read_text(encoding="utf-8").splitlines() if line.strip())
    return {
        "file": target.name,
        "copied_from": str(ledger),
        "entries": entries,
        "checksum": sha256_of(target),
    }


def _sqlite_path(database_url: str) -> Path:
    database = make_url(normalise_database_url(database_url)).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _backup_sqlite(database_url: str, target: Path) -> tuple[str, dict[str, int], str, str]:
    source_path = _sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"There is no SQLite database at {source_path}.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, so one consistent snapshot; WAL writers
        # (residents submitting) carry on meanwhile.
        source.backup(copy, pages=-1)
        # One self-contained file, with no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.commit()
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{target}", poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            revision = _revision(conn)
            tables = _count_rows(conn, _user_tables(conn))
    finally:
        engine.dispose()
    version = sqlite3.sqlite_version
    return revision, tables, version, f"sqlite3 {version} online backup"


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it.

    The password goes in PGPASSWORD, not on the command line, where `ps` would show it.
    """
    url: URL = make_url(normalise_database_url(database_url))
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client) of the server's major version or newer."
        )
    return found


def _major(version_text: str) -> int:
    """The major version in `pg_dump --version`'s "pg_dump (PostgreSQL) 15.20 (Debian ...)"."""
    found = re.search(r"\)\s*(\d+)", version_text) or re.search(r"(\d+)", version_text)
    if found is None:
        raise BackupError(f"Could not read a version from {version_text!r}.")
    return int(found.group(1))


def _run(args: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own client programs, no shell
        args, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done


def _backup_postgres(database_url: str, target: Path) -> tuple[str, dict[str, int], str, str]:
    pg_dump = _tool("pg_dump")
    tool = _run([pg_dump, "--version"], dict(os.environ), "pg_dump --version").stdout.strip()
    uri, env = _libpq(database_url)
    engine = create_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            server_num = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            server = str(conn.execute(text("SHOW server_version")).scalar_one())
            if _major(tool) < server_num // 10000:
                raise BackupError(
                    f"{tool} cannot dump a PostgreSQL {server} server: install the client "
                    f"programs of version {server_num // 10000} or newer."
                )
            # Export this transaction's snapshot and have pg_dump use it: the revision, the
            # counts and the dump are then all of one moment, whatever residents do meanwhile.
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            revision = _revision(conn)
            tables = _count_rows(conn, _user_tables(conn))
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    f"--dbname={uri}",
                ],
                env,
                "pg_dump",
            )
            conn.rollback()
    finally:
        engine.dispose()
    return revision, tables, server, tool


# --- restoring -------------------------------------------------------------------------------


def check_backup(path: Path) -> Manifest:
    """The manifest of a backup whose checksum matches and whose revision this code knows."""
    path = Path(path).resolve()
    manifest = read_manifest(path)
    found = sha256_of(path)
    if found != manifest.checksum:
        raise BackupError(
            f"The backup {path.name} does not match the checksum in its manifest (expected "
            f"{manifest.checksum}, found {found}): it is damaged or incomplete. Nothing was "
            "restored; use another backup."
        )
    head = migrations.heads()[0]
    script = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    try:
        known = script.get_revision(manifest.revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(
            f"The backup {path.name} is at schema revision {manifest.revision}, newer than this "
            f"version of Engage knows (its newest is {head}). Nothing was restored: restore it "
            "with the version of Engage that made it, or upgrade Engage first."
        )
    return manifest


def table_count(database_url: str) -> int:
    """How many tables the database holds (0 for a new, empty one)."""
    if engine_of(database_url) == "sqlite":
        path = _sqlite_path(database_url)
        if not path.exists() or path.stat().st_size == 0:
            return 0
    engine = create_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                return int(
                    conn.execute(
                        text(
                            "SELECT count(*) FROM information_schema.tables WHERE table_schema"
                            " NOT IN ('pg_catalog', 'information_schema')"
                        )
                    ).scalar_one()
                )
            return len(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def describe(database_url: str) -> str:
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return f"{url.database} on {url.host or 'localhost'}"


def restore_database(database_url: str, path: Path) -> Manifest:
    """Restore the backup into the empty database, check its rows and migrate it to head.

    The erasure ledger is not re-applied here: ``erasure_ledger.restore_and_reapply`` (which
    `engage restore` runs) does both, so no restore skips it.
    """
    path = Path(path).resolve()
    manifest = check_backup(path)
    target_engine = engine_of(database_url)
    if manifest.engine != target_engine:
        raise BackupError(
            f"The backup {path.name} is of a {manifest.engine} database; it restores only into "
            f"{manifest.engine}, not {target_engine}."
        )
    tables = table_count(database_url)
    if tables:
        raise BackupError(
            f"The database {describe(database_url)} is not empty (it has {tables} tables), so "
            "nothing was restored. Restore only into a new, empty database: create one (for "
            "PostgreSQL, `createdb NAME`), point ENGAGE_DATABASE_URL at it and run `engage "
            "restore` again."
        )
    if target_engine == "sqlite":
        _restore_sqlite(database_url, path)
    else:
        _restore_postgres(database_url, path)
    _check_counts(database_url, manifest)
    migrations.upgrade(database_url, "head")
    return manifest


def _restore_sqlite(database_url: str, path: Path) -> None:
    target = _sqlite_path(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest, pages=-1)
        dest.execute("PRAGMA journal_mode=WAL")
        dest.commit()
    finally:
        source.close()
        dest.close()


def _restore_postgres(database_url: str, path: Path) -> None:
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(database_url)
    # One transaction: a restore that fails part-way leaves the database empty, as it was.
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--no-password",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={uri}",
            str(path),
        ],
        env,
        "pg_restore",
    )


def _check_counts(database_url: str, manifest: Manifest) -> None:
    engine = create_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            revision = _revision(conn)
            found = _count_rows(conn, _user_tables(conn))
    finally:
        engine.dispose()
    if revision != manifest.revision or found != manifest.tables:
        differ = sorted(
            t for t in set(found) | set(manifest.tables) if found.get(t) != manifest.tables.get(t)
        )
        raise BackupError(
            f"The restored database does not match the backup's manifest (revision {revision} "
            f"against {manifest.revision}; tables differing: {', '.join(differ) or 'none'}). "
            "Drop it and restore again, or use another backup."
        )


# --- the nightly backup --------------------------------------------------------------------------

BACKUP_PREFIX = "engage-"
BACKUP_SUFFIX = ".backup"


def backup_name(at: datetime) -> str:
    return f"{BACKUP_PREFIX}{at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}{BACKUP_SUFFIX}"


def take_scheduled(
    database_url: str,
    directory: Path,
    *,
    keep_days: int,
    ledger: Path | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[Manifest, list[Path]]:
    """One scheduled backup into ``directory`` under a dated name, then prune the sets (backup,
    manifest, ledger copy) older than ``keep_days``: a backup still holds what residents have
    since had erased, so backups must age out, as the privacy notice's retention says.

    Pruning happens only after a backup succeeded, so a failing backup never leaves none.
    """
    directory = Path(directory)
    at = now()
    path = directory / backup_name(at)
    manifest = backup(database_url, path, ledger=ledger, now=lambda: at)
    _write_json_atomically(
        directory / "last-backup.json",
        {"file": path.name, "created_at": manifest.created_at, "checksum": manifest.checksum},
    )
    pruned: list[Path] = []
    cutoff = at.timestamp() - keep_days * 86400
    for old in sorted(directory.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}")):
        if old == path or old.stat().st_mtime >= cutoff:
            continue
        for item in (old, manifest_path(old), ledger_copy_path(old)):
            if item.exists():
                item.unlink()
                pruned.append(item)
    return manifest, pruned


def seconds_until(at_hour: int, at_minute: int, now: datetime) -> float:
    """Seconds from ``now`` to the next HH:MM (UTC)."""
    now = now.astimezone(UTC)
    target = now.replace(hour=at_hour, minute=at_minute, second=0, microsecond=0)
    wait = (target - now).total_seconds()
    return wait if wait > 0 else wait + 86400
