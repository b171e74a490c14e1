"""The site really serves under gunicorn, as `make demo` and production run it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from engage.services import migrations


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_gunicorn_serves_the_app_on_a_migrated_sqlite_database(tmp_path: Path):
    migrations.upgrade(f"sqlite:///{tmp_path / 'engage.sqlite3'}")
    port = _free_port()
    env = {
        **os.environ,
        "ENGAGE_INSTANCE_PATH": str(tmp_path),
        "ENGAGE_ENV": "demo",
        # The production settings file, with the machine-derived defaults narrowed for a test.
        "ENGAGE_BIND": f"127.0.0.1:{port}",
        "ENGAGE_WEB_WORKERS": "2",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    conf = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    proc = subprocess.Popen(
        [str(gunicorn), "-c", str(conf), "engage.wsgi:app"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        for _ in range(60):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ready", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert body is not None, "gunicorn never answered"
        assert '"status":"ready"' in body.replace(" ", "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert "Have your say" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_gunicorn_refuses_to_serve_production_with_demo_settings(tmp_path: Path):
    env = {**os.environ, "ENGAGE_INSTANCE_PATH": str(tmp_path), "ENGAGE_ENV": "production"}
    env.pop("ENGAGE_SECRET_KEY", None)
    env.pop("ENGAGE_DATABASE_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "--bind", f"127.0.0.1:{_free_port()}", "engage.wsgi:app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0, "gunicorn started with the demo secret in production"
    output = result.stdout + result.stderr
    assert "Refusing to start in production" in output
    assert "ENGAGE_SECRET_KEY" in output and "PostgreSQL" in output
