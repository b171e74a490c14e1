"""Who may reach the imports routes (merged into tests/test_roles.py)."""

from engage.models import Role

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {}
