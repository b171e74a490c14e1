"""'You said, we did': commissioners' responses to themes and intentions, published to residents.

A response is about a theme, an intention, or a theme in the light of one of its confirmed
intentions. Residents see only published responses, grouped by life-course domain and
intention; nothing here returns a person or an original comment.

Telling panel members: a member "took part" when they submitted a response to a survey linked
to the intention, or sent a comment that speaks of the theme (for an intention, of any theme
confirmed as linked to it). Each is told once per response, by email, and only while they are a
panel member with panel consent, not erased, with an email address and email as their way of
contact. The outbox message's ``kind`` names the response, which is what makes it idempotent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from engage.extensions import db
from engage.models import (
    Comment,
    Consent,
    Intention,
    IntentionDomain,
    OutboundMessage,
    PanelMembership,
    Person,
    Response,
    Theme,
    ThemeIntentionLink,
    YouSaidWeDid,
    survey_intention,
    utcnow,
)
from engage.models.base import as_utc
from engage.services import reports
from engage.services import themes as theme_service
from engage.services.errors import DomainError, NotFound
from engage.services.suppression import describe

# value -> what residents read (in their language: lazy); the order is a response's life.
STATUSES: dict[str, Any] = {
    "considering": _l("We are considering this"),
    "acting": _l("We are acting on this"),
    "done": _l("Done"),
    "not_possible": _l("Not possible"),
}
STATUS_TAGS = {
    "considering": "nhsuk-tag--blue",
    "acting": "nhsuk-tag--yellow",
    "done": "nhsuk-tag--green",
    "not_possible": "nhsuk-tag--grey",
}
NOTIFY_CONSENTS = ("panel_membership", "contact")
QUOTES_IN_PREFILL = 3
# "3 people", "five residents": a small count typed by hand would undo suppression.
_WORD_NUMBERS = "one|two|three|four|five|six|seven|eight|nine"
_SMALL_COUNT = re.compile(
    rf"\b(\d+|{_WORD_NUMBERS})\s+(?:of\s+(?:you|them|us)\s+)?"
    r"(people|persons?|residents?|patients?|respondents?|comments?|members?|responses?)\b",
    re.IGNORECASE,
)


def status_label(status: str) -> str:
    """The status as residents read it, in the current locale (English outside resident pages)."""
    return str(STATUSES.get(status, status))


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a response is about, as a person reads it."""

    theme_id: int | None
    intention_id: int | None
    theme_name: str | None
    intention_title: str | None
    domain: str | None
    year: str | None

    @property
    def title(self) -> str:
        if self.theme_name and self.intention_title:
            return f"{self.theme_name} ({self.intention_title})"
        return self.theme_name or self.intention_title or str(_l("A withdrawn theme or intention"))


def subject_of(item: YouSaidWeDid) -> Subject:
    theme = db.session.get(Theme, item.theme_id) if item.theme_id else None
    intention = db.session.get(Intention, item.intention_id) if item.intention_id else None
    return Subject(
        item.theme_id,
        item.intention_id,
        theme.name if theme else None,
        intention.title if intention else None,
        intention.domain if intention else None,
        intention.year if intention else None,
    )


def get_response(response_id: int) -> YouSaidWeDid:
    item = db.session.get(YouSaidWeDid, response_id)
    if item is None:
        raise NotFound("There is no 'you said, we did' response with that id")
    return item


def get_published(response_id: int) -> YouSaidWeDid:
    """A published response; an unpublished one does not exist for residents."""
    item = db.session.get(YouSaidWeDid, response_id)
    if item is None or item.published_at is None:
        raise NotFound("There is no published response with that id")
    return item


@dataclass(frozen=True)
class StaffRow:
    item: YouSaidWeDid
    subject: Subject


def list_responses() -> list[StaffRow]:
    """Every response for the staff list, newest change first."""
    items = db.session.scalars(
        select(YouSaidWeDid).order_by(
            YouSaidWeDid.updated_at.desc().nulls_last(), YouSaidWeDid.id.desc()
        )
    )
    return [StaffRow(item, subject_of(item)) for item in items]


@dataclass
class IntentionGroup:
    intention_id: int | None
    title: Any  # staff's text, or interface text (lazy) where there is none
    responses: list[YouSaidWeDid] = field(default_factory=list)


@dataclass
class DomainGroup:
    name: Any  # the plans' own domain name, or interface text (lazy) for "other things"
    year: str | None
    intentions: list[IntentionGroup] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(i.responses) for i in self.intentions)


def published_by_domain() -> list[DomainGroup]:
    """Published responses grouped by domain and intention in the plans' order.

    Responses to a theme alone come last, under "Other things you told us about", one group
    per theme.
    """
    items = list(
        db.session.scalars(
            select(YouSaidWeDid)
            .where(YouSaidWeDid.published_at.is_not(None))
            .order_by(YouSaidWeDid.published_at.desc(), YouSaidWeDid.id.desc())
        )
    )
    intention_ids = {i.intention_id for i in items if i.intention_id}
    intentions = {
        i.id: i
        for i in db.session.scalars(select(Intention).where(Intention.id.in_(intention_ids)))
    }
    positions = {(d.year, d.name): d.position for d in db.session.scalars(select(IntentionDomain))}
    by_intention: dict[int, IntentionGroup] = {}
    by_theme: dict[int | None, IntentionGroup] = {}
    for item in items:
        intention = intentions.get(item.intention_id) if item.intention_id else None
        if intention is not None:
            group = by_intention.setdefault(
                intention.id, IntentionGroup(intention.id, intention.title)
            )
        else:
            theme = db.session.get(Theme, item.theme_id) if item.theme_id else None
            group = by_theme.setdefault(
                item.theme_id, IntentionGroup(None, theme.name if theme else _l("Other feedback"))
            )
        group.responses.append(item)
    domains: dict[tuple[str, str], DomainGroup] = {}
    pairs = sorted(
        ((intentions[iid], group) for iid, group in by_intention.items()),
        key=lambda pair: (
            _year_key(pair[0].year),
            positions.get((pair[0].year, pair[0].domain), 0),
            pair[0].position,
        ),
    )
    for intention, group in pairs:
        key = (intention.year, intention.domain)
        domains.setdefault(key, DomainGroup(intention.domain, intention.year)).intentions.append(
            group
        )
    result = list(domains.values())
    if by_theme:
        result.append(
            DomainGroup(
                _l("Other things you told us about"),
                None,
                sorted(by_theme.values(), key=lambda g: g.title.lower()),
            )
        )
    return result


def _year_key(year: str) -> tuple[int, str]:
    # Newest plan first: "2026-27" before "2024-25".
    digits = re.match(r"\d+", year)
    return (-int(digits.group()) if digits else 0, year)


def list_published() -> list[YouSaidWeDid]:
    return list(
        db.session.scalars(
            select(YouSaidWeDid)
            .where(YouSaidWeDid.published_at.is_not(None))
            .order_by(YouSaidWeDid.published_at.desc(), YouSaidWeDid.id.desc())
        )
    )


# --- what residents said, to start a response from ------------------------------------------


def choose_subject(theme_id: int | None, intention_id: int | None) -> Subject:
    """Check the subject of a new response exists; a merged theme points to its target."""
    if theme_id is None and intention_id is None:
        raise DomainError("Choose a theme or a commissioning intention to respond to")
    theme = db.session.get(Theme, theme_id) if theme_id is not None else None
    if theme_id is not None and theme is None:
        raise NotFound("There is no theme with that id")
    if theme is not None and theme.merged_into_id is not None:
        raise DomainError("That theme was merged into another: respond to that one instead")
    intention = db.session.get(Intention, intention_id) if intention_id is not None else None
    if intention_id is not None and intention is None:
        raise NotFound("There is no commissioning intention with that id")
    return Subject(
        theme.id if theme else None,
        intention.id if intention else None,
        theme.name if theme else None,
        intention.title if intention else None,
        intention.domain if intention else None,
        intention.year if intention else None,
    )


def themes_to_respond_to() -> list[tuple[int, str]]:
    return [
        (i, n)
        for i, n in db.session.execute(
            select(Theme.id, Theme.name).where(Theme.merged_into_id.is_(None)).order_by(Theme.name)
        )
    ]


def intentions_to_respond_to() -> list[tuple[int, str]]:
    return [
        (i, f"{title} ({domain}, {year})")
        for i, title, domain, year in db.session.execute(
            select(Intention.id, Intention.title, Intention.domain, Intention.year)
            .where(Intention.retired.is_(False))
            .order_by(Intention.year.desc(), Intention.position)
        )
    ]


def linked_intentions(theme_id: int) -> list[tuple[int, str]]:
    """The intentions a theme is confirmed as linked to, for "which intention is this about"."""
    return [
        (i, t)
        for i, t in db.session.execute(
            select(Intention.id, Intention.title)
            .join(ThemeIntentionLink, ThemeIntentionLink.intention_id == Intention.id)
            .where(
                ThemeIntentionLink.theme_id == theme_id,
                ThemeIntentionLink.state == "confirmed",
            )
            .order_by(Intention.year.desc(), Intention.position)
        )
    ]


def what_residents_said(subject: Subject) -> str:
    """A first draft of "you said": the theme, its (suppressed) comment count, a few quotes.

    The quotes are redacted text of approved comments, from themes with enough people behind
    them (the report service decides); the commissioner edits the draft before it is shown.
    """
    limit = reports.threshold()
    summary: reports.Report
    if subject.theme_id is not None:
        summary = reports.theme_summary(subject.theme_id)
        name = subject.theme_name or ""
        lead = f"You told us about {name.lower() if name else 'this'}"
    else:
        assert subject.intention_id is not None
        summary = reports.intention_summary(subject.intention_id)
        lead = f"You told us what matters to you about {subject.intention_title}"
    comments = summary.counts.comments
    if comments == 0:
        return f"{lead}."
    lines = [f"{lead} in {describe(comments, limit)} comments."]
    quotes = summary.quotes[:QUOTES_IN_PREFILL]
    if quotes:
        lines.append("")
        lines.append("Some of what you said:")
        lines.extend(f"\u201c{q.text.strip()}\u201d" for q in quotes)
    return "\n".join(lines)


# --- writing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    you_said: str
    we_did: str
    status: str
    reason: str | None = None


def check_draft(draft: Draft) -> dict[str, str]:
    """Problems with a draft, by field, in the words the form shows."""
    problems: dict[str, str] = {}
    if not draft.you_said.strip():
        problems["you_said"] = "Enter what residents said"
    if not draft.we_did.strip():
        problems["we_did"] = "Enter what was done, or what will be done"
    if draft.status not in STATUSES:
        problems["status"] = "Select the status of the response"
    elif draft.status == "not_possible" and not (draft.reason or "").strip():
        problems["reason"] = "Enter why it is not possible"
    limit = reports.threshold()
    for name in ("you_said", "we_did", "reason"):
        text = getattr(draft, name) or ""
        for match in _SMALL_COUNT.finditer(text):
            number = match.group(1).lower()
            value = int(number) if number.isdigit() else _WORD_NUMBERS.split("|").index(number) + 1
            if 0 < value < limit:
                problems.setdefault(
                    name,
                    f"Do not give a number of people or comments under {limit}: "
                    f"write \u2018fewer than {limit}\u2019 instead of \u2018{match.group(0)}\u2019",
                )
    return problems


def _apply(item: YouSaidWeDid, draft: Draft) -> None:
    problems = check_draft(draft)
    if problems:
        raise DomainError(next(iter(problems.values())))
    item.you_said = draft.you_said.strip()
    item.we_did = draft.we_did.strip()
    item.status = draft.status
    # A reason belongs to "not possible" only; a stale one would read as current.
    item.reason = (draft.reason or "").strip() or None if draft.status == "not_possible" else None
    item.updated_at = utcnow()


def create_response(subject: Subject, draft: Draft, author_id: int | None) -> YouSaidWeDid:
    item = YouSaidWeDid(
        theme_id=subject.theme_id, intention_id=subject.intention_id, author_id=author_id
    )
    _apply(item, draft)
    db.session.add(item)
    db.session.commit()
    return item


def update_response(response_id: int, draft: Draft) -> YouSaidWeDid:
    item = get_response(response_id)
    _apply(item, draft)
    db.session.commit()
    return item


def publish(response_id: int) -> YouSaidWeDid:
    """Show the response to residents; publishing again keeps the first publication date."""
    item = get_response(response_id)
    if item.published_at is None:
        item.published_at = utcnow()
        db.session.commit()
    return item


def unpublish(response_id: int) -> YouSaidWeDid:
    item = get_response(response_id)
    if item.published_at is not None:
        item.published_at = None
        item.updated_at = utcnow()
        db.session.commit()
    return item


# --- telling panel members who took part ---------------------------------------------------


def message_kind(response_id: int) -> str:
    return f"you_said_we_did:{response_id}"


@dataclass(frozen=True)
class Reach:
    """How many of the people who took part can be told, and why the others cannot."""

    took_part: int
    already_told: int
    can_tell: int
    not_by_email: int  # no email address, or they prefer another way of contact
    no_consent: int  # left the panel or withdrew consent

    @property
    def nothing_to_send(self) -> bool:
        return self.can_tell == 0


def _participant_ids(item: YouSaidWeDid) -> set[int]:
    """Panel members (current or past, not erased) who took part in what this answers."""
    theme_ids: set[int] = set()
    if item.theme_id is not None:
        theme_ids.add(item.theme_id)
    elif item.intention_id is not None:
        theme_ids.update(
            db.session.scalars(
                select(ThemeIntentionLink.theme_id).where(
                    ThemeIntentionLink.intention_id == item.intention_id,
                    ThemeIntentionLink.state == "confirmed",
                )
            )
        )
    conditions = []
    if item.intention_id is not None:
        conditions.append(
            exists().where(
                survey_intention.c.survey_id == Response.survey_id,
                survey_intention.c.intention_id == item.intention_id,
            )
        )
    if theme_ids:
        eff = theme_service.effective_comment_themes().subquery()
        conditions.append(
            exists()
            .where(Comment.response_id == Response.id)
            .where(eff.c.comment_id == Comment.id, eff.c.theme_id.in_(theme_ids))
        )
    if not conditions:
        return set()
    return set(
        db.session.scalars(
            select(Response.person_id)
            .join(Person, Person.id == Response.person_id)
            .join(PanelMembership, PanelMembership.person_id == Person.id)
            .where(
                Response.status == "submitted",
                Person.erased_at.is_(None),
                or_(*conditions),
            )
            .distinct()
        )
    )


def _consenting(person_ids: set[int]) -> set[int]:
    if not person_ids:
        return set()
    return set(
        db.session.scalars(
            select(Person.id)
            .join(PanelMembership, PanelMembership.person_id == Person.id)
            .join(Consent, Consent.person_id == Person.id)
            .where(
                Person.id.in_(person_ids),
                PanelMembership.left_on.is_(None),
                Consent.purpose.in_(NOTIFY_CONSENTS),
                Consent.withdrawn_at.is_(None),
            )
        )
    )


def _already_told(response_id: int) -> set[int]:
    return {
        pid
        for pid in db.session.scalars(
            select(OutboundMessage.person_id).where(
                OutboundMessage.kind == message_kind(response_id)
            )
        )
        if pid is not None
    }


def _sort(item: YouSaidWeDid) -> tuple[set[int], Reach]:
    took_part = _participant_ids(item)
    told = _already_told(item.id) & took_part
    consenting = _consenting(took_part - told)
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(consenting)))}
    reachable = {
        pid for pid, p in people.items() if p.email and p.contact_preference in (None, "email")
    }
    reach = Reach(
        took_part=len(took_part),
        already_told=len(told),
        can_tell=len(reachable),
        not_by_email=len(consenting) - len(reachable),
        no_consent=len(took_part) - len(told) - len(consenting),
    )
    return reachable, reach


def told_count(response_id: int) -> int:
    """How many people have been told about a response (erased people are no longer counted)."""
    return len(_already_told(response_id))


def reach(response_id: int) -> Reach:
    """Counts only: commissioners never see who took part."""
    return _sort(get_response(response_id))[1]


def notify_participants(response_id: int) -> int:
    """Queue one email to each panel member who took part and has not been told; return how many.

    The response row is locked first, so two presses of the button cannot both send.
    """
    item = db.session.scalar(
        select(YouSaidWeDid).where(YouSaidWeDid.id == response_id).with_for_update()
    )
    if item is None:
        raise NotFound("There is no 'you said, we did' response with that id")
    if item.published_at is None:
        raise DomainError("Publish the response before telling panel members about it")
    reachable, _ = _sort(item)
    subject = subject_of(item)
    link = url_for("yousaid.show", response_id=item.id, _external=True)
    manage = url_for("panel.request_link", _external=True)
    messages = []
    for person in db.session.scalars(
        select(Person).where(Person.id.in_(reachable)).order_by(Person.id)
    ):
        message = OutboundMessage(
            kind=message_kind(item.id),
            person_id=person.id,
            to_address=person.email or "",
            subject="You said, we did: what happened after you took part",
            body=_message_body(person, item, subject, link, manage),
            status="queued",
        )
        db.session.add(message)
        messages.append(message)
    db.session.commit()
    from engage.jobs.tasks import deliver_message

    for message in messages:
        deliver_message(message.id)
    current_app.logger.info("told %s panel members about response %s", len(messages), item.id)
    return len(messages)


def _message_body(
    person: Person, item: YouSaidWeDid, subject: Subject, link: str, manage: str
) -> str:
    greeting = f"Dear {person.given_name}," if person.given_name else "Hello,"
    reason = f"\nWhy: {item.reason}\n" if item.status == "not_possible" and item.reason else ""
    return (
        f"{greeting}\n\nYou took part in our engagement about {subject.title}. "
        "Thank you. This is what we heard and what we are doing about it.\n\n"
        f"You said:\n{item.you_said}\n\nWe did:\n{item.we_did}\n\n"
        f"Where it stands: {status_label(item.status)}\n{reason}\n"
        f"Read it online:\n{link}\n\n"
        "You are getting this because you are a member of the Citizens' Panel. To change how we "
        f"contact you, or to leave the panel, ask for a link here:\n{manage}\n\n"
        "NHS Lancashire and South Cumbria Integrated Care Board"
    )


def published_dates(item: YouSaidWeDid) -> tuple[datetime | None, datetime | None]:
    """When it was published, and when it was last changed if that was later."""
    published = as_utc(item.published_at) if item.published_at else None
    updated = as_utc(item.updated_at) if item.updated_at else None
    # Edits made before publishing are not "updates" a resident needs to hear about.
    if published and updated and (updated - published).total_seconds() > 60:
        return published, updated
    return published, None
