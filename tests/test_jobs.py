"""The queue needs no broker by default (Huey on SQLite) and uses Redis when configured."""

from __future__ import annotations

import os
import uuid

import pytest
from huey import RedisHuey, SqliteHuey

from engage.config import EnvSettings
from engage.jobs import make_huey

REDIS_URL = os.environ.get("ENGAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _settings(tmp_path, **env):
    return EnvSettings.from_environ({"ENGAGE_INSTANCE_PATH": str(tmp_path), **env})


@pytest.fixture
def not_immediate(monkeypatch):
    monkeypatch.delenv("ENGAGE_JOBS_IMMEDIATE", raising=False)


def _round_trip(queue) -> int:
    """Enqueue a task, take it off the queue as a worker does, and return its result."""

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    result = add(2, 3)
    message = queue.dequeue()
    assert message is not None, "nothing was queued"
    queue.execute(message)
    return result.get()


def test_default_queue_is_sqlite_in_the_instance_folder(tmp_path, not_immediate):
    queue = make_huey(_settings(tmp_path))
    assert isinstance(queue, SqliteHuey)
    assert _round_trip(queue) == 5
    assert (tmp_path / "jobs.sqlite3").exists()


@pytest.mark.redis
def test_redis_queue_is_used_when_engage_redis_url_is_set(tmp_path, not_immediate):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("ENGAGE_REQUIRE_REDIS") == "1":
            pytest.fail(
                f"Redis is required (ENGAGE_REQUIRE_REDIS=1) but {REDIS_URL} is unreachable"
            )
        pytest.skip("Redis is not running")
    # A name of its own keeps this run's keys apart from any other user of the server.
    queue = make_huey(
        _settings(tmp_path, ENGAGE_REDIS_URL=REDIS_URL), name=f"engage-test-{uuid.uuid4().hex[:8]}"
    )
    assert isinstance(queue, RedisHuey)
    try:
        assert _round_trip(queue) == 5
    finally:
        queue.flush()


def test_worker_heartbeat_is_visible(tmp_path, not_immediate):
    from engage import jobs

    queue = make_huey(_settings(tmp_path))
    queue.put(jobs.HEARTBEAT_KEY, 1234.5)
    original = jobs.huey
    jobs.huey = queue
    try:
        assert jobs.last_heartbeat() == 1234.5
    finally:
        jobs.huey = original
