"""The JSON API: health and readiness probes here, the reporting API in ``engage.api.v1``."""

from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from engage.auth import public
from engage.extensions import csrf
from engage.services import health

bp = Blueprint("api", __name__)
csrf.exempt(bp)


@bp.route("/health")
@public
def healthcheck() -> Response:
    """Liveness: the process answers."""
    return jsonify({"status": "ok"})


@bp.route("/ready")
@public
def readiness() -> tuple[Response, int]:
    """Readiness: the database answers and is migrated to the code's head."""
    report = health.readiness()
    return jsonify(report.as_dict()), 200 if report.ready else 503


# The token-authenticated reporting API registers on this blueprint.
from engage.api import surveys, v1  # noqa: E402,F401
