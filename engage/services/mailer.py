"""Outgoing messages: every one goes through the outbox table, then SMTP when configured.

Without ``ENGAGE_SMTP_HOST`` (the demo) the outbox is the sink: messages stay there, marked
``outbox``, for the team to read on the outbox page.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from engage.extensions import db
from engage.models import OutboundMessage, utcnow

log = logging.getLogger(__name__)


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
    db.session.commit()
