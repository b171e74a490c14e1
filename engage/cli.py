"""Command-line tasks: migrate, create the first admin, load the catalogue and the demo data."""

from __future__ import annotations

import os
import sys

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
        load_demo,
        check_config,
        apply_retention,
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
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A CSV of population figures; the packaged census figures by default.",
)
@with_appcontext
def load_population(path: str | None) -> None:
    """Load or update population figures used to judge who is under-represented."""
    from pathlib import Path

    from engage.services import representativeness

    with audit.acting_as(CLI_ACTOR):
        try:
            n = representativeness.load_population(Path(path) if path else None)
        except (KeyError, ValueError) as err:
            raise click.ClickException(f"Could not read the population file: {err}") from err
    click.echo(f"Population figures: {n} rows loaded.")


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
