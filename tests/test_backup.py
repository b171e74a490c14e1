"""`engage backup` and `engage restore`: a backup of a database with every table populated
restores row for row into a new database, an older schema's backup restores and is migrated to
head, and a restore refuses a non-empty target, a newer schema and a damaged file, saying what
to do. On SQLite and PostgreSQL alike, each in throwaway databases of the test's own."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import make_url

from engage.services import backup, migrations

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


# --- databases of the test's own --------------------------------------------------------------


class Databases:
    """Makes new, empty databases of one engine and drops them all at the end."""

    def __init__(self, engine: str, root: Path, pg_base: str | None) -> None:
        self.engine, self.root, self.pg_base = engine, root, pg_base
        self.made: list[str] = []

    def new(self, label: str) -> str:
        if self.engine == "sqlite":
            return f"sqlite:///{self.root / f'{label}-{len(self.made)}.sqlite3'}"
        assert self.pg_base is not None
        base = make_url(self.pg_base)
        name = f"{base.database}_{label}_{len(self.made)}"
        self._server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    def _server(self, *statements: str) -> None:
        assert self.pg_base is not None
        server = create_engine(self.pg_base, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
        with server.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        server.dispose()

    def drop_all(self) -> None:
        if self.engine == "postgresql":
            self._server(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.made))


def _databases(request: pytest.FixtureRequest, engine: str, root: Path) -> Databases:
    # postgres_url skips (or, in CI, fails) when the server is down, and names this process's
    # own database: every database made here is named after it, so parallel runs never meet.
    pg_base = request.getfixturevalue("postgres_url") if engine == "postgresql" else None
    made = Databases(engine, root, pg_base)
    request.addfinalizer(made.drop_all)
    return made


@pytest.fixture(params=ENGINES)
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Databases:
    return _databases(request, request.param, tmp_path)


def make_app(url: str, instance: Path) -> Flask:
    from engage import create_app

    before = os.environ.get("ENGAGE_INSTANCE_PATH")
    os.environ["ENGAGE_INSTANCE_PATH"] = str(instance)  # the erasure ledger's folder
    try:
        return create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": "localhost"}
        )
    finally:
        if before is None:
            del os.environ["ENGAGE_INSTANCE_PATH"]
        else:
            os.environ["ENGAGE_INSTANCE_PATH"] = before


def in_app(url: str, instance: Path, work: Callable[[], Any]) -> Any:
    from engage.extensions import db

    app = make_app(url, instance)
    with app.app_context():
        try:
            return work()
        finally:
            db.session.remove()
            db.engine.dispose()


def cli(url: str, instance: Path, *args: str) -> Any:
    """Run an `engage` command against ``url``, in its own app context (with_appcontext would
    otherwise use whichever app a test already has open)."""
    from engage.extensions import db

    app = make_app(url, instance)
    with app.app_context():
        try:
            return app.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()
            db.engine.dispose()


# --- a database with a row in every table ------------------------------------------------------


def fill_every_table() -> None:
    """Demo data, a submitted survey response, and a row for each table the demo leaves empty."""
    from sqlalchemy import select

    from engage.extensions import db
    from engage.models import (
        AnalysisRun,
        ApiToken,
        Code,
        CodingSample,
        Comment,
        CommentCode,
        CommentCoded,
        CommentTheme,
        GpPractice,
        ImportBatch,
        ImportRowError,
        Intention,
        Invitation,
        OutboundMessage,
        Person,
        PostcodeLookup,
        SurveyTranslation,
        Theme,
        ThemeIntentionLink,
        Topic,
        User,
        YouSaidWeDid,
    )
    from engage.models.surveys import survey_practice
    from engage.services import audit, demo
    from engage.services import responses as runner
    from tests.factories import create_survey

    with audit.acting_as(audit.Actor(None, "test")):
        demo.load_demo()
        person = db.session.scalars(select(Person).order_by(Person.id)).first()
        assert person is not None
        survey = create_survey()
        started = runner.start_response(survey, person_id=person.id)
        runner.save_answers(
            started.response,
            survey.sections[1],
            {"fft": "Good", "comments": "The bus from Garstang was late twice"},
        )
        runner.submit(started.response.id)
        user = db.session.scalars(select(User)).first()
        comment = db.session.scalars(select(Comment).order_by(Comment.id)).first()
        intention = db.session.scalars(select(Intention)).first()
        practice = db.session.scalars(select(GpPractice)).first()
        assert user and comment and intention and practice
        theme = Theme(slug="travel", name="Travel and parking")
        run = AnalysisRun(status="succeeded", params={"survey_id": survey.id})
        batch = ImportBatch(
            filename="feedback.csv", stored_name="x.csv", sha256="0" * 64, file_format="csv"
        )
        db.session.add_all([theme, run, batch])
        db.session.flush()
        topic = Topic(run_id=run.id, number=0, label="buses", theme_id=theme.id)
        code = Code(name="Bus times", theme_id=theme.id)
        message = OutboundMessage(
            kind="invitation", person_id=person.id, survey_id=survey.id,
            to_address="someone@example.org", subject="A survey", body="Please take part",
        )  # fmt: skip
        db.session.add_all([topic, code, message])
        db.session.flush()
        db.session.add_all(
            [
                CommentTheme(comment_id=comment.id, theme_id=theme.id, run_id=run.id,
                             topic_id=topic.id),
                CommentCode(comment_id=comment.id, code_id=code.id, user_id=user.id),
                CommentCoded(comment_id=comment.id, user_id=user.id),
                CodingSample(name="first", comment_ids=[comment.id], coder_ids=[user.id]),
                ThemeIntentionLink(theme_id=theme.id, intention_id=intention.id, score=0.5),
                YouSaidWeDid(theme_id=theme.id, you_said="Buses", we_did="Asked the council"),
                ImportRowError(batch_id=batch.id, row_number=2, message="No text"),
                Invitation(survey_id=survey.id, person_id=person.id, token_hash="1" * 64,
                           segment="Citizens' Panel", message_id=message.id),
                ApiToken(name="dashboard", token_hash="2" * 64),
                PostcodeLookup(postcode="PR11AA", district="PR1", imd_decile=3),
                SurveyTranslation(survey_id=survey.id, language="pl",
                                  strings={"survey.title": "Dojazd do szpitala"}),
            ]
        )  # fmt: skip
        db.session.execute(survey_practice.insert().values(survey_id=survey.id,
                                                           practice_id=practice.id))  # fmt: skip
        db.session.commit()
        # A resident erased before the backup: the erasure ledger has its row.
        from engage.services import panel

        erased = db.session.scalars(select(Person).order_by(Person.id.desc())).first()
        assert erased is not None and erased.id != person.id
        panel.erase(erased.id)


def empty_tables(url: str) -> list[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        found = [
            t
            for t in inspect(conn).get_table_names()
            if not conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()  # noqa: S608
        ]
    engine.dispose()
    return found


def table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a SHA-256 of its rows in primary-key order."""
    engine = create_engine(url, poolclass=pool.NullPool)
    found: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        insp = inspect(conn)
        for table in sorted(insp.get_table_names()):
            key = insp.get_pk_constraint(table)["constrained_columns"] or [
                c["name"] for c in insp.get_columns(table)
            ]
            order = ", ".join(f'"{c}"' for c in key)
            rows = conn.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}')).all()  # noqa: S608
            digest = hashlib.sha256()
            for row in rows:
                digest.update(repr(tuple(row)).encode())
                digest.update(b"\n")
            found[table] = (len(rows), digest.hexdigest())
    engine.dispose()
    return found


@pytest.fixture(scope="module", params=ENGINES)
def populated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Databases, str, Path]]:
    """One database per engine with every table populated (loading the demo takes a while)."""
    root = tmp_path_factory.mktemp(f"populated-{request.param}")
    made = _databases(request, request.param, root)
    url = made.new("source")
    migrations.upgrade(url)
    in_app(url, root / "instance", fill_every_table)
    yield made, url, root


# --- the tests ----------------------------------------------------------------------------------


def test_a_backup_of_every_table_restores_row_for_row(populated, tmp_path):
    made, source, root = populated
    assert empty_tables(source) == [], "fill_every_table must give every table a row"
    before = table_digests(source)

    file = tmp_path / "engage.backup"
    taken = cli(source, root / "instance", "backup", str(file))
    assert taken.exit_code == 0, taken.output
    manifest = json.loads(backup.manifest_path(file).read_text())
    assert manifest["engine"] == made.engine
    assert manifest["revision"] == migrations.heads()[0]
    assert manifest["checksum"] == "sha256:" + hashlib.sha256(file.read_bytes()).hexdigest()
    assert manifest["size_bytes"] == file.stat().st_size > 0
    assert manifest["created_at"]
    assert manifest["tables"] == {t: n for t, (n, _) in before.items() if t != "alembic_version"}
    assert f"at revision {manifest['revision']}: {file}" in taken.output

    target = made.new("restored")
    restored = cli(target, root / "instance", "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "as its manifest says" in restored.output
    assert table_digests(target) == before


def test_a_backup_taken_while_residents_write_is_one_consistent_moment(populated, tmp_path):
    """Rows written during the backup are in it wholly or not at all, and the manifest's counts
    are the dump's own (a restore checks every table against them)."""
    made, source, root = populated
    engine = create_engine(source, poolclass=pool.NullPool)
    stop = threading.Event()
    written: list[int] = []

    def write() -> None:
        n = 0
        while not stop.is_set():
            with engine.begin() as conn:
                # Two tables in one transaction: a torn copy would hold one without the other.
                conn.execute(
                    text("INSERT INTO postcode_lookup (postcode, district) VALUES (:p, 'ZZ9')"),
                    {"p": f"ZZ9{n:05d}"},
                )
                conn.execute(
                    text(
                        "INSERT INTO api_token (name, token_hash, created_at)"
                        " VALUES (:n, :h, CURRENT_TIMESTAMP)"
                    ),
                    {"n": f"load {n}", "h": f"{n:064d}"},
                )
            n += 1
            written.append(n)
            time.sleep(0.002)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        file = tmp_path / "busy.backup"
        manifest = backup.backup(source, file)
    finally:
        stop.set()
        writer.join()
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM postcode_lookup WHERE district = 'ZZ9'"))
            conn.execute(text("DELETE FROM api_token WHERE name LIKE 'load %'"))
        engine.dispose()
    target = made.new("busy")
    backup.restore_database(target, file)
    counts = {t: n for t, (n, _) in table_digests(target).items()}
    assert counts["postcode_lookup"] == counts["api_token"] == manifest.tables["api_token"], (
        "two tables written in one transaction were copied at different moments"
    )
    assert 5 <= counts["api_token"] - 1 <= len(written), "the backup missed the writes before it"


def test_an_older_schemas_backup_restores_and_is_migrated_to_head(databases, tmp_path):
    old = databases.new("old")
    migrations.upgrade(old, "0012")
    engine = create_engine(old, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, ref, given_name, communication_needs, created_at)"
                " VALUES (7, 'old-ref', 'Olive', '[]', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    file = tmp_path / "old.backup"
    assert backup.backup(old, file).revision == "0012"

    target = databases.new("new")
    restored = cli(target, tmp_path / "instance", "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert f"Migrated to {migrations.heads()[0]}." in restored.output
    engine = create_engine(target, poolclass=pool.NullPool)
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == (migrations.heads()[0])
        )
        # 0013 added the postal address: the old row has it now, empty.
        row = conn.execute(text("SELECT ref, given_name, address FROM person")).one()
    engine.dispose()
    assert tuple(row) == ("old-ref", "Olive", None)


def _small_backup(databases: Databases, tmp_path: Path, name: str = "small") -> Path:
    url = databases.new(name)
    migrations.upgrade(url)
    file = tmp_path / f"{name}.backup"
    backup.backup(url, file)
    return file


def test_a_restore_into_a_database_that_is_not_empty_is_refused(databases, tmp_path):
    file = _small_backup(databases, tmp_path)
    target = databases.new("busy")
    migrations.upgrade(target)
    # Migrated, with no rows in any table but alembic_version: still not an empty database.
    engine = create_engine(target, poolclass=pool.NullPool)
    tables = len(inspect(engine).get_table_names())
    engine.dispose()
    refused = cli(target, tmp_path / "instance", "restore", str(file))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: The database {backup.describe(target)} is not empty (it has {tables} tables), "
        "so nothing was restored. Restore only into a new, empty database: create one (for "
        "PostgreSQL, `createdb NAME`), point ENGAGE_DATABASE_URL at it and run `engage "
        "restore` again.\n"
    )


def test_a_backup_from_a_newer_schema_is_refused(databases, tmp_path):
    newer = databases.new("newer")
    migrations.upgrade(newer)
    engine = create_engine(newer, poolclass=pool.NullPool)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    file = tmp_path / "newer.backup"
    backup.backup(newer, file)
    target = databases.new("target")
    refused = cli(target, tmp_path / "instance", "restore", str(file))
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: The backup newer.backup is at schema revision 0099, newer than this version of "
        f"Engage knows (its newest is {migrations.heads()[0]}). Nothing was restored: restore "
        "it with the version of Engage that made it, or upgrade Engage first.\n"
    )
    assert backup.table_count(target) == 0


def test_a_backup_that_does_not_match_its_checksum_is_refused(databases, tmp_path):
    file = _small_backup(databases, tmp_path)
    expected = json.loads(backup.manifest_path(file).read_text())["checksum"]
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    found = "sha256:" + hashlib.sha256(bytes(data)).hexdigest()
    target = databases.new("target")
    refused = cli(target, tmp_path / "instance", "restore", str(file))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: The backup small.backup does not match the checksum in its manifest (expected "
        f"{expected}, found {found}): it is damaged or incomplete. Nothing was restored; use "
        "another backup.\n"
    )
    assert backup.table_count(target) == 0


def test_a_backup_without_its_manifest_is_refused(databases, tmp_path):
    file = _small_backup(databases, tmp_path)
    backup.manifest_path(file).unlink()
    refused = cli(databases.new("target"), tmp_path / "instance", "restore", str(file))
    assert refused.exit_code == 1
    assert "has no manifest (small.backup.json beside it)" in refused.output


def test_a_backup_never_overwrites_an_earlier_one(databases, tmp_path):
    file = _small_backup(databases, tmp_path)
    before = file.read_bytes()
    url = databases.new("again")
    migrations.upgrade(url)
    again = cli(url, tmp_path / "instance", "backup", str(file))
    assert again.exit_code == 1
    assert f"{file} already exists: choose a new name for each backup." in again.output
    assert file.read_bytes() == before


@pytest.mark.postgres
def test_a_sqlite_backup_restores_only_into_sqlite(tmp_path, request):
    file = _small_backup(Databases("sqlite", tmp_path, None), tmp_path)
    target = _databases(request, "postgresql", tmp_path).new("wrong")
    with pytest.raises(backup.BackupError, match="restores only into sqlite, not postgresql"):
        backup.restore_database(target, file)


def test_restore_checks_the_manifests_counts(databases, tmp_path):
    file = _small_backup(databases, tmp_path)
    where = backup.manifest_path(file)
    manifest = json.loads(where.read_text())
    manifest["tables"]["person"] = 3
    where.write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="tables differing: person"):
        backup.restore_database(databases.new("target"), file)


def test_the_nightly_backup_names_each_by_date_and_deletes_those_past_keeping(databases, tmp_path):
    url = databases.new("nightly")
    migrations.upgrade(url)
    store = tmp_path / "backups"
    store.mkdir()
    old = store / "engage-20200101T020000Z.backup"
    for item in (old, backup.manifest_path(old), backup.ledger_copy_path(old)):
        item.write_text("old")
        os.utime(item, (time.time() - 40 * 86400,) * 2)
    recent = store / "engage-20990101T020000Z.backup"
    recent.write_text("recent")
    taken = cli(url, tmp_path / "instance", "backup-schedule", str(store), "--once")
    assert taken.exit_code == 0, taken.output
    assert "3 old files deleted" in taken.output
    made = sorted(p.name for p in store.glob("engage-*.backup"))
    assert len(made) == 2 and recent.name in made and old.name not in made
    last = json.loads((store / "last-backup.json").read_text())
    newest = store / last["file"]
    assert backup.check_backup(newest).checksum == last["checksum"]


def test_the_next_nightly_backup_is_at_the_time_asked_for():
    from datetime import UTC, datetime

    assert backup.seconds_until(2, 0, datetime(2026, 5, 1, 1, 0, tzinfo=UTC)) == 3600
    assert backup.seconds_until(2, 0, datetime(2026, 5, 1, 3, 0, tzinfo=UTC)) == 23 * 3600
