"""Resident-facing pages: the open surveys, the privacy notice, the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, render_template

from engage.auth import public
from engage.services import surveys

bp = Blueprint("survey", __name__)


@bp.route("/")
@public
def home() -> str:
    return render_template("survey/home.html", open_surveys=surveys.list_open_surveys())


@bp.route("/privacy")
@public
def privacy() -> str:
    return render_template("survey/privacy.html")


@bp.route("/accessibility")
@public
def accessibility() -> str:
    return render_template("survey/accessibility.html")
