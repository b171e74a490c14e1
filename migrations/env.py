"""Alembic environment: one metadata, batch mode on SQLite, URL from the app's settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from engage.config import EnvSettings, normalise_database_url
from engage.models import Base

config = context.config
target_metadata = Base.metadata
# Any fixed 64-bit number, the same in every process: "Engage migrations".
MIGRATION_LOCK = 0x456E6761676531


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return normalise_database_url(url or EnvSettings.from_environ().database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            # Batch mode rebuilds tables; foreign keys must not fire while it copies rows.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # The PRAGMA opened a transaction; end it, or Alembic's work is never committed.
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite,
            # SQLite reflects FLOAT as DOUBLE; comparing types there only invents changes.
            compare_type=not is_sqlite,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Scaled-out web containers each run `engage db-upgrade` as they start: one
                # migrates while the others wait here, then find the database already at head.
                # The lock is the transaction's, so it is released by its commit or rollback.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
