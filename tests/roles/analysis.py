"""Who may reach the analysis routes (merged into tests/test_roles.py)."""

from engage.extensions import db
from engage.models import AnalysisRun, Role, Theme

PUBLIC: set[str] = set()
TEAM = {Role.ENGAGEMENT, Role.ADMIN}
MATRIX: dict[str, set[Role]] = {
    "analysis.runs": TEAM,
    "analysis.run": TEAM,
    "analysis.cancel_run": TEAM,
    "analysis.assign_new": TEAM,
    "analysis.themes": TEAM,
    "analysis.new_theme": TEAM,
    "analysis.merge": TEAM,
    "analysis.theme": TEAM,
    "analysis.correct_comments": TEAM,
    "analysis.adopt_topic": TEAM,
    "analysis.decide_link": TEAM,
    "analysis.add_link": TEAM,
}


def make_rows() -> None:
    db.session.add(AnalysisRun(status="succeeded", params={}))
    db.session.add(Theme(slug="test-theme", name="Test theme"))
    db.session.flush()
