"""Bearer tokens for the read-only reporting API: issue, check, revoke.

Only a SHA-256 hash of each token is kept, so the token is shown once, when it is made. A
token is refused once it has expired or been revoked, and each refusal says which, so the
person holding it knows what to ask an administrator for.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from engage.extensions import db
from engage.models import ApiToken, utcnow
from engage.models.base import as_utc
from engage.services.errors import DomainError, NotFound

PREFIX = "engage_"
LIFETIMES = {30: "30 days", 90: "90 days", 365: "1 year"}
# Writing last_used_at on every call would turn a read-only API into a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(DomainError):
    status_code = 401


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, days: int, created_by_id: int | None) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is not kept and cannot be shown again."""
    name = name.strip()
    if not name:
        raise DomainError("Enter a name for the token")
    if days not in LIFETIMES:
        raise DomainError("Select how long the token works for")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name[:120],
        token_hash=hash_token(secret),
        created_by_id=created_by_id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def list_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("There is no API token with that id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def state(token: ApiToken) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and as_utc(token.expires_at) <= utcnow():
        return "expired"
    return "active"


def authenticate(header: str | None) -> ApiToken:
    """The token named by an ``Authorization: Bearer ...`` header, or TokenRefused saying why."""
    scheme, _, secret = (header or "").strip().partition(" ")
    if not header:
        raise TokenRefused(
            "This API needs a token: send the header 'Authorization: Bearer <your token>'. "
            "An administrator can issue one."
        )
    if scheme.lower() != "bearer" or not secret.strip():
        raise TokenRefused("Send the token as 'Authorization: Bearer <your token>'")
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(secret.strip()))
    )
    if token is None:
        raise TokenRefused("That API token is not recognised. Check it was copied in full.")
    status = state(token)
    if status == "revoked":
        raise TokenRefused("That API token has been revoked. Ask an administrator for a new one.")
    if status == "expired":
        assert token.expires_at is not None
        raise TokenRefused(
            f"That API token expired on {as_utc(token.expires_at):%-d %B %Y}. "
            "Ask an administrator for a new one."
        )
    now = utcnow()
    if token.last_used_at is None or now - as_utc(token.last_used_at) >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token
