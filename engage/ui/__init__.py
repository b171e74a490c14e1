"""Template helpers shared by every page."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from engage.models import Role

# (endpoint, text, roles that see it; empty means every staff role)
NAVIGATION: list[tuple[str, str, frozenset[Role]]] = [
    ("admin.dashboard", "Dashboard", frozenset()),
    ("builder.list_surveys", "Surveys", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("results.list_surveys", "Survey results", frozenset()),
    ("moderation.queue", "Moderation", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("imports.list_imports", "Imports", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("insight.comments", "Comments", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("analysis.runs", "Analysis", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("analysis.themes", "Themes", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    (
        "insight.representativeness_overview",
        "Who is responding",
        frozenset({Role.ENGAGEMENT, Role.ADMIN}),
    ),
    ("panel.members", "Panel", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("panel.ppgs", "PPGs", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("panel.invitations_overview", "Invitations", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    ("panel.outbox", "Outbox", frozenset({Role.ENGAGEMENT, Role.ADMIN})),
    (
        "admin.response_requests",
        "Requests about a response",
        frozenset({Role.ENGAGEMENT, Role.ADMIN}),
    ),
    ("reports.intentions", "Commissioning intentions", frozenset()),
    ("reports.themes", "Theme reports", frozenset()),
    ("reports.responses", "You said, we did", frozenset()),
    ("admin.users", "Staff accounts", frozenset({Role.ADMIN})),
    ("admin.audit_log", "Audit log", frozenset({Role.ADMIN})),
    ("admin.api_tokens", "API tokens", frozenset({Role.ADMIN})),
]


def nav_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    role = current_user.role_enum
    items = []
    for endpoint, text, roles in NAVIGATION:
        # An area whose routes are not registered (yet) simply has no link.
        if (roles and role not in roles) or endpoint not in current_app.view_functions:
            continue
        href = url_for(endpoint)
        items.append({"href": href, "text": text, "current": request.path == href})
    return items


def source_label(code: str | None) -> str:
    """Where a comment came from, as the team says it ("Friends and Family Test", not "fft")."""
    from engage.services.imports import SOURCES

    return {"survey": "Survey", **SOURCES}.get(code or "", code or "")


def init_app(app: Flask) -> None:
    from engage.services.panel import PRIVACY_NOTICE_VERSION

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.filters["source_label"] = source_label
    # One version number for the notice, the join form that links to it and consents given.
    app.jinja_env.globals["privacy_notice_version"] = PRIVACY_NOTICE_VERSION
