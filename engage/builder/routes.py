"""The engagement team's survey builder."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("builder", __name__)
