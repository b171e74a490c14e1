"""The production shape that compose.yaml and the Dockerfile describe (no Docker engine runs
here, so these are read, not started): the settings they give are the ones the app needs."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_web_worker_postgresql_and_redis():
    assert set(_compose()["services"]) == {"web", "worker", "postgres", "redis"}


def test_web_and_worker_both_migrate_before_they_start():
    """Both may start first; the migration lock lets them run db-upgrade together."""
    services = _compose()["services"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "engage db-upgrade && exec gunicorn" in dockerfile  # web's command
    assert "engage db-upgrade && exec huey_consumer" in " ".join(services["worker"]["command"])


def test_web_is_reached_only_through_its_proxy_and_believes_one_hop():
    web = _compose()["services"]["web"]
    assert all(port.startswith("127.0.0.1:") for port in web["ports"])
    assert web["environment"]["ENGAGE_PROXY_HOPS"] == "1"


def test_production_settings_leave_no_demo_defaults():
    env = _compose()["services"]["web"]["environment"]
    assert env["ENGAGE_ENV"] == "production"
    assert env["ENGAGE_SECRET_KEY"].startswith("${ENGAGE_SECRET_KEY:?"), "the secret must be given"
    assert env["ENGAGE_DATABASE_URL"].startswith("postgresql://")
    assert env["ENGAGE_REDIS_URL"].startswith("redis://")
    for name in ("ENGAGE_CONTACT_EMAIL", "ENGAGE_CONTACT_PHONE", "ENGAGE_CONTACT_ADDRESS"):
        assert env[name].startswith(f"${{{name}:?"), f"{name} must be given, not defaulted"
