"""Optional two-step sign-in for staff: RFC 6238 codes, set up, sign in, replay, turn off."""

from __future__ import annotations

import base64
import time

import pytest

from engage.extensions import db
from engage.models import AuditEvent, Role, User
from engage.services import totp
from tests.conftest import TEST_PASSWORD, csrf_token_from, make_user, post_form

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_codes_match_the_rfc_6238_test_vectors(when, expected):
    assert totp.code_at(RFC_SECRET, when // 30, digits=8) == expected


def test_a_code_is_accepted_one_step_either_side_and_not_further():
    now = 1_700_000_000.0
    code = totp.code_at(RFC_SECRET, int(now // 30))
    assert totp.matching_step(RFC_SECRET, code, now + 30) is not None
    assert totp.matching_step(RFC_SECRET, code, now + 90) is None
    assert totp.matching_step(RFC_SECRET, "12 34", now) is None


def _now_code(secret: str) -> str:
    return totp.code_at(secret, int(time.time() // 30))


def _sign_in(client, email):
    page = client.get("/staff/sign-in").get_data(as_text=True)
    return client.post(
        "/staff/sign-in",
        data={"csrf_token": csrf_token_from(page), "email": email, "password": TEST_PASSWORD},
    )


def test_staff_turn_it_on_then_need_a_code_to_sign_in_and_a_code_works_once(app, client, auth):
    user = auth.login(Role.COMMISSIONER)
    page = client.get("/staff/account/two-factor").get_data(as_text=True)
    assert "Enter this key" in page
    with client.session_transaction() as s:
        secret = s["totp_setup"]
    wrong = post_form(client, "/staff/account/two-factor", {"code": "000000"})
    assert "The security code is wrong" in wrong.get_data(as_text=True)
    code = _now_code(secret)
    post_form(client, "/staff/account/two-factor", {"code": code})
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    audit = db.session.query(AuditEvent).filter_by(entity_type="user").all()
    assert all(secret not in str(e.after) for e in audit), "the secret must not be audited"

    auth.logout()
    response = _sign_in(client, user.email)
    assert response.headers["Location"].endswith("/staff/sign-in/code")
    assert client.get("/staff/admin/").status_code == 302, "not signed in before the code"
    # The code used to turn it on cannot be replayed to sign in.
    replay = post_form(client, "/staff/sign-in/code", {"code": code})
    assert "wrong or has expired" in replay.get_data(as_text=True)
    db.session.get(User, user.id).totp_last_step -= 1  # as if the next step had come
    db.session.commit()
    ok = post_form(client, "/staff/sign-in/code", {"code": _now_code(secret)})
    assert ok.status_code == 302
    assert client.get("/staff/admin/").status_code == 200


def test_too_many_wrong_codes_send_you_back_to_sign_in(app, client):
    user = make_user(Role.VIEWER)
    user.totp_secret = totp.new_secret()
    db.session.commit()
    _sign_in(client, user.email)
    for _ in range(5):
        response = post_form(client, "/staff/sign-in/code", {"code": "000000"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/sign-in")
    assert client.get("/staff/sign-in/code").status_code == 302


def test_turning_it_off_needs_the_password(app, client, auth):
    user = auth.login(Role.ENGAGEMENT)
    user = db.session.get(User, user.id)
    user.totp_secret = totp.new_secret()
    db.session.commit()
    wrong = post_form(client, "/staff/account/two-factor", {"password": "not-it"})
    assert "The password is not right" in wrong.get_data(as_text=True)
    post_form(client, "/staff/account/two-factor", {"password": TEST_PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None


def test_an_admin_can_turn_it_off_for_someone_who_lost_their_phone(app, client, auth):
    colleague = make_user(Role.VIEWER, email="lost.phone@example.org")
    colleague.totp_secret = totp.new_secret()
    db.session.commit()
    auth.login(Role.ADMIN)
    url = f"/staff/admin/users/{colleague.id}"
    assert "Two-step sign-in is on" in client.get(url).get_data(as_text=True)
    post_form(client, url, {"role": "viewer", "active": "y", "reset_two_factor": "y"})
    db.session.expire_all()
    assert db.session.get(User, colleague.id).totp_secret is None
