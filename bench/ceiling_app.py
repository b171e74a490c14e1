"""The ceiling for bench/load.py: the least a Flask app can do, on the same gunicorn set-up.

gunicorn -c gunicorn.conf.py bench.ceiling_app:app
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> tuple[str, int, dict[str, str]]:
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/api/ready")
def ready() -> tuple[str, int, dict[str, str]]:
    """The same readiness path as Engage, so the benchmark waits for both servers alike."""
    return "ready\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
