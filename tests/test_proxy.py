"""Behind a reverse proxy, limits apply to each resident's address; a client cannot pick its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, request

from engage import create_app
from engage.config import ConfigError
from tests.conftest import post_form

SIGN_IN = "/staff/sign-in"
WRONG = {"email": "nobody@example.org", "password": "not-the-password"}


@pytest.fixture
def make_app(database_url: str) -> Iterator[object]:
    made: list[Flask] = []

    def make(hops: int) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SERVER_NAME": "localhost",
                "RATELIMIT_STORAGE_URI": "memory://",
                "RATELIMIT_LOGIN": "2 per minute",
                "ENGAGE_PROXY_HOPS": hops,
            }
        )
        made.append(app)
        return app

    yield make
    from engage.extensions import db

    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _sign_in_from(app: Flask, address: str) -> int:
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    with app.app_context():
        return int(post_form(client, SIGN_IN, WRONG).status_code)


def test_behind_one_proxy_each_resident_has_their_own_limit(make_app):
    app = make_app(1)
    assert [_sign_in_from(app, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    # Another resident behind the same proxy is not held back by the first one's attempts.
    assert _sign_in_from(app, "198.51.100.23") == 200


def test_without_a_proxy_a_forwarded_header_cannot_buy_a_fresh_limit(make_app):
    app = make_app(0)
    assert [_sign_in_from(app, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    # The header is the client's own say-so here: the limit stays on the real address.
    assert _sign_in_from(app, "198.51.100.23") == 429


@pytest.mark.parametrize(("hops", "seen"), [(1, "https 203.0.113.7"), (0, "http 127.0.0.1")])
def test_the_scheme_and_address_are_the_proxys_word_only_when_a_proxy_is_set(make_app, hops, seen):
    """Links in invitation emails are built from the scheme; limits from the address."""
    app = make_app(hops)
    app.add_url_rule("/_seen", "seen", lambda: f"{request.scheme} {request.remote_addr}")
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert client.get("/_seen", headers=headers).get_data(as_text=True) == seen


@pytest.mark.parametrize("value", ["one", "-1", "9"])
def test_a_wrong_proxy_setting_is_refused_with_its_reason(monkeypatch, value):
    monkeypatch.setenv("ENGAGE_PROXY_HOPS", value)
    with pytest.raises(ConfigError, match="ENGAGE_PROXY_HOPS"):
        create_app({"TESTING": True})
