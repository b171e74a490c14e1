"""A real worker process takes an analysis run off the real Redis queue and finishes it.

This is the production shape (web and worker apart, Redis between them): the test enqueues
from one process, a ``huey_consumer`` in another does the work, and the database row is how
the two agree on what happened.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.test_analysis import COMMENTS
from tests.test_jobs import REDIS_URL

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("ENGAGE_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required (ENGAGE_REQUIRE_REDIS=1) but {REDIS_URL} is down")
        pytest.skip("Redis is not running")


@pytest.fixture
def deployment(tmp_path: Path) -> dict[str, str]:
    """A migrated database with approved comments and a queued run, and the worker's env."""
    _redis_or_skip()
    from engage import create_app
    from engage.extensions import db
    from engage.models import AnalysisRun, Comment
    from engage.services import migrations

    url = f"sqlite:///{tmp_path / 'engage.sqlite3'}"
    migrations.upgrade(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for n, t in enumerate(COMMENTS):
            db.session.add(
                Comment(source="survey", source_key=f"w{n}", original_text=t,
                        redacted_text=t, moderation_state="approved")
            )  # fmt: skip
        run = AnalysisRun(status="queued", params={}, comment_count=len(COMMENTS))
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        db.session.remove()
    env = {k: v for k, v in os.environ.items() if k != "ENGAGE_JOBS_IMMEDIATE"}
    env |= {
        "ENGAGE_DATABASE_URL": url,
        "ENGAGE_INSTANCE_PATH": str(tmp_path / "instance"),
        "ENGAGE_REDIS_URL": REDIS_URL,
        "ENGAGE_TOPICS_EMBEDDER": "hashing",
        "ENGAGE_TOPICS_CACHE": str(tmp_path / "cache"),
    }
    return {"url": url, "run_id": str(run_id), **{f"env:{k}": v for k, v in env.items()}}


def _env(d: dict[str, str]) -> dict[str, str]:
    return {k[4:]: v for k, v in d.items() if k.startswith("env:")}


def _status(url: str, run_id: str) -> tuple[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT status, progress FROM analysis_run WHERE id = :id"), {"id": run_id}
            ).one()
            return str(row[0]), int(row[1])
    finally:
        engine.dispose()


def test_a_worker_on_redis_runs_a_queued_analysis_to_the_end(deployment):
    env = _env(deployment)
    enqueue = (
        f"from engage.jobs.analysis_tasks import run_analysis; run_analysis({deployment['run_id']})"
    )
    subprocess.run([sys.executable, "-c", enqueue], env=env, check=True, timeout=120)  # noqa: S603
    assert _status(deployment["url"], deployment["run_id"])[0] == "queued"
    consumer = Path(sys.executable).parent / "huey_consumer"
    worker = subprocess.Popen(  # noqa: S603
        [str(consumer), "engage.jobs.tasks.huey", "--workers", "1", "--quiet"], env=env
    )
    try:
        deadline = time.monotonic() + 240
        status = "queued"
        while time.monotonic() < deadline:
            status, progress = _status(deployment["url"], deployment["run_id"])
            if status not in ("queued", "running"):
                break
            time.sleep(1)
        assert status == "succeeded" and progress == 100
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
