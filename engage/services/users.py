"""Staff accounts: create, authenticate (with lockout), change password, change role."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Role, User, utcnow
from engage.models.base import as_utc
from engage.services import audit
from engage.services.errors import Conflict, DomainError, NotFound
from engage.services.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)

LOCKOUT_THRESHOLD = 10
LOCKOUT_PERIOD = timedelta(minutes=15)


class LoginFailed(DomainError):
    status_code = 401


def _locked_out(user: User) -> bool:
    last = user.last_failed_login_at
    return (
        user.failed_logins >= LOCKOUT_THRESHOLD
        and last is not None
        and utcnow() - as_utc(last) < LOCKOUT_PERIOD
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def create_user(email: str, name: str, role: Role, password: str) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if get_user_by_email(email) is not None:
        raise Conflict(f"A staff account with the email {normalise_email(email)} already exists")
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=Role(role).value,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    """Return the user for good credentials; count failures and lock out after too many."""
    user = get_user_by_email(email)
    generic = "Enter a correct email address and password"
    if user is None:
        verify_password(None, password)  # same cost as a real check, so timing says nothing
        raise LoginFailed(generic)
    if _locked_out(user):
        raise LoginFailed(
            "This account is locked after too many failed sign-in attempts. "
            "Try again in 15 minutes or ask an administrator to unlock it."
        )
    if not verify_password(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        user.last_failed_login_at = utcnow()
        audit.record(
            db.session, "login_failed", "User", str(user.id), actor=audit.Actor(None, "anonymous")
        )
        db.session.commit()
        raise LoginFailed(generic)
    user.failed_logins = 0
    user.last_login_at = utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(db.session, "login", "User", str(user.id), actor=audit.Actor(user.id, user.email))
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError("Your current password is not correct")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"New password must be {MIN_PASSWORD_LENGTH} characters or more")
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.commit()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no staff account with that id")
    return user


def set_role(user_id: int, role: Role, acting: User) -> User:
    user = get_user(user_id)
    if user.id == acting.id and role is not Role.ADMIN:
        raise DomainError("You cannot remove your own administrator role")
    user.role = role.value
    db.session.commit()
    return user


def set_active(user_id: int, active: bool, acting: User) -> User:
    user = get_user(user_id)
    if user.id == acting.id and not active:
        raise DomainError("You cannot deactivate your own account")
    user.active = active
    user.failed_logins = 0
    if not active:
        user.session_version += 1
    db.session.commit()
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.name)))
