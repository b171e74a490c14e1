"""Bad input and failures give a clear page, never a stack trace."""

from __future__ import annotations

import pytest
from flask import Flask

from engage import create_app
from engage.extensions import db
from engage.models import Comment, Role


def test_missing_page_is_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["title"] == "Page not found"


def test_unexpected_error_shows_a_friendly_page_without_a_trace(app: Flask, client):
    @app.route("/boom")
    def boom():  # pragma: no cover - exercised through the client
        raise RuntimeError("secret internal detail")

    boom.is_public = True
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "secret internal detail" not in html and "Traceback" not in html


def test_unmigrated_database_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    )
    response = app.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The database has not been set up" in html
    assert "db-upgrade" in html
    ready = app.test_client().get("/api/ready")
    assert ready.status_code == 503 and ready.json["migrated"] is False


def test_unreachable_database_gives_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 1}},
        }
    )
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "could not be reached" in response.get_data(as_text=True)


def test_readiness_reports_a_migrated_database(client):
    response = client.get("/api/ready")
    assert response.status_code == 200 and response.json["status"] == "ready"


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_resident_text_is_escaped_on_pages_that_show_it(client, auth, payload):
    db.session.add(Comment(source="survey", source_key="x1", original_text=payload))
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/insight/comments").get_data(as_text=True)
    assert payload not in html, "resident text reached the page unescaped"
    assert "&lt;script&gt;" in html or "&lt;img" in html or "&#34;&gt;&lt;img" in html


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_error_page_gives_a_reference_the_team_can_find_in_the_logs(app: Flask, client):
    @app.route("/boom-with-reference")
    def boom():  # pragma: no cover - exercised through the client
        raise RuntimeError("unexpected")

    boom.is_public = True
    response = client.get("/boom-with-reference", headers={"X-Request-ID": "abcdef0123456789"})
    assert response.status_code == 500
    assert "give them this reference: <strong>abcdef012345</strong>" in response.get_data(
        as_text=True
    )
