"""Configuration comes from ENGAGE_* variables, and production refuses unsafe settings."""

from __future__ import annotations

import pytest

from engage import create_app
from engage.config import DEMO_SECRET_KEY, ConfigError, EnvSettings, normalise_database_url

STRONG = "x" * 40


def test_demo_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    settings = EnvSettings.from_environ({"ENGAGE_INSTANCE_PATH": str(tmp_path)})
    assert settings.env == "demo"
    assert settings.database_url == f"sqlite:///{tmp_path / 'engage.sqlite3'}"
    assert settings.secret_key == DEMO_SECRET_KEY
    assert settings.redis_url is None
    settings.check()  # the demo may run with demo settings


def test_environment_variables_override_defaults(tmp_path):
    settings = EnvSettings.from_environ(
        {
            "ENGAGE_INSTANCE_PATH": str(tmp_path),
            "ENGAGE_DATABASE_URL": "postgres://u@db/engage",
            "ENGAGE_SECRET_KEY": STRONG,
            "ENGAGE_REDIS_URL": "redis://cache:6379/0",
            "ENGAGE_SMALL_NUMBER_THRESHOLD": "5",
        }
    )
    flask_config = settings.to_flask()
    assert flask_config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/engage"
    assert flask_config["SECRET_KEY"] == STRONG
    assert flask_config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert flask_config["ENGAGE_SMALL_NUMBER_THRESHOLD"] == 5
    assert flask_config["WTF_CSRF_TIME_LIMIT"] is None, "CSRF must not expire mid-survey"


CONTACT = {
    "ENGAGE_CONTACT_EMAIL": "engagement@example.nhs.uk",
    "ENGAGE_CONTACT_PHONE": "01772 000000",
    "ENGAGE_CONTACT_ADDRESS": "Engagement team, Example House, Preston",
}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ENGAGE_DATABASE_URL": "postgresql://db/engage"}, "ENGAGE_SECRET_KEY"),
        (
            {"ENGAGE_SECRET_KEY": DEMO_SECRET_KEY, "ENGAGE_DATABASE_URL": "postgresql://db/e"},
            "ENGAGE_SECRET_KEY",
        ),
        (
            {"ENGAGE_SECRET_KEY": "short", "ENGAGE_DATABASE_URL": "postgresql://db/e"},
            "at least 32 characters",
        ),
        ({"ENGAGE_SECRET_KEY": STRONG}, "PostgreSQL"),
        ({"ENGAGE_SECRET_KEY": STRONG, "ENGAGE_DATABASE_URL": "sqlite:////tmp/x.db"}, "PostgreSQL"),
    ],
)
def test_production_refuses_demo_secret_or_embedded_database(environ, message, tmp_path):
    settings = EnvSettings.from_environ(
        {"ENGAGE_ENV": "production", "ENGAGE_INSTANCE_PATH": str(tmp_path), **environ}
    )
    with pytest.raises(ConfigError, match=message):
        settings.check()


def test_production_with_real_settings_is_accepted_and_cookies_are_secure(tmp_path):
    settings = EnvSettings.from_environ(
        {
            "ENGAGE_ENV": "production",
            "ENGAGE_SECRET_KEY": STRONG,
            "ENGAGE_DATABASE_URL": "postgresql://db/engage",
            "ENGAGE_INSTANCE_PATH": str(tmp_path),
            **CONTACT,
        }
    )
    settings.check()
    assert settings.to_flask()["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_give_residents_the_demo_contact_details(tmp_path):
    base = {
        "ENGAGE_ENV": "production",
        "ENGAGE_SECRET_KEY": STRONG,
        "ENGAGE_DATABASE_URL": "postgresql://db/engage",
        "ENGAGE_INSTANCE_PATH": str(tmp_path),
    }
    without_phone = {k: v for k, v in CONTACT.items() if k != "ENGAGE_CONTACT_PHONE"}
    with pytest.raises(ConfigError, match="set ENGAGE_CONTACT_PHONE to the engagement team"):
        EnvSettings.from_environ({**base, **without_phone}).check()
    with pytest.raises(ConfigError, match="ENGAGE_CONTACT_EMAIL, ENGAGE_CONTACT_PHONE"):
        EnvSettings.from_environ(base).check()
    # The privacy mailbox serves as the contact email when no other is given.
    only_privacy = {**without_phone, "ENGAGE_CONTACT_PHONE": "01772 000000"}
    only_privacy["ENGAGE_PRIVACY_CONTACT"] = only_privacy.pop("ENGAGE_CONTACT_EMAIL")
    EnvSettings.from_environ({**base, **only_privacy}).check()


def test_create_app_refuses_to_start_in_production_with_the_demo_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("ENGAGE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="Refusing to start in production"):
        create_app()


def test_unknown_mode_is_refused(tmp_path):
    settings = EnvSettings.from_environ(
        {"ENGAGE_ENV": "prod", "ENGAGE_INSTANCE_PATH": str(tmp_path)}
    )
    with pytest.raises(ConfigError, match="ENGAGE_ENV"):
        settings.check()


def test_check_config_command_fails_on_unsafe_production(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from engage.cli import check_config

    monkeypatch.setenv("ENGAGE_ENV", "production")
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("ENGAGE_SECRET_KEY", raising=False)
    result = CliRunner().invoke(check_config)
    assert result.exit_code != 0
    assert "ENGAGE_SECRET_KEY" in result.output


def test_postgres_url_short_forms_use_psycopg3():
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"
