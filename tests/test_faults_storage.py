"""A full disk or an unwritable folder fails with a message a person can act on, never a
traceback, and loses nothing already kept.

The conditions are real, not mocked: the embedding cache is pointed at /dev/full (the kernel
answers every write with ENOSPC), a folder is made unwritable (as the ``nobody`` user when the
tests run as root, since root writes anywhere), and uploads run in a subprocess under a
file-size limit (RLIMIT_FSIZE), which is what a process sees when its disk fills mid-write.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import AnalysisRun, Comment
from engage.services import analysis

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "The bus to the hospital only runs twice a day",
    "Parking at the hospital costs too much for visitors",
    "I waited six weeks for a GP appointment",
    "The receptionist was rude on the phone",
    "My mum could not get a home visit from the GP",
    "The nurses on the ward were kind and patient",
    "Nobody explained my discharge medicines to me",
    "The online booking system never has any slots",
    "Mental health support for teenagers takes months",
    "The ward was clean and the food was good",
]


def _comments(n: int = 30) -> None:
    for i in range(n):
        text = f"{TEXTS[i % len(TEXTS)]} ({i})"
        db.session.add(
            Comment(
                source="survey",
                source_key=f"faults:{i}",
                original_text=text,
                redacted_text=text,
                moderation_state="approved",
            )
        )
    db.session.commit()


def _run(app, cache: Path) -> AnalysisRun:
    app.config["ENGAGE_TOPICS_EMBEDDER"] = "hashing"
    app.config["ENGAGE_TOPICS_CACHE"] = str(cache)
    run = analysis.start_run(analysis.Scope(), user_id=None)
    db.session.expire_all()
    return db.session.get(AnalysisRun, run.id)


def _current_run_id() -> int | None:
    return db.session.scalar(
        select(AnalysisRun.id).where(AnalysisRun.status == "succeeded").order_by(AnalysisRun.id)
    )


def test_a_full_disk_under_the_embedding_cache_fails_the_run_with_what_to_do(app, tmp_path):
    _comments()
    good = _run(app, tmp_path / "good-cache")
    assert good.status == "succeeded", good.error

    full = tmp_path / "full-cache"
    full.mkdir()
    (full / "embeddings.sqlite3").symlink_to("/dev/full")  # every write: ENOSPC
    db.session.add(
        Comment(source="survey", source_key="faults:new", original_text="A new comment",
                redacted_text="A new comment", moderation_state="approved")
    )  # fmt: skip
    db.session.commit()
    failed = _run(app, full)
    assert failed.status == "failed"
    assert "ran out of disk space" in failed.error, failed.error
    assert str(full) in failed.error, "the message does not say which folder"
    assert "Free space" in failed.error and "start the run again" in failed.error
    assert "previous results are unchanged" in failed.error
    assert _current_run_id() == good.id, "a failed run replaced the results"


def test_a_cache_folder_that_cannot_be_made_fails_the_run_naming_it(app, tmp_path):
    _comments()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    failed = _run(app, blocker / "cache")
    assert failed.status == "failed"
    assert str(blocker / "cache") in failed.error, failed.error
    assert "could not write" in failed.error and "ENGAGE_TOPICS_CACHE" in failed.error
    assert "unexpected error" not in failed.error


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` refuse new files, for root too (root ignores permission bits)."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip(f"cannot make a folder unwritable for root: {made.stderr!r}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def test_the_topics_cli_says_clearly_when_its_cache_folder_is_not_writable(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    out = tmp_path / "out"
    with (tmp_path / "in.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([[t] for t in TEXTS * 3])
    with unwritable(cache):
        with pytest.raises(OSError):
            (cache / "probe").write_text("x")  # the condition is real
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "topics",
                "fit",
                str(tmp_path / "in.csv"),
                "--text-column",
                "text",
                "--out",
                str(out),
                "--cache-dir",
                str(cache),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")},
        )
    assert proc.returncode not in (0, 1), f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert f"could not write the embedding cache in {cache}" in proc.stderr, proc.stderr[-500:]
    assert "--cache-dir" in proc.stderr


def test_an_unwritable_cache_folder_fails_the_run_with_what_to_do(app, tmp_path):
    _comments()
    cache = tmp_path / "cache"
    cache.mkdir()
    with unwritable(cache):
        failed = _run(app, cache)
    assert failed.status == "failed"
    assert f"the embedding cache in {cache}" in failed.error, failed.error
    assert "write access" in failed.error and "ENGAGE_TOPICS_CACHE" in failed.error
    assert "disk space" not in failed.error, "an unwritable folder is not a full disk"


UPLOAD_SCRIPT = textwrap.dedent(
    """
    import io, json, resource, signal, sys
    from engage import create_app
    from engage.models import Role
    from tests.conftest import TEST_PASSWORD, csrf_token_from, make_user

    database, limit = sys.argv[1], int(sys.argv[2])
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "SERVER_NAME": "localhost", "RATELIMIT_ENABLED": False})
    with app.app_context():
        make_user(Role.ENGAGEMENT)
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    client.post("/staff/sign-in", data={"email": "engagement@example.org",
                "password": TEST_PASSWORD, "csrf_token": csrf_token_from(page)})

    def upload(size):
        rows = b"text\\n" + b"The bus to the hospital was late again\\n" * (size // 39)
        token = csrf_token_from(client.get("/staff/imports/new").get_data(as_text=True))
        # The body is built in memory: the test client would spool a large one to disk itself.
        b = "engage-boundary-7f3a"
        parts = [(f'name="csrf_token"', token.encode()), ('name="source"', b"healthwatch"),
                 ('name="file"; filename="feedback.csv"\\r\\nContent-Type: text/csv', rows)]
        body = b"".join(f"--{b}\\r\\nContent-Disposition: form-data; {h}\\r\\n\\r\\n".encode()
                        + v + b"\\r\\n" for h, v in parts) + f"--{b}--\\r\\n".encode()
        got = client.post("/staff/imports/new", data=body,
                          content_type=f"multipart/form-data; boundary={b}")
        return {"size": size, "status": got.status_code, "body": got.get_data(as_text=True)}

    results = [upload(20_000)]  # kept before the disk fills
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    results += [upload(300_000), upload(1_500_000)]  # kept by us; spooled by werkzeug
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    results.append(upload(300_000))  # space again
    print(json.dumps(results))
    """
)


def test_an_upload_when_the_disk_is_full_fails_clearly_and_loses_nothing(tmp_path, migrated_sqlite):
    database = tmp_path / "engage.sqlite3"
    shutil.copy(migrated_sqlite, database)
    instance = tmp_path / "instance"
    limit = 200_000
    assert resource.getrlimit(resource.RLIMIT_FSIZE)[1] in (resource.RLIM_INFINITY,) or (
        resource.getrlimit(resource.RLIMIT_FSIZE)[1] > 2_000_000
    )
    proc = subprocess.run(
        [sys.executable, "-c", UPLOAD_SCRIPT, str(database), str(limit)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={
            **os.environ,
            "ENGAGE_INSTANCE_PATH": str(instance),
            "TMPDIR": str(tmp_path),
            "ENGAGE_JOBS_IMMEDIATE": "1",
        },  # fmt: skip
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    before, small, spooled, after = json.loads(proc.stdout.strip().splitlines()[-1])
    assert before["status"] == 302, before["body"][:500]
    for failed in (small, spooled):
        body = failed["body"]
        assert failed["status"] == 507, f"{failed['size']} bytes gave {failed['status']}"
        assert "Traceback" not in body
        assert "no room left to keep what you sent, so nothing was saved" in body
        assert "administrator" in body, "the page does not say what to do"
    assert after["status"] == 302, "uploads do not work again once there is space"

    import sqlite3

    with sqlite3.connect(database) as conn:
        batches = conn.execute(
            "SELECT filename, stored_name FROM import_batch ORDER BY id"
        ).fetchall()
    assert len(batches) == 2, f"expected the uploads before and after only, got {batches}"
    kept = sorted(p.name for p in (instance / "imports").iterdir())
    assert kept == sorted(name for _, name in batches), "a partial file was left, or one lost"


def test_readiness_warns_of_an_unwritable_cache_without_taking_the_site_down(app, client, tmp_path):
    fine = client.get("/api/ready").json
    assert fine["status"] == "ready" and fine["warnings"] == [], fine
    assert fine["storage"]["instance"]["writable"] is True
    assert fine["storage"]["instance"]["free_bytes"] > 0

    cache = tmp_path / "cache"
    cache.mkdir()
    app.config["ENGAGE_TOPICS_CACHE"] = str(cache / "topics")  # not made yet: its parent counts
    with unwritable(cache):
        report = client.get("/api/ready")
    assert report.status_code == 200, "residents' pages do not need the cache"
    assert report.json["storage"]["topics cache"]["writable"] is False
    assert report.json["warnings"] == [f"topics cache folder {cache / 'topics'} is not writable"]
