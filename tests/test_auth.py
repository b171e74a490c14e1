"""Staff sign in with Argon2-hashed passwords, CSRF-protected forms, lockout and rate limits."""

from __future__ import annotations

import pytest

from engage.extensions import db
from engage.models import Role, User
from engage.services import users
from tests.conftest import TEST_PASSWORD, csrf_token_from, make_user, post_form


def test_staff_member_signs_in_and_lands_on_the_dashboard(client, auth):
    auth.login(Role.COMMISSIONER)
    page = client.get("/staff/admin/")
    assert page.status_code == 200
    assert "Signed in as Test commissioner" in page.get_data(as_text=True)


def test_passwords_are_stored_as_argon2id_hashes(app):
    user = make_user(Role.VIEWER)
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("viewer@example.org", "wrong-password-here", "Enter a correct email address and password"),
        ("nobody@example.org", TEST_PASSWORD, "Enter a correct email address and password"),
        ("", TEST_PASSWORD, "Enter your email address"),
        ("not-an-email", TEST_PASSWORD, "Enter an email address in the correct format"),
        ("viewer@example.org", "", "Enter your password"),
    ],
)
def test_bad_sign_in_shows_a_clear_message_and_no_trace(client, email, password, message):
    make_user(Role.VIEWER)
    response = post_form(client, "/staff/sign-in", {"email": email, "password": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "There is a problem" in html, "error summary missing"
    assert "<title>Error: " in html, "title must start with Error: when the form has errors"
    assert "Traceback" not in html
    if email:
        assert f'value="{email}"' in html, "the email typed must be kept"


def test_account_locks_after_repeated_failures_and_says_so(client, app):
    make_user(Role.VIEWER)
    for _ in range(users.LOCKOUT_THRESHOLD):
        post_form(
            client, "/staff/sign-in", {"email": "viewer@example.org", "password": "nope-nope-nope"}
        )
    response = post_form(
        client, "/staff/sign-in", {"email": "viewer@example.org", "password": TEST_PASSWORD}
    )
    assert "locked after too many failed sign-in attempts" in response.get_data(as_text=True)
    assert response.status_code == 200


def test_deactivated_account_cannot_sign_in(client, app):
    user = make_user(Role.VIEWER)
    user.active = False
    db.session.commit()
    response = post_form(
        client, "/staff/sign-in", {"email": "viewer@example.org", "password": TEST_PASSWORD}
    )
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    statuses = [
        post_form(client, "/staff/sign-in", {"email": "x@example.org", "password": "y"}).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:], f"no rate limit applied: {statuses}"
    page = post_form(client, "/staff/sign-in", {"email": "x@example.org", "password": "y"})
    assert "Too many attempts" in page.get_data(as_text=True)


def test_form_without_csrf_token_is_refused_with_a_friendly_page(client):
    make_user(Role.VIEWER)
    response = client.post(
        "/staff/sign-in", data={"email": "viewer@example.org", "password": TEST_PASSWORD}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sorry, we could not send that form" in html
    assert "Traceback" not in html


def test_session_cookie_is_httponly_and_samesite(client, auth):
    auth.login(Role.VIEWER)
    cookie = client.get_cookie("engage_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_session_cookie_is_secure_when_configured(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    make_user(Role.VIEWER)
    page = client.get("/staff/sign-in", base_url="https://localhost")
    client.post(
        "/staff/sign-in",
        base_url="https://localhost",
        data={
            "email": "viewer@example.org",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert client.get_cookie("engage_session").secure


def test_expired_session_sends_staff_to_sign_in_with_a_message(client, auth, app):
    auth.login(Role.VIEWER)
    with client.session_transaction() as session:
        session.clear()
    response = client.get("/staff/admin/", follow_redirects=True)
    assert "Sign in to see that page." in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_sign_in_never_redirects_off_site(client, target):
    make_user(Role.VIEWER)
    page = client.get(f"/staff/sign-in?next={target}")
    response = client.post(
        f"/staff/sign-in?next={target}",
        data={
            "email": "viewer@example.org",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/staff/admin/"


def test_changing_password_ends_other_sessions(app, auth, client):
    auth.login(Role.VIEWER)
    other = app.test_client()
    page = other.get("/staff/sign-in")
    other.post(
        "/staff/sign-in",
        data={
            "email": "viewer@example.org",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert other.get("/staff/admin/").status_code == 200
    response = post_form(
        client,
        "/staff/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "another-long-password",
            "confirm_password": "another-long-password",
        },
    )
    assert response.status_code == 302
    assert client.get("/staff/admin/").status_code == 200, "own session should continue"
    assert other.get("/staff/admin/").status_code == 302, "other session should have ended"


def test_sign_out_ends_the_session(client, auth):
    auth.login(Role.VIEWER)
    auth.logout()
    assert client.get("/staff/admin/").status_code == 302


def test_create_admin_command_makes_the_first_administrator(runner, app):
    result = runner.invoke(
        args=["create-admin", "--email", "First@Example.org", "--name", "First Admin"],
        env={"ENGAGE_ADMIN_PASSWORD": TEST_PASSWORD},
    )
    assert result.exit_code == 0, result.output
    user = users.get_user_by_email("first@example.org")
    assert user is not None and user.role == Role.ADMIN.value


def test_create_admin_command_refuses_a_short_password(runner, app):
    result = runner.invoke(
        args=["create-admin", "--email", "a@example.org", "--name", "A"],
        env={"ENGAGE_ADMIN_PASSWORD": "short"},
    )
    assert result.exit_code != 0
    assert "12 characters or more" in result.output
    assert db.session.query(User).count() == 0
