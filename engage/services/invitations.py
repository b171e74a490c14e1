"""Invite a segment of panel or PPG members to a survey; each gets a personal link.

Small numbers. Who is in a segment chosen by age, sex or ethnic group is equality or
special-category data, and the team can ask for such counts again and again with overlapping
choices. So every count the pages show that involves people chosen that way is *protected*:
from 1 to 9 (the reports' threshold) it reads "fewer than 10", and otherwise it is rounded to
the nearest 5, as NHS Digital and ONS publish small counts. That covers the preview ("Preston,
every ethnic group but one" no longer subtracts exactly from "Preston"), the sentence after
sending, the sent table's rows, and the survey's totals. Counts of segments chosen by place,
practice or panel alone stay exact, as in reports.

A total is never made of an exact part and a protected part: with "101 chosen by place" shown
exactly, a rounded total of 100 would say exactly 1 was chosen by ethnic group. So the totals
are shown in two parts, the exact one and the protected one. A send whose segment overlaps
people invited earlier by a protected segment is protected too: its "already invited" count
would otherwise give that earlier count. Who is invited never changes; only what is shown.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    Demographics,
    GpPractice,
    Invitation,
    PanelMembership,
    Person,
    Place,
    PpgMembership,
    Response,
    Survey,
    SurveyTranslation,
    utcnow,
)
from engage.services import mailer, reports, suppression
from engage.services import responses as runner
from engage.services.errors import DomainError, NotFound

# How ``Segment.describe`` names its equality-monitoring criteria, for people to read. What a
# segment chose by is stored in the invitation's own columns, never read back from this text.
DEMOGRAPHIC_LABELS = ("aged", "sex", "ethnic group")


@dataclass
class Segment:
    audience: str = "panel"  # panel or ppg
    place_id: int | None = None
    practice_id: int | None = None
    age_bands: list[str] = field(default_factory=list)
    sexes: list[str] = field(default_factory=list)
    ethnicities: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """How people were chosen, in at most 200 characters (the stored column).

        A description too long to store names how many answers were chosen for each criterion,
        and shortens the practice and place names, so that the team can still read every
        criterion instead of finding it cut off.
        """
        full = self._describe(names=None, list_values=True)
        return full if len(full) <= 200 else self._describe(names=40, list_values=False)[:200]

    def _describe(self, names: int | None, list_values: bool) -> str:
        parts = ["Citizens' Panel" if self.audience == "panel" else "PPG members"]
        if self.practice_id:
            practice = db.session.get(GpPractice, self.practice_id)
            parts.append(f"of {practice.name[:names]}" if practice else "")
        if self.place_id:
            place = db.session.get(Place, self.place_id)
            parts.append(f"in {place.name[:names]}" if place else "")
        for label, values in zip(
            DEMOGRAPHIC_LABELS, (self.age_bands, self.sexes, self.ethnicities), strict=True
        ):
            if values:
                chosen = ", ".join(values) if list_values else f"({len(values)} chosen)"
                parts.append(f"{label} {chosen}")
        return " ".join(p for p in parts if p)

    @property
    def uses_demographics(self) -> bool:
        """Whether it chooses people by special-category or equality data (age, sex, ethnicity)."""
        return bool(self.age_bands or self.sexes or self.ethnicities)

    @property
    def uses_ethnicity(self) -> bool:
        """Whether it chooses people by ethnic group, which is special-category data."""
        return bool(self.ethnicities)


@dataclass
class InviteResult:
    invited: int
    already_invited: int
    no_email: int
    # Its counts involve people chosen by age, sex or ethnic group: this segment's, or those
    # of an earlier segment that chose some of the people it found already invited.
    protected: bool = False


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def segment_people(segment: Segment) -> list[Person]:
    """Current members matching the segment; erased people and leavers are never included."""
    # Distinct ids, not rows: PostgreSQL cannot compare Person's JSON columns for DISTINCT.
    stmt = select(Person.id).where(Person.erased_at.is_(None))
    if segment.audience == "ppg":
        stmt = stmt.join(PpgMembership, PpgMembership.person_id == Person.id).where(
            PpgMembership.left_on.is_(None)
        )
        if segment.practice_id:
            stmt = stmt.where(PpgMembership.practice_id == segment.practice_id)
    else:
        stmt = stmt.join(PanelMembership, PanelMembership.person_id == Person.id).where(
            PanelMembership.left_on.is_(None)
        )
    if segment.place_id:
        stmt = stmt.where(Person.place_id.in_(_place_and_children(segment.place_id)))
    if segment.age_bands or segment.sexes or segment.ethnicities:
        stmt = stmt.join(Demographics, Demographics.person_id == Person.id)
        if segment.age_bands:
            stmt = stmt.where(Demographics.age_band.in_(segment.age_bands))
        if segment.sexes:
            stmt = stmt.where(Demographics.sex.in_(segment.sexes))
        if segment.ethnicities:
            stmt = stmt.where(Demographics.ethnicity.in_(segment.ethnicities))
    ids = stmt.distinct().scalar_subquery()
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))


@dataclass(frozen=True)
class Matching:
    """How many members a segment matches, as the page may say it."""

    shown: str  # "12", "15" (rounded), or "fewer than 10"
    protected: bool  # not the exact number: chosen by age, sex or ethnic group, and not zero


def count_matching(segment: Segment) -> Matching:
    """The members a segment matches; protected when it chooses by age, sex or ethnic group."""
    count = len(segment_people(segment))
    threshold = reports.threshold()
    if not segment.uses_demographics:
        return Matching(suppression.describe(count, threshold), False)
    value = suppression.protect_count(count, threshold)
    return Matching(suppression.describe(value, threshold), count > 0)


def describe_result(result: InviteResult) -> str:
    """What a send did, in a sentence; protected counts say they are rounded."""
    counts = [
        ("invited", result.invited),
        ("already", result.already_invited),
        ("no_email", result.no_email),
    ]
    threshold = reports.threshold()
    shown: dict[str, int | None] = dict(counts)
    if result.protected:
        # Each on its own, not as a table with its total: a cell hidden only so that another
        # cannot be worked out may be 500, and would read "fewer than 10". Rounding is what
        # keeps one count from being subtracted out of the others and the preview.
        shown = {key: suppression.protect_count(n, threshold) for key, n in counts}
    said = {key: suppression.describe(value, threshold) for key, value in shown.items()}
    sentence = (
        f"{_capital(said['invited'])} invitations sent. {_capital(said['already'])} people had "
        f"already been invited; {said['no_email']} have no email address."
    )
    return f"{sentence} {PROTECTED_NOTE}" if result.protected else sentence


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


PROTECTED_NOTE = "Numbers are rounded to the nearest 5 to protect privacy."


def _place_and_children(place_id: int) -> list[int]:
    ids = [place_id]
    ids += list(db.session.scalars(select(Place.id).where(Place.parent_id == place_id)))
    return ids


def invite(survey_id: int, segment: Segment) -> InviteResult:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("There is no such survey")
    if survey.status != "open":
        raise DomainError("Publish the survey before inviting people to it")
    # Who is already invited, and whether by a segment chosen by age, sex or ethnic group.
    already = {
        person_id: bool(by_demographics)
        for person_id, by_demographics in db.session.execute(
            select(Invitation.person_id, Invitation.chosen_by_demographics).where(
                Invitation.survey_id == survey.id
            )
        ).tuples()
    }
    result = InviteResult(0, 0, 0, protected=segment.uses_demographics)
    description = segment.describe()
    published = published_translations(survey.id)
    for person in segment_people(segment):
        if person.id in already:
            result.already_invited += 1
            result.protected = result.protected or already[person.id]
            continue
        if not person.email:
            result.no_email += 1
            continue
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            survey_id=survey.id,
            person_id=person.id,
            token_hash=_hash(token),
            segment=description,
            chosen_by_demographics=segment.uses_demographics,
            chosen_by_ethnicity=segment.uses_ethnicity,
        )
        db.session.add(invitation)
        db.session.commit()
        language, translation = invitation_language(survey.id, person, published)
        subject, body = _invitation(
            survey,
            person,
            url_for("survey.invited", token=token, _external=True),
            language,
            translation,
        )
        message = mailer.queue_message(
            "invitation", person.email, subject, body, person_id=person.id, survey_id=survey.id
        )
        invitation.message_id = message.id
        db.session.commit()
        result.invited += 1
    return result


def published_translations(survey_id: int) -> dict[str, SurveyTranslation]:
    """The survey's translations residents can see, by language code."""
    rows = db.session.scalars(
        select(SurveyTranslation).where(
            SurveyTranslation.survey_id == survey_id, SurveyTranslation.published.is_(True)
        )
    )
    return {t.language: t for t in rows}


def invitation_language(
    survey_id: int, person: Person, published: dict[str, SurveyTranslation] | None = None
) -> tuple[str, SurveyTranslation | None]:
    """The member's own language where the survey has been translated into it, else English."""
    if published is None:
        published = published_translations(survey_id)
    wanted = person.preferred_language
    if wanted and wanted != "en" and wanted in published:
        return wanted, published[wanted]
    return "en", None


def _invitation(
    survey: Survey,
    person: Person,
    link: str,
    language: str,
    translation: SurveyTranslation | None,
) -> tuple[str, str]:
    """Subject and body, written in ``language`` (English where a string has no translation)."""
    strings = translation.strings if translation is not None else {}
    title = strings.get("survey.title") or survey.title
    purpose = strings.get("survey.purpose") or survey.purpose
    with force_locale(language):
        greeting = _("Dear %(name)s,", name=person.given_name) if person.given_name else _("Hello,")
        closes = (
            "\n\n"
            + _(
                "The survey closes on %(date)s.",
                date=format_date(survey.closes_on, "d MMMM y"),
            )
            if survey.closes_on
            else ""
        )
        subject = _("Have your say: %(title)s", title=title)
        body = (
            f"{greeting}\n\n"
            + _("As a member, you are invited to take part in '%(title)s'.", title=title)
            + f"\n\n{purpose}\n\n"
            + _("This link is personal to you, so please do not share it:")
            + f"\n{link}{closes}\n\n"
            + _("If you need the survey in another format or language, reply to this email.")
            + "\n\n"
            + _("NHS Lancashire and South Cumbria Integrated Care Board")
        )
    return subject, body


@dataclass
class UnmetNeeds:
    """Invited members whose communication needs this survey does not yet meet."""

    members: int = 0  # people with at least one unmet need
    languages: dict[str, int] = field(default_factory=dict)  # not translated (or not published)
    needs: dict[str, int] = field(default_factory=dict)  # large print, easy read, BSL, help


def unmet_needs(survey_id: int) -> UnmetNeeds:
    """Count, per need, the invited members the online survey alone does not serve.

    A language is met once a translation into it is published. Large print, easy read, BSL and
    someone to help are arranged by the team outside Engage, so they always count as to do.
    """
    published = set(published_translations(survey_id))
    people = db.session.scalars(
        select(Person)
        .join(Invitation, Invitation.person_id == Person.id)
        .where(Invitation.survey_id == survey_id, Person.erased_at.is_(None))
    )
    result = UnmetNeeds()
    for person in people:
        unmet = False
        language = person.preferred_language
        if language and language != "en" and language not in published:
            result.languages[language] = result.languages.get(language, 0) + 1
            unmet = True
        for need in person.communication_needs or []:
            result.needs[need] = result.needs.get(need, 0) + 1
            unmet = True
        result.members += int(unmet)
    return result


def open_invitation(token: str) -> tuple[Invitation, str] | None:
    """The invitation for a personal link, and a resume secret for its response."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.person_id is None:
        return None
    survey = db.session.get(Survey, invitation.survey_id)
    if survey is None:
        return None
    response = db.session.get(Response, invitation.response_id) if invitation.response_id else None
    invitation.opened_at = invitation.opened_at or utcnow()
    if response is None:
        started = runner.start_response(survey, person_id=invitation.person_id)
        person = db.session.get(Person, invitation.person_id)
        started.response.place_id = person.place_id if person else None
        invitation.response_id = started.response.id
        db.session.commit()
        return invitation, started.token
    return invitation, runner.reissue_resume_link(response)


@dataclass(frozen=True)
class SentBatch:
    """The invitations sent to one segment on one day, counted as the page shows them."""

    sent_on: date
    segment: str
    invited: str
    opened: str
    protected: bool  # chosen by age, sex or ethnic group: counts suppressed or rounded


def sent_batches(survey_id: int) -> list[SentBatch]:
    """Invitations grouped by day and segment, newest first.

    Not one row per person: a row per invitation to "Citizens' Panel aged 75+" would tell the
    exact number of such members by counting rows. Counts of a segment chosen by age, sex or
    ethnicity are protected, each on its own (see ``describe_result``).
    """
    rows = db.session.execute(
        select(
            Invitation.segment,
            Invitation.chosen_by_demographics,
            Invitation.created_at,
            Invitation.opened_at,
        )
        .where(Invitation.survey_id == survey_id)
        .order_by(Invitation.id.desc())
    )
    grouped: dict[tuple[date, str, bool], list[int]] = {}
    for segment, by_demographics, created_at, opened_at in rows:
        counts = grouped.setdefault((created_at.date(), segment, by_demographics), [0, 0])
        counts[0] += 1
        counts[1] += opened_at is not None
    threshold = reports.threshold()
    batches = []
    for (sent_on, segment, by_demographics), (invited, opened) in grouped.items():
        shown: tuple[int | None, int | None] = (invited, opened)
        if by_demographics:
            shown = (
                suppression.protect_count(invited, threshold),
                suppression.protect_count(opened, threshold),
            )
        said = [suppression.describe(n, threshold) for n in shown]
        batches.append(SentBatch(sent_on, segment, said[0], said[1], by_demographics))
    return batches


@dataclass(frozen=True)
class Totals:
    """How many were invited, opened their link and sent their answers, as the page says it."""

    invited: str
    opened: str
    submitted: str


@dataclass(frozen=True)
class Summary:
    """A survey's invitations in two parts, never one total (see the module's docstring)."""

    chosen_by_place: Totals  # exact: chosen by place, practice or membership alone
    chosen_by_demographics: Totals | None  # protected; None when nobody was chosen that way


def summary(survey_id: int) -> Summary:
    """The survey's invited, opened and submitted counts, exact and protected apart."""
    rows = db.session.execute(
        select(
            Invitation.chosen_by_demographics,
            func.count(Invitation.id),
            func.count(Invitation.opened_at),
            func.count(Response.id),
        )
        .outerjoin(
            Response,
            (Response.id == Invitation.response_id) & (Response.status == "submitted"),
        )
        .where(Invitation.survey_id == survey_id)
        .group_by(Invitation.chosen_by_demographics)
    ).tuples()
    counts = {bool(by_demographics): (int(i), int(o), int(s)) for by_demographics, i, o, s in rows}
    threshold = reports.threshold()
    by_place = Totals(*(suppression.describe(n, threshold) for n in counts.get(False, (0, 0, 0))))
    if True not in counts:
        return Summary(by_place, None)
    protected = (suppression.protect_count(n, threshold) for n in counts[True])
    return Summary(by_place, Totals(*(suppression.describe(n, threshold) for n in protected)))


def invitable_surveys() -> list[Survey]:
    return list(
        db.session.scalars(select(Survey).where(Survey.status == "open").order_by(Survey.title))
    )
