"""PostgreSQL restarts and goes away while residents send surveys: nothing accepted is lost.

The test starts a throwaway PostgreSQL cluster of its own (initdb in a temporary folder, a free
port, run as the postgres user when we are root) and restarts *that* one; the shared server the
rest of the suite uses is never touched.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text

from engage.models import Answer, Comment, Question, Response
from tests.conftest import csrf_token_from

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REQUIRE_POSTGRES = os.environ.get("ENGAGE_REQUIRE_POSTGRES") == "1"
SLUG = "restart"
SECTIONS = [
    (
        "About you",
        [
            {
                "key": "hospital",
                "kind": "single_choice",
                "text": "Which hospital?",
                "required": True,
                "options": ["Royal Preston Hospital", "Furness General Hospital"],
            }
        ],
    ),
    (
        "Your views",
        [{"key": "comments", "kind": "free_text_long", "text": "Tell us", "required": True}],
    ),
]


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    return found[-1] if found else shutil.which(name)


def _version_key(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match.group(1)) if match else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateCluster:
    """A PostgreSQL cluster in a temporary folder that only this test uses."""

    root: Path
    port: int
    pg_ctl: str

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: int = 60) -> None:
        cmd = [self.pg_ctl, *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=30 -c shared_buffers=16MB"
        )
        self._run("start", "-w", "-t", "60", "-D", str(self.data), "-l",
                  str(self.root / "log"), "-o", options)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode)


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not (initdb and pg_ctl):
        if REQUIRE_POSTGRES:
            pytest.fail("PostgreSQL's initdb and pg_ctl are required (ENGAGE_REQUIRE_POSTGRES=1)")
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="engage-pg-restart-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cmd = [initdb, "-D", str(root / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    pg = PrivateCluster(root, _free_port(), pg_ctl)
    pg.start()
    try:
        yield pg
    finally:
        try:
            pg.stop("immediate")
        except subprocess.SubprocessError:
            pass  # already stopped
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def restart_app(cluster: PrivateCluster, tmp_path: Path, monkeypatch) -> Iterator[Flask]:
    from engage import create_app
    from engage.extensions import db
    from engage.services import migrations

    migrations.upgrade(cluster.url)
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": cluster.url,
            "SERVER_NAME": "localhost",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
        }
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"), (
        "the engine must check pooled connections before use, or a restart breaks every worker"
    )
    with app.app_context():
        from tests.factories import create_survey

        create_survey(slug=SLUG, sections=SECTIONS)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@dataclass
class Outcome:
    marker: str
    accepted: bool = False
    reference: str | None = None
    failures: int = 0


class Resident:
    """One browser completing the survey, pressing the button again after an error page."""

    def __init__(self, client: FlaskClient, marker: str, outages: list[str]) -> None:
        self.client, self.outcome, self.outages = client, Outcome(marker), outages

    def _checked(self, response):
        if response.status_code >= 500:
            body = response.get_data(as_text=True)
            self.outages.append(f"{response.status_code}:{body}")
            self.outcome.failures += 1
            return None
        return response

    def _step(self, method: str, url: str, data: dict | None = None, patience: float = 120.0):
        # Time-based, not a count of tries: on a loaded CI machine a restart can take a while.
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if method == "GET":
                got = self._checked(self.client.get(url))
            else:
                page = self._checked(self.client.get(url))
                if page is None:
                    time.sleep(0.05)
                    continue
                if 300 <= page.status_code < 400:
                    # The earlier press went through but its reply was lost in the crash: the
                    # form's page now sends the browser on (a sent survey to its confirmation).
                    return page
                token = csrf_token_from(page.get_data(as_text=True))
                got = self._checked(self.client.post(url, data={"csrf_token": token, **data}))
            if got is not None:
                return got
            time.sleep(0.05)
        raise AssertionError(f"{url} never recovered in {patience:.0f} s")

    def start(self) -> None:
        got = self._step("POST", f"/surveys/{SLUG}", {})
        assert got.headers["Location"].endswith("/section/1"), got.status_code

    def answer(self) -> None:
        got = self._step(
            "POST", f"/surveys/{SLUG}/section/1", {"hospital": "Royal Preston Hospital"}
        )
        assert got.status_code == 302, got.get_data(as_text=True)[:500]
        got = self._step("POST", f"/surveys/{SLUG}/section/2", {"comments": self.outcome.marker})
        assert got.headers["Location"].endswith("/check"), got.status_code

    def send(self) -> None:
        got = self._step("POST", f"/surveys/{SLUG}/check", {})
        assert got.headers["Location"].endswith("/confirmation"), got.status_code
        self.outcome.accepted = True  # the resident has been told it was sent
        page = self._step("GET", f"/surveys/{SLUG}/confirmation").get_data(as_text=True)
        found = re.search(r"ENG-[A-Z0-9]{8}", page)
        assert found, "the confirmation shows no reference"
        self.outcome.reference = found.group(0)

    def complete(self) -> Outcome:
        self.start()
        self.answer()
        self.send()
        return self.outcome


def _stored(cluster: PrivateCluster) -> dict[str, list[tuple[str, str]]]:
    """Each comment text sent, with the (reference, status) of every response holding it."""
    engine = create_engine(cluster.url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(Answer.value, Response.reference, Response.status)
            .join(Response, Response.id == Answer.response_id)
            .join(Question, Question.id == Answer.question_id)
            .where(Question.key == "comments")
        )
        stored: dict[str, list[tuple[str, str]]] = {}
        for value, reference, status in rows:
            stored.setdefault(str(value), []).append((reference, status))
        comments = conn.execute(
            select(Comment.original_text, func.count()).group_by(Comment.original_text)
        )
        stored["__comments__"] = [(str(t), str(n)) for t, n in comments]
    engine.dispose()
    return stored


def _assert_friendly(outages: list[str]) -> None:
    for page in outages:
        status, body = page.split(":", 1)
        assert status == "503", f"an outage gave {status}, not 503: {body[:300]}"
        assert "Traceback" not in body and "psycopg" not in body.lower(), "a traceback leaked"
        assert "Sorry, the service is unavailable" in body
        assert "Try again in a few minutes" in body, "the page does not say what to do"


def test_no_accepted_submission_is_lost_when_postgresql_restarts_mid_flow(restart_app, cluster):
    outages: list[str] = []
    outcomes: list[Outcome] = []

    # Before: residents send normally, and the pool holds live connections.
    for i in range(4):
        outcomes.append(Resident(restart_app.test_client(), f"before-{i}", outages).complete())

    # Residents half-way through when the server crashes and comes back (immediate = no
    # clean shutdown, like a killed server): every pooled connection is now dead.
    halfway = [Resident(restart_app.test_client(), f"halfway-{i}", outages) for i in range(4)]
    for r in halfway:
        r.start()
        r.answer()
    cluster.stop("immediate")
    cluster.start()
    for r in halfway:
        outcomes.append(r.send() or r.outcome)
    assert not outages, "after a restart the pool must reconnect without an error page"

    # While the server is down: every page is a clear 503, and nothing is half-stored.
    waiting = [Resident(restart_app.test_client(), f"outage-{i}", outages) for i in range(3)]
    for r in waiting:
        r.start()
        r.answer()
    cluster.stop("fast")
    for r in waiting:
        for url in (f"/surveys/{SLUG}/check", f"/surveys/{SLUG}", "/"):
            r._checked(r.client.get(url))
    assert len(outages) == 3 * 3, (
        f"expected an error page for each visit while down: {len(outages)}"
    )
    _assert_friendly(outages)
    # They press "Send" while it is still down (503 pages), and again once it is back.
    threading.Timer(1.0, cluster.start).start()
    for r in waiting:
        r.send()
        outcomes.append(r.outcome)

    # Concurrent residents across a second crash-restart.
    during = [Resident(restart_app.test_client(), f"during-{i}", outages) for i in range(6)]
    errors: list[str] = []

    def complete(resident: Resident) -> None:
        try:
            resident.complete()
        except BaseException:  # noqa: BLE001 - reported below with the marker
            import traceback

            errors.append(f"{resident.outcome.marker}: {traceback.format_exc()}")

    threads = [threading.Thread(target=complete, args=(r,)) for r in during]
    for t in threads:
        t.start()
    time.sleep(0.2)
    cluster.stop("immediate")
    cluster.start()
    for t in threads:
        t.join(timeout=600)
    outcomes += [r.outcome for r in during]
    assert not errors, "a resident's browser failed:\n" + "\n".join(errors)
    _assert_friendly(outages)

    # Afterwards: the app recovered without a restart, and each accepted answer is stored once.
    stored = _stored(cluster)
    comments = dict(stored.pop("__comments__"))
    for outcome in outcomes:
        assert outcome.accepted, f"{outcome.marker} was never accepted"
        rows = stored.get(outcome.marker, [])
        assert len(rows) == 1, f"{outcome.marker} stored {len(rows)} times: {rows}"
        reference, status = rows[0]
        assert status == "submitted", f"{outcome.marker} was accepted but is {status}"
        assert reference == outcome.reference, f"{outcome.marker}: reference shown differs"
        assert comments.get(outcome.marker) == "1", (
            f"{outcome.marker} became {comments.get(outcome.marker)} comments"
        )
    with restart_app.app_context():
        from engage.extensions import db

        assert db.session.execute(text("SELECT 1")).scalar() == 1
    ready = restart_app.test_client().get("/api/ready")
    assert ready.status_code == 200, f"readiness after recovery: {ready.get_data(as_text=True)}"
