"""Every change a staff member makes is in the audit log: who, what, when, before and after."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import AuditEvent, Role, User
from tests.conftest import TEST_PASSWORD, post_form


def _events(entity_type: str, action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.entity_type == entity_type)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def test_creating_a_staff_account_is_logged_without_the_password(client, auth):
    admin = auth.login(Role.ADMIN)
    response = post_form(
        client,
        "/staff/admin/users/new",
        {
            "name": "New Person",
            "email": "new@example.org",
            "role": "viewer",
            "password": "temporary-password-1",
        },
    )
    assert response.status_code == 302
    created = _events("User", "create")[-1]
    assert created.user_id == admin.id and created.actor == admin.email
    assert created.after["email"] == "new@example.org"
    assert created.after["password_hash"] == "[redacted]"
    assert created.at is not None


def test_changing_a_role_records_before_and_after(client, auth):
    auth.login(Role.ADMIN)
    target = User(email="t@example.org", name="Target", role="viewer", password_hash="x")
    db.session.add(target)
    db.session.commit()
    post_form(client, f"/staff/admin/users/{target.id}", {"role": "commissioner", "active": "y"})
    update = _events("User", "update")[-1]
    assert update.entity_id == str(target.id)
    assert update.before == {"role": "viewer"}
    assert update.after == {"role": "commissioner"}


def test_admin_cannot_remove_their_own_admin_role(client, auth):
    admin = auth.login(Role.ADMIN)
    response = post_form(
        client, f"/staff/admin/users/{admin.id}", {"role": "viewer", "active": "y"}
    )
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "admin"


def test_sign_in_is_logged_and_failures_too(client, auth):
    user = auth.login(Role.VIEWER)
    auth.logout()
    post_form(client, "/staff/sign-in", {"email": user.email, "password": "wrong-wrong-wrong"})
    actions = [e.action for e in _events("User")]
    assert "login" in actions and "login_failed" in actions


def test_command_line_changes_are_attributed_to_the_command_line(runner):
    runner.invoke(
        args=["create-admin", "--email", "cli@example.org", "--name", "Cli"],
        env={"ENGAGE_ADMIN_PASSWORD": TEST_PASSWORD},
    )
    created = _events("User", "create")[-1]
    assert created.actor == "command line" and created.user_id is None


def test_audit_log_page_lists_changes_for_admins(client, auth):
    auth.login(Role.ADMIN)
    post_form(
        client,
        "/staff/admin/users/new",
        {
            "name": "Logged Person",
            "email": "logged@example.org",
            "role": "viewer",
            "password": "temporary-password-1",
        },
    )
    html = client.get("/staff/admin/audit?entity=User").get_data(as_text=True)
    assert "logged@example.org" in html
    assert "[redacted]" in html


def test_residents_personal_details_never_enter_the_audit_log(app):
    from engage.models import Demographics, Person
    from engage.services import audit

    with audit.acting_as(audit.Actor(None, "test")):
        person = Person(
            ref="p-1",
            given_name="Aisha",
            family_name="Khan",
            email="aisha@example.org",
            phone="07700 900123",
            postcode="BB1 1AA",
        )
        person.demographics = Demographics(ethnicity="Asian or Asian British", sex="Female")
        db.session.add(person)
        db.session.commit()
    logged = str([(e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    for secret in ("Aisha", "Khan", "aisha@example.org", "07700 900123", "BB1 1AA", "Asian"):
        assert secret not in logged, f"{secret!r} was copied into the audit log"


def test_no_form_of_a_comments_text_enters_the_audit_log(app):
    from engage.models import Comment
    from engage.services import audit

    with audit.acting_as(audit.Actor(None, "test")):
        db.session.add(
            Comment(
                source="event", source_key="a1", original_text="Ask Fatima on 07700 900124",
                proposed_redaction="Ask [name] on [phone number] (proposed)",
                redacted_text="Ask [name] on [phone number] (approved)",
                translation_text="Ask [name] on [phone number] (translated)",
            )
        )  # fmt: skip
        db.session.commit()
    logged = str([(e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "Comment"))
    for text in ("Fatima", "(proposed)", "(approved)", "(translated)"):
        assert text not in logged, f"{text!r} was copied into the audit log"


def test_the_database_refuses_to_change_or_delete_an_audit_event(app):
    """Append-only below the application too: a console or an injected statement is refused."""
    import sqlalchemy as sa

    from engage.services import audit

    audit.record(db.session, "login", "User", "1", note="signed in")
    db.session.commit()
    for statement in (
        sa.update(AuditEvent).values(note="nothing happened"),
        sa.delete(AuditEvent),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.note)) == "signed in"
