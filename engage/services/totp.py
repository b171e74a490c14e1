"""Time-based one-time passwords (RFC 6238) for staff who turn on a second factor.

Written out here (HMAC-SHA1, 30-second steps, 6 digits: what every authenticator app uses)
rather than pulled in, because it is twenty lines and the codes are checked against the RFC's
own test vectors. A code is accepted one step either side of now, and never twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

from engage.extensions import db
from engage.models import User

STEP = 30
DIGITS = 6
ISSUER = "Engage (NHS Lancashire and South Cumbria)"


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def code_at(secret: str, step: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), getattr(hashlib, digest)).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def matching_step(secret: str, code: str, now: float | None = None, window: int = 1) -> int | None:
    """The time step the code belongs to, if it is valid now (give or take ``window`` steps)."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != DIGITS:
        return None
    current = int((time.time() if now is None else now) // STEP)
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def verify(user: User, code: str, secret: str | None = None, now: float | None = None) -> bool:
    """Check a user's code (or a candidate secret's, when setting up), refusing replays."""
    secret = secret or user.totp_secret
    if not secret:
        return False
    step = matching_step(secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def provisioning_uri(secret: str, account: str) -> str:
    return (
        f"otpauth://totp/{quote(ISSUER)}:{quote(account)}?secret={secret}"
        f"&issuer={quote(ISSUER)}&algorithm=SHA1&digits={DIGITS}&period={STEP}"
    )


def spaced(secret: str) -> str:
    """The key in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
