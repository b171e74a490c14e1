"""A resume code issued on a page that only reads otherwise (GET "saved") is really kept.

Resident pages that read run outside a transaction on PostgreSQL; the one write such a page
makes, a new code for a resident who came back by link in another browser, must still last.
"""

from __future__ import annotations

import re

from tests.conftest import csrf_token_from
from tests.factories import create_survey
from tests.test_survey_runner import GOOD_FIRST_SECTION


def _post(client, url, data):
    page = client.get(url)
    return client.post(
        url, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}
    )


def _code(html: str) -> str:
    found = re.search(r'class="nhsuk-heading-l engage-code">([A-Z0-9 ]+)<', html)
    assert found, "the saved page shows no code"
    return found.group(1)


def test_a_code_issued_after_resuming_by_link_works_in_another_browser(app, client):
    create_survey()
    _post(client, "/surveys/every-kind", {})
    _post(client, "/surveys/every-kind/section/1", {**GOOD_FIRST_SECTION, "action": "save"})
    html = client.get("/surveys/every-kind/saved").get_data(as_text=True)
    first_code = _code(html)
    link = re.search(r'href="http://localhost(/surveys/every-kind/resume/[^"]+)"', html).group(1)

    by_link = app.test_client()  # only the link: the saved page must issue a new code
    by_link.get(link)
    reissued = _code(by_link.get("/surveys/every-kind/saved").get_data(as_text=True))
    assert reissued != first_code, "a browser that resumed by link was shown the old code"

    third = app.test_client()
    old = _post(third, "/surveys/every-kind/resume", {"code": first_code})
    assert "We could not find answers saved with that code" in old.get_data(as_text=True)
    right = _post(third, "/surveys/every-kind/resume", {"code": reissued})
    assert right.headers["Location"].endswith("/continue"), "the reissued code was not kept"
    assert third.get("/surveys/every-kind/continue").headers["Location"].endswith("/section/2")
