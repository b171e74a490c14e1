"""Commissioners' view: reports on commissioning intentions and themes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

# The intention and theme reports, their exports and Board-paper views.
from engage.reports import views  # noqa: E402, F401

# "You said, we did" staff routes register on this blueprint.
from engage.reports import responses  # noqa: E402,F401
