"""Load: many residents complete a survey at once against gunicorn and PostgreSQL; none is lost.

    .venv/bin/python bench/load.py [--clients 50] [--seconds 30 | --submissions N] [--quick]

Creates its own database (``engage_bench_load``, dropped and re-created), publishes a short
public survey, starts gunicorn with the project's ``gunicorn.conf.py`` on a free loopback port
and sends N concurrent virtual residents through the whole flow, as a browser would: start page,
two section pages, check your answers, send, confirmation, each POST carrying the CSRF token
from its page and each resident with its own cookies. It prints throughput and latency, then
counts rows: every submission the clients saw confirmed is in the database once, with its
answers and one comment per free-text answer. Then it drives a minimal Flask app
(``bench/ceiling_app.py``) on the same gunicorn set-up for the same time, as the ceiling.

Speed is reported, never asserted: the exit status is non-zero only when a submission was lost
or duplicated. Target (issue 7): 200 submissions/s on 2 cores with the submit's p95 under 250 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import resource
import runpy
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SERVER_URL = os.environ.get(
    "ENGAGE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "engage_bench_load"
SLUG = "getting-to-hospital"
HOSPITALS = ["Royal Preston Hospital", "Royal Lancaster Infirmary", "Furness General Hospital"]
FFT = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
COMMENTS = [
    "The bus from Chorley only runs every hour, so I was nearly late for my appointment.",
    "Parking was full and the machines only took coins. Staff on the desk were lovely though.",
    "Signs to outpatients were hard to follow from the main entrance.",
    "I had to wait 40 minutes for hospital transport to take me home after my scan.",
    "Everything went smoothly and the volunteers helped me find the right ward.",
]
CHANGES = ["More buses in the evening", "Cheaper parking", "Clearer signs", "A drop-off bay", ""]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REFERENCE = re.compile(r"ENG-[A-Z0-9]{8}")


# --- the database and the survey ------------------------------------------------------------


def gunicorn_sizes(env: dict[str, str]) -> tuple[int, int]:
    """Workers and threads as gunicorn.conf.py derives them under `env` (read, not copied)."""
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        conf = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return int(conf["workers"]), int(conf["threads"])


def fresh_database() -> str:
    server = create_engine(_psycopg(SERVER_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
        version = conn.scalar(text("SHOW server_version"))
    server.dispose()
    print(f"PostgreSQL {version}: database {DB_NAME} created afresh")
    return make_url(SERVER_URL).set(database=DB_NAME).render_as_string(hide_password=False)


def _psycopg(url: str) -> str:
    from engage.config import normalise_database_url

    return normalise_database_url(url)


def publish_survey(url: str) -> None:
    """A short, realistic public survey, made through the models as the builder would."""
    from datetime import date, timedelta

    from engage import create_app
    from engage.extensions import db
    from engage.models import Question, Section, Survey
    from engage.services import migrations

    migrations.upgrade(_psycopg(url))
    app = create_app({"SQLALCHEMY_DATABASE_URI": _psycopg(url), "TESTING": True})
    with app.app_context():
        today = date.today()
        survey = Survey(
            slug=SLUG,
            title="Getting to hospital",
            purpose="Tell us how you got to your appointment so we can make it easier.",
            audience="public",
            status="open",
            opens_on=today - timedelta(days=7),
            closes_on=today + timedelta(days=30),
        )
        visit = Section(position=0, title="Your visit")
        visit.questions += [
            Question(
                position=0,
                key="hospital",
                kind="single_choice",
                text="Which hospital did you visit?",
                hint="",
                required=True,
                options=HOSPITALS,
            ),
            Question(
                position=1,
                key="journey",
                kind="free_text_long",
                text="Tell us about your journey",
                hint="Do not include names or other details that could identify anyone",
                required=False,
                options=[],
            ),
        ]
        views = Section(position=1, title="Your views")
        views.questions += [
            Question(
                position=0,
                key="fft",
                kind="fft",
                text="Overall, how was your experience of getting there?",
                hint="",
                required=True,
                options=FFT,
            ),
            Question(
                position=1,
                key="one_change",
                kind="free_text_short",
                text="What one thing would make it easier?",
                hint="",
                required=False,
                options=[],
            ),
        ]
        survey.sections += [visit, views]
        db.session.add(survey)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """gunicorn with the project's settings, on loopback, logging to a file (not our screen)."""

    def __init__(self, app: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.env = {**os.environ, **env, "ENGAGE_BIND": f"127.0.0.1:{self.port}"}
        self.app = app
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        self.cpu_before = _children_cpu()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", self.app],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {self.log}:\n{_tail(self.log)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/ready")
                if conn.getresponse().status == 200:
                    conn.close()
                    self.mark()
                    return self
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"gunicorn was not ready in 60 s; see {self.log}:\n{_tail(self.log)}")

    def mark(self) -> None:
        """Count CPU from now: leave out start-up and warm-up."""
        assert self.proc is not None
        self.cpu_mark = _tree_cpu(self.proc.pid)
        self.pg_mark = _postgres_cpu(DB_NAME)

    def __exit__(self, *_exc: object) -> None:
        # Read before gunicorn stops: its database connections end with it, and their CPU too.
        ended = _postgres_cpu(DB_NAME)
        began = getattr(self, "pg_mark", {})
        self.postgres_cpu_seconds = sum(t - began.get(pid, 0.0) for pid, t in ended.items())
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # graceful: workers finish what they hold
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Workers are reaped by the master, the master by us, so this includes them all (and
        # workers recycled by max_requests); start-up and warm-up, up to mark(), are left out.
        self.cpu_seconds = _children_cpu() - self.cpu_before - getattr(self, "cpu_mark", 0.0)


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            # utime, stime, and cutime, cstime: the master's include workers already recycled.
            total += sum(int(f) for f in fields[11:15]) / tick
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(k) for k in kids]
    return total


POSTGRES_HELPERS = ("walwriter", "wal writer", "checkpointer", "background writer", "autovacuum")


def _postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL process serving `database`, and of the server's
    own writers (WAL, checkpoints, autovacuum), which the benchmark's commits keep busy.

    Other databases' backends (a test run beside the benchmark) are left out. Read from the
    process titles, so only where the server runs on this machine and /proc shows it.
    """
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres:"):
                continue
            if f" {database} " not in title and not any(h in title for h in POSTGRES_HELPERS):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --- the virtual resident ---------------------------------------------------------------------


class Failed(Exception):
    """A step went wrong; the message is the kind of error, counted in the summary."""


class Browser:
    """One resident's browser: a keep-alive connection and its own cookies, redirects by hand."""

    def __init__(self, port: int, timings: list[tuple[str, float]]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.timings = timings

    def close(self) -> None:
        self.conn.close()

    def request(
        self, step: str, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            from urllib.parse import urlencode

            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        began = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            reply = self.conn.getresponse()
            html = reply.read().decode("utf-8", errors="replace")
        except TimeoutError:
            self.conn.close()
            raise Failed(f"{step}: timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()  # reconnects on the next request
            raise Failed(f"{step}: {type(exc).__name__}") from None
        self.timings.append((step, time.perf_counter() - began))
        for header in reply.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply.status, reply.getheader("Location") or "", html

    def page(self, step: str, path: str) -> str:
        status, _location, html = self.request(step, "GET", path)
        if status != 200:
            raise Failed(f"{step}: HTTP {status}")
        return html

    def post(self, step: str, path: str, html: str, form: dict[str, str], expect: str) -> None:
        token = CSRF.search(html)
        if token is None:
            raise Failed(f"{step}: no CSRF token on the page")
        status, location, _html = self.request(
            step, "POST", path, {"csrf_token": token.group(1), "website": "", **form}
        )
        if status != 302:
            raise Failed(f"{step}: HTTP {status}")
        if not location.endswith(expect):
            raise Failed(f"{step}: sent to {location.rsplit('/', 1)[-1] or location}")


@dataclass
class Outcome:
    """What one resident's attempt came to, as the client saw it."""

    submitted: bool = False  # the send was answered with the confirmation redirect
    sent_unanswered: bool = False  # the send request itself failed: it may or may not have landed
    reference: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    flow_s: float | None = None
    submit_s: float | None = None


def resident(browser: Browser, rng: random.Random) -> Outcome:
    """Complete the survey once, from the start page to the confirmation, as a new visitor."""
    answers: dict[str, Any] = {
        "hospital": rng.choice(HOSPITALS),
        "journey": rng.choice(COMMENTS),
        "fft": rng.choice(FFT),
        "one_change": rng.choice(CHANGES),
    }
    outcome = Outcome(answers={k: v for k, v in answers.items() if v})
    base = f"/surveys/{SLUG}"
    timings = browser.timings
    began = time.perf_counter()
    try:
        start = browser.page("start GET", base)
        browser.post("start POST", base, start, {}, "/section/1")
        first = browser.page("section 1 GET", f"{base}/section/1")
        browser.post(
            "section 1 POST",
            f"{base}/section/1",
            first,
            {"hospital": answers["hospital"], "journey": answers["journey"], "action": "continue"},
            "/section/2",
        )
        second = browser.page("section 2 GET", f"{base}/section/2")
        browser.post(
            "section 2 POST",
            f"{base}/section/2",
            second,
            {"fft": answers["fft"], "one_change": answers["one_change"], "action": "continue"},
            "/check",
        )
        check = browser.page("check GET", f"{base}/check")
        sent_at = len(timings)
        try:
            browser.post("submit POST", f"{base}/check", check, {}, "/confirmation")
        except Failed as exc:
            outcome.sent_unanswered = "HTTP" not in str(exc)
            raise
        outcome.submitted = True
        outcome.submit_s = timings[sent_at][1]
        done = browser.page("confirmation GET", f"{base}/confirmation")
        found = REFERENCE.search(done)
        if found is None:
            raise Failed("confirmation GET: no reference on the page")
        outcome.reference = found.group(0)
        outcome.flow_s = time.perf_counter() - began
    except Failed as exc:
        outcome.error = str(exc)
    return outcome


def ceiling_visitor(browser: Browser, _rng: random.Random) -> Outcome:
    """As many requests as a resident makes (9), on one connection, to the minimal app."""
    outcome = Outcome()
    began = time.perf_counter()
    try:
        for _ in range(9):
            browser.page("GET /", "/")
        outcome.flow_s = time.perf_counter() - began
    except Failed as exc:
        outcome.error = str(exc)
    return outcome


@dataclass
class Run:
    outcomes: list[Outcome]
    timings: list[tuple[str, float]]
    seconds: float
    client_cpu_s: float


def drive(
    visit: Callable[[Browser, random.Random], Outcome],
    port: int,
    clients: int,
    seconds: float,
    limit: int | None = None,
) -> Run:
    """Closed loop, no think time: each client starts its next visit as soon as one ends.

    New visits stop at the deadline (or once ``limit`` have started); visits under way finish.
    """
    deadline = time.monotonic() + seconds
    started = 0
    lock = threading.Lock()
    per_client: list[tuple[list[Outcome], list[tuple[str, float]]]] = [
        ([], []) for _ in range(clients)
    ]

    def claim() -> bool:
        nonlocal started
        if time.monotonic() >= deadline:
            return False
        with lock:
            if limit is not None and started >= limit:
                return False
            started += 1
            return True

    def loop(index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - made-up answers, not security
        outcomes, timings = per_client[index]
        while claim():
            browser = Browser(port, timings)  # a new visitor: new connection, no cookies
            try:
                outcomes.append(visit(browser, rng))
            finally:
                browser.close()

    threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(clients)]
    cpu0, began = time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return Run(
        outcomes=[o for outs, _t in per_client for o in outs],
        timings=[x for _o, ts in per_client for x in ts],
        seconds=elapsed,
        client_cpu_s=time.process_time() - cpu0,
    )


# --- reporting ----------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def latency_row(label: str, values: list[float], width: int = 20) -> str:
    if not values:
        return f"  {label:<{width}} {'-':>7}"
    ms = [v * 1000 for v in values]
    return (
        f"  {label:<{width}} {len(ms):>7,}  p50 {pct(ms, 50):7.1f}  p95 {pct(ms, 95):7.1f}"
        f"  p99 {pct(ms, 99):7.1f}  max {max(ms):7.1f} ms"
    )


def measure(
    app: str,
    env: dict[str, str],
    log: Path,
    visit: Callable[[Browser, random.Random], Outcome],
    clients: int,
    seconds: float,
    limit: int | None = None,
) -> tuple[Run, Run, Gunicorn]:
    """Serve ``app``, warm it with one untimed visit per client, then drive it for the time.

    The warm-up's CPU is left out of the server's figures (``mark``); its visits are returned
    so that their rows can be counted too.
    """
    with Gunicorn(app, env, log) as server:
        warm = drive(visit, server.port, clients, 120, limit=clients)
        server.mark()
        run = drive(visit, server.port, clients, seconds, limit)
    return warm, run, server


def report_submissions(run: Run, server: Gunicorn) -> list[Outcome]:
    """Submissions a second, CPU per submission and the send's latency; the confirmed visits."""
    confirmed = [o for o in run.outcomes if o.submitted]
    per = max(len(confirmed), 1)
    print(f"  submissions/s        {len(confirmed) / run.seconds:8.1f}")
    print(
        f"  gunicorn CPU per submission {server.cpu_seconds * 1000 / per:.1f} ms (every request"
        " of the visit, user+sys of master and workers); PostgreSQL"
        f" {server.postgres_cpu_seconds * 1000 / per:.1f} ms"
    )
    print(latency_row("submit request", [o.submit_s for o in confirmed if o.submit_s]))
    return confirmed


def report_run(title: str, run: Run, server: Gunicorn, per_step: bool) -> None:
    requests = len(run.timings)
    print(f"\n{title}")
    print(f"  {run.seconds:.1f} s, {len(run.outcomes):,} visits, {requests:,} requests answered")
    print(f"  requests/s           {requests / run.seconds:8.1f}")
    print(latency_row("all requests", [t for _s, t in run.timings]))
    if per_step:
        steps = list(dict.fromkeys(step for step, _t in run.timings))
        for step in steps:
            print(latency_row(f"  {step}", [t for s, t in run.timings if s == step]))
    flows = [o.flow_s for o in run.outcomes if o.flow_s is not None]
    print(latency_row("whole visit", flows))
    server_cpu_s, postgres_cpu_s = server.cpu_seconds, server.postgres_cpu_seconds
    core_seconds = run.seconds * (os.cpu_count() or 1)
    rest = core_seconds - server_cpu_s - run.client_cpu_s - postgres_cpu_s
    print(
        f"  CPU: gunicorn {server_cpu_s:.1f} s, PostgreSQL {postgres_cpu_s:.1f} s, client"
        f" {run.client_cpu_s:.1f} s, of {core_seconds:.0f} core-seconds ({rest:.1f} s idle or"
        f" used by anything else on the machine); gunicorn"
        f" {server_cpu_s * 1000 / max(requests, 1):.1f} ms of CPU per request"
    )
    errors = Counter(o.error for o in run.outcomes if o.error)
    if errors:
        print("  errors by kind:")
        for kind, n in errors.most_common():
            print(f"    {n:>6,}  {kind}")
    else:
        print("  errors: none")


def count_rows(url: str, outcomes: list[Outcome]) -> int:
    """Compare what the clients saw with the rows; the number of problems found."""
    engine = create_engine(_psycopg(url))
    with engine.connect() as conn:
        survey_id = conn.scalar(text("SELECT id FROM survey WHERE slug = :s"), {"s": SLUG})
        statuses: dict[str, int] = {
            status: n
            for status, n in conn.execute(
                text("SELECT status, count(*) FROM response WHERE survey_id = :s GROUP BY status"),
                {"s": survey_id},
            )
        }
        stored: dict[str, dict[str, Any]] = {}
        for reference, key, value in conn.execute(
            text(
                "SELECT r.reference, q.key, a.value FROM response r"
                " LEFT JOIN answer a ON a.response_id = r.id"
                " LEFT JOIN question q ON q.id = a.question_id"
                " WHERE r.survey_id = :s AND r.status = 'submitted'"
            ),
            {"s": survey_id},
        ):
            answers = stored.setdefault(reference, {})
            if key is not None:
                answers[key] = value
        comments: dict[str, list[tuple[str, str]]] = {}
        for reference, key, original in conn.execute(
            text(
                "SELECT r.reference, q.key, c.original_text FROM comment c"
                " JOIN response r ON r.id = c.response_id JOIN question q ON q.id = c.question_id"
                " WHERE c.survey_id = :s"
            ),
            {"s": survey_id},
        ):
            comments.setdefault(reference, []).append((key, original))
        unsubmitted_with_comments = conn.scalar(
            text(
                "SELECT count(*) FROM comment c JOIN response r ON r.id = c.response_id"
                " WHERE c.survey_id = :s AND r.status <> 'submitted'"
            ),
            {"s": survey_id},
        )
    engine.dispose()

    confirmed = [o for o in outcomes if o.submitted]
    seen = Counter(o.reference for o in confirmed if o.reference)
    ambiguous = sum(o.sent_unanswered for o in outcomes)
    submitted = statuses.get("submitted", 0)
    lost = [o for o in confirmed if o.reference and o.reference not in stored]
    confirmed_twice = [r for r, n in seen.items() if n > 1]
    wrong_answers = [
        o for o in confirmed if o.reference in stored and stored[o.reference] != o.answers
    ]
    free_text = {"journey", "one_change"}
    comment_problems = 0
    duplicated_comments = 0
    for reference, answers in stored.items():
        expected = sorted((k, str(v)) for k, v in answers.items() if k in free_text)
        got = sorted(comments.get(reference, []))
        if got != expected:
            comment_problems += 1
            duplicated_comments += max(0, len(got) - len(expected))
    unconfirmed = submitted - len(confirmed)

    print("\nRows in the database against what the clients saw")
    print(f"  confirmed to clients           {len(confirmed):>7,}")
    print(f"  responses submitted (rows)     {submitted:>7,}")
    print(f"  responses left in progress     {statuses.get('in_progress', 0):>7,}"
          "  (visits cut short by an error)")  # fmt: skip
    print(f"  confirmed but not stored       {len(lost):>7,}  (lost)")
    print(f"  confirmed twice (same ref.)    {len(confirmed_twice):>7,}  (duplicated)")
    print(f"  stored, never confirmed        {unconfirmed:>7,}"
          f"  (allowed up to {ambiguous:,}: sends whose answer never arrived)")  # fmt: skip
    print(f"  answers differ from those sent {len(wrong_answers):>7,}")
    print(f"  comments: {sum(len(c) for c in comments.values()):,} rows; responses whose comments"
          f" are not exactly one per free-text answer: {comment_problems:,}"
          f" ({duplicated_comments:,} extra)")  # fmt: skip
    print(f"  comments on unsubmitted responses {unsubmitted_with_comments:>4,}")
    problems = (
        max(len(lost), -unconfirmed)  # a confirmation without its row, or fewer rows in all
        + len(confirmed_twice)
        + len(wrong_answers)
        + comment_problems
        + unsubmitted_with_comments
        + max(0, unconfirmed - ambiguous)  # more rows than sends: duplicated
    )
    print(
        "  => zero lost, zero duplicated"
        if problems == 0
        else f"  => {problems:,} PROBLEMS: a submission was lost or duplicated"
    )
    return problems


def count_bare_rows(url: str, outcomes: list[Outcome]) -> int:
    """The bare flow's rows against its confirmations: each stored once, with its answers."""
    engine = create_engine(_psycopg(url))
    with engine.connect() as conn:
        stored: dict[str, dict[str, Any]] = {}
        for reference, key, value in conn.execute(
            text(
                "SELECT r.reference, a.key, a.value FROM bare_response r"
                " LEFT JOIN bare_answer a ON a.response_id = r.id WHERE r.status = 'submitted'"
            )
        ):
            answers = stored.setdefault(reference, {})
            if key is not None:
                answers[key] = value
        comments = conn.scalar(text("SELECT count(*) FROM bare_comment"))
    engine.dispose()
    confirmed = [o for o in outcomes if o.submitted and o.reference]
    lost = sum(o.reference not in stored for o in confirmed)
    twice = sum(n > 1 for n in Counter(o.reference for o in confirmed).values())
    wrong = sum(stored.get(o.reference) != o.answers for o in confirmed if o.reference in stored)
    expected_comments = sum(
        sum(k in {"journey", "one_change"} for k in answers) for answers in stored.values()
    )
    problems = lost + twice + wrong + abs((comments or 0) - expected_comments)
    print(
        f"  rows: {len(stored):,} submitted for {len(confirmed):,} confirmed; lost {lost}, "
        f"duplicated {twice}, answers differ {wrong}, comments {comments:,} of "
        f"{expected_comments:,} expected"
    )
    return problems


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent residents")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to start visits")
    parser.add_argument("--submissions", type=int, help="stop after this many visits instead")
    parser.add_argument("--workers", type=int, help="ENGAGE_WEB_WORKERS (default: as derived)")
    parser.add_argument("--threads", type=int, help="ENGAGE_WEB_THREADS (default: as derived)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 clients, 10 s")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 10, 10.0
    seconds = 24 * 3600.0 if args.submissions else args.seconds

    work = Path(tempfile.mkdtemp(prefix="engage-bench-load-"))
    env = {
        "ENGAGE_ENV": "development",
        "ENGAGE_RATELIMIT_ENABLED": "0",
        "ENGAGE_INSTANCE_PATH": str(work / "instance"),
    }
    os.environ["ENGAGE_INSTANCE_PATH"] = env["ENGAGE_INSTANCE_PATH"]
    if args.workers:
        env["ENGAGE_WEB_WORKERS"] = str(args.workers)
    if args.threads:
        env["ENGAGE_WEB_THREADS"] = str(args.threads)
    cores = os.cpu_count() or 1
    workers, threads = gunicorn_sizes(env)
    load1, load5, load15 = os.getloadavg()
    amount = f"{args.submissions:,} visits" if args.submissions else f"{args.seconds:.0f} s"
    print(
        f"Load test on {platform.node()} ({cores} cores, load average {load1:.2f} {load5:.2f} "
        f"{load15:.2f} at start, Python {platform.python_version()}). gunicorn with "
        f"gunicorn.conf.py (gthread, {workers} workers x {threads} threads) on 127.0.0.1, "
        f"PostgreSQL on 127.0.0.1:5432. {args.clients} virtual residents for {amount}, closed "
        "loop with no think time, each a new visitor with its own cookies and keep-alive "
        "connection: start page, start, section 1, section 2, check your answers, send, "
        "confirmation (9 requests; every POST carries the CSRF token from its page). Rate "
        "limiting is off (ENGAGE_RATELIMIT_ENABLED=0) because every client comes from "
        "127.0.0.1. The client (Python threads, standard library) runs on the same machine and "
        "shares its CPU with gunicorn and PostgreSQL, so on few cores it takes a share of what "
        "the server could use; its CPU time is printed. Speed is not asserted."
    )

    url = fresh_database()
    publish_survey(url)
    problems = 0
    try:
        env["ENGAGE_DATABASE_URL"] = url
        warm, survey, server = measure(
            "engage.wsgi:app", env, work / "engage.log", resident, args.clients, seconds,
            args.submissions,
        )  # fmt: skip
        print(f"\nWarm-up: {len(warm.outcomes)} visits, untimed (their rows are counted below)")
        report_run("Survey flow (Engage)", survey, server, per_step=True)
        confirmed = report_submissions(survey, server)
        problems = count_rows(url, warm.outcomes + survey.outcomes)

        from bench.bare_flow_app import create_schema

        create_schema(_psycopg(url))
        bare_warm, bare, bare_server = measure(
            "bench.bare_flow_app:app", env, work / "bare.log", resident, args.clients,
            survey.seconds,
        )  # fmt: skip
        report_run(
            "Bare flow: the same visits to a Flask app that only saves them"
            " (bench/bare_flow_app.py)",
            bare,
            bare_server,
            per_step=False,
        )
        report_submissions(bare, bare_server)
        problems += count_bare_rows(url, bare_warm.outcomes + bare.outcomes)

        _, ceiling, ceiling_server = measure(
            "bench.ceiling_app:app", env, work / "ceiling.log", ceiling_visitor, args.clients,
            survey.seconds,
        )  # fmt: skip
        report_run(
            "Ceiling: minimal Flask app, same gunicorn set-up, same clients and time",
            ceiling,
            ceiling_server,
            per_step=False,
        )
        share = (len(survey.timings) / survey.seconds) / (len(ceiling.timings) / ceiling.seconds)
        print(f"\nEngage served {share:.0%} of the ceiling's requests/s.")
        submit_p95 = pct([o.submit_s for o in confirmed if o.submit_s], 95) * 1000
        print(
            f"Target (issue 7, on 2 cores): 200 submissions/s with the submit's p95 under 250 ms;"
            f" here {len(confirmed) / survey.seconds:.1f} submissions/s, p95 {submit_p95:.0f} ms"
            f" on {cores} cores."
        )
        print(f"gunicorn logs: {work}")
    finally:
        if not args.keep:
            server_engine = create_engine(_psycopg(SERVER_URL), isolation_level="AUTOCOMMIT")
            with server_engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            server_engine.dispose()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
