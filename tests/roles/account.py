"""Who may reach the sign-in code and two-step set-up routes (merged into tests/test_roles.py)."""

from engage.models import Role

PUBLIC: set[str] = {"auth.login_code"}  # after the password, before the session is signed in
MATRIX: dict[str, set[Role]] = {"auth.two_factor": set(Role)}
