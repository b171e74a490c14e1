"""Command-line tasks: migrate, create the first admin, load the catalogue and the demo data."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from engage.models import Role
from engage.services import audit
from engage.services.errors import DomainError

CLI_ACTOR = audit.Actor(None, "command line")


def init_app(app: Flask) -> None:
    for command in (
        db_upgrade,
        db_downgrade,
        create_admin,
        load_intentions,
        load_population,
        load_postcodes,
        load_demo,
        check_config,
        apply_retention,
        backup_database,
        backup_schedule,
        restore_database,
        reapply_erasures,
    ):
        app.cli.add_command(command)


@click.command("db-upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply database migrations."""
    from engage.services import migrations

    migrations.upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"Database migrated to {revision}.")


@click.command("db-downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Revert database migrations to REVISION (for example: base)."""
    from engage.services import migrations

    migrations.downgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"Database downgraded to {revision}.")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Full name")
@click.option(
    "--password",
    envvar="ENGAGE_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Read from ENGAGE_ADMIN_PASSWORD when set; otherwise asked for, never echoed.",
)
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account (the first one, or another)."""
    from engage.services import users

    with audit.acting_as(CLI_ACTOR):
        try:
            user = users.create_user(email, name, Role.ADMIN, password)
        except DomainError as err:
            raise click.ClickException(err.message) from err
    click.echo(f"Administrator {user.email} created.")


@click.command("load-intentions")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A catalogue file; the packaged one by default.",
)
@with_appcontext
def load_intentions(path: str | None) -> None:
    """Load or update the commissioning-intentions catalogue (safe to run again)."""
    from pathlib import Path

    from engage.services import intentions

    with audit.acting_as(CLI_ACTOR):
        try:
            result = intentions.load_catalogue(Path(path) if path else None)
        except ValueError as err:
            raise click.ClickException(str(err)) from err
    click.echo(
        f"Intentions: {result.created} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.retired} retired; {result.domains} domains."
    )


@click.command("load-population")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--file",
    "legacy_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The same as FILE (kept for scripts written before FILE was accepted).",
)
@with_appcontext
def load_population(file: str | None, legacy_path: str | None) -> None:
    """Load census figures used to judge who is under-represented (safe to run again).

    With no FILE: the figures shipped with Engage (unverified until someone checks them).
    With FILE: a table the ICB downloaded from ONS (Census 2021 TS001, TS007/TS007A, TS008,
    TS021 by local authority) or the IMD 2019 File 7; see engage/data/population_sources.md.
    """
    from pathlib import Path

    from engage.services import representativeness

    path = file or legacy_path
    with audit.acting_as(CLI_ACTOR):
        try:
            if path is None:
                n = representativeness.load_population()
                click.echo(
                    f"Population figures: {n} rows loaded from the packaged file. They are "
                    "marked unverified until checked against the published ONS tables."
                )
                return
            result = representativeness.load_population_file(Path(path))
        except representativeness.PopulationFileError as err:
            raise click.ClickException(str(err)) from err
        except (KeyError, ValueError, UnicodeDecodeError) as err:
            raise click.ClickException(f"Could not read the population file: {err}") from err
    click.echo(result.summary())


@click.command("load-postcodes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--icb",
    default=None,
    help="Keep only postcodes whose 'icb' column has this code (leaves out Eden, for one).",
)
@click.option(
    "--all-areas",
    is_flag=True,
    help="Keep every postcode, not only those in the ICB's local authorities.",
)
@click.option(
    "--imd-lsoas",
    default=32_844,
    show_default=True,
    help="How many LSOAs the 'imd' ranks are out of (IMD 2019: 32,844).",
)
@with_appcontext
def load_postcodes(file: str, icb: str | None, all_areas: bool, imd_lsoas: int) -> None:
    """Import the ONS postcode directory (NSPL or ONSPD CSV) for postcode -> place and decile.

    Safe to run again: the file replaces the whole lookup in one transaction, so a load that
    fails, or stores nothing, leaves the lookup as it was.
    """
    from pathlib import Path

    from engage.services import postcodes

    def progress(read: int) -> None:
        if read % 500_000 < postcodes.BATCH:
            click.echo(f"  {read:,} rows read...")

    with audit.acting_as(CLI_ACTOR):
        try:
            result = postcodes.load_lookup(
                Path(file), icb=icb, all_areas=all_areas, imd_lsoas=imd_lsoas, progress=progress
            )
        except postcodes.PostcodeFileError as err:
            raise click.ClickException(str(err)) from err
        except UnicodeDecodeError as err:
            raise click.ClickException(
                f"The file is not UTF-8 text ({err.reason}): is it the CSV from the ONS zip?"
            ) from err
    click.echo(result.summary())
    if result.read and not result.stored:
        raise click.ClickException(
            "No postcode was stored, so the lookup is as it was: check the file is the NSPL or "
            "ONSPD for the ICB's areas"
        )


@click.command("load-demo")
@click.option("--seed", default=2026, show_default=True)
@with_appcontext
def load_demo(seed: int) -> None:
    """Load the demo data set (does nothing if it is already loaded)."""
    from engage.services import demo

    with audit.acting_as(CLI_ACTOR):
        outcome = demo.load_demo(seed=seed)
    click.echo(outcome)


@click.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, delete nothing.")
@with_appcontext
def apply_retention(dry_run: bool) -> None:
    """Delete personal data past its retention period (the worker does this nightly)."""
    from engage.services import retention

    with audit.acting_as(CLI_ACTOR):
        click.echo(retention.apply(dry_run=dry_run).summary())


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_database(file: Path) -> None:
    """Write a consistent backup of the database to FILE while the site serves.

    PostgreSQL: pg_dump's custom format; SQLite: the online backup API. FILE.json beside it
    records the engine, schema revision, SHA-256 and row counts; FILE.erasures.jsonl is a copy
    of the erasure ledger, which a restore needs too. Keep all three together.
    """
    from engage.services import backup, erasure_ledger

    try:
        erasure_ledger.sync_file()
        manifest = backup.backup(
            current_app.config["SQLALCHEMY_DATABASE_URI"], file, ledger=erasure_ledger.ledger_path()
        )
    except (backup.BackupError, OSError) as err:
        raise click.ClickException(str(err)) from err
    click.echo(
        f"Backed up the {manifest.engine} database at revision {manifest.revision}: {file} "
        f"({manifest.size_bytes:,} bytes, {manifest.total_rows:,} rows in "
        f"{len(manifest.tables)} tables, {manifest.checksum}); manifest "
        f"{backup.manifest_path(file)}."
    )


@click.command("backup-schedule")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--at", "at", default="02:00", show_default=True, help="The time (UTC) each day.")
@click.option(
    "--keep-days",
    default=35,
    show_default=True,
    help="Delete backups older than this (they hold data residents have since had erased).",
)
@click.option("--once", is_flag=True, help="Take one backup now and stop.")
@with_appcontext
def backup_schedule(directory: Path, at: str, keep_days: int, once: bool) -> None:
    """Back up nightly into DIRECTORY under dated names, keeping --keep-days of them.

    compose.yaml's backup service runs this. DIRECTORY/last-backup.json says when the last one
    succeeded; a failed night is printed and tried again the next night.
    """
    import time
    from datetime import UTC, datetime

    from engage.extensions import db
    from engage.services import backup, erasure_ledger

    try:
        hour, minute = (int(part) for part in at.split(":"))
    except ValueError:
        raise click.BadParameter("use HH:MM, for example 02:00", param_hint="--at") from None
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    while True:
        if not once:
            wait = backup.seconds_until(hour, minute, datetime.now(UTC))
            click.echo(f"Next backup in {wait / 3600:.1f} hours.")
            time.sleep(wait)
        try:
            erasure_ledger.sync_file()
            db.session.remove()  # hold no connection through the day's sleep
            manifest, pruned = backup.take_scheduled(
                url, directory, keep_days=keep_days, ledger=erasure_ledger.ledger_path()
            )
        except Exception as err:  # noqa: BLE001 - a failed night must not stop the next one
            if once:
                raise click.ClickException(str(err)) from err
            click.echo(f"Backup failed: {err}", err=True)
            continue
        click.echo(
            f"Backed up to {directory / manifest.file} ({manifest.checksum}); "
            f"{len(pruned)} old files deleted."
        )
        if once:
            return


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_database(file: Path) -> None:
    """Restore the backup FILE into the configured database, which must be empty.

    Refuses a backup whose checksum does not match its manifest or whose schema is newer than
    this code; checks every table's row count against the manifest, migrates to head, then
    erases again everyone in the erasure ledger (ENGAGE_ERASURE_LEDGER) erased since.
    Stop the web site and the worker first; start them when it has finished.
    """
    from engage.services import backup, erasure_ledger, migrations

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    with audit.acting_as(CLI_ACTOR):
        try:
            manifest, erasures = erasure_ledger.restore_and_reapply(url, file)
        except backup.BackupError as err:
            raise click.ClickException(str(err)) from err
        except DomainError as err:
            raise click.ClickException(err.message) from err
    click.echo(
        f"Restored {file} (taken {manifest.created_at} at revision {manifest.revision}) into "
        f"{backup.describe(url)}: {manifest.total_rows:,} rows in {len(manifest.tables)} "
        f"tables, as its manifest says. Migrated to {migrations.heads()[0]}."
    )
    click.echo(_erasures_summary(erasures, erasure_ledger.ledger_path()))


def _erasures_summary(erasures: Any, ledger: Path) -> str:
    return (
        f"Erasure ledger {ledger}: {erasures.known} erasures, {erasures.reapplied} erased again, "
        f"{erasures.absent} not in this database (they joined after the backup)."
    )


@click.command("reapply-erasures")
@with_appcontext
def reapply_erasures() -> None:
    """Erase again everyone in the erasure ledger whom the database holds un-erased.

    `engage restore` does this itself; run it after restoring a database by other means.
    """
    from engage.services import erasure_ledger

    with audit.acting_as(CLI_ACTOR):
        try:
            erasures = erasure_ledger.reapply()
        except DomainError as err:
            raise click.ClickException(err.message) from err
    click.echo(_erasures_summary(erasures, erasure_ledger.ledger_path()))


@click.command("check-config")
def check_config() -> None:
    """Print the effective settings (secrets hidden) and fail on an unsafe production set-up."""
    from engage.config import ConfigError, EnvSettings

    settings = EnvSettings.from_environ()
    click.echo(f"mode:      {settings.env}")
    click.echo(f"database:  {settings.database_url.split('@')[-1]}")
    click.echo(f"redis:     {'configured' if settings.redis_url else 'not configured'}")
    click.echo(f"instance:  {settings.instance_path}")
    try:
        settings.check()
    except ConfigError as err:
        raise click.ClickException(str(err)) from err
    click.echo("Configuration is acceptable for this mode.")


def _create_app() -> Flask:
    from engage import create_app
    from engage.config import ConfigError

    try:
        return create_app()
    except ConfigError as err:
        click.echo(f"Error: {err}", err=True)
        sys.exit(2)


def main() -> None:
    """Entry point for the ``engage`` command."""
    os.environ.setdefault("FLASK_RUN_PORT", "5000")
    cli = FlaskGroup(create_app=_create_app, add_default_commands=True)
    cli.main(prog_name="engage")


if __name__ == "__main__":
    main()
