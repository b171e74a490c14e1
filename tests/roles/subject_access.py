"""Who may reach the subject-access downloads (merged into tests/test_roles.py)."""

from engage.models import Role

PUBLIC: set[str] = {"panel.download_data"}  # needs the emailed profile link's secret
MATRIX: dict[str, set[Role]] = {"panel.member_data": {Role.ENGAGEMENT, Role.ADMIN}}
