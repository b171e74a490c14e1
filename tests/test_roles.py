"""Every staff route checks the role; a route without a declared check fails this file."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from engage.models import Role

# Endpoints that must stay reachable without signing in. Anything else is staff-only.
EXPECTED_PUBLIC = {
    "static",
    "survey.home",
    "survey.privacy",
    "survey.accessibility",
    "auth.login",
    "auth.logout",
    "api.healthcheck",
    "api.readiness",
    # the resident's survey runner
    "survey.start",
    "survey.section",
    "survey.check_answers",
    "survey.confirmation",
    "survey.saved",
    "survey.resume",
    "survey.resume_link",
    "survey.continue_response",
    "survey.invited",
    # the Citizens' Panel, for residents (the profile pages need the emailed link's secret)
    "panel.join",
    "panel.joined",
    "panel.request_link",
    "panel.profile",
    "panel.leave",
    "panel.erase",
    "panel.erased",
}

# What each role may reach, by endpoint; admin reaches everything.
ROLE_MATRIX = {
    "panel.members": {Role.ENGAGEMENT, Role.ADMIN},
    "insight.representativeness_overview": {Role.ENGAGEMENT, Role.ADMIN},
    "insight.representativeness": {Role.ENGAGEMENT, Role.ADMIN},
    "panel.member": {Role.ENGAGEMENT, Role.ADMIN},
    "panel.ppgs": {Role.ENGAGEMENT, Role.ADMIN},
    "panel.ppg": {Role.ENGAGEMENT, Role.ADMIN},
    "panel.outbox": {Role.ENGAGEMENT, Role.ADMIN},
    "panel.invitations_overview": {Role.ENGAGEMENT, Role.ADMIN},
    "panel.invite": {Role.ENGAGEMENT, Role.ADMIN},
    "admin.dashboard": set(Role),
    "auth.change_password": set(Role),
    "reports.intentions": set(Role),
    "reports.intention": set(Role),
    "insight.comments": {Role.ENGAGEMENT, Role.ADMIN},
    "admin.users": {Role.ADMIN},
    "admin.create_user": {Role.ADMIN},
    "admin.edit_user": {Role.ADMIN},
    "admin.audit_log": {Role.ADMIN},
    # the survey builder
    "builder.list_surveys": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.create_survey": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.show_survey": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.edit_details": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.publish_survey": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.close_survey": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.copy_survey": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.add_section": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.edit_section": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.move_section": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.delete_section": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.add_question": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.edit_question": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.move_question": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.move_question_to": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.delete_question": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.preview_survey": {Role.ENGAGEMENT, Role.ADMIN},
    "builder.preview_section": {Role.ENGAGEMENT, Role.ADMIN},
}

# Each area of the workspace declares its own routes in tests/roles/<area>.py: PUBLIC (a set of
# endpoints), MATRIX (endpoint -> roles) and, optionally, make_rows() creating the rows that
# its URLs with an id of 1 need.
AREAS = [
    importlib.import_module(f"tests.roles.{path.stem}")
    for path in sorted((Path(__file__).parent / "roles").glob("[a-z]*.py"))
]
for _area in AREAS:
    EXPECTED_PUBLIC |= set(getattr(_area, "PUBLIC", set()))
    ROLE_MATRIX.update(getattr(_area, "MATRIX", {}))


def _view(app, endpoint):
    return app.view_functions[endpoint]


def test_every_route_declares_a_role_check_or_is_deliberately_public(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = _view(app, rule.endpoint)
        if rule.endpoint == "static":
            continue
        if not (getattr(view, "required_roles", None) or getattr(view, "is_public", False)):
            undeclared.append(f"{rule.endpoint} ({rule.rule})")
    assert undeclared == [], f"routes without a role check: {undeclared}"


def test_public_routes_are_exactly_the_expected_ones(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(_view(app, rule.endpoint), "is_public", False) or rule.endpoint == "static"
    }
    assert public == EXPECTED_PUBLIC, f"unexpected public routes: {public ^ EXPECTED_PUBLIC}"


def test_every_staff_route_is_in_the_role_matrix(app):
    staff = {rule.endpoint for rule in app.url_map.iter_rules()} - EXPECTED_PUBLIC
    assert staff == set(ROLE_MATRIX), (
        f"add these routes to ROLE_MATRIX with who may reach them: {staff ^ set(ROLE_MATRIX)}"
    )


def _staff_urls(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXPECTED_PUBLIC or "GET" not in rule.methods:
            continue
        yield rule.endpoint, re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_anonymous_visitor_is_sent_to_sign_in_from_every_staff_route(app, client):
    for endpoint, url in _staff_urls(app):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if method == "post" and response.status_code == 405:
                continue
            # A POST without a token is refused by CSRF before the role check: never 2xx.
            assert response.status_code in (302, 400), (
                f"{method} {url} answered {response.status_code}"
            )
            if response.status_code == 302:
                assert "/staff/sign-in" in response.headers["Location"], f"{endpoint} leaks"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER, Role.ENGAGEMENT])
def test_each_role_reaches_only_what_the_matrix_allows(app, client, auth, role):
    from engage.services import intentions
    from tests.conftest import make_user

    make_user(Role.ADMIN)  # so that /users/1 exists
    intentions.load_catalogue()  # so that /intentions/1 exists
    from engage.extensions import db
    from engage.models import GpPractice, Person
    from tests.factories import create_survey

    db.session.add_all([GpPractice(code="Z1", name="Test Surgery"), Person(ref="p-1")])
    db.session.commit()  # so that /ppgs/1 and /panel/1 exist
    create_survey()  # so that /invitations/1 exists
    for area in AREAS:
        if hasattr(area, "make_rows"):
            area.make_rows()
    db.session.commit()
    auth.login(role)
    for endpoint, url in _staff_urls(app):
        status = client.get(url).status_code
        if role in ROLE_MATRIX[endpoint]:
            assert status == 200, f"{role} should reach {endpoint} ({url}) but got {status}"
        else:
            assert status == 403, f"{role} must not reach {endpoint} ({url}) but got {status}"


def test_forbidden_page_is_friendly(client, auth):
    auth.login(Role.VIEWER)
    html = client.get("/staff/admin/users").get_data(as_text=True)
    assert "You do not have permission to see this page" in html
