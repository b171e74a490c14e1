"""`make demo`: migrate, load the demo data, start the worker, and serve with gunicorn.

Everything is idempotent, so a second run reuses the instance folder and serves within seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from engage.config import DEMO_SECRET_KEY, EnvSettings


def _prepare() -> str | None:
    """Migrate, load the demo and analyse it; a demo panel member's own link, to print."""
    from sqlalchemy import select

    from engage import create_app
    from engage.extensions import db
    from engage.models import PanelMembership, Person
    from engage.services import audit, demo, migrations, panel

    app = create_app()
    with app.app_context():
        migrations.upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
        with audit.acting_as(audit.Actor(None, "make demo")):
            print(demo.load_demo(), flush=True)
            print(demo.analyse_demo(lambda m: print(m, flush=True)), flush=True)
            # Staff never see a resident's link (the outbox masks it), so whoever runs the
            # demo gets one here to walk through a member's own pages.
            member = db.session.scalar(
                select(Person)
                .join(PanelMembership, PanelMembership.person_id == Person.id)
                .where(
                    PanelMembership.left_on.is_(None),
                    Person.erased_at.is_(None),
                    Person.email.is_not(None),
                )
                .order_by(Person.id)
                .limit(1)
            )
            return f"/panel/profile/{panel.issue_profile_token(member)}" if member else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Engage demo")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    os.environ.setdefault("ENGAGE_ENV", "demo")
    settings = EnvSettings.from_environ()
    if settings.env == "production" and settings.secret_key == DEMO_SECRET_KEY:
        print("Refusing to run the demo in production mode.", file=sys.stderr)
        return 2
    print(f"Preparing the database in {settings.instance_path} ...", flush=True)
    member_link = _prepare()

    venv_bin = Path(sys.executable).parent
    worker = subprocess.Popen(  # noqa: S603 - our own console scripts
        [str(venv_bin / "huey_consumer"), "engage.jobs.tasks.huey", "--workers", "1", "--quiet"],
    )
    server = subprocess.Popen(  # noqa: S603
        [
            str(venv_bin / "gunicorn"),
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--forwarded-allow-ips",
            "127.0.0.1",
            "engage.wsgi:app",
        ],
    )
    time.sleep(1.5)
    if server.poll() is not None:
        worker.terminate()
        print(
            f"The web server did not start (is port {args.port} in use? Try PORT=5050 make demo).",
            file=sys.stderr,
        )
        return 1
    from engage.services.demo import DEMO_PASSWORD, DEMO_STAFF

    print("\n" + "=" * 72)
    print(f"  Engage is running at  http://{args.host}:{args.port}/")
    print(f"  Staff sign in at      http://{args.host}:{args.port}/staff/sign-in")
    print(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_STAFF:
        print(f"    {role.label:<18} {email}")
    if member_link:
        print("  A panel member's own page, as their emailed link opens it:")
        print(f"    http://{args.host}:{args.port}{member_link}")
    print("  Background worker running. Press Ctrl+C to stop.")
    print("=" * 72 + "\n", flush=True)

    def _stop(*_: object) -> None:
        for proc in (server, worker):
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, _stop)
    try:
        while server.poll() is None:
            if worker.poll() is not None:
                print("The background worker stopped; restarting it.", file=sys.stderr)
                worker = subprocess.Popen(worker.args)  # noqa: S603
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        _stop()
        for proc in (server, worker):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return server.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
