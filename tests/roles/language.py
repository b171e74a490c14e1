"""Who may add an English translation to a comment (merged into tests/test_roles.py)."""

from engage.models import Role

PUBLIC: set[str] = set()
MATRIX: dict[str, set[Role]] = {"language.translate_comment": {Role.ENGAGEMENT, Role.ADMIN}}
