"""The Citizens' Panel and PPGs: residents join and manage their details; the team manages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("panel", __name__)
