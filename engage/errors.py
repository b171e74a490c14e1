"""Friendly error pages (HTML for people, JSON for the API), never a stack trace."""

from __future__ import annotations

import errno
import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException

from engage.extensions import db
from engage.services.errors import DomainError

log = logging.getLogger(__name__)

TITLES = {
    400: "Sorry, there is a problem with that request",
    401: "Sign in to continue",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that did not work",
    413: "That file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
    507: "Sorry, the server has run out of space",
}
# errno values that mean the server's disk has no room: full, over quota, a file-size limit.
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str | None = None, template: str | None = None) -> Response:
    title = TITLES.get(status, TITLES[500])
    if _wants_json():
        resp = jsonify({"error": {"status": status, "title": title, "message": message}})
        resp.status_code = status
        return resp
    body = render_template(
        template or "errors/error.html", status=status, title=title, message=message
    )
    return Response(body, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first. Ending the session rolls
    # back its open transaction; if the database died since the page was made, that rollback
    # fails, and without this the finished page became a bare server error.
    @app.teardown_appcontext
    def _end_session(_exc: BaseException | None) -> None:
        try:
            db.session.close()
        except DBAPIError as err:
            log.warning("database connection lost at the end of a request: %s", type(err).__name__)
            db.session().invalidate()  # drop the dead connection; nothing to roll back

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> Response:
        # Typically an expired session or a form left open across a restart.
        return _render(400, err.description, "errors/csrf.html")

    @app.errorhandler(DomainError)
    def _domain(err: DomainError) -> Response:
        db.session.rollback()
        return _render(err.status_code, err.message)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        status = err.code or 500
        message = None
        if status == 429:
            message = "You have tried too many times. Wait a few minutes, then try again."
        elif status == 413:
            message = "Choose a smaller file."
        return _render(status, message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(ProgrammingError)
    def _database(err: Exception) -> Response:
        db.session.rollback()
        log.error("database error: %s", type(err).__name__, exc_info=err)
        text = str(err).lower()
        if "no such table" in text or "does not exist" in text or "undefinedtable" in text:
            message = (
                "The database has not been set up. An administrator needs to run "
                "'flask --app engage db-upgrade' (or 'make demo')."
            )
        else:
            message = "The database could not be reached. Try again in a few minutes."
        return _render(503, message)

    @app.errorhandler(OSError)
    def _no_room(err: OSError) -> Response:
        if err.errno not in NO_ROOM:
            return _unexpected(err)
        db.session.rollback()
        log.error("disk full: %s", err.strerror)
        return _render(
            507,
            "The server has no room left to keep what you sent, so nothing was saved. "
            "Tell the service's administrator (the disk needs space), then try again.",
        )

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "Try again later. Anything you already submitted has been kept.")
