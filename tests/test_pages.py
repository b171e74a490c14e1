"""Public pages render with the NHS.UK layout and pass the page check."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/privacy", "/accessibility", "/staff/sign-in"])
def test_public_page_renders_with_nhs_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="nhsuk-skip-link"' in html, "skip link missing"
    assert 'href="#maincontent"' in html
    assert "nhsuk-header" in html and "nhsuk-footer" in html
    assert "/assets/nhsuk-frontend.min.css" in html, "NHS.UK stylesheet not served from static"


def test_assets_are_served_locally_with_no_cdn(client):
    html = client.get("/").get_data(as_text=True)
    for ref in ("nhsuk-frontend.min.css", "js/engage.js"):
        assert client.get(f"/assets/{ref}").status_code == 200, f"{ref} not served"
    assert "https://" not in "".join(
        part for part in html.split('"') if part.startswith(("https://", "//"))
    ), "page loads something from another host"
    assert client.get("/assets/images/favicon.svg").status_code == 200


def test_inline_script_carries_the_csp_nonce(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
