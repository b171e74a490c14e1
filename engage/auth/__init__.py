"""Staff sign-in, roles and the role check every staff view must declare."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort
from flask_login import current_user

from engage.extensions import db, login_manager
from engage.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])

ALL_STAFF = frozenset(Role)


def setup_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.needs_refresh_message = "Sign in again to continue."

    @login_manager.user_loader
    def _load(user_key: str) -> User | None:
        # The key carries a session version, so a password change or deactivation ends sessions.
        try:
            user_id, version = (int(x) for x in user_key.split(":", 1))
        except ValueError:
            return None
        user = db.session.get(User, user_id)
        if user is None or user.session_version != version or not user.active:
            return None
        return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only signed-in staff with one of ``roles`` (admins always) reach the view."""
    allowed = frozenset(roles) | {Role.ADMIN}

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role_enum not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = allowed  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorate


def public(view: F) -> F:
    """Mark a view as deliberately open to everyone (the role meta-test checks for this)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view
