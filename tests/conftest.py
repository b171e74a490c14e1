"""The test rig: an app on a really migrated database (SQLite and PostgreSQL), clients that check
every page they render, and sign-in as each staff role."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from engage.models import Role, User
from tests.pagecheck import check_page

os.environ.setdefault("ENGAGE_JOBS_IMMEDIATE", "1")

POSTGRES_URL = os.environ.get(
    "ENGAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("ENGAGE_REQUIRE_POSTGRES") == "1"
TEST_PASSWORD = "a-long-test-password"  # noqa: S105


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


def database_params() -> list[Any]:
    params: list[Any] = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test session's own on the PostgreSQL server, dropped at the end.

    Its own, so that parallel test processes (xdist workers, or two people's runs) never reset
    each other's tables.
    """
    if not _postgres_available():
        if REQUIRE_POSTGRES:
            where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
            pytest.fail(f"PostgreSQL is required (ENGAGE_REQUIRE_POSTGRES=1); {where} is down")
        pytest.skip("PostgreSQL is not running; set ENGAGE_TEST_POSTGRES_URL or start it")
    name = f"engage_test_{os.getpid()}"
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema, so the migrations start from nothing."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template SQLite file migrated once; each test gets its own copy."""
    from engage.services import migrations

    path = tmp_path_factory.mktemp("template") / "engage.sqlite3"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    from engage.services import migrations

    reset_postgres(postgres_url)
    migrations.upgrade(postgres_url)
    return postgres_url


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    engine.dispose()


@pytest.fixture(params=database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind in turn."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("migrated_sqlite")
        target = tmp_path / "engage.sqlite3"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
    else:
        url: str = request.getfixturevalue("migrated_postgres")
        _truncate_all(url)
        yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    from engage import create_app

    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            # Each app gets fresh in-memory limits; tests that check the limit tighten it.
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "1000 per minute",
        }
    )
    app.test_client_class = PageCheckingClient
    with app.app_context():
        yield app
        from engage.extensions import db

        db.session.remove()
        db.engine.dispose()


class PageCheckingClient(FlaskClient):
    """A test client that parses every HTML page it receives and fails on a broken one."""

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        # Each request gets its own app context (and so its own ``g`` and database session),
        # as in production, even though the test itself holds one open. The test's own session
        # ends its transaction first: on SQLite even a read holds the write lock (BEGIN IMMEDIATE).
        from engage.extensions import db

        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            check_page(response.get_data(as_text=True), url=str(response.request.path))
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def csrf_token_from(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "page has no CSRF token"
    return found.group(1)


def make_user(role: Role, email: str | None = None, password: str = TEST_PASSWORD) -> User:
    from engage.services import users

    return users.create_user(
        email or f"{role.value}@example.org", f"Test {role.value}", role, password
    )


class Auth:
    """Sign in and out as staff of a given role, through the real sign-in form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, role: Role | str = Role.ADMIN, email: str | None = None) -> User:
        role = Role(role)
        from engage.services import users

        user = users.get_user_by_email(email or f"{role.value}@example.org") or make_user(
            role, email
        )
        page = self.client.get("/staff/sign-in")
        response = self.client.post(
            "/staff/sign-in",
            data={
                "email": user.email,
                "password": TEST_PASSWORD,
                "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            },
        )
        assert response.status_code == 302, f"sign-in as {role} failed"
        return user

    def logout(self) -> None:
        page = self.client.get("/staff/admin/")
        self.client.post(
            "/staff/sign-out", data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}
        )


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """GET the form page, then POST ``data`` with its CSRF token, as a browser would."""
    page = client.get(url)
    return client.post(
        url, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}, **kwargs
    )
