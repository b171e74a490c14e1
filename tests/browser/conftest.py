"""A live server in a thread and Debian's Chromium driven by Playwright, with axe-core."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("ENGAGE_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("ENGAGE_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@contextmanager
def serving(
    base: Path, config: dict[str, Any] | None = None, prepare: Callable[[], Any] | None = None
) -> Iterator[tuple[str, Any]]:
    """The real app on a migrated SQLite file of its own, served on a free loopback port.

    ``prepare`` runs in the app's context to create what the pages need; its result is yielded
    beside the address. The instance folder is set for the app and restored afterwards.
    """
    from engage import create_app
    from engage.extensions import db
    from engage.services import migrations

    previous = os.environ.get("ENGAGE_INSTANCE_PATH")
    os.environ["ENGAGE_INSTANCE_PATH"] = str(base / "instance")
    url = f"sqlite:///{base / 'engage.sqlite3'}"
    migrations.upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "1000 per minute",
            **(config or {}),
        }
    )
    with app.app_context():
        made = prepare() if prepare else None
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", made
    finally:
        server.shutdown()
        if previous is not None:
            os.environ["ENGAGE_INSTANCE_PATH"] = previous


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if REQUIRE_BROWSER:
            pytest.fail(
                f"Chromium is required (ENGAGE_REQUIRE_BROWSER=1) but {CHROMIUM} is missing"
            )
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app on a migrated SQLite file, with staff of each role and the catalogue."""

    def prepare() -> None:
        from engage.models import Role
        from engage.services import intentions, users
        from tests.factories import create_survey

        intentions.load_catalogue()
        create_survey()
        create_survey(slug="panel-only", audience="panel")
        for role in Role:
            users.create_user(
                f"{role.value}@example.org", f"Browser {role.value}", role, BROWSER_PASSWORD
            )

    with serving(tmp_path_factory.mktemp("live"), prepare=prepare) as (url, _):
        yield url


BROWSER_PASSWORD = "browser-test-password"  # noqa: S105


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/staff/sign-in")
    page.fill("#email", f"{role}@example.org")
    page.fill("#password", BROWSER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/staff/admin/")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page and return its violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            }
        },
    )
    return results.response["violations"]


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def describe(violations: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in violations]


def assert_accessible(page: Any, name: str) -> None:
    """Screenshot the page for review, then fail on any axe-core violation."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert violations == [], f"{name}: {describe(violations)}"


def press(page: Any, name: str) -> None:
    """Click a button that submits a form, and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()
