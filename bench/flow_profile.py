"""Where the survey flow's server CPU goes, in one process: CPU and queries per step, a profile.

    .venv/bin/python bench/flow_profile.py [--visits 200] [--profile pyinstrument|cprofile] [--sql]

The same flow as ``bench/load.py`` (start, two sections, check, send, confirmation, CSRF
included) through Flask's test client against PostgreSQL, without gunicorn or concurrency, so
the numbers hold still on a busy machine: CPU milliseconds per request and per submission
(``time.process_time``, this process only; PostgreSQL not counted) and SQL statements per step.
With ``--profile`` it also writes where the time went (pyinstrument must be importable).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import bench.load as load  # noqa: E402 - after the path is set

load.DB_NAME = "engage_bench_profile"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--profile", choices=["pyinstrument", "cprofile"])
    parser.add_argument(
        "--sql", action="store_true", help="also print each step's statements for one visit"
    )
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "engage-flow-profile"))
    args = parser.parse_args()

    os.environ.update(
        {
            "ENGAGE_ENV": "development",
            "ENGAGE_RATELIMIT_ENABLED": "0",
            "ENGAGE_INSTANCE_PATH": str(
                Path(tempfile.gettempdir()) / "engage-flow-profile-instance"
            ),
        }
    )
    url = load.fresh_database()
    load.publish_survey(url)
    os.environ["ENGAGE_DATABASE_URL"] = url

    import logging

    from sqlalchemy import event

    from engage import create_app
    from engage.extensions import db

    app = create_app()
    logging.getLogger("engage.request").setLevel(logging.INFO)
    logging.getLogger().handlers[:] = [logging.NullHandler()]  # time the formatting, not a tty
    statements: Counter[str] = Counter()
    current = {"step": "-"}
    seen: list[tuple[str, str]] = []  # (step, statement) for one visit, with --sql
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
        statements[current["step"]] += 1
        if args.sql:
            seen.append((current["step"], " ".join(statement.split())[:160]))

    cpu: dict[str, float] = defaultdict(float)
    calls: Counter[str] = Counter()
    base = f"/surveys/{load.SLUG}"

    def visit(rng: random.Random) -> None:
        client = app.test_client()

        def step(name: str, method: str, path: str, form: dict[str, str] | None = None) -> str:
            current["step"] = name
            began = time.process_time()
            if method == "GET":
                reply = client.get(path)
            else:
                reply = client.post(path, data=form)
            cpu[name] += time.process_time() - began
            calls[name] += 1
            expected = 200 if method == "GET" else 302
            if reply.status_code != expected:
                raise SystemExit(f"{name}: HTTP {reply.status_code}")
            return reply.get_data(as_text=True)

        def token(html: str) -> str:
            found = load.CSRF.search(html)
            assert found, "no CSRF token"
            return found.group(1)

        page = step("start GET", "GET", base)
        step("start POST", "POST", base, {"csrf_token": token(page), "website": ""})
        page = step("section 1 GET", "GET", f"{base}/section/1")
        step(
            "section 1 POST",
            "POST",
            f"{base}/section/1",
            {
                "csrf_token": token(page),
                "website": "",
                "hospital": rng.choice(load.HOSPITALS),
                "journey": rng.choice(load.COMMENTS),
                "action": "continue",
            },
        )
        page = step("section 2 GET", "GET", f"{base}/section/2")
        step(
            "section 2 POST",
            "POST",
            f"{base}/section/2",
            {
                "csrf_token": token(page),
                "website": "",
                "fft": rng.choice(load.FFT),
                "one_change": rng.choice(load.CHANGES),
                "action": "continue",
            },
        )
        page = step("check GET", "GET", f"{base}/check")
        step("submit POST", "POST", f"{base}/check", {"csrf_token": token(page), "website": ""})
        page = step("confirmation GET", "GET", f"{base}/confirmation")
        assert load.REFERENCE.search(page), "no reference"

    rng = random.Random(1)  # noqa: S311 - made-up answers
    for _ in range(20):  # warm: templates compiled, connections open
        visit(rng)
    if args.sql:
        seen.clear()
        visit(rng)
        for name, statement in seen:
            print(f"  {name:<18} {statement}")
        args.sql = False
    cpu.clear()
    calls.clear()
    statements.clear()

    profiler: Any = None
    if args.profile == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    elif args.profile == "cprofile":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    began = time.process_time()
    for _ in range(args.visits):
        visit(rng)
    total = time.process_time() - began
    if args.profile == "pyinstrument":
        profiler.stop()
        Path(args.out + ".txt").write_text(profiler.output_text(unicode=False, show_all=False))
        Path(args.out + ".html").write_text(profiler.output_html())
        print(f"profile: {args.out}.txt and .html")
    elif args.profile == "cprofile":
        profiler.disable()
        profiler.dump_stats(args.out + ".pstats")
        print(f"profile: {args.out}.pstats")

    requests = sum(calls.values())
    print(f"\n{args.visits} visits, {requests} requests, in one process (test client)")
    print(f"  {'step':<18} {'CPU ms':>7} {'queries':>8}")
    for name in calls:
        print(
            f"  {name:<18} {cpu[name] * 1000 / calls[name]:7.2f}"
            f" {statements[name] / calls[name]:8.1f}"
        )
    print(
        f"  CPU per request {total * 1000 / requests:.2f} ms, per submission "
        f"{total * 1000 / args.visits:.1f} ms; SQL statements per submission "
        f"{sum(statements.values()) / args.visits:.1f}"
        + (" (profiler on: slower)" if args.profile else "")
    )
    with app.app_context():
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
