"""Import a large generated CSV through the import service and show that memory stays flat.

    python bench/imports.py [--rows 100000] [--small 10000] [--no-postgres]

Writes CSV files of ``--small`` and ``--rows`` rows (1% of them bad) into a temporary folder,
imports each into a fresh, migrated SQLite database (and PostgreSQL when it is reachable at
ENGAGE_BENCH_POSTGRES_URL, default the test server), and prints rows per second, the peak of
Python allocations (tracemalloc) during the import and the process's peak resident memory
(ru_maxrss). If the import streams, the peak for ``--rows`` is close to the peak for ``--small``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("ENGAGE_JOBS_IMMEDIATE", "1")  # run the job inline, in this process
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

POSTGRES_URL = os.environ.get(
    "ENGAGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PLACES = [("E06000009", "Blackpool"), ("E06000008", "Blackburn with Darwen"), ("LSC", "Lancashire")]
PHRASES = [
    "The staff were kind and explained everything clearly",
    "I waited over four hours in A&E before anyone saw me",
    "Parking at the hospital is expensive and hard to find",
    "Could not get a GP appointment for three weeks",
    "The pharmacy was helpful and quick",
    "Nobody told me what was happening with my mum's care",
]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Respondent", "Date", "Place", "Comment"])
        for i in range(rows):
            text = f"{rng.choice(PHRASES)} (visit {i})"
            day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024"
            place = rng.choice(PLACES)[rng.randint(0, 1)]
            if i % 100 == 99:  # one row in a hundred is bad, in turn each kind
                kind = (i // 100) % 3
                text = "" if kind == 0 else text
                day = "31/02/2024" if kind == 1 else day
                place = "Atlantis" if kind == 2 else place
            out.writerow([f"R{i}", day, place, text])


def run(url: str, files: list[tuple[int, Path]], instance: Path, trace: bool = True) -> None:
    from engage import create_app
    from engage.extensions import db
    from engage.models import Comment, Place
    from engage.services import imports, migrations

    migrations.upgrade(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    app.instance_path = str(instance)
    with app.app_context():
        db.session.add_all(Place(code=c, name=n, kind="place") for c, n in PLACES)
        db.session.commit()
        for rows, path in files:
            with path.open("rb") as f:
                batch = imports.store_upload(f, path.name, "event")
            imports.save_mapping(batch.id, imports.Mapping(text=3, date=1, place=2, respondent=0))
            if trace:
                tracemalloc.start()
            started = time.perf_counter()
            imports.start(batch.id, "keep_good")
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            batch = imports.get_batch(batch.id)
            maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"  {rows:>7,} rows: {batch.status}, {batch.imported_rows:,} imported, "
                f"{batch.error_rows:,} bad, {elapsed:6.1f} s, {rows / elapsed:7,.0f} rows/s, "
                f"tracemalloc peak {peak / 2**20:5.1f} MiB, ru_maxrss {maxrss_mb:6.1f} MiB",
                flush=True,
            )
            # Again: every row is already there, so all are counted as duplicates.
            with path.open("rb") as f:
                again = imports.store_upload(f, path.name, "event")
            imports.save_mapping(again.id, imports.Mapping(text=3, date=1, place=2, respondent=0))
            started = time.perf_counter()
            imports.start(again.id, "keep_good")
            again = imports.get_batch(again.id)
            print(
                f"  {rows:>7,} rows again: {again.imported_rows:,} imported, "
                f"{again.duplicate_rows:,} duplicates, {time.perf_counter() - started:6.1f} s"
            )
        total = db.session.query(Comment).count()
        print(f"  comments stored: {total:,}")
        db.session.remove()
        db.engine.dispose()


def _postgres_database() -> str | None:
    try:
        server = create_engine(
            POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        name = f"engage_bench_{os.getpid()}"
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        server.dispose()
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    except Exception as err:  # noqa: BLE001
        print(f"PostgreSQL not reachable ({type(err).__name__}); skipping it")
        return None


def _drop(url: str) -> None:
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--no-trace", action="store_true", help="time without tracemalloc, which slows Python"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ["ENGAGE_INSTANCE_PATH"] = str(base / "instance")
        files = []
        for rows in (args.small, args.rows):
            path = base / f"feedback-{rows}.csv"
            write_csv(path, rows, seed=rows)
            files.append((rows, path))
            print(f"{path.name}: {path.stat().st_size / 2**20:.1f} MiB")
        print("SQLite")
        run(f"sqlite:///{base / 'bench.sqlite3'}", files, base / "instance", not args.no_trace)
        if not args.no_postgres and (url := _postgres_database()):
            print("PostgreSQL")
            try:
                run(url, files, base / "instance", not args.no_trace)
            finally:
                _drop(url)


if __name__ == "__main__":
    main()
