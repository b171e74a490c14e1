"""The read-only reporting API: a bearer token or a clear 401, counts suppressed exactly as the
report pages suppress them, no text or personal data, an OpenAPI description that matches."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import ApiToken, AuditEvent, Place, Role, ThemeIntentionLink, utcnow
from engage.services import api_tokens, reports, yousaid
from tests.conftest import csrf_token_from, post_form
from tests.test_yousaid import add_comments, intention, make_theme


def _token() -> str:
    return api_tokens.create_token("Board dashboard", 90, None)[1]


def _get(client, url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, headers=headers)


def _api_rules(app) -> list[str]:
    return [
        re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.rule.startswith("/api/v1/")
    ]


# --- tokens --------------------------------------------------------------------------------------


def test_every_data_route_refuses_a_request_without_a_token(app, client):
    urls = [u for u in _api_rules(app) if not u.endswith("openapi.json")]
    assert len(urls) == 9, f"the API's data routes: {urls}"
    for url in urls:
        response = client.get(url)
        assert response.status_code == 401, f"{url} answered {response.status_code}"
        assert response.mimetype == "application/json"
        assert "Authorization: Bearer" in response.json["error"]["message"], url


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: "engage_not-a-real-token", "That API token is not recognised"),
        (lambda: "Basic dXNlcjpwYXNz", "not recognised"),
        ("expired", "That API token expired on"),
        ("revoked", "That API token has been revoked"),
    ],
)
def test_a_wrong_expired_or_revoked_token_gets_a_clear_401(client, make, message):
    if make == "expired":
        token, secret = api_tokens.create_token("Old", 30, None)
        token.expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
    elif make == "revoked":
        token, secret = api_tokens.create_token("Gone", 30, None)
        api_tokens.revoke(token.id)
    else:
        secret = make()
    response = _get(client, "/api/v1/themes", secret)
    assert response.status_code == 401
    assert message in response.json["error"]["message"]


def test_a_scheme_other_than_bearer_is_refused_with_how_to_send_it(client):
    response = client.get("/api/v1/themes", headers={"Authorization": "Token abc"})
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json["error"]["message"]


def test_a_good_token_is_let_in_and_its_use_recorded(client):
    token, secret = api_tokens.create_token("Dashboard", 90, None)
    assert token.last_used_at is None
    response = _get(client, "/api/v1/themes", secret)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    db.session.refresh(token)
    assert token.last_used_at is not None
    assert token.token_hash != secret and secret not in json.dumps(
        [e.after for e in db.session.scalars(select(AuditEvent))]
    )


def test_admins_make_a_token_that_is_shown_once_and_can_be_revoked(client, auth):
    auth.login(Role.ADMIN)
    page = post_form(client, "/staff/admin/api-tokens", {"name": "Board dashboard", "days": "30"})
    html = page.get_data(as_text=True)
    secret = re.search(r'id="new-token">([^<]+)<', html).group(1)
    assert "This is the only time it is shown" in html
    assert secret not in client.get("/staff/admin/api-tokens").get_data(as_text=True)
    assert _get(client, "/api/v1/themes", secret).status_code == 200

    created = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.entity_type == "ApiToken", AuditEvent.action == "create"
        )
    )
    assert created.after["token_hash"] == "[redacted]" and created.actor == "admin@example.org"

    token = db.session.scalar(select(ApiToken))
    listing = client.get("/staff/admin/api-tokens").get_data(as_text=True)
    client.post(
        f"/staff/admin/api-tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token_from(listing)},
    )
    refused = _get(client, "/api/v1/themes", secret)
    assert refused.status_code == 401 and "revoked" in refused.json["error"]["message"]


def test_a_token_needs_a_name(client, auth):
    auth.login(Role.ADMIN)
    html = post_form(client, "/staff/admin/api-tokens", {"name": "", "days": "30"}).get_data(
        as_text=True
    )
    assert "There is a problem" in html and "Enter what the token is for" in html
    assert db.session.scalar(select(ApiToken)) is None


# --- suppression -------------------------------------------------------------------------------


@pytest.fixture
def around_threshold():
    """Theme 'nine' has 9 comments (hidden), theme 'ten' has 10 (shown); each is confirmed
    for its own intention."""
    plan = intention()
    nine = make_theme("Nine", comments=9)
    ten = make_theme("Ten", comments=10)
    db.session.add_all(
        [
            ThemeIntentionLink(theme_id=ten.id, intention_id=plan.id, state="confirmed"),
            ThemeIntentionLink(theme_id=nine.id, intention_id=plan.id + 1, state="confirmed"),
        ]
    )
    db.session.commit()
    return nine, ten, plan


def test_counts_around_the_threshold_are_hidden_or_shown_on_every_route(client, around_threshold):
    nine, ten, plan = around_threshold
    token = _token()
    themes = {t["name"]: t for t in _get(client, "/api/v1/themes", token).json["data"]}
    assert themes["Nine"]["counts"] == {"comments": None, "respondents": None}
    assert themes["Ten"]["counts"] == {"comments": 10, "respondents": 10}

    shown = _get(client, f"/api/v1/themes/{ten.id}", token).json["data"]
    hidden = _get(client, f"/api/v1/themes/{nine.id}", token).json["data"]
    assert shown["counts"]["comments"] == 10 and hidden["counts"]["comments"] is None
    assert all(b["total"] is None for b in hidden["breakdowns"].values())
    assert all(g["count"] is None for b in hidden["breakdowns"].values() for g in b["groups"])

    intentions = {i["id"]: i for i in _get(client, "/api/v1/intentions", token).json["data"]}
    assert intentions[plan.id]["counts"]["comments"] == 10
    assert intentions[plan.id + 1]["counts"]["comments"] is None
    one = _get(client, f"/api/v1/intentions/{plan.id + 1}", token).json["data"]
    assert one["counts"]["comments"] is None and one["themes"][0]["comments"] is None

    counts = _get(client, "/api/v1/counts", token).json
    by_name = {t["name"]: t for t in counts["data"]["themes"]}
    assert by_name["Nine"]["counts"]["comments"] is None and by_name["Nine"]["breakdowns"] is None
    assert by_name["Ten"]["counts"]["comments"] == 10
    assert by_name["Ten"]["breakdowns"]["age_band"]["total"] == 10
    assert counts["suppression"]["threshold"] == 10


def test_the_threshold_is_configurable(app, client, around_threshold):
    app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"] = 5
    themes = {t["name"]: t for t in _get(client, "/api/v1/themes", _token()).json["data"]}
    assert themes["Nine"]["counts"]["comments"] == 9


def test_a_hidden_group_cannot_be_worked_out_from_the_total(client):
    lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    big = Place(code="BPL", name="Blackpool", kind="place", parent=lsc)
    small = Place(code="LAN", name="Lancashire", kind="place", parent=lsc)
    db.session.add_all([lsc, big, small])
    theme = make_theme("Parking")
    for place, n in ((big, 10), (small, 2)):
        for comment in add_comments(theme, n):
            comment.place_id = place.id
    db.session.commit()

    data = _get(client, f"/api/v1/themes/{theme.id}", _token()).json["data"]
    places = {g["label"]: g["count"] for g in data["breakdowns"]["place"]["groups"]}
    assert places == {"Blackpool": None, "Lancashire": None}, "10 of 12 would give away the 2"
    assert data["breakdowns"]["place"]["total"] == 12
    page = reports.theme_summary(theme.id)
    assert [c.value for c in page.breakdowns[0].table.cells] == list(places.values()), (
        "the API shows exactly what the report page shows"
    )


def test_the_api_never_returns_comment_text_or_personal_data(client, around_threshold):
    nine, ten, plan = around_threshold
    token = _token()
    for url in (
        "/api/v1/themes",
        f"/api/v1/themes/{ten.id}",
        "/api/v1/intentions",
        f"/api/v1/intentions/{plan.id}",
        "/api/v1/counts",
    ):
        body = _get(client, url, token).get_data(as_text=True)
        for text in ("Jane Smith", "High Street", "[NAME]", "The wait was long"):
            assert text not in body, f"{url} leaks {text!r}"


def test_bad_filters_get_a_400_saying_which(client):
    response = _get(client, "/api/v1/themes?from=yesterday", _token())
    assert response.status_code == 400
    assert "'from' must be a date" in response.json["error"]["message"]
    missing = _get(client, "/api/v1/themes/999", _token())
    assert missing.status_code == 404 and missing.mimetype == "application/json"


# --- you said, we did --------------------------------------------------------------------------


def test_only_published_responses_are_in_the_api(client):
    plan = intention()
    subject = yousaid.choose_subject(None, plan.id)
    shown = yousaid.create_response(subject, yousaid.Draft("Said", "Did", "done"), None)
    yousaid.publish(shown.id)
    yousaid.create_response(subject, yousaid.Draft("Draft said", "Draft did", "acting"), None)
    data = _get(client, "/api/v1/you-said-we-did", _token()).json["data"]
    assert [d["id"] for d in data] == [shown.id]
    assert data[0]["intention"]["id"] == plan.id and data[0]["status_label"] == "Done"
    assert data[0]["url"].endswith(f"/you-said-we-did/{shown.id}")
    assert "author" not in json.dumps(data)


# --- rate limit and description ----------------------------------------------------------------


def test_the_api_is_rate_limited_with_a_json_answer(app, client):
    app.config["ENGAGE_RATELIMIT_API"] = "2 per minute"
    token = _token()
    assert [_get(client, "/api/v1/themes", token).status_code for _ in range(2)] == [200, 200]
    refused = _get(client, "/api/v1/themes", token)
    assert refused.status_code == 429 and "too many" in refused.json["error"]["message"]


def _resolve(spec: dict, ref: str) -> dict:
    node = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_openapi_description_matches_the_routes_both_ways(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200, "the description needs no token"
    spec = response.json
    assert spec["openapi"].startswith("3.1") and spec["info"]["title"] and spec["info"]["version"]
    assert spec["servers"][0]["url"].endswith("/api")
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.rule.startswith("/api/v1/")
    }
    assert routes == set(spec["paths"]), f"described vs served: {routes ^ set(spec['paths'])}"
    for ref in _refs(spec):
        assert _resolve(spec, ref), f"{ref} does not resolve"
    ids = set()
    for path, item in spec["paths"].items():
        operation = item["get"]
        ids.add(operation["operationId"])
        declared = {
            (_resolve(spec, p["$ref"]) if "$ref" in p else p)["name"]
            for p in operation.get("parameters", [])
        }
        assert set(re.findall(r"{(\w+)}", path)) <= declared, f"{path} path parameters"
        if operation.get("security") != []:
            assert "401" in operation["responses"], f"{path} must describe its 401"
    assert len(ids) == len(spec["paths"]), "operationIds are unique"
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
