"""Commissioners' view: reports on commissioning intentions and themes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)

# The intention and theme reports, their exports and Board-paper views; "you said, we did"
# staff routes register on this blueprint too.
from engage.reports import responses, views  # noqa: E402, F401
