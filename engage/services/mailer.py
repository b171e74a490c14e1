"""Outgoing messages: every one goes through the outbox table, then SMTP when configured.

Without ``ENGAGE_SMTP_HOST`` (the demo) the outbox is the sink: messages stay there, marked
``outbox``, for the team to read on the outbox page.

A message may hold a personal link (an invitation, the link to manage panel details), and the
database keeps only its token's hash, so the body is the only plain copy. The team never sees
the token (``mask_personal_links`` on every page that shows a body), and once a message has been
handed to the email server, or could not be, the token is removed from the stored body too.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, has_request_context, request
from werkzeug.exceptions import HTTPException

from engage.extensions import db
from engage.models import OutboundMessage, utcnow

log = logging.getLogger(__name__)

# What stands for a personal link's token on a page or at rest (not a secret: S105 is wrong).
MASKED_TOKEN = "••••"  # noqa: S105
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'\""  # punctuation after a link in a sentence, never part of a token
_TOKEN_PART = re.compile(r"<(?:\w+:)?token>")


def mask_personal_links(text: str, mask: str = MASKED_TOKEN) -> str:
    """``text`` with the token of every personal link in it replaced by ``mask``.

    A personal link is one that Engage's own router sends to a route taking a ``token``
    (``/i/<token>``, ``/panel/profile/<token>`` and its pages, a saved survey's link): the URL
    is matched against the routes themselves, so a new route of that kind is covered and other
    links (a "you said, we did" page, the panel's request-a-link page) are left as they are.
    """
    return _URL.sub(lambda found: _mask_link(found.group(0), mask), text)


def _mask_link(url: str, mask: str) -> str:
    trailing = len(url) - len(url.rstrip(_TRAILING))
    link, after = url[: len(url) - trailing], url[len(url) - trailing :]
    parts = urlsplit(link)
    root = (request.script_root if has_request_context() else "") or (
        current_app.config.get("APPLICATION_ROOT") or "/"
    ).rstrip("/")
    path = parts.path[len(root) :] if root and parts.path.startswith(root + "/") else parts.path
    try:
        rule, _args = current_app.url_map.bind(parts.hostname or "localhost").match(
            path, method="GET", return_rule=True
        )
    except HTTPException:
        return url
    template = rule.rule.split("/")
    tokens = [i for i, part in enumerate(template) if _TOKEN_PART.fullmatch(part)]
    if not tokens:
        return url
    segments = parts.path.split("/")
    for i in tokens:  # counted from the end: the path may carry the script root before the rule
        segments[i - len(template)] = mask
    return urlunsplit(parts._replace(path="/".join(segments))) + after


def queue_message(
    kind: str,
    to_address: str,
    subject: str,
    body: str,
    person_id: int | None = None,
    survey_id: int | None = None,
) -> OutboundMessage:
    """Record the message and hand its id to the worker; the row is the truth."""
    message = OutboundMessage(
        kind=kind,
        to_address=to_address,
        subject=subject,
        body=body,
        person_id=person_id,
        survey_id=survey_id,
        status="queued",
    )
    db.session.add(message)
    db.session.commit()
    from engage.jobs.tasks import deliver_message

    deliver_message(message.id)
    return message


def deliver(message_id: int) -> None:
    """Send one queued message; a retry of a message already handled does nothing."""
    message = db.session.get(OutboundMessage, message_id)
    if message is None or message.status != "queued":
        return
    host = current_app.config.get("ENGAGE_SMTP_HOST")
    if not host:
        message.status = "outbox"
        db.session.commit()
        return
    email = EmailMessage()
    email["From"] = current_app.config["ENGAGE_MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    try:
        with smtplib.SMTP(
            host, int(current_app.config.get("ENGAGE_SMTP_PORT") or 25), timeout=20
        ) as smtp:
            if current_app.config.get("ENGAGE_SMTP_USER"):
                smtp.starttls()
                smtp.login(
                    current_app.config["ENGAGE_SMTP_USER"],
                    current_app.config.get("ENGAGE_SMTP_PASSWORD") or "",
                )
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as err:
        message.status = "failed"
        message.error = f"{type(err).__name__}: {err}"[:500]
        log.warning("message %s could not be sent: %s", message.id, type(err).__name__)
    else:
        message.status = "sent"
        message.sent_at = utcnow()
    # Handed over (or not deliverable: nothing sends a message twice), the stored copy no longer
    # needs a live link; left there it would open the resident's survey or details for anyone
    # who can read the database or a backup. The outbox keeps only what the team may see.
    message.body = mask_personal_links(message.body)
    db.session.commit()
