"""A second ceiling for bench/load.py: the same survey flow with nothing but what it must do.

gunicorn -c gunicorn.conf.py bench.bare_flow_app:app   (ENGAGE_DATABASE_URL names PostgreSQL)

It answers the URLs and form fields that bench/load.py's virtual resident sends to Engage, so
the same client drives both: a start page, two section pages, check your answers, send and a
confirmation. Each page is a Jinja template with a CSRF token (Flask-WTF), the resident is known
by Flask's signed cookie session, and every step saves to PostgreSQL at once, as Engage does so
that a half-finished survey survives: one statement per read, an upsert per answer, a commit per
POST, and on send a row-locked status change with one comment per free-text answer.

What it leaves out is everything else Engage does: the ORM, NHS.UK page layout, validation
messages, routing, translations, resume codes, rate limits, security headers, structured
logs, audit and the structure cache. Its throughput is what this machine allows for this
flow in Flask before any of that: the distance between it and Engage is what those features
cost, and the distance between it and 200 submissions/s is what the stack costs.
"""

from __future__ import annotations

import os
import secrets
import threading
from typing import Any

import psycopg
from flask import Flask, abort, redirect, request, session
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader

HOSPITALS = ["Royal Preston Hospital", "Royal Lancaster Infirmary", "Furness General Hospital"]
FFT = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
SECTIONS: list[list[tuple[str, str, list[str], bool]]] = [
    [
        ("hospital", "Which hospital did you visit?", HOSPITALS, True),
        ("journey", "Tell us about your journey", [], False),
    ],
    [
        ("fft", "Overall, how was your experience of getting there?", FFT, True),
        ("one_change", "What one thing would make it easier?", [], False),
    ],
]
FREE_TEXT = {"journey", "one_change"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS bare_response (
    id bigserial PRIMARY KEY,
    reference text NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'in_progress',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz
);
CREATE TABLE IF NOT EXISTS bare_answer (
    response_id bigint NOT NULL REFERENCES bare_response (id),
    key text NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (response_id, key)
);
CREATE TABLE IF NOT EXISTS bare_comment (
    id bigserial PRIMARY KEY,
    response_id bigint NOT NULL REFERENCES bare_response (id),
    key text NOT NULL,
    original_text text NOT NULL,
    UNIQUE (response_id, key)
);
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} - Engage</title></head>
<body><main id="maincontent"><h1>{{ title }}</h1>{% block body %}{% endblock %}</main></body></html>
"""
FORM = """{% extends "page" %}{% block body %}
<form method="post" novalidate>
<input name="csrf_token" type="hidden" value="{{ csrf_token() }}">
{% for key, text, options, required in questions %}
<fieldset><legend>{{ text }}</legend>
{% if options %}{% for option in options %}
<label><input type="radio" name="{{ key }}" value="{{ option }}"
{%- if answers.get(key) == option %} checked{% endif %}> {{ option }}</label>
{% endfor %}{% else %}<textarea name="{{ key }}">{{ answers.get(key, "") }}</textarea>{% endif %}
</fieldset>
{% endfor %}
{% for key, value in summary %}<dl><dt>{{ key }}</dt><dd>{{ value }}</dd></dl>{% endfor %}
<button name="action" value="continue">{{ button }}</button>
</form>{% endblock %}
"""
DONE = """{% extends "page" %}{% block body %}<p>Your reference is {{ reference }}</p>
{% endblock %}"""

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("ENGAGE_SECRET_KEY") or secrets.token_hex(32)
CSRFProtect(app)
app.jinja_env.loader = DictLoader({"page": PAGE, "form": FORM, "done": DONE})

_local = threading.local()


def _url() -> str:
    url = os.environ["ENGAGE_DATABASE_URL"]
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def connection() -> psycopg.Connection[Any]:
    """One connection per gunicorn thread, opened on first use and kept, like a pool of one."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(_url())
        _local.conn = conn
    return conn


def create_schema(url: str) -> None:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute(SCHEMA)


def render(name: str, **context: Any) -> str:
    return app.jinja_env.get_template(name).render(**context)


def _response_id() -> int:
    rid = session.get("rid")
    if rid is None:
        abort(400)
    return int(rid)


def _answers(rid: int) -> dict[str, str]:
    with connection().cursor() as cur:
        cur.execute("SELECT key, value FROM bare_answer WHERE response_id = %s", (rid,))
        rows = dict(cur.fetchall())
    connection().rollback()
    return rows


@app.get("/api/ready")
def ready() -> tuple[str, int, dict[str, str]]:
    return "ready\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/surveys/<slug>")
def start(slug: str) -> str:
    return render("form", title="Getting to hospital", questions=[], answers={}, summary=[],
                  button="Start now")  # fmt: skip


@app.post("/surveys/<slug>")
def begin(slug: str) -> Any:
    conn = connection()
    reference = "ENG-" + secrets.token_hex(4).upper()
    with conn.cursor() as cur:
        cur.execute("INSERT INTO bare_response (reference) VALUES (%s) RETURNING id", (reference,))
        row = cur.fetchone()
        assert row is not None
    conn.commit()
    session["rid"] = row[0]
    return redirect(f"/surveys/{slug}/section/1")


@app.get("/surveys/<slug>/section/<int:number>")
def section(slug: str, number: int) -> str:
    if not 1 <= number <= len(SECTIONS):
        abort(404)
    answers = _answers(_response_id())
    return render("form", title=f"Section {number}", questions=SECTIONS[number - 1],
                  answers=answers, summary=[], button="Continue")  # fmt: skip


@app.post("/surveys/<slug>/section/<int:number>")
def save_section(slug: str, number: int) -> Any:
    if not 1 <= number <= len(SECTIONS):
        abort(404)
    rid = _response_id()
    values: list[tuple[int, str, str]] = []
    for key, _text, options, required in SECTIONS[number - 1]:
        value = request.form.get(key, "").strip()
        if (required and not value) or (options and value and value not in options):
            abort(400)
        if value:
            values.append((rid, key, value[:5000]))
    conn = connection()
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO bare_answer (response_id, key, value) VALUES (%s, %s, %s)"
            " ON CONFLICT (response_id, key) DO UPDATE SET value = excluded.value",
            values,
        )
        cur.execute("UPDATE bare_response SET updated_at = now() WHERE id = %s", (rid,))
    conn.commit()
    following = "check" if number == len(SECTIONS) else f"section/{number + 1}"
    return redirect(f"/surveys/{slug}/{following}")


@app.get("/surveys/<slug>/check")
def check(slug: str) -> str:
    answers = _answers(_response_id())
    return render("form", title="Check your answers", questions=[], answers={},
                  summary=sorted(answers.items()), button="Send")  # fmt: skip


@app.post("/surveys/<slug>/check")
def send(slug: str) -> Any:
    rid = _response_id()
    conn = connection()
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM bare_response WHERE id = %s FOR UPDATE", (rid,))
        row = cur.fetchone()
        if row is not None and row[0] == "in_progress":
            cur.execute(
                "UPDATE bare_response SET status = 'submitted', submitted_at = now() WHERE id = %s",
                (rid,),
            )
            cur.execute(
                "INSERT INTO bare_comment (response_id, key, original_text)"
                " SELECT response_id, key, value FROM bare_answer"
                " WHERE response_id = %s AND key = ANY(%s)",
                (rid, sorted(FREE_TEXT)),
            )
    conn.commit()
    return redirect(f"/surveys/{slug}/confirmation")


@app.get("/surveys/<slug>/confirmation")
def confirmation(slug: str) -> str:
    conn = connection()
    with conn.cursor() as cur:
        cur.execute(
            "SELECT reference FROM bare_response WHERE id = %s AND status = 'submitted'",
            (_response_id(),),
        )
        row = cur.fetchone()
    conn.rollback()
    if row is None:
        abort(404)
    return render("done", title="Thank you", reference=row[0])
