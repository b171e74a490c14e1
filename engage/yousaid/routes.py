"""Public "you said, we did" views; thin over engage.services.yousaid."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("yousaid", __name__)
