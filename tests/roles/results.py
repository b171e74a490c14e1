"""Who may reach the survey results (merged into tests/test_roles.py).

Every role reads the results; the response-level download is for the engagement team and
commissioners (equality answers in it for the engagement team only, tested in
tests/test_survey_results.py).
"""

from engage.models import Role

# The reporting API's survey routes answer a bearer token, not a signed-in session
# (tests/test_api.py checks each refuses a request without one).
PUBLIC: set[str] = {"api.list_surveys", "api.survey_results", "api.fft_score"}

MATRIX: dict[str, set[Role]] = {
    "results.list_surveys": set(Role),
    "results.fft": set(Role),
    "results.show": set(Role),
    "results.board_paper": set(Role),
    "results.export_results": set(Role),
    "results.breakdown": set(Role),
    "results.export_responses": {Role.ENGAGEMENT, Role.COMMISSIONER, Role.ADMIN},
}
