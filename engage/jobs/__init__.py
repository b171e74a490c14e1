"""The background queue: Huey on SQLite by default (no broker), on Redis when configured.

The database row is the truth about a job; the queue carries only ids, and a task re-reads and
guards on the row's status, so a retried or duplicated message never doubles the work.
Tests run tasks inline (``immediate``) with ``ENGAGE_JOBS_IMMEDIATE=1``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from engage.config import EnvSettings

HEARTBEAT_KEY = "engage:worker-heartbeat"


def make_huey(settings: EnvSettings | None = None, name: str = "engage") -> Huey:
    settings = settings or EnvSettings.from_environ()
    if os.environ.get("ENGAGE_JOBS_IMMEDIATE") == "1":
        return MemoryHuey(name, immediate=True)
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.instance_path / "jobs.sqlite3"))


huey = make_huey()

_app: Any = None


def app_context() -> Any:
    """An application context for task code; the app is built once per worker process."""
    global _app
    if _app is None:
        from engage import create_app

        _app = create_app()
    return _app.app_context()


def in_app_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        if has_app_context():  # run inline (tests, immediate mode) within the caller's app
            return fn(*args, **kwargs)
        with app_context():
            return fn(*args, **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@huey.periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Let the dashboard tell whether a worker is running."""
    huey.put(HEARTBEAT_KEY, time.time())


def last_heartbeat() -> float | None:
    """Seconds since the epoch of the worker's last heartbeat, or None if never seen."""
    try:
        value = huey.get(HEARTBEAT_KEY, peek=True)
    except Exception:  # noqa: BLE001 - an unreachable queue is shown as "no worker seen"
        return None
    return float(value) if value is not None else None
