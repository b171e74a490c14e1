"""How fast a survey's results, cross-tabs and the FFT score are with 100,000 responses.

    .venv/bin/python bench/survey_results.py [--responses 100000] [--requests 50] [--quick]
                                             [--queries] [--keep]

Creates its own database (``engage_bench_survey_results`` on 127.0.0.1:5432, trust auth;
override the server with ENGAGE_BENCH_POSTGRES_URL), migrates it and bulk-loads (COPY) a
ten-question survey: a single choice, a rating routed to those who came by bus, a multiple
choice, a number, a date, the FFT, an age group question keyed ``age_band``, a postcode and a
free-text question, with ``--responses`` submitted responses spread over 18 months and 24
neighbourhoods of four places. About one in ten came through a personal invitation (a panel
member with equality answers), so "how they took part" has two rows; the free-text answers
are comments (most approved) with themes from a current analysis run, and imported feedback
with an FFT rating sits beside them for the all-surveys FFT score.

Then times, through the Flask test client signed in as the engagement team and by calling
``engage.services.survey_results`` directly: the results page, the service call, cross-tabs
by place, by another question, by how they took part and of the free-text question's themes,
the breakdown page, and ``fft_summary()`` over every survey. Each is timed counting afresh
(``ENGAGE_REPORT_CACHE`` off: the first view after any change) and with the report cache
(later views). Prints p50, p95 and max in ms; the target is p95 under 300 ms counting afresh
for the results page and a cross-tab. ``--queries`` also prints each SQL statement one
afresh results page and cross-tab run, slowest first. ``--quick`` is 5,000 responses and 5
requests each (under a minute). The database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.reports import bench_app, drop_database, fresh_database, percentile  # noqa: E402

DB_NAME = "engage_bench_survey_results"
EMAIL = "engagement@example.org"
PASSWORD = "bench-password-long-enough"  # noqa: S105

FFT = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
FFT_WEIGHTS = [48, 30, 7, 6, 5, 4]
EASE = ["Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"]
HOSPITALS = [
    "Royal Preston Hospital",
    "Royal Blackburn Hospital",
    "Blackpool Victoria Hospital",
    "Royal Lancaster Infirmary",
    "Furness General Hospital",
]
HOW = ["Bus", "Car", "Someone drove me", "Taxi", "Walked"]
MODES = ["Bus", "Train", "Car", "Taxi", "Walked", "Cycled"]
AGE_OPTIONS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Prefer not to say"]
SEXES = ("Female", "Male", None)
ETHNIC = ("White", "Asian or Asian British", "Black, Black British, Caribbean or African", None)
SERVICES = ("Fishergate Surgery", "Ribbleton Medical Centre", "A&E", "Outpatients", None)
WHY = (
    "The bus was late and I nearly missed my appointment",
    "Parking was expensive and there were no spaces",
    "Staff were kind and explained everything",
    "I waited two hours past my appointment time",
    "The signs inside the hospital were confusing",
    "Easy to get there, the car park was fine",
)

SECTIONS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "Your visit",
        [
            {
                "key": "hospital",
                "kind": "single_choice",
                "text": "Which hospital did you visit?",
                "options": HOSPITALS,
            },
            {"key": "visit_date", "kind": "date", "text": "When did you visit?"},
            {
                "key": "how",
                "kind": "single_choice",
                "text": "How did you get there?",
                "options": HOW,
            },
            {
                "key": "ease",
                "kind": "rating",
                "text": "How easy was it to get there by bus?",
                "options": EASE,
                "show_if": {"question": "how", "equals": "Bus"},
            },
            {
                "key": "modes",
                "kind": "multi_choice",
                "text": "What did you use on the way?",
                "options": MODES,
            },
            {"key": "minutes", "kind": "number", "text": "How many minutes did the journey take?"},
        ],
    ),
    (
        "Overall",
        [
            {"key": "fft", "kind": "fft", "text": "Overall, how was your visit?", "options": FFT},
            {"key": "why", "kind": "free_text_long", "text": "Tell us why"},
        ],
    ),
    (
        "About you",
        [
            {
                "key": "age_band",
                "kind": "single_choice",
                "text": "What is your age?",
                "options": AGE_OPTIONS,
            },
            {"key": "postcode", "kind": "postcode", "text": "What is your postcode?"},
        ],
    ),
]


def postcode(rng: random.Random) -> str:
    """A made-up postcode in Lancashire's areas: nearly every resident's is different."""
    unit = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
    area = rng.choice(("PR", "BB", "FY", "LA", "BL"))
    return f"{area}{rng.randint(1, 20)} {rng.randint(0, 9)}{unit}"


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table`` on the session's own connection (same transaction)."""
    from engage.extensions import db

    raw = db.session.connection().connection.driver_connection
    n = 0
    with raw.cursor() as cur:
        cols = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def load(n_responses: int, seed: int = 0) -> dict[str, Any]:
    """The survey and everything its results read, in bulk (COPY: the audit listener is ORM)."""
    from engage.extensions import db
    from engage.models import (
        AnalysisRun,
        Answer,
        Comment,
        Demographics,
        Invitation,
        Person,
        Place,
        Question,
        Response,
        Role,
        Section,
        Survey,
        Theme,
    )
    from engage.services import users

    rng = random.Random(seed)  # noqa: S311 - test data, not security
    users.create_user(EMAIL, "Bench engagement", Role.ENGAGEMENT, PASSWORD)
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
    place_weights = [1 + (k % 6) for k in range(len(place_ids))]

    survey = Survey(
        slug="getting-to-hospital",
        title="Getting to hospital",
        purpose="Tell us about your journey.",
        audience="public",
        status="open",
        opens_on=date(2024, 4, 1),
        closes_on=date(2026, 3, 31),
    )
    for s_pos, (title, questions) in enumerate(SECTIONS):
        section = Section(position=s_pos, title=title)
        for q_pos, q in enumerate(questions):
            section.questions.append(Question(position=q_pos, **{"hint": "", "options": [], **q}))
        survey.sections.append(section)
    themes = [Theme(slug=f"theme-{i}", name=f"Theme {i:02d}") for i in range(20)]
    run = AnalysisRun(status="succeeded", is_current=True)
    db.session.add_all([survey, *themes, run])
    db.session.commit()
    qid = {q.key: q.id for s in survey.sections for q in s.questions}
    theme_ids = [t.id for t in themes]
    theme_weights = [1 / (i + 1) ** 0.8 for i in range(len(theme_ids))]

    # Panel members invited personally: about one response in ten, and as many who did not reply.
    n_people = max(10, n_responses // 10)
    people = [
        {
            "id": pid,
            "ref": f"bench-person-{pid}",
            "place_id": rng.choice(place_ids),
            "communication_needs": [],
        }
        for pid in range(1, 2 * n_people + 1)
    ]
    db.session.execute(insert(Person), people)
    db.session.execute(
        insert(Demographics),
        [
            {
                "person_id": p["id"],
                "age_band": rng.choice(AGE_OPTIONS[:-1] + [None]),
                "sex": rng.choice(SEXES),
                "ethnicity": rng.choice(ETHNIC),
                "deprivation_decile": rng.choice((*range(1, 11), None)),
            }
            for p in people
        ],
    )
    invited = set(rng.sample(range(1, n_responses + 1), n_people))
    invitations: list[tuple[Any, ...]] = []

    start = datetime(2024, 4, 1, tzinfo=UTC)
    span = 60 * 24 * 548  # 18 months, in minutes
    responses: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    comments: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    person_iter = iter(range(1, n_people + 1))
    answer_id = comment_id = 0

    def answer(rid: int, key: str, value: Any) -> int:
        nonlocal answer_id
        answer_id += 1
        answers.append((answer_id, rid, qid[key], json.dumps(value)))
        return answer_id

    for rid in range(1, n_responses + 1):
        sent = start + timedelta(minutes=rng.randint(0, span))
        person_id = next(person_iter) if rid in invited else None
        place_id = rng.choices(place_ids, place_weights)[0] if rng.random() < 0.9 else None
        decile = rng.choice(range(1, 11)) if place_id else None
        responses.append(
            (
                rid,
                survey.id,
                1,
                person_id,
                f"B{rid:09d}",
                "paper" if rng.random() < 0.05 else "online",
                "submitted",
                "en",
                place_id,
                decile,
                "PR1" if place_id else None,
                sent - timedelta(minutes=rng.randint(2, 30)),
                sent,
                sent,
            )
        )
        if person_id is not None:
            invitations.append(
                (
                    len(invitations) + 1,
                    survey.id,
                    person_id,
                    f"{rid:064x}",
                    "Bench: panel members in Lancashire",
                    False,
                    False,
                    rid,
                    sent - timedelta(days=rng.randint(1, 20)),
                )
            )
        if rng.random() < 0.92:
            answer(rid, "hospital", rng.choices(HOSPITALS, (30, 25, 20, 15, 10))[0])
        if rng.random() < 0.7:
            visited = (sent - timedelta(days=rng.randint(0, 60))).date()
            answer(rid, "visit_date", visited.isoformat())
        how = rng.choices(HOW, (30, 40, 15, 5, 10))[0] if rng.random() < 0.95 else None
        if how is not None:
            answer(rid, "how", how)
        if how == "Bus" and rng.random() < 0.9:
            answer(rid, "ease", rng.choices(range(1, 6), (15, 20, 20, 30, 15))[0])
        if rng.random() < 0.85:
            chosen = [m for m in MODES if rng.random() < (0.5 if m == how else 0.15)] or [
                how or "Car"
            ]
            answer(rid, "modes", chosen)
        if rng.random() < 0.8:
            answer(rid, "minutes", max(5, min(240, int(rng.lognormvariate(3.4, 0.5)))))
        if rng.random() < 0.95:
            answer(rid, "fft", rng.choices(FFT, FFT_WEIGHTS)[0])
        if rng.random() < 0.35:
            words = rng.choice(WHY)
            aid = answer(rid, "why", f"{words} ({rid})")
            comment_id += 1
            comments.append(
                (
                    comment_id,
                    "survey",
                    f"answer:{aid}",
                    survey.id,
                    qid["why"],
                    rid,
                    f"{words} ({rid})",
                    f"{words} ({rid})",
                    "pending" if rng.random() < 0.08 else "approved",
                    "en",
                    "[]",
                    f"r{rid}",
                    sent,
                    place_id,
                    None,
                    None,
                    None,
                    decile,
                    None,
                    None,
                )
            )
            chosen_themes = set(rng.choices(theme_ids, theme_weights, k=rng.choice((1, 1, 2, 3))))
            for k, tid in enumerate(chosen_themes):
                tags.append((comment_id, tid, run.id, k == 0, "model"))
        if rng.random() < 0.85:
            answer(rid, "age_band", rng.choice(AGE_OPTIONS))
        if rng.random() < 0.6:
            answer(rid, "postcode", postcode(rng))
    # Imported feedback with an FFT rating: the all-surveys score counts it beside answers.
    for _ in range(n_responses // 5):
        comment_id += 1
        rating = rng.choices(FFT, FFT_WEIGHTS)[0]
        comments.append(
            (
                comment_id,
                "fft",
                f"import:{comment_id}",
                None,
                None,
                None,
                f"Imported FFT comment {comment_id}",
                f"Imported FFT comment {comment_id}",
                "approved",
                "en",
                "[]",
                f"i{comment_id}",
                start + timedelta(minutes=rng.randint(0, span)),
                rng.choice(place_ids),
                None,
                None,
                None,
                None,
                rating,
                rng.choice(SERVICES),
            )
        )
    # Invitations nobody answered.
    for pid in range(n_people + 1, 2 * n_people + 1):
        invitations.append(
            (
                len(invitations) + 1,
                survey.id,
                pid,
                f"x{pid:063x}",
                "Bench: panel members in Lancashire",
                False,
                False,
                None,
                start + timedelta(minutes=rng.randint(0, span)),
            )
        )

    copy_rows(
        "response",
        (
            "id",
            "survey_id",
            "survey_version",
            "person_id",
            "reference",
            "channel",
            "status",
            "language",
            "place_id",
            "deprivation_decile",
            "postcode_district",
            "started_at",
            "updated_at",
            "submitted_at",
        ),
        responses,
    )
    copy_rows("answer", ("id", "response_id", "question_id", "value"), answers)
    copy_rows(
        "invitation",
        (
            "id",
            "survey_id",
            "person_id",
            "token_hash",
            "segment",
            "chosen_by_demographics",
            "chosen_by_ethnicity",
            "response_id",
            "created_at",
        ),
        invitations,
    )
    copy_rows(
        "comment",
        (
            "id",
            "source",
            "source_key",
            "survey_id",
            "question_id",
            "response_id",
            "original_text",
            "redacted_text",
            "moderation_state",
            "language",
            "pii_kinds",
            "respondent_key",
            "received_at",
            "place_id",
            "age_band",
            "sex",
            "ethnicity",
            "deprivation_decile",
            "fft_rating",
            "service",
        ),
        comments,
    )
    copy_rows("comment_theme", ("comment_id", "theme_id", "run_id", "is_main", "source"), tags)
    for model in (Response, Answer, Invitation, Comment, Person):
        highest = select(func.coalesce(func.max(model.id), 1)).scalar_subquery()
        db.session.execute(select(func.setval(f"{model.__tablename__}_id_seq", highest)))
    db.session.commit()
    # As autovacuum leaves a table some time after a load: statistics and the visibility map.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {
        "survey_id": survey.id,
        "qid": qid,
        "responses": len(responses),
        "answers": len(answers),
        "invited": len(invited),
        "comments": len(comments),
        "comment_themes": len(tags),
    }


def machine_facts() -> list[str]:
    from engage.extensions import db

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f", {kb / 1024 / 1024:.1f} GiB memory"
    pg = db.session.scalar(text("SHOW server_version"))
    settings = {
        name: db.session.scalar(text(f"SHOW {name}"))
        for name in ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather")
    }
    db.session.rollback()
    return [
        f"machine: {os.cpu_count()} cores ({usable} usable), {model}{memory}",
        f"python {platform.python_version()}, PostgreSQL {pg} on 127.0.0.1 "
        + ", ".join(f"{k}={v}" for k, v in settings.items()),
    ]


def timed(
    name: str, call: Callable[[], Any], requests: int, warmups: int = 1
) -> tuple[str, list[float]]:
    for _ in range(warmups):  # connection pool, templates, PostgreSQL's cache, the report cache
        call()
    timings = []
    for _ in range(requests):
        t0 = time.perf_counter()
        call()
        timings.append((time.perf_counter() - t0) * 1000)
    return name, timings


def print_row(name: str, timings: list[float]) -> None:
    print(
        f"{name:<40}{statistics.median(timings):>8.0f}"
        f"{percentile(timings, 95):>8.0f}{max(timings):>8.0f}  {len(timings)}",
        flush=True,
    )


class QueryLog:
    """Each SQL statement's wall time, from SQLAlchemy's cursor events (``--queries``)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.rows: list[tuple[float, str]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        t0 = conn.info["bench_t0"].pop()
        if self.on:
            self.rows.append(((time.perf_counter() - t0) * 1000, " ".join(statement.split())))

    def report(self, title: str, call: Callable[[], Any]) -> None:
        self.rows, self.on = [], True
        t0 = time.perf_counter()
        call()
        wall = (time.perf_counter() - t0) * 1000
        self.on = False
        in_sql = sum(ms for ms, _ in self.rows)
        print(f"\n{title}: {wall:.0f} ms, {len(self.rows)} statements, {in_sql:.0f} ms in SQL")
        for ms, sql in sorted(self.rows, reverse=True)[:8]:
            print(f"  {ms:>7.1f} ms  {_without_base(sql)[:240]}")


def _without_base(sql: str) -> str:
    """A statement with its (always the same) ``base`` CTE folded, so the rest shows."""
    if not sql.startswith("WITH base AS ("):
        return sql
    depth = 0
    for i, ch in enumerate(sql[len("WITH base AS ") :], start=len("WITH base AS ")):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return "WITH base AS (...)" + sql[i + 1 :]
    return sql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--quick", action="store_true", help="5,000 responses, 5 requests each (under a minute)"
    )
    parser.add_argument(
        "--queries", action="store_true", help="print each statement's time, slowest first"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.quick:
        args.responses = min(args.responses, 5_000)
        args.requests = min(args.requests, 5)

    from engage.services import survey_results as sr

    began = time.perf_counter()
    url = fresh_database(DB_NAME)
    app = bench_app(url)
    try:
        with app.app_context():
            from engage.extensions import db

            for line in machine_facts():
                print(line)
            t0 = time.perf_counter()
            facts = load(args.responses)
            print(
                f"loaded {facts['responses']:,} submitted responses, {facts['answers']:,} answers, "
                f"{facts['invited']:,} through invitations, {facts['comments']:,} comments "
                f"(free-text answers and imported FFT), {facts['comment_themes']:,} comment "
                f"themes in {time.perf_counter() - t0:.1f} s"
            )
            survey_id, qid = facts["survey_id"], facts["qid"]
            queries = QueryLog(db.engine) if args.queries else None

        def in_app(fn: Callable[[], Any]) -> Callable[[], Any]:
            def call() -> Any:
                with app.app_context():
                    try:
                        return fn()
                    finally:
                        db.session.remove()

            return call

        services: dict[str, Callable[[], Any]] = {
            "survey_results()": in_app(lambda: sr.survey_results(survey_id)),
            "crosstab(how, by place)": in_app(lambda: sr.crosstab(survey_id, qid["how"], "place")),
            "crosstab(fft, by question:how)": in_app(
                lambda: sr.crosstab(survey_id, qid["fft"], f"question:{qid['how']}")
            ),
            "crosstab(fft, by age_band)": in_app(
                lambda: sr.crosstab(survey_id, qid["fft"], "age_band")
            ),
            "crosstab(hospital, by channel)": in_app(
                lambda: sr.crosstab(survey_id, qid["hospital"], "channel")
            ),
            "crosstab(why themes, by place)": in_app(
                lambda: sr.crosstab(survey_id, qid["why"], "place")
            ),
            "fft_summary() all surveys": in_app(lambda: sr.fft_summary()),
        }
        with app.app_context():
            shown = sr.survey_results(survey_id)
            by_place = sr.crosstab(survey_id, qid["how"], "place")
            by_channel = sr.crosstab(survey_id, qid["hospital"], "channel")
            fft = sr.fft_summary()
            ease = next(q for q in shown.questions if q.key == "ease")
            print(
                f"results: {shown.respondents:,} respondents, {len(shown.questions)} questions; "
                f"'ease' shown to {ease.shown:,}; cross-tab by place {len(by_place.table.rows)} "
                f"rows; by channel {len(by_channel.table.rows)} rows "
                f"({', '.join(by_channel.table.rows)}); FFT over all surveys "
                f"{fft.overall.responses.value:,} responses, "
                f"{fft.overall.positive_percent}% positive"
            )
            db.session.remove()

        client = app.test_client()
        login = client.post("/staff/sign-in", data={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 302, f"sign-in failed: {login.status_code}"
        results_url = f"/staff/surveys/{survey_id}/results"
        breakdown_url = (
            f"/staff/surveys/{survey_id}/results/questions/{qid['how']}/breakdown?by=place"
        )

        def page(url: str) -> Callable[[], Any]:
            def call() -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            return call

        pages = {
            "results page (HTML)": page(results_url),
            "breakdown page how by place (HTML)": page(breakdown_url),
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
            print(f"{'what':<40}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}  requests")
            for name, call in {**pages, **services}.items():
                print_row(*timed(name, call, args.requests))
        if queries is not None:
            app.config["ENGAGE_REPORT_CACHE"] = False
            queries.report("results page, afresh", pages["results page (HTML)"])
            for name in (
                "crosstab(how, by place)",
                "crosstab(fft, by question:how)",
                "crosstab(hospital, by channel)",
                "fft_summary() all surveys",
            ):
                queries.report(f"{name}, afresh", services[name])
        print(f"\ntotal {time.perf_counter() - began:.1f} s")
    finally:
        with app.app_context():
            from engage.extensions import db

            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            drop_database(DB_NAME)


if __name__ == "__main__":
    main()
