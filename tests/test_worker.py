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


def _many_comments(url: str, n: int) -> None:
    """Enough varied comments that the fit takes seconds, long enough to be interrupted."""
    import random

    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    words = " ".join(COMMENTS).lower().split()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO comment (source, source_key, original_text, redacted_text,"
                " moderation_state, received_at, pii_kinds) VALUES (:s, :k, :t, :t, 'approved',"
                " CURRENT_TIMESTAMP, '[]')"
            ),
            [
                {"s": "survey", "k": f"many{i}", "t": " ".join(rng.choices(words, k=12))}
                for i in range(n)
            ],
        )
    engine.dispose()


def test_killing_the_worker_mid_run_never_leaves_half_written_themes(deployment):
    """Kill -9 the worker during a run: no results appear; a new worker finishes the run."""
    import signal

    url, run_id = deployment["url"], deployment["run_id"]
    _many_comments(url, 4000)
    env = _env(deployment)
    consumer = Path(sys.executable).parent / "huey_consumer"
    enqueue = f"from engage.jobs.analysis_tasks import run_analysis; run_analysis({run_id})"
    subprocess.run([sys.executable, "-c", enqueue], env=env, check=True, timeout=120)  # noqa: S603
    worker = subprocess.Popen(  # noqa: S603
        [str(consumer), "engage.jobs.tasks.huey", "--workers", "1", "--quiet"], env=env
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and _status(url, run_id)[0] != "running":
            time.sleep(0.2)
        assert _status(url, run_id)[0] == "running", "the worker never started the run"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

        engine = create_engine(url)
        with engine.connect() as conn:
            written = conn.execute(
                text("SELECT count(*) FROM comment_theme WHERE run_id = :id"), {"id": run_id}
            ).scalar()
            topics = conn.execute(
                text("SELECT count(*) FROM topic WHERE run_id = :id"), {"id": run_id}
            ).scalar()
        engine.dispose()
        assert written == 0 and topics == 0, "a killed run left part of its results behind"
        assert _status(url, run_id)[0] == "running"  # until its silence is noticed

        # A new worker notices the silent run (stale after 0 s here) and runs it again.
        recover = (
            "from engage import create_app; from engage.services import analysis;"
            " app = create_app();"
            " app.config['ENGAGE_RUN_STALE_SECONDS'] = 0; ctx = app.app_context(); ctx.push();"
            " print(analysis.recover_stale_runs())"
        )
        out = subprocess.run(  # noqa: S603
            [sys.executable, "-c", recover], env=env, check=True, timeout=120,
            capture_output=True, text=True,
        )  # fmt: skip
        assert f"[{run_id}]" in out.stdout
        worker = subprocess.Popen(  # noqa: S603
            [str(consumer), "engage.jobs.tasks.huey", "--workers", "1", "--quiet"], env=env
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _status(url, run_id)[0] in ("queued", "running"):
            time.sleep(1)
        assert _status(url, run_id) == ("succeeded", 100)
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
