"""Analysis views; thin over engage.services.analysis and engage.services.themes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("analysis", __name__)
