"""The Citizens' Panel: join with recorded consent, manage details by emailed link, leave,
and erase personal data on request while keeping anonymised answers."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from engage.extensions import db
from engage.models import (
    Answer,
    Comment,
    Consent,
    Demographics,
    GpPractice,
    Invitation,
    OutboundMessage,
    PanelMembership,
    Person,
    Place,
    PpgMembership,
    Response,
    utcnow,
)
from engage.models.base import as_utc
from engage.services import audit, erasure_ledger, mailer
from engage.services.comments import escape_like
from engage.services.demographics import FIELDS as DEMOGRAPHIC_FIELDS
from engage.services.errors import DomainError, NotFound

# Raised whenever the notice's wording changes: each consent records the version it was given
# under. 1.1 added how long data is kept, requests by survey reference, the contact and the ICO.
PRIVACY_NOTICE_VERSION = "1.1"
PROFILE_LINK_LIFETIME = timedelta(days=30)

# Accessible Information Standard needs a member can record (value -> label residents read).
COMMUNICATION_NEEDS: dict[str, Any] = {
    "large_print": _l("Large print"),
    "easy_read": _l("Easy read"),
    "bsl": _l("A British Sign Language (BSL) interpreter"),
    "someone_to_help": _l("Someone to help me read or answer"),
}
# Languages a member may ask us to write in: the interface's, and the community languages that
# surveys are most often translated into here. Each is named in its own script (an endonym).
PREFERRED_LANGUAGES: dict[str, tuple[str, Any]] = {
    "en": ("English", _l("English")),
    "pl": ("Polski", _l("Polish")),
    "ur": ("اردو", _l("Urdu")),
    "pa": ("ਪੰਜਾਬੀ", _l("Punjabi")),
    "gu": ("ગુજરાતી", _l("Gujarati")),
    "bn": ("বাংলা", _l("Bengali")),
}


@dataclass(frozen=True)
class CommunicationNeeds:
    """How a member needs us to communicate: a language and any of COMMUNICATION_NEEDS."""

    preferred_language: str | None = None
    needs: tuple[str, ...] = ()
    other: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.needs) - set(COMMUNICATION_NEEDS)
        if unknown:
            raise DomainError(f"Unknown communication needs: {', '.join(sorted(unknown))}")
        if self.preferred_language and self.preferred_language not in PREFERRED_LANGUAGES:
            raise DomainError(f"Unknown language: {self.preferred_language}")


def record_communication_needs(person: Person, needs: CommunicationNeeds) -> None:
    """Set (without committing) the member's language and needs, in a stable order."""
    person.preferred_language = needs.preferred_language or None
    person.communication_needs = [n for n in COMMUNICATION_NEEDS if n in needs.needs]
    person.communication_other = (needs.other or "").strip() or None


@dataclass
class Joining:
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    postcode: str | None
    place_id: int | None
    contact_preference: str
    demographics: dict[str, str | None]
    consent_to_demographics: bool
    communication: CommunicationNeeds | None = None
    address: str | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def places_to_choose() -> list[Place]:
    return list(
        db.session.scalars(
            select(Place).where(Place.kind.in_(("place", "footprint"))).order_by(Place.name)
        )
    )


def find_member_by_email(email: str) -> Person | None:
    return db.session.scalar(
        select(Person)
        .join(PanelMembership, PanelMembership.person_id == Person.id)
        .where(
            func.lower(Person.email) == email.strip().lower(),
            PanelMembership.left_on.is_(None),
            Person.erased_at.is_(None),
        )
    )


def join(details: Joining) -> Person:
    """Create the member with their consents; an existing member is sent their link instead."""
    if details.email:
        existing = find_member_by_email(details.email)
        if existing is not None:
            send_profile_link(existing)
            return existing
    person = Person(
        ref=str(uuid.uuid4()),
        given_name=details.given_name,
        family_name=details.family_name,
        email=details.email.strip().lower() if details.email else None,
        phone=details.phone,
        address=details.address,
        postcode=details.postcode,
        place_id=details.place_id,
        contact_preference=details.contact_preference,
    )
    if details.communication is not None:
        record_communication_needs(person, details.communication)
    now = utcnow()
    person.consents.append(
        Consent(purpose="panel_membership", notice_version=PRIVACY_NOTICE_VERSION, given_at=now)
    )
    # Special-category data is kept only with its own explicit consent.
    if details.consent_to_demographics and any(details.demographics.values()):
        person.consents.append(
            Consent(purpose="demographics", notice_version=PRIVACY_NOTICE_VERSION, given_at=now)
        )
        person.demographics = Demographics(
            **{k: details.demographics.get(k) for k in DEMOGRAPHIC_FIELDS}
        )
    # A postcode fills the place the member did not choose (and, beside demographics they
    # agreed to give, the deprivation decile of where they live).
    from engage.services.postcodes import fill_person

    fill_person(person)
    db.session.add(person)
    db.session.add(PanelMembership(person=person, joined_on=date.today()))
    db.session.commit()
    if person.email:
        send_profile_link(person, welcome=True)
    return person


def issue_profile_token(person: Person) -> str:
    token = secrets.token_urlsafe(32)
    person.profile_token_hash = _hash(token)
    person.profile_token_expires_at = utcnow() + PROFILE_LINK_LIFETIME
    db.session.commit()
    return token


def send_profile_link(person: Person, welcome: bool = False) -> OutboundMessage | None:
    if not person.email:
        return None
    link = url_for("panel.profile", token=issue_profile_token(person), _external=True)
    if welcome:
        subject = "Welcome to the Lancashire and South Cumbria Citizens' Panel"
        opening = (
            "Thank you for joining the Citizens' Panel. We will invite you to surveys "
            "and discussions about local NHS services."
        )
    else:
        subject = "Manage your Citizens' Panel details"
        opening = "You asked for a link to manage your Citizens' Panel details."
    body = (
        f"{opening}\n\nUse this link to see or change your details, leave the panel, or ask "
        f"us to delete your information. It works for 30 days:\n{link}\n\n"
        "If you did not ask for this, you can ignore this email.\n\n"
        "NHS Lancashire and South Cumbria Integrated Care Board"
    )
    return mailer.queue_message("profile_link", person.email, subject, body, person_id=person.id)


def request_profile_link(email: str) -> None:
    """Send a link if the address belongs to a member; say nothing either way (no enumeration)."""
    person = find_member_by_email(email)
    if person is not None:
        send_profile_link(person)


def person_for_token(token: str) -> Person | None:
    person = db.session.scalar(select(Person).where(Person.profile_token_hash == _hash(token)))
    if person is None or person.erased_at is not None:
        return None
    if person.profile_token_expires_at and as_utc(person.profile_token_expires_at) < utcnow():
        return None
    return person


def membership(person: Person) -> PanelMembership | None:
    return db.session.scalar(
        select(PanelMembership).where(
            PanelMembership.person_id == person.id, PanelMembership.left_on.is_(None)
        )
    )


def update_details(
    person: Person,
    contact_preference: str,
    phone: str | None,
    place_id: int | None,
    demographics: dict[str, Any],
    consent_to_demographics: bool,
    communication: CommunicationNeeds | None = None,
    address: str | None = None,
) -> None:
    person.contact_preference = contact_preference
    person.address = address
    if communication is not None:
        record_communication_needs(person, communication)
    person.phone = phone
    person.place_id = place_id
    active = _active_consent(person, "demographics")
    if consent_to_demographics:
        if active is None:
            person.consents.append(
                Consent(purpose="demographics", notice_version=PRIVACY_NOTICE_VERSION)
            )
        if person.demographics is None:
            person.demographics = Demographics()
        for key in DEMOGRAPHIC_FIELDS:
            setattr(person.demographics, key, demographics.get(key) or None)
    else:
        # Withdrawing consent removes the data it covered.
        if active is not None:
            active.withdrawn_at = utcnow()
        person.demographics = None
    db.session.commit()


def _active_consent(person: Person, purpose: str) -> Consent | None:
    return next(
        (c for c in person.consents if c.purpose == purpose and c.withdrawn_at is None), None
    )


def leave_panel(person: Person) -> None:
    member = membership(person)
    if member is not None:
        member.left_on = date.today()
    consent = _active_consent(person, "panel_membership")
    if consent is not None:
        consent.withdrawn_at = utcnow()
    db.session.commit()


def erase(person_id: int) -> None:
    """Delete a person's personal data; their anonymised answers and comments stay.

    Contact details, demographics and outbox copies go; memberships end; responses are detached
    from the person. Comments keep only the coarse demographic snapshot taken when they arrived,
    which without a name or contact detail no longer identifies anyone.
    """
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person")
    if person.erased_at is not None:
        return
    now = utcnow()
    for consent in person.consents:
        consent.withdrawn_at = consent.withdrawn_at or now
    person.demographics = None
    person.given_name = person.family_name = person.email = person.phone = None
    person.address = None
    person.postcode = None
    person.preferred_language = person.communication_other = None
    person.communication_needs = []
    person.profile_token_hash = None
    person.erased_at = now
    db.session.execute(
        update(PanelMembership)
        .where(PanelMembership.person_id == person.id, PanelMembership.left_on.is_(None))
        .values(left_on=date.today())
    )
    db.session.execute(
        update(PpgMembership)
        .where(PpgMembership.person_id == person.id, PpgMembership.left_on.is_(None))
        .values(left_on=date.today())
    )
    _keep_only_redactions(person.id)
    db.session.execute(
        update(Response).where(Response.person_id == person.id).values(person_id=None)
    )
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.person_id == person.id)
        .values(to_address="[erased]", body="[erased]", person_id=None)
    )
    # The ledger that a restore re-applies: its row in this transaction, its file line fsynced
    # before the commit (no erasure commits without it; see erasure_ledger).
    erasure_ledger.record(person)
    db.session.commit()


ERASED_TEXT = "[removed when the resident asked for their data to be deleted]"


def _keep_only_redactions(person_id: int) -> None:
    """What an erased person wrote keeps only its redaction: a comment's and its answer's text.

    What a resident types may name them or give their number, so the original cannot outlive
    the erasure (it would otherwise until the retention job replaced it). Where no one has
    moderated a comment yet, the detector's proposed redaction stands in. Bulk statements, so
    the text never reaches the audit log.
    """
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.response_id,
            Comment.question_id,
            Comment.redacted_text,
            Comment.proposed_redaction,
        ).where(Comment.response_id.in_(select(Response.id).where(Response.person_id == person_id)))
    ).all()
    for comment_id, response_id, question_id, redacted, proposed in rows:
        kept = redacted or proposed or ERASED_TEXT
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(original_text=kept, proposed_redaction=redacted or proposed)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(Answer)
            .where(Answer.response_id == response_id, Answer.question_id == question_id)
            .values(value=kept)
            .execution_options(synchronize_session=False)
        )


# --- the engagement team's side ------------------------------------------------------------------


def list_members(
    place_id: int | None = None, page: int = 1, size: int = 50, search: str = ""
) -> tuple[list[Person], int]:
    """Current members; ``search`` finds one by part of their name, email or phone number,
    for the member who phones or writes in."""
    stmt = (
        select(Person)
        .join(PanelMembership, PanelMembership.person_id == Person.id)
        .where(PanelMembership.left_on.is_(None), Person.erased_at.is_(None))
    )
    if place_id:
        stmt = stmt.where(Person.place_id == place_id)
    for word in search.split()[:5]:
        like = f"%{escape_like(word.lower())}%"
        digits = "".join(ch for ch in word if ch.isdigit())
        matches = [
            func.lower(column).like(like, escape="\\")
            for column in (Person.given_name, Person.family_name, Person.email)
        ]
        if len(digits) >= 4:  # a phone number however it was spaced
            matches.append(func.replace(Person.phone, " ", "").like(f"%{digits}%"))
        stmt = stmt.where(or_(*matches))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(Person.family_name, Person.given_name, Person.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), int(total)


def get_person(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person")
    return person


def list_ppgs() -> list[tuple[GpPractice, int]]:
    counts: dict[int, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(PpgMembership.practice_id, func.count(PpgMembership.id))
            .where(PpgMembership.left_on.is_(None))
            .group_by(PpgMembership.practice_id)
        ).all()
    )
    practices = db.session.scalars(select(GpPractice).order_by(GpPractice.name))
    return [(p, int(counts.get(p.id, 0))) for p in practices]


def get_practice(practice_id: int) -> GpPractice:
    practice = db.session.get(GpPractice, practice_id)
    if practice is None:
        raise NotFound("There is no such GP practice")
    return practice


def ppg_members(practice_id: int) -> list[PpgMembership]:
    return list(
        db.session.scalars(
            select(PpgMembership)
            .join(Person, Person.id == PpgMembership.person_id)
            .where(PpgMembership.practice_id == practice_id, PpgMembership.left_on.is_(None))
            .order_by(Person.family_name, Person.given_name)
        )
    )


def add_ppg_member(
    practice_id: int, given_name: str, family_name: str, email: str | None, phone: str | None
) -> PpgMembership:
    practice = get_practice(practice_id)
    person = None
    if email:
        person = db.session.scalar(
            select(Person).where(
                func.lower(Person.email) == email.strip().lower(), Person.erased_at.is_(None)
            )
        )
    if person is None:
        person = Person(
            ref=str(uuid.uuid4()),
            given_name=given_name,
            family_name=family_name,
            email=email.strip().lower() if email else None,
            phone=phone,
            place_id=practice.place_id,
            contact_preference="email" if email else "phone",
        )
        person.consents.append(
            Consent(purpose="ppg_membership", notice_version=PRIVACY_NOTICE_VERSION)
        )
        db.session.add(person)
        db.session.flush()
    already = db.session.scalar(
        select(PpgMembership).where(
            PpgMembership.person_id == person.id, PpgMembership.practice_id == practice.id
        )
    )
    if already is not None:
        if already.left_on is None:
            raise DomainError(f"{given_name} {family_name} is already in this PPG")
        already.left_on = None
        db.session.commit()
        return already
    member = PpgMembership(person_id=person.id, practice_id=practice.id, joined_on=date.today())
    db.session.add(member)
    db.session.commit()
    return member


def remove_ppg_member(membership_id: int, practice_id: int) -> None:
    member = db.session.get(PpgMembership, membership_id)
    if member is None or member.practice_id != practice_id:
        raise NotFound("There is no such PPG membership")
    member.left_on = date.today()
    db.session.commit()


def list_outbox(page: int = 1, size: int = 50) -> tuple[list[OutboundMessage], int]:
    """The messages the outbox lists, newest first, and how many there are.

    Invitations to people chosen by age, sex or ethnic group are neither listed nor counted:
    a row each (even with the address hidden) would give how many were chosen, a small number
    that the invitations page only shows protected. The page says so in one line that holds no
    number, and a message is still opened on purpose by its link, which logs the reading.
    """
    listed = OutboundMessage.id.not_in(
        select(Invitation.message_id).where(
            Invitation.chosen_by_demographics.is_(True), Invitation.message_id.is_not(None)
        )
    )
    total = db.session.scalar(select(func.count(OutboundMessage.id)).where(listed)) or 0
    rows = db.session.scalars(
        select(OutboundMessage)
        .where(listed)
        .order_by(OutboundMessage.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), int(total)


MESSAGE_SHOWN = audit.MESSAGE_SHOWN


def chosen_by_ethnic_group(message_ids: list[int]) -> set[int]:
    """The messages sent because of the person's ethnic group: invitations to such a segment.

    Their recipients are special-category data (who is in "Asian or Asian British"), so the
    outbox does not list them; opening one is logged as special-category access.
    """
    if not message_ids:
        return set()
    rows = db.session.scalars(
        select(Invitation.message_id).where(
            Invitation.message_id.in_(message_ids), Invitation.chosen_by_ethnicity.is_(True)
        )
    )
    return {int(m) for m in rows if m is not None}


@dataclass(frozen=True)
class ShownMessage:
    """One outbox message as the team may read it."""

    message: OutboundMessage
    body: str  # personal links' tokens masked
    links_hidden: bool  # the body held a personal link, now shown masked
    by_ethnicity: bool  # an invitation to people chosen by ethnic group


def show_outbox_message(message_id: int) -> ShownMessage:
    """One message with its body, logging (and committing) that the signed-in staff member read
    it: a body holds a person's name. Never the address or the text in the log.

    A personal link's token is masked: the link works without signing in, so whoever holds it
    can answer as the resident or change and delete their details. Only the resident uses it.
    """
    message = db.session.get(OutboundMessage, message_id)
    if message is None:
        raise NotFound("There is no such message")
    to = f"person {message.person_id}" if message.person_id else "no current member"
    by_ethnicity = bool(chosen_by_ethnic_group([message.id]))
    if message.person_id and by_ethnicity:
        audit.record_special_category_access(
            db.session,
            message.person_id,
            ["ethnicity"],
            "an invitation sent to people chosen by ethnic group, opened in the outbox",
        )
    event = audit.record(
        db.session,
        MESSAGE_SHOWN,
        "OutboundMessage",
        str(message.id),
        note=f"{message.kind} message to {to} shown",
    )
    event.after = {"kind": message.kind, "person_id": message.person_id}
    db.session.commit()
    body = mailer.mask_personal_links(message.body)
    links_hidden = mailer.MASKED_TOKEN in body
    return ShownMessage(message, body, links_hidden, by_ethnicity)
