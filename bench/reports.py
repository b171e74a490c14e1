"""How fast the intention and theme report pages are with 100,000 comments in PostgreSQL.

    .venv/bin/python bench/reports.py [--comments 100000] [--requests 50] [--keep]

Creates its own database (``engage_bench_reports`` on 127.0.0.1:5432, trust auth; override
with ENGAGE_BENCH_POSTGRES_URL), migrates it, bulk-loads places, ~40 themes, the intentions
catalogue with confirmed and suggested links, a current analysis run with representative
comments, and the comments with their themes (about 1.5 a comment; 5% pending, 3% with a
person's correction), then signs in as a viewer and times each page through the Flask test
client: a warm-up, then ``--requests`` requests spread over the five largest intentions and
themes. Prints p50 and p95 per page; the target is p95 under 300 ms. The database is dropped
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SERVER_URL = os.environ.get(
    "ENGAGE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "engage_bench_reports"
PASSWORD = "bench-password-long-enough"  # noqa: S105
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", None)
SEXES = ("Female", "Male", None)
ETHNIC = ("White", "Asian or Asian British", "Black, Black British, Caribbean or African", None)


def fresh_database(name: str = DB_NAME) -> str:
    """A new, empty database of the bench's own on the server (never the tests' or anyone's)."""
    server = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str = DB_NAME) -> None:
    server = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def bench_app(url: str) -> Flask:
    """The app on a freshly migrated ``url``, as the benches drive it (no CSRF, no limits)."""
    from engage import create_app
    from engage.services import migrations

    os.environ.setdefault("ENGAGE_INSTANCE_PATH", tempfile.mkdtemp(prefix="engage-bench-"))
    migrations.upgrade(url)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )


def load(n_comments: int, seed: int = 0) -> None:
    """Everything a report reads, in bulk (Core inserts: the audit listener is for the ORM)."""
    from engage.extensions import db
    from engage.models import (
        AnalysisRun,
        Comment,
        CommentTheme,
        Intention,
        Place,
        Role,
        Theme,
        ThemeIntentionLink,
        Topic,
    )
    from engage.services import intentions, users

    rng = random.Random(seed)  # noqa: S311 - test data, not security
    intentions.load_catalogue()
    users.create_user("viewer@example.org", "Bench viewer", Role.VIEWER, PASSWORD)
    icb = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    db.session.add(icb)
    db.session.flush()
    place_ids = []
    for i, name in enumerate(("Blackpool", "Blackburn with Darwen", "Lancashire", "South Cumbria")):
        place = Place(code=f"P{i}", name=name, kind="place", parent_id=icb.id)
        db.session.add(place)
        db.session.flush()
        for j in range(6):
            hood = Place(code=f"P{i}N{j}", name=f"{name} {j}", kind="neighbourhood", parent=place)
            db.session.add(hood)
            db.session.flush()
            place_ids.append(hood.id)
    themes = [Theme(slug=f"theme-{i}", name=f"Theme {i:02d}") for i in range(40)]
    run = AnalysisRun(status="succeeded", is_current=True)
    db.session.add_all([*themes, run])
    db.session.commit()
    theme_ids = [t.id for t in themes]
    weights = [1 / (i + 1) ** 0.8 for i in range(len(theme_ids))]  # a few big themes

    intention_ids = list(db.session.scalars(select(Intention.id)))
    links = set()
    for iid in intention_ids:
        for tid in rng.sample(theme_ids, rng.randint(1, 4)):
            links.add((tid, iid, rng.choice(("confirmed", "confirmed", "suggested"))))
    db.session.execute(
        insert(ThemeIntentionLink),
        [{"theme_id": t, "intention_id": i, "state": s, "score": 0.5} for t, i, s in links],
    )

    start = datetime(2024, 4, 1)
    comments, tags = [], []
    for cid in range(1, n_comments + 1):
        comments.append(
            {
                "id": cid,
                "source": "survey",
                "source_key": f"b{cid}",
                "original_text": f"Original comment {cid}",
                "redacted_text": f"Redacted comment {cid} about waiting and getting there",
                "moderation_state": "pending" if rng.random() < 0.05 else "approved",
                "pii_kinds": [],
                "respondent_key": f"r{cid // 2}",
                "received_at": start + timedelta(minutes=rng.randint(0, 60 * 24 * 540)),
                "place_id": rng.choice(place_ids),
                "age_band": rng.choice(AGE_BANDS),
                "sex": rng.choice(SEXES),
                "ethnicity": rng.choice(ETHNIC),
                "deprivation_decile": rng.choice((*range(1, 11), None)),
            }
        )
        chosen = set(rng.choices(theme_ids, weights, k=rng.choice((1, 1, 2, 2, 3))))
        for k, tid in enumerate(chosen):
            tags.append({"comment_id": cid, "theme_id": tid, "run_id": run.id, "is_main": k == 0})
        if rng.random() < 0.03:
            tags.append(
                {
                    "comment_id": cid,
                    "theme_id": rng.choice(theme_ids),
                    "run_id": None,
                    "source": "person",
                }
            )
    for chunk in range(0, len(comments), 10_000):
        db.session.execute(insert(Comment), comments[chunk : chunk + 10_000])
    db.session.commit()
    for chunk in range(0, len(tags), 20_000):
        db.session.execute(insert(CommentTheme), tags[chunk : chunk + 20_000])
    db.session.execute(text("SELECT setval('comment_id_seq', (SELECT max(id) FROM comment))"))
    for n, tid in enumerate(theme_ids):
        reps = [t["comment_id"] for t in tags[n::997] if t["theme_id"] == tid][:5]
        db.session.add(
            Topic(
                run_id=run.id,
                number=n,
                label=f"T{n}",
                theme_id=tid,
                representative_comment_ids=reps,
            )
        )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    from engage.services import reports

    url = fresh_database()
    app = bench_app(url)
    try:
        with app.app_context():
            began = time.perf_counter()
            load(args.comments)
            print(f"loaded {args.comments:,} comments in {time.perf_counter() - began:.1f} s")
            year = reports.list_intentions()[0].year
            biggest_intentions = sorted(
                reports.list_intentions(year), key=lambda r: -(r.counts.comments or 0)
            )[:5]
            biggest_themes = reports.list_themes()[:5]
            print(
                "largest intention:",
                biggest_intentions[0].counts.comments,
                "comments; largest theme:",
                biggest_themes[0].counts.comments,
                "comments",
            )
        client = app.test_client()
        login = client.post(
            "/staff/sign-in", data={"email": "viewer@example.org", "password": PASSWORD}
        )
        assert login.status_code == 302, f"sign-in failed: {login.status_code}"
        pages = {
            "intention page": [
                f"/staff/reports/intentions/{r.intention_id}" for r in biggest_intentions
            ],
            "theme page": [f"/staff/reports/themes/{r.theme_id}" for r in biggest_themes],
            "intentions list": [f"/staff/reports/intentions?year={year}"],
            "themes list": ["/staff/reports/themes"],
            "intention export (xlsx)": [
                f"/staff/reports/intentions/{biggest_intentions[0].intention_id}/export?format=xlsx"
            ],
        }
        # Twice: counting afresh on every request (what the first view after any change
        # costs), then with the report cache (later views until something changes).
        for cache in (False, True):
            app.config["ENGAGE_REPORT_CACHE"] = cache
            print(
                "\n"
                + (
                    "with the report cache (until the data changes)"
                    if cache
                    else "counting afresh every time (the first view after a change)"
                )
            )
            print(f"{'page':<26}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}  requests")
            for name, urls in pages.items():
                for u in urls:  # warm-up: connection pool, templates, PostgreSQL cache
                    assert client.get(u).status_code == 200, u
                timings = []
                for i in range(args.requests):
                    u = urls[i % len(urls)]
                    t0 = time.perf_counter()
                    response = client.get(u)
                    timings.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, u
                print(
                    f"{name:<26}{statistics.median(timings):>8.0f}"
                    f"{percentile(timings, 95):>8.0f}{max(timings):>8.0f}  {len(timings)}"
                )
    finally:
        with app.app_context():
            from engage.extensions import db

            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
