"""Who may translate a survey (merged into tests/test_roles.py)."""

from engage.models import Role

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {"builder.edit_translation": {Role.ENGAGEMENT, Role.ADMIN}}
