"""Residents' responses: start, save section by section, resume, and submit exactly once."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from engage.extensions import db
from engage.models import (
    Answer,
    Comment,
    Demographics,
    Question,
    Response,
    Section,
    Survey,
    utcnow,
)
from engage.services.errors import NotFound

FREE_TEXT_KINDS = frozenset({"free_text_short", "free_text_long"})
# No 0/O or 1/I/L: codes are read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class Availability(enum.Enum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    INVITATION_ONLY = "invitation_only"


@dataclass(frozen=True)
class Started:
    response: Response
    token: str  # for the resume link; only its hash is stored
    code: str  # for typing in; only its hash is stored


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def _new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _commit_keeping_loaded() -> None:
    """Commit without expiring what this request loaded: it wrote those rows itself.

    The default expiry would make the next attribute access re-read the response, the survey,
    its sections and their questions (several queries a page) for values that cannot have
    changed under this request; a later request starts a fresh session and reads them anew.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def get_survey(slug: str) -> Survey:
    survey = db.session.scalar(select(Survey).where(Survey.slug == slug))
    if survey is None or survey.status == "draft":
        raise NotFound("We could not find that survey")
    return survey


def availability(survey: Survey, today: date | None = None) -> Availability:
    today = today or date.today()
    if survey.status == "closed" or (survey.closes_on and survey.closes_on < today):
        return Availability.CLOSED
    if survey.opens_on and survey.opens_on > today:
        return Availability.NOT_YET_OPEN
    if survey.audience != "public":
        return Availability.INVITATION_ONLY
    return Availability.OPEN


def start_response(
    survey: Survey, channel: str = "online", person_id: int | None = None
) -> Started:
    token = secrets.token_urlsafe(32)
    code = _new_code()
    response = Response(
        survey_id=survey.id,
        survey_version=survey.version,
        person_id=person_id,
        reference=_new_reference(),
        channel=channel,
        status="in_progress",
        resume_token_hash=_hash(token),
        resume_code_hash=_hash(f"{survey.id}:{code}"),
        updated_at=utcnow(),
    )
    db.session.add(response)
    _commit_keeping_loaded()
    return Started(response, token, code)


def _new_reference() -> str:
    return "ENG-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def find_by_token(survey: Survey, token: str) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.survey_id == survey.id, Response.resume_token_hash == _hash(token)
        )
    )


def find_by_code(survey: Survey, code: str) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.survey_id == survey.id,
            Response.resume_code_hash == _hash(f"{survey.id}:{normalise_code(code)}"),
        )
    )


def answers_of(response: Response) -> dict[str, Any]:
    rows = db.session.execute(
        select(Question.key, Answer.value)
        .join(Answer, Answer.question_id == Question.id)
        .where(Answer.response_id == response.id)
    )
    return {key: value for key, value in rows}


def _shown(rule: dict[str, Any] | None, answers: dict[str, Any]) -> bool:
    """Simple routing: show when ``{"question": key, "equals": value}`` (or ``"in": [...]``)."""
    if not rule:
        return True
    given = answers.get(rule.get("question", ""))
    wanted = rule.get("in") or [rule.get("equals")]
    if isinstance(given, list):
        return any(g in wanted for g in given)
    return given in wanted


def visible_sections(survey: Survey, answers: dict[str, Any]) -> list[Section]:
    return [s for s in survey.sections if _shown(s.show_if, answers)]


def visible_questions(section: Section, answers: dict[str, Any]) -> list[Question]:
    return [q for q in section.questions if _shown(q.show_if, answers)]


def save_answers(response: Response, section: Section, values: dict[str, Any]) -> None:
    """Store this section's answers; an empty value removes an earlier answer."""
    if response.status != "in_progress":
        return
    by_key = {q.key: q for q in section.questions}
    existing = {
        a.question_id: a
        for a in db.session.scalars(
            select(Answer).where(
                Answer.response_id == response.id,
                Answer.question_id.in_([q.id for q in section.questions]),
            )
        )
    }
    for key, value in values.items():
        question = by_key.get(key)
        if question is None:
            continue
        answer = existing.get(question.id)
        if value in (None, "", []):
            if answer is not None:
                db.session.delete(answer)
        elif answer is None:
            db.session.add(Answer(response_id=response.id, question_id=question.id, value=value))
        elif answer.value != value:
            answer.value = value
    response.updated_at = utcnow()
    _commit_keeping_loaded()


def first_unanswered(survey: Survey, answers: dict[str, Any]) -> int | None:
    """The 1-based number of the first visible section with a required question unanswered."""
    for number, section in enumerate(visible_sections(survey, answers), start=1):
        for q in visible_questions(section, answers):
            if q.required and answers.get(q.key) in (None, "", []):
                return number
    return None


def submit(response_id: int, language: str | None = None) -> Response:
    """Mark the response submitted and turn its free text into comments, exactly once.

    The conditional UPDATE is the guard: a double click, a retried request or two workers racing
    can only move ``in_progress`` to ``submitted`` once; every other attempt changes nothing.
    ``language``, the one the answers were given in, is recorded by that same UPDATE.
    """
    now = utcnow()
    values: dict[str, Any] = {"status": "submitted", "submitted_at": now, "updated_at": now}
    if language:
        values["language"] = language
    result = db.session.execute(
        update(Response)
        .where(Response.id == response_id, Response.status == "in_progress")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    # Read the row as it is now (this request may hold it from before the UPDATE).
    response = db.session.get(Response, response_id, populate_existing=True)
    if response is None:
        raise NotFound("We could not find that response")
    if result.rowcount == 1:  # type: ignore[attr-defined]  # a CursorResult for UPDATE
        _drop_hidden_answers(response)
        _comments_from(response, now)
    _commit_keeping_loaded()
    return response


def _drop_hidden_answers(response: Response) -> None:
    """Forget answers to questions that routing hides in the final answers.

    A resident who answered "Bus", answered the bus questions, then went back and chose "Car"
    never sent the bus answers: keeping them would count them and make comments of them. Rules
    can chain (a hidden answer may have shown another question), so repeat until nothing changes.
    """
    rows = list(
        db.session.execute(
            select(Answer, Question)
            .join(Question, Answer.question_id == Question.id)
            .where(Answer.response_id == response.id)
        )
    )
    answers = {question.key: answer.value for answer, question in rows}
    while True:
        shown = {
            q.key
            for section in visible_sections(response.survey, answers)
            for q in visible_questions(section, answers)
        }
        hidden = [key for key in answers if key not in shown]
        if not hidden:
            break
        for key in hidden:
            del answers[key]
    for answer, question in rows:
        if question.key not in answers:
            db.session.delete(answer)
    db.session.flush()


def _comments_from(response: Response, when: datetime) -> None:
    demo = None
    if response.person_id is not None:
        from engage.models import Person

        person = db.session.get(Person, response.person_id)
        demo = person.demographics if person else None
        if response.place_id is None and person is not None:
            response.place_id = person.place_id
    # The resident's postcode answer fills the place and deprivation their record does not give.
    from engage.services.postcodes import fill_response

    fill_response(response)
    rows = db.session.execute(
        select(Answer, Question)
        .join(Question, Answer.question_id == Question.id)
        .where(Answer.response_id == response.id, Question.kind.in_(FREE_TEXT_KINDS))
    )
    from engage.services.comments import known_details

    known = known_details(person) if response.person_id is not None else []
    for answer, question in rows:
        comment = comment_for_answer(answer, question, response, demo, when, known)
        if comment is not None:
            db.session.add(comment)


def comment_for_answer(
    answer: Answer,
    question: Question,
    response: Response,
    demo: Demographics | None,
    when: datetime,
    known: Iterable[str] = (),
) -> Comment | None:
    """The Comment a free-text answer becomes, pending moderation with a redaction proposed."""
    text = str(answer.value or "").strip()
    if question.kind not in FREE_TEXT_KINDS or not text:
        return None
    from engage.services.comments import prepare

    return prepare(
        Comment(
            source="survey",
            source_key=f"answer:{answer.id}",  # one comment per answer, whatever retries happen
            survey_id=response.survey_id,
            question_id=question.id,
            response_id=response.id,
            original_text=text,
            language=response.language,
            received_at=when,
            place_id=response.place_id,
            age_band=demo.age_band if demo else None,
            sex=demo.sex if demo else None,
            ethnicity=demo.ethnicity if demo else None,
            deprivation_decile=(
                demo.deprivation_decile
                if demo and demo.deprivation_decile is not None
                else response.deprivation_decile
            ),
            moderation_state="pending",
        ),
        known,
    )


def reissue_resume_link(response: Response) -> str:
    """A new resume link secret; the old link stops working."""
    token = secrets.token_urlsafe(32)
    response.resume_token_hash = _hash(token)
    db.session.commit()
    return token


def reissue_resume_code(response: Response) -> str:
    """A new resume code; the old code stops working."""
    code = _new_code()
    response.resume_code_hash = _hash(f"{response.survey_id}:{code}")
    db.session.commit()
    return code
