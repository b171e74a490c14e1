"""The schema comes only from Alembic migrations, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from engage.models import Base
from engage.services import migrations
from tests.conftest import reset_postgres


def test_migrations_have_a_single_head():
    assert len(migrations.heads()) == 1, f"several migration heads: {migrations.heads()}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    # Leave the shared template database migrated again for the tests that follow.
    request.addfinalizer(lambda: (reset_postgres(url), migrations.upgrade(url)))
    return url


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trips(empty_database):
    migrations.upgrade(empty_database)
    created = _tables(empty_database)
    assert created == set(Base.metadata.tables), "migrations and models name different tables"
    migrations.downgrade(empty_database, "base")
    assert _tables(empty_database) == set(), "downgrade to base left tables behind"
    migrations.upgrade(empty_database)
    assert _tables(empty_database) == created


def test_models_and_migrations_agree(empty_database):
    """A model change without a migration fails here (autogenerate finds a difference)."""
    migrations.upgrade(empty_database)
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        # SQLite reflects types loosely (FLOAT comes back as DOUBLE); compare them on PostgreSQL.
        opts = {"compare_type": conn.dialect.name != "sqlite"}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path, monkeypatch):
    from engage import create_app
    from engage.extensions import db

    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    migrations.upgrade(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.postgres
def test_web_containers_starting_together_migrate_once(request):
    """`docker compose up --scale web=3`: each container runs `engage db-upgrade` as it starts."""
    import subprocess
    import sys

    url = request.getfixturevalue("postgres_url")
    reset_postgres(url)
    request.addfinalizer(lambda: (reset_postgres(url), migrations.upgrade(url)))
    upgrade = "import sys; from engage.services import migrations; migrations.upgrade(sys.argv[1])"
    runs = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our code
            [sys.executable, "-c", upgrade, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120)[0].decode(errors="replace") for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], "\n".join(outputs)[-3000:]
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    engine.dispose()
    assert versions == migrations.heads()
