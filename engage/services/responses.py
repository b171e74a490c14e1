"""Residents' responses: start, save section by section, resume, and submit exactly once."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update

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
from engage.services.surveys import QuestionView, SectionView, Structure, structure_of

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
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = previous


# The resident pages' own statements, built once: constructing one costs about as much CPU as
# PostgreSQL takes to run it. Values are bound at execution.
_SURVEY_BY_SLUG = select(Survey).where(Survey.slug == bindparam("slug"))
_SURVEY_AND_RESPONSE = (
    select(Survey, Response)
    .outerjoin(
        Response,
        and_(
            Response.survey_id == Survey.id,
            Response.resume_token_hash == bindparam("token_hash"),
        ),
    )
    .where(Survey.slug == bindparam("slug"))
)
# The same with the response's answers (one row each, or one row with none).
_SURVEY_RESPONSE_AND_ANSWERS = (
    _SURVEY_AND_RESPONSE.add_columns(Answer, Question.key)
    .outerjoin(Answer, Answer.response_id == Response.id)
    .outerjoin(Question, Answer.question_id == Question.id)
)
_ANSWER_ROWS = (
    select(Answer, Question.key)
    .join(Question, Answer.question_id == Question.id)
    .where(Answer.response_id == bindparam("response_id"))
)
_ANSWER_VALUES = (
    select(Question.key, Answer.value)
    .join(Answer, Answer.question_id == Question.id)
    .where(Answer.response_id == bindparam("response_id"))
)


def get_survey(slug: str) -> Survey:
    survey = db.session.scalar(_SURVEY_BY_SLUG, {"slug": slug})
    if survey is None or survey.status == "draft":
        raise NotFound("We could not find that survey")
    return survey


def read_only_request() -> None:
    """Run this request's statements outside a transaction, where the database allows it.

    A resident's page that only reads needs no snapshot across its one or two queries, and on
    PostgreSQL each transaction costs a BEGIN and a ROLLBACK round trip of its own. A write it
    does make (a reissued resume code) commits by itself, as its own commit would. Not on
    SQLite, whose transactions take the write lock up front (``BEGIN IMMEDIATE``).
    """
    session = db.session()
    if session.in_transaction() or db.engine.dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def open_survey(slug: str, token: str | None) -> tuple[Survey, Response | None]:
    """The survey and, given this browser's resume secret, its response: one query for both."""
    if not token:
        return get_survey(slug), None
    row = db.session.execute(
        _SURVEY_AND_RESPONSE, {"slug": slug, "token_hash": _hash(token)}
    ).first()
    if row is None or row[0].status == "draft":
        raise NotFound("We could not find that survey")
    return row[0], row[1]


def open_response(slug: str, token: str | None) -> tuple[Survey, Response | None, Answers]:
    """As ``open_survey``, with the response's answers read in the same query."""
    if not token:
        return get_survey(slug), None, Answers({}, {})
    rows = db.session.execute(
        _SURVEY_RESPONSE_AND_ANSWERS, {"slug": slug, "token_hash": _hash(token)}
    ).all()
    if not rows or rows[0][0].status == "draft":
        raise NotFound("We could not find that survey")
    survey, response = rows[0][0], rows[0][1]
    answers = Answers({}, {})
    for _survey, _response, answer, key in rows:
        if answer is not None:
            answers.values[key] = answer.value
            answers.rows[answer.question_id] = answer
    return survey, response, answers


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
    rows = db.session.execute(_ANSWER_VALUES, {"response_id": response.id})
    return {key: value for key, value in rows}


@dataclass
class Answers:
    """A response's stored answers, loaded once a request: values by question key, and the
    rows by question id for saving over them."""

    values: dict[str, Any]
    rows: dict[int, Answer]


def _shown(rule: dict[str, Any] | None, answers: dict[str, Any]) -> bool:
    """Simple routing: show when ``{"question": key, "equals": value}`` (or ``"in": [...]``)."""
    if not rule:
        return True
    given = answers.get(rule.get("question", ""))
    wanted = rule.get("in") or [rule.get("equals")]
    if isinstance(given, list):
        return any(g in wanted for g in given)
    return given in wanted


def visible_sections(survey: Survey | Structure, answers: dict[str, Any]) -> list[Any]:
    """The sections routing shows (``Section`` rows, or ``SectionView`` from a Structure)."""
    return [s for s in survey.sections if _shown(s.show_if, answers)]


def visible_questions(section: Section | SectionView, answers: dict[str, Any]) -> list[Any]:
    return [q for q in section.questions if _shown(q.show_if, answers)]


def save_answers(
    response: Response,
    section: Section | SectionView,
    values: dict[str, Any],
    loaded: Answers | None = None,
) -> None:
    """Store this section's answers; an empty value removes an earlier answer.

    With ``loaded`` (the response's answers as this request read them) the rows are not read
    again, and ``loaded`` is brought up to date with what was stored.
    """
    if response.status != "in_progress":
        return
    by_key = {q.key: q for q in section.questions}
    if loaded is not None:
        existing = loaded.rows
    else:
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
                if loaded is not None:
                    del loaded.rows[question.id]
            if loaded is not None:
                loaded.values.pop(key, None)
            continue
        if answer is None:
            answer = Answer(response_id=response.id, question_id=question.id, value=value)
            db.session.add(answer)
            if loaded is not None:
                loaded.rows[question.id] = answer
        elif answer.value != value:
            answer.value = value
        if loaded is not None:
            loaded.values[key] = value
    response.updated_at = utcnow()
    _commit_keeping_loaded()


def first_unanswered(survey: Survey | Structure, answers: dict[str, Any]) -> int | None:
    """The 1-based number of the first visible section with a required question unanswered."""
    for number, section in enumerate(visible_sections(survey, answers), start=1):
        for q in visible_questions(section, answers):
            if q.required and answers.get(q.key) in (None, "", []):
                return number
    return None


def submit(
    response_id: int, language: str | None = None, structure: Structure | None = None
) -> Response:
    """Mark the response submitted and turn its free text into comments, exactly once.

    The conditional UPDATE is the guard: a double click, a retried request or two workers racing
    can only move ``in_progress`` to ``submitted`` once; every other attempt changes nothing.
    ``language``, the one the answers were given in, is recorded by that same UPDATE, which
    also returns the row as it now is. ``structure`` is the survey's, when the caller has it.
    """
    now = utcnow()
    values: dict[str, Any] = {"status": "submitted", "submitted_at": now, "updated_at": now}
    if language:
        values["language"] = language
    # The winner reads the row back from its own UPDATE (this request may hold it from before).
    response = db.session.scalars(
        update(Response)
        .where(Response.id == response_id, Response.status == "in_progress")
        .values(**values)
        .returning(Response),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).first()
    if response is None:
        # Already submitted (or no such response): change nothing, show it as it is.
        response = db.session.get(Response, response_id, populate_existing=True)
        if response is None:
            raise NotFound("We could not find that response")
        _commit_keeping_loaded()
        return response
    structure = structure or structure_of(response.survey)
    # Afresh, as they are now: this request may hold rows read before the guard.
    rows = db.session.execute(
        _ANSWER_ROWS,
        {"response_id": response.id},
        execution_options={"populate_existing": True},
    ).all()
    kept = _drop_hidden_answers(structure, rows)
    _comments_from(response, now, structure, kept)
    _commit_keeping_loaded()
    return response


def _drop_hidden_answers(structure: Structure, rows: Sequence[Any]) -> list[Answer]:
    """Forget answers to questions that routing hides in the final answers; return the rest.

    A resident who answered "Bus", answered the bus questions, then went back and chose "Car"
    never sent the bus answers: keeping them would count them and make comments of them. Rules
    can chain (a hidden answer may have shown another question), so repeat until nothing changes.
    """
    answers = {key: answer.value for answer, key in rows}
    while True:
        shown = {
            q.key
            for section in visible_sections(structure, answers)
            for q in visible_questions(section, answers)
        }
        hidden = [key for key in answers if key not in shown]
        if not hidden:
            break
        for key in hidden:
            del answers[key]
    kept = []
    for answer, key in rows:
        if key in answers:
            kept.append(answer)
        else:
            db.session.delete(answer)
    db.session.flush()
    return kept


def _comments_from(
    response: Response, when: datetime, structure: Structure, answers: list[Answer]
) -> None:
    demo = None
    person = None
    if response.person_id is not None:
        from engage.models import Person

        person = db.session.get(Person, response.person_id)
        demo = person.demographics if person else None
        if response.place_id is None and person is not None:
            response.place_id = person.place_id
    if "postcode" in structure.kinds:
        # The resident's postcode answer fills the place and deprivation their record does not.
        from engage.services.postcodes import fill_response

        fill_response(response)
    from engage.services.comments import known_details

    known = known_details(person) if response.person_id is not None else []
    for answer in answers:
        question = structure.questions.get(answer.question_id)
        if question is None or question.kind not in FREE_TEXT_KINDS:
            continue
        comment = comment_for_answer(answer, question, response, demo, when, known)
        if comment is not None:
            db.session.add(comment)


def comment_for_answer(
    answer: Answer,
    question: Question | QuestionView,
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
