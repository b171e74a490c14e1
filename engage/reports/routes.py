"""Commissioners' view: the commissioning-intentions catalogue."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from engage.auth import ALL_STAFF, roles_required
from engage.services import intentions as intention_service

bp = Blueprint("reports", __name__)


@bp.route("/intentions")
@roles_required(*ALL_STAFF)
def intentions() -> str:
    years = intention_service.list_years()
    year = request.args.get("year") or (years[0] if years else None)
    return render_template(
        "reports/intentions.html",
        years=years,
        year=year,
        domains=intention_service.catalogue_by_domain(year) if year else [],
    )


@bp.route("/intentions/<int:intention_id>")
@roles_required(*ALL_STAFF)
def intention(intention_id: int) -> str:
    item = intention_service.get_intention(intention_id)
    return render_template(
        "reports/intention.html", intention=item, domain=intention_service.get_domain_for(item)
    )
