"""Configuration from ENGAGE_* environment variables, with safe demo defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEMO_SECRET_KEY = "demo-secret-key-change-me"  # noqa: S105 - a known value that production refuses
# The demo's sender and contact details. 01632 960000 is an Ofcom number reserved for drama, so it
# reaches nobody, and the address says it is not real; production refuses to show them.
DEMO_MAILBOX = "engage@lancashireandsouthcumbria.icb.nhs.uk"
DEMO_PHONE = "01632 960000"
DEMO_ADDRESS = (
    "Engagement team (a demo address that is not real), "
    "NHS Lancashire and South Cumbria Integrated Care Board, 1 Example Street, Preston"
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe or incomplete for the chosen mode."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_instance_path() -> Path:
    return Path(os.environ.get("ENGAGE_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()


def default_sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'engage.sqlite3'}"


@dataclass(frozen=True)
class EnvSettings:
    """What the environment says; turned into Flask config by ``to_flask``."""

    env: str
    secret_key: str
    database_url: str
    redis_url: str | None
    instance_path: Path
    small_number_threshold: int
    session_cookie_secure: bool
    ratelimit_login: str
    # The engagement team's own details, as set (None when left to the demo's placeholders).
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_address: str | None = None

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> EnvSettings:
        e = os.environ if environ is None else environ
        instance = Path(e.get("ENGAGE_INSTANCE_PATH") or default_instance_path()).resolve()
        env = (e.get("ENGAGE_ENV") or "demo").strip().lower()
        return cls(
            env=env,
            secret_key=e.get("ENGAGE_SECRET_KEY") or DEMO_SECRET_KEY,
            database_url=e.get("ENGAGE_DATABASE_URL") or default_sqlite_url(instance),
            redis_url=e.get("ENGAGE_REDIS_URL") or None,
            instance_path=instance,
            small_number_threshold=int(e.get("ENGAGE_SMALL_NUMBER_THRESHOLD") or 10),
            # Demo serves plain http on loopback; production cookies are always Secure.
            session_cookie_secure=_bool(
                e.get("ENGAGE_SECURE_COOKIES"), default=env == "production"
            ),
            ratelimit_login=e.get("ENGAGE_RATELIMIT_LOGIN") or "10 per minute;50 per hour",
            contact_email=e.get("ENGAGE_CONTACT_EMAIL")
            or e.get("ENGAGE_PRIVACY_CONTACT")
            or e.get("ENGAGE_MAIL_FROM")
            or None,
            contact_phone=e.get("ENGAGE_CONTACT_PHONE") or None,
            contact_address=e.get("ENGAGE_CONTACT_ADDRESS") or None,
        )

    def check(self) -> None:
        """Refuse production with the demo secret, a weak secret or the embedded database."""
        if self.env not in {"demo", "development", "test", "production"}:
            raise ConfigError(
                f"ENGAGE_ENV is {self.env!r}; use one of demo, development, test or production."
            )
        if self.env != "production":
            return
        problems = []
        if self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("set ENGAGE_SECRET_KEY to a random value of at least 32 characters")
        if self.database_url.startswith("sqlite"):
            problems.append("set ENGAGE_DATABASE_URL to a PostgreSQL database")
        # The privacy notice, accessibility statement and help pages give residents these; the
        # demo's placeholders (a drama number, a made-up address) must never reach the public.
        missing = [
            name
            for name, value in (
                ("ENGAGE_CONTACT_EMAIL", self.contact_email),
                ("ENGAGE_CONTACT_PHONE", self.contact_phone),
                ("ENGAGE_CONTACT_ADDRESS", self.contact_address),
            )
            if not (value or "").strip()
        ]
        if missing:
            problems.append(
                f"set {', '.join(missing)} to the engagement team's own contact details, which "
                "residents are given on the privacy notice and help pages"
            )
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems) + ".")

    def to_flask(self) -> dict[str, Any]:
        engine_options: dict[str, Any] = {"pool_pre_ping": True}
        return {
            "ENGAGE_ENV": self.env,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(self.database_url),
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "ENGAGE_REDIS_URL": self.redis_url,
            "ENGAGE_SMALL_NUMBER_THRESHOLD": self.small_number_threshold,
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "REMEMBER_COOKIE_SECURE": self.session_cookie_secure,
            "SESSION_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_NAME": "engage_session",
            "PERMANENT_SESSION_LIFETIME": 8 * 3600,
            # A token tied to the session, not the clock: a resident may take more than an hour.
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_STORAGE_URI": self.redis_url or "memory://",
            "RATELIMIT_LOGIN": self.ratelimit_login,
            # Retention periods in days (engage.services.retention).
            **{
                key: int(os.environ.get(key) or days)
                for key, days in (
                    ("ENGAGE_RETAIN_LEAVERS_DAYS", 180),
                    ("ENGAGE_RETAIN_UNSUBMITTED_DAYS", 90),
                    ("ENGAGE_RETAIN_OUTBOX_DAYS", 90),
                    ("ENGAGE_RETAIN_ORIGINAL_TEXT_DAYS", 365),
                )
            },
            "ENGAGE_RATELIMIT_API": os.environ.get("ENGAGE_RATELIMIT_API")
            or "120 per minute;5000 per day",
            "RATELIMIT_HEADERS_ENABLED": True,
            # Reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto to believe. 0
            # believes none, so a client cannot pick its own address to dodge the limits;
            # behind one proxy that is set to 1, or every resident shares the proxy's address
            # and its limits (a survey would stop starting after 60 residents an hour).
            "ENGAGE_PROXY_HOPS": _proxy_hops(),
            # Off only for load tests on loopback, where every client shares one address.
            "RATELIMIT_ENABLED": os.environ.get("ENGAGE_RATELIMIT_ENABLED", "1") != "0",
            # Imports are the largest uploads; the request may be a little larger than the file.
            "ENGAGE_IMPORT_MAX_BYTES": _import_max(),
            "MAX_CONTENT_LENGTH": _import_max() + 1024 * 1024,
            "ENGAGE_SMTP_HOST": os.environ.get("ENGAGE_SMTP_HOST") or None,
            "ENGAGE_SMTP_PORT": os.environ.get("ENGAGE_SMTP_PORT") or "25",
            "ENGAGE_SMTP_USER": os.environ.get("ENGAGE_SMTP_USER") or None,
            "ENGAGE_SMTP_PASSWORD": os.environ.get("ENGAGE_SMTP_PASSWORD") or None,
            "ENGAGE_MAIL_FROM": os.environ.get("ENGAGE_MAIL_FROM") or DEMO_MAILBOX,
            # Where the privacy notice sends residents' requests (the ICB's data protection or
            # engagement mailbox); the sender address until one is set.
            "ENGAGE_PRIVACY_CONTACT": os.environ.get("ENGAGE_PRIVACY_CONTACT")
            or os.environ.get("ENGAGE_MAIL_FROM")
            or DEMO_MAILBOX,
            # How residents reach the engagement team wherever a page tells them to contact it
            # (help, other formats, the accessibility statement), as check() reads them; the
            # address is one line with commas between the lines of the address.
            "ENGAGE_CONTACT_EMAIL": self.contact_email or DEMO_MAILBOX,
            "ENGAGE_CONTACT_PHONE": self.contact_phone or DEMO_PHONE,
            "ENGAGE_CONTACT_ADDRESS": self.contact_address or DEMO_ADDRESS,
            # The topic pipeline: "packaged" is the MiniLM model shipped in a pip package;
            # "hashing" (no model) exists for tests of the run machinery, never for analysis.
            "ENGAGE_TOPICS_EMBEDDER": os.environ.get("ENGAGE_TOPICS_EMBEDDER") or "packaged",
            "ENGAGE_TOPICS_CACHE": os.environ.get("ENGAGE_TOPICS_CACHE")
            or str(self.instance_path / "cache" / "topics"),
            # A run whose worker has not been heard from for this long is taken to have died.
            "ENGAGE_RUN_STALE_SECONDS": int(os.environ.get("ENGAGE_RUN_STALE_SECONDS") or 600),
        }


def _proxy_hops() -> int:
    raw = os.environ.get("ENGAGE_PROXY_HOPS") or "0"
    try:
        hops = int(raw)
    except ValueError:
        raise ConfigError(
            f"ENGAGE_PROXY_HOPS is {raw!r}; use 0, 1 or the number of proxies."
        ) from None
    if not 0 <= hops <= 5:
        raise ConfigError(f"ENGAGE_PROXY_HOPS is {hops}; use 0 to 5.")
    return hops


def _import_max() -> int:
    return int(os.environ.get("ENGAGE_IMPORT_MAX_BYTES") or 20 * 1024 * 1024)


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common short forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
