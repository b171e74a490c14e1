"""Structured logs: one JSON line per request, with a request id and no personal data.

The line names the route's rule (``/i/<token>``), never the path or query string, which can
carry invitation tokens, resume codes or search words; staff appear by id, never by email.
The request id comes from a well-formed ``X-Request-ID`` (a proxy's) or is made here, and is
returned in the response so a resident's "something went wrong" can be found in the logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("engage.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            # The exception's type and where it happened; its message may quote user input.
            exc_type = record.exc_info[0]
            entry["exception"] = exc_type.__name__ if exc_type else None
        return json.dumps(entry, default=str)


def request_id() -> str:
    return str(g.get("request_id", "-"))


def init_app(app: Flask) -> None:
    if not app.testing and not any(
        isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers
    ):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        # The user as the request already loaded them: loading one here, after the view
        # (for example after a sign-out or a password change), is not this hook's business.
        user = g.get("_login_user")
        fields = {
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "ms": round(
                (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1
            ),
            "staff_id": user.id if user is not None and user.is_authenticated else None,
        }
        if request.endpoint != "static":
            log.info("request", extra={"fields": fields})
        return response
