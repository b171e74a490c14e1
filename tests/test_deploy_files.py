"""The production shape that compose.yaml and the Dockerfile describe (no Docker engine runs
here, so these are read, not started): the settings they give are the ones the app needs."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_web_worker_backup_postgresql_and_redis():
    assert set(_compose()["services"]) == {"web", "worker", "backup", "postgres", "redis"}


def test_a_backup_is_taken_nightly_of_the_same_database_with_the_erasure_ledger():
    """The backup service runs `engage backup-schedule` against web's database, with the
    instance volume (where the erasure ledger lives) mounted, into a volume of its own."""
    services = _compose()["services"]
    backup, web = services["backup"], services["web"]
    command = backup["command"]
    assert command[:3] == ["engage", "backup-schedule", "/var/backups/engage"]
    assert command[command.index("--at") + 1] == "${ENGAGE_BACKUP_AT:-02:00}"
    assert command[command.index("--keep-days") + 1] == "${ENGAGE_BACKUP_KEEP_DAYS:-35}"
    assert backup["environment"] == web["environment"], "the backup must read web's database"
    assert "engage-data:/var/lib/engage" in backup["volumes"], "the erasure ledger lives there"
    assert "engage-backups:/var/backups/engage" in backup["volumes"]
    assert "engage-backups" in _compose()["volumes"]
    assert backup["healthcheck"] == {"disable": True}, "it serves no HTTP for web's check"
    assert backup["depends_on"]["postgres"] == {"condition": "service_healthy"}
    # pg_dump must be the server's major version or newer: the image adds that client.
    server_major = services["postgres"]["image"].split(":")[1].split(".")[0]
    build = backup["build"]
    assert build["additional_contexts"] == {"engage-app": "service:web"}
    assert build["dockerfile_inline"].startswith("FROM engage-app\n")
    assert f"postgresql-client-{server_major}" in build["dockerfile_inline"]


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
