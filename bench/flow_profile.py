"""Where the survey flow's server CPU goes, in one process: CPU and queries per step, a profile.

    .venv/bin/python bench/flow_profile.py [--visits 200] [--profile pyinstrument|cprofile] [--sql]

The same virtual resident as ``bench/load.py`` (start, two sections, check, send,
confirmation, CSRF included; its code, not a copy) through Flask's test client against
PostgreSQL, without gunicorn or concurrency, so the numbers hold still on a busy machine: CPU
milliseconds per request and per submission (``time.process_time``, this process only;
PostgreSQL not counted) and SQL statements per step.
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

    class AppBrowser(load.Browser):
        """bench/load.py's browser, through Flask's test client: CPU and statements per step."""

        def __init__(self) -> None:
            self.client = app.test_client()
            self.timings = []

        def close(self) -> None:
            pass

        def request(
            self, step: str, method: str, path: str, form: dict[str, str] | None = None
        ) -> tuple[int, str, str]:
            current["step"] = step
            began = time.process_time()
            reply = self.client.open(path, method=method, data=form)
            spent = time.process_time() - began
            cpu[step] += spent
            calls[step] += 1
            self.timings.append((step, spent))
            return reply.status_code, reply.headers.get("Location", ""), reply.get_data(True)

    def visit(rng: random.Random) -> None:
        outcome = load.resident(AppBrowser(), rng)
        if outcome.error or not outcome.reference:
            raise SystemExit(f"the visit failed: {outcome.error or 'no reference'}")

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
