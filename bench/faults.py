"""Faults under load: PostgreSQL crashes, restarts and is down while residents send surveys.

    .venv/bin/python bench/faults.py [--clients 10] [--seconds 14]

Starts a throwaway PostgreSQL cluster of its own (initdb in a temporary folder, a free port; as
the postgres user when run as root), so the shared server is never touched. Publishes the survey
of bench/load.py there, starts gunicorn with the project's gunicorn.conf.py (several forked
workers, each with its own connection pool) and drives residents through the whole flow over
HTTP, as bench/load.py does. Meanwhile it crashes the server (``pg_ctl stop -m immediate``) and
starts it again, then stops it for a few seconds and starts it again. It prints what residents
saw during the faults (503 pages are expected, a 500 is a fault), how long the site took to
serve again after each start, and counts rows: every submission a resident was shown as sent is
stored once. The exit status is non-zero when a submission was lost or duplicated, a page was a
500, or the site had not recovered by the end.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.load import (  # noqa: E402
    Gunicorn,
    count_rows,
    drive,
    free_port,
    publish_survey,
    resident,
)


class Cluster:
    """A private PostgreSQL cluster in a temporary folder."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise SystemExit("PostgreSQL's pg_ctl is not installed")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="engage-bench-faults-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            [str(self.bin / "initdb"), "-D", str(self.root / "data"), "-A", "trust",
             "-U", "postgres", "-E", "UTF8"]
        )  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, cmd: list[str]) -> None:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> float:
        began = time.monotonic()
        self._as_postgres(
            [str(self.bin / "pg_ctl"), "start", "-w", "-D", str(self.root / "data"),
             "-l", str(self.root / "log"), "-o",
             f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"]
        )  # fmt: skip
        return time.monotonic() - began

    def stop(self, mode: str) -> None:
        self._as_postgres(
            [str(self.bin / "pg_ctl"), "stop", "-w", "-D", str(self.root / "data"), "-m", mode]
        )

    def remove(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def serves_again(port: int, limit: float = 60.0) -> float | None:
    """Seconds until the start page is served again (None: not within ``limit``)."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/surveys/getting-to-hospital")
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return time.monotonic() - began
        except OSError:
            pass
        time.sleep(0.05)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=10, help="concurrent residents")
    parser.add_argument("--seconds", type=float, default=14.0, help="how long to start visits")
    parser.add_argument("--down", type=float, default=3.0, help="seconds the server stays down")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="engage-bench-faults-run-"))
    cluster = Cluster()
    cluster.start()
    print(f"Private PostgreSQL cluster on 127.0.0.1:{cluster.port} in {cluster.root}")
    env = {
        "ENGAGE_ENV": "development",
        "ENGAGE_RATELIMIT_ENABLED": "0",
        "ENGAGE_INSTANCE_PATH": str(work / "instance"),
        "ENGAGE_DATABASE_URL": cluster.url,
    }
    os.environ["ENGAGE_INSTANCE_PATH"] = env["ENGAGE_INSTANCE_PATH"]
    publish_survey(cluster.url)
    problems = 0
    recovery: list[tuple[str, float | None]] = []
    try:
        with Gunicorn("engage.wsgi:app", env, work / "engage.log") as server:
            result: dict[str, object] = {}
            load = threading.Thread(
                target=lambda: result.update(
                    run=drive(resident, server.port, args.clients, args.seconds)
                )
            )
            load.start()
            time.sleep(args.seconds * 0.2)
            print("crash (pg_ctl stop -m immediate) and start again")
            cluster.stop("immediate")
            cluster.start()
            recovery.append(("after the crash", serves_again(server.port)))
            time.sleep(args.seconds * 0.2)
            print(f"stop (pg_ctl stop -m fast), down {args.down:.0f} s, start again")
            cluster.stop("fast")
            time.sleep(args.down)
            cluster.start()
            recovery.append(("after the outage", serves_again(server.port)))
            load.join()
            run = result["run"]
            after = drive(resident, server.port, args.clients, 60, limit=args.clients)
        outcomes = run.outcomes  # type: ignore[attr-defined]
        errors = Counter(o.error.split(": ", 1)[1] for o in outcomes if o.error)
        sent = sum(o.submitted for o in outcomes)
        print(f"\n{len(outcomes):,} visits during the faults; {sent:,} shown as sent")
        for kind, n in errors.most_common():
            print(f"  {n:>6,} visits ended with {kind}")
        server_errors = sum(n for kind, n in errors.items() if kind.startswith("HTTP 5") and
                            kind != "HTTP 503")  # fmt: skip
        for label, seconds in recovery:
            shown = f"{seconds:.2f} s" if seconds is not None else "NOT within 60 s"
            print(f"  served again {label}: {shown} after the server was up")
        recovered = all(o.submitted and not o.error for o in after.outcomes)
        print(f"  afterwards {sum(o.submitted for o in after.outcomes)} of {len(after.outcomes)}"
              " residents sent the survey")  # fmt: skip
        problems = count_rows(cluster.url, outcomes + after.outcomes)
        problems += server_errors + (0 if recovered else 1)
        problems += sum(seconds is None for _label, seconds in recovery)
        print(f"\ngunicorn log: {work / 'engage.log'}")
    finally:
        cluster.remove()
    print("=> no fault" if problems == 0 else f"=> {problems} PROBLEMS")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
