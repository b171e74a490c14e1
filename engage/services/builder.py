"""The survey builder: surveys, sections and questions, publishing, and versioning.

Once anyone has started a survey (a ``Response`` exists, in progress or submitted), its answers
must stay meaningful: a change that would break them is refused with a message that says why,
and any change to the questions bumps ``survey.version`` so each response records what it saw.
An open survey must stay fit to publish: a change that would add a reason it is not is refused.
"""

from __future__ import annotations

import copy as copy_module
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    Answer,
    GpPractice,
    Intention,
    Question,
    Response,
    Section,
    Survey,
)
from engage.services.demographics import AGE_BANDS, ETHNIC_GROUPS, PREFER_NOT, SEXES, YES_NO
from engage.services.errors import Conflict, DomainError, NotFound

AUDIENCES = {"public": "The public", "panel": "The Citizens' Panel", "ppg": "One or more PPGs"}
STATUSES = {"draft": "Draft", "open": "Open", "closed": "Closed"}
KINDS = {
    "free_text_short": "Short text",
    "free_text_long": "Long text, with a character count",
    "single_choice": "Single choice",
    "multi_choice": "Multiple choice",
    "rating": "Rating scale (Likert)",
    "fft": "Friends and Family Test",
    "number": "Number",
    "date": "Date",
    "postcode": "Postcode",
    "consent": "Consent",
}
DEMOGRAPHICS_BLOCK = "demographics"
# Kinds whose answers are one (or, for multi_choice, several) of the question's options.
CHOICE_KINDS = frozenset({"single_choice", "multi_choice", "fft", "consent"})
OPTION_KINDS = CHOICE_KINDS | {"rating"}
FFT_OPTIONS = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
LIKERT_OPTIONS = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
]
CONSENT_OPTIONS = ["Yes, I agree to take part", "No"]
DEFAULT_OPTIONS = {"fft": FFT_OPTIONS, "rating": LIKERT_OPTIONS, "consent": CONSENT_OPTIONS}
NEW_VERSION = "Copy the survey to make a new version instead."
KEY_MAX = 40
SLUG_MAX = 60


class NotReady(DomainError):
    """A survey that cannot be published yet; ``problems`` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The survey cannot be published yet: " + "; ".join(problems))
        self.problems = problems


class Invalid(DomainError):
    """Input the form could not check by itself; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Details:
    title: str
    purpose: str = ""
    audience: str = "public"
    opens_on: date | None = None
    closes_on: date | None = None
    practice_ids: list[int] = field(default_factory=list)
    intention_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text: str
    hint: str = ""
    required: bool = False
    options: list[str] = field(default_factory=list)
    error_message: str | None = None
    # Routing: show only when question ``show_if_key`` was answered with the option text
    # ``show_if_value``, or with any of them when it is a list.
    show_if_key: str | None = None
    show_if_value: str | list[str] | None = None


@dataclass(frozen=True)
class SurveyRow:
    survey: Survey
    submitted: int


# --- reading ------------------------------------------------------------------------------------


def list_surveys() -> list[SurveyRow]:
    """Every survey, newest first, with its number of submitted responses."""
    rows = db.session.execute(
        select(Response.survey_id, func.count())
        .where(Response.status == "submitted")
        .group_by(Response.survey_id)
    )
    counts: dict[int, int] = {survey_id: n for survey_id, n in rows}
    surveys = db.session.scalars(
        select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc())
    )
    return [SurveyRow(s, counts.get(s.id, 0)) for s in surveys]


def get_survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("We could not find that survey")
    return survey


def get_section(survey_id: int, section_id: int) -> Section:
    section = db.session.get(Section, section_id)
    if section is None or section.survey_id != survey_id:
        raise NotFound("We could not find that section")
    return section


def get_question(survey_id: int, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.section.survey_id != survey_id:
        raise NotFound("We could not find that question")
    return question


def response_count(survey_id: int) -> int:
    """Responses of any status: once one exists, answers are at stake."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Response).where(Response.survey_id == survey_id)
        )
        or 0
    )


def answer_counts(survey_id: int) -> dict[int, int]:
    """Question id -> number of stored answers, for the survey's questions."""
    rows = db.session.execute(
        select(Answer.question_id, func.count())
        .join(Response, Answer.response_id == Response.id)
        .where(Response.survey_id == survey_id)
        .group_by(Answer.question_id)
    )
    return {qid: n for qid, n in rows}


def all_questions(survey: Survey) -> list[Question]:
    return [q for s in survey.sections for q in s.questions]


def routing_targets(survey: Survey, before: Section | None) -> list[Question]:
    """Questions a rule may depend on: choice questions in sections before ``before``.

    The runner decides what to show when a page opens, from answers already saved, and it saves
    a section at a time; so a rule can only depend on a question in an earlier section.
    """
    found: list[Question] = []
    for section in survey.sections:
        if before is not None and section.position >= before.position:
            break
        found.extend(q for q in section.questions if q.kind in OPTION_KINDS and q.options)
    return found


def intention_choices(selected: list[int]) -> list[tuple[str, str, list[Intention]]]:
    """Live intentions (and retired ones already chosen) grouped as (year, domain, intentions)."""
    rows = db.session.scalars(
        select(Intention)
        .where((Intention.retired.is_(False)) | (Intention.id.in_(selected or [0])))
        .order_by(Intention.year.desc(), Intention.position, Intention.id)
    )
    grouped: dict[tuple[str, str], list[Intention]] = defaultdict(list)
    for row in rows:
        grouped[(row.year, row.domain)].append(row)
    return [(year, domain, items) for (year, domain), items in grouped.items()]


def practices() -> list[GpPractice]:
    return list(db.session.scalars(select(GpPractice).order_by(GpPractice.name)))


# --- surveys ------------------------------------------------------------------------------------


def _slugify(text: str, sep: str, limit: int) -> str:
    return re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)[:limit].strip(sep)


def _unique_slug(base: str) -> str:
    taken = set(db.session.scalars(select(Survey.slug).where(Survey.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _apply_details(survey: Survey, details: Details) -> None:
    if not details.title.strip():
        raise Invalid("Enter a title for the survey", "title")
    if details.audience not in AUDIENCES:
        raise Invalid("Select who the survey is for", "audience")
    if details.opens_on and details.closes_on and details.closes_on <= details.opens_on:
        raise Invalid("Close date must be after the open date", "closes_on")
    if details.audience == "ppg" and not details.practice_ids:
        raise Invalid("Select at least one GP practice whose PPG the survey is for", "practices")
    survey.title = details.title.strip()
    survey.purpose = details.purpose.strip()
    survey.audience = details.audience
    survey.opens_on = details.opens_on
    survey.closes_on = details.closes_on
    chosen_practices = details.practice_ids if details.audience == "ppg" else []
    survey.practices = list(
        db.session.scalars(select(GpPractice).where(GpPractice.id.in_(chosen_practices or [0])))
    )
    survey.intentions = list(
        db.session.scalars(select(Intention).where(Intention.id.in_(details.intention_ids or [0])))
    )


def create_survey(details: Details, created_by_id: int | None = None) -> Survey:
    """A new draft with one empty section, ready for questions."""
    survey = Survey(status="draft", version=1, created_by_id=created_by_id)
    _apply_details(survey, details)
    survey.slug = _unique_slug(_slugify(details.title, "-", SLUG_MAX) or "survey")
    survey.sections = [Section(position=0, title="Section 1")]
    db.session.add(survey)
    db.session.commit()
    return survey


def _start_change(survey: Survey) -> frozenset[str]:
    """Refuse changes to a closed survey; note what is already wrong with an open one."""
    if survey.status == "closed":
        raise Conflict("This survey is closed, so it cannot be changed. " + NEW_VERSION)
    return frozenset(publish_problems(survey)) if survey.status == "open" else frozenset()


def update_details(survey_id: int, details: Details) -> Survey:
    survey = get_survey(survey_id)
    baseline = _start_change(survey)
    _apply_details(survey, details)
    _commit_keeping_it_publishable(survey, baseline)
    return survey


# A question named in a message longer than this is cut at a word, so the message stays readable.
NAME_MAX = 60


def _shortened(text: str, limit: int = NAME_MAX) -> str:
    """``text`` as a message names it: whole if short, else cut at a word and marked with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def publish_problems(survey: Survey) -> list[str]:
    """Every reason the survey is not ready for residents; empty when it is."""
    problems: list[str] = []
    questions = all_questions(survey)
    if not questions:
        problems.append("Add at least one question")
    if survey.opens_on and survey.closes_on and survey.closes_on <= survey.opens_on:
        problems.append("Close date must be after the open date")
    if survey.audience == "ppg" and not survey.practices:
        problems.append("Select at least one GP practice whose PPG the survey is for")
    routing = _routing_problems(survey)
    for section in survey.sections:
        if not section.questions:
            problems.append(f"Add a question to section '{section.title}', or delete it")
        if section in routing:
            problems.append(_sentence(routing[section]))
        for q in section.questions:
            if q.kind in OPTION_KINDS and not q.options:
                problems.append(f"Enter the answer options for '{q.text}'")
            if q in routing:
                problems.append(_sentence(routing[q]))
    return problems


def _sentence(text: str) -> str:
    # A routing problem may start mid-sentence, as a refused move quotes it after a colon.
    return text[:1].upper() + text[1:]


def _routing_problems(survey: Survey) -> dict[Section | Question, str]:
    """Every routing rule that cannot work, keyed by the section or question it belongs to.

    The one check of routing: publishing lists these, and a move that adds one is refused.
    Read from the objects in the session, so a move can be checked before it is flushed.
    """
    asked = {q.key: (s, q) for s in survey.sections for q in s.questions}
    found: dict[Section | Question, str] = {}
    for section in survey.sections:
        owners: list[tuple[Section | Question, str, str]] = [(section, "section", section.title)]
        owners += [(q, "question", _shortened(q.text)) for q in section.questions]
        for owner, kind, name in owners:
            rule = owner.show_if
            if not rule:
                continue
            key = rule.get("question")
            if key not in asked:
                found[owner] = (
                    f"The routing of '{name}' refers to question '{key}', which does not exist"
                )
                continue
            asked_in, target = asked[key]
            if asked_in.position >= section.position:
                # Named by the text the team wrote, never by key.
                choice = rule_choice(survey, rule)
                answers = " or ".join(f"'{t}'" for t in (choice[1] if choice else []))
                target_name = _shortened(target.text or key)
                found[owner] = (
                    f"{kind} '{name}' is shown only when '{target_name}' is answered {answers}, "
                    f"so '{target_name}' must be asked in an earlier section (answers are saved "
                    "a section at a time)"
                )
            elif any(_option_value(target, value) is None for value in rule_values(rule)):
                found[owner] = f"The routing of '{name}' refers to an answer '{key}' does not offer"
    return found


def rule_values(rule: dict[str, Any] | None) -> list[Any]:
    """The stored answers a rule shows for: ``{"in": [...]}``, or the older ``{"equals": v}``."""
    if not rule:
        return []
    if isinstance(rule.get("in"), list):
        return list(rule["in"])
    return [rule["equals"]] if "equals" in rule else []


def _option_value(target: Question, value: Any) -> Any:
    """The stored form of an answer to ``target``: option text, or position for ratings."""
    if target.kind == "rating":
        return value if isinstance(value, int) and 1 <= value <= len(target.options) else None
    return value if value in (target.options or []) else None


def publish(survey_id: int) -> Survey:
    survey = get_survey(survey_id)
    if survey.status != "draft":
        raise Conflict("Only a draft survey can be published")
    problems = publish_problems(survey)
    if problems:
        raise NotReady(problems)
    survey.status = "open"
    db.session.commit()
    return survey


def close(survey_id: int) -> Survey:
    survey = get_survey(survey_id)
    if survey.status != "open":
        raise Conflict("Only an open survey can be closed")
    survey.status = "closed"
    db.session.commit()
    return survey


def copy(survey_id: int, created_by_id: int | None = None) -> Survey:
    """A new draft with the same details, sections and questions, and no responses."""
    source = get_survey(survey_id)
    base = re.sub(r"-copy(-\d+)?$", "", source.slug)[:SLUG_MAX]
    slug = f"{base}-copy"
    taken = set(db.session.scalars(select(Survey.slug).where(Survey.slug.like(f"{slug}%"))))
    n = 1
    while slug in taken:
        n += 1
        slug = f"{base}-copy-{n}"
    survey = Survey(
        slug=slug,
        title=source.title,
        purpose=source.purpose,
        audience=source.audience,
        status="draft",
        opens_on=source.opens_on,
        closes_on=source.closes_on,
        version=1,
        created_by_id=created_by_id,
        intentions=list(source.intentions),
        practices=list(source.practices),
    )
    for section in source.sections:
        new_section = Section(
            position=section.position, title=section.title, show_if=_copied(section.show_if)
        )
        for q in section.questions:
            new_section.questions.append(
                Question(
                    position=q.position,
                    key=q.key,
                    kind=q.kind,
                    text=q.text,
                    hint=q.hint,
                    error_message=q.error_message,
                    required=q.required,
                    options=list(q.options or []),
                    show_if=_copied(q.show_if),
                )
            )
        survey.sections.append(new_section)
    db.session.add(survey)
    db.session.commit()
    return survey


def _copied(rule: dict[str, Any] | None) -> dict[str, Any] | None:
    return copy_module.deepcopy(rule) if rule else None


# --- sections -----------------------------------------------------------------------------------


def _questions_changed(survey: Survey) -> None:
    """Record a new version when the questions change under existing responses."""
    if response_count(survey.id):
        survey.version = (survey.version or 1) + 1


def _commit_keeping_it_publishable(survey: Survey, baseline: frozenset[str]) -> None:
    """Commit, unless the change makes an open survey unfit for residents in a new way."""
    if survey.status == "open":
        db.session.flush()
        db.session.expire(survey, ["sections"])
        problems = [p for p in publish_problems(survey) if p not in baseline]
        if problems:
            db.session.rollback()
            raise Conflict(
                "The survey is open, so it must stay ready for residents: " + "; ".join(problems)
            )
    db.session.commit()


def _rule(
    survey: Survey,
    section: Section,
    key: str | None,
    answer: str | list[str] | tuple[str, ...] | None,
    field_name: str,
) -> dict[str, Any] | None:
    """A routing rule on ``key`` being answered with any of ``answer`` (options' text), checked.

    One answer is stored as ``{"question": key, "equals": value}``, as rules always were;
    several as ``{"question": key, "in": [values]}`` in the order the question offers them.
    """
    if not key:
        return None
    target = next((q for q in routing_targets(survey, section) if q.key == key), None)
    if target is None:
        raise Invalid("Choose a question from an earlier section", field_name)
    answers = [answer] if isinstance(answer, str) else list(answer or [])
    if not answers:
        raise Invalid(f"Choose at least one answer to '{target.text}'", field_name)
    if any(a not in target.options for a in answers):
        raise Invalid(f"Choose one of the answers to '{target.text}'", field_name)
    chosen = [o for o in target.options if o in answers]
    # Ratings are stored as the option's position, so the rule must compare positions too.
    stored = [target.options.index(o) + 1 if target.kind == "rating" else o for o in chosen]
    if len(stored) == 1:
        return {"question": key, "equals": stored[0]}
    return {"question": key, "in": stored}


def rule_choice(survey: Survey, rule: dict[str, Any] | None) -> tuple[str, list[str]] | None:
    """The (question key, option texts) a rule shows for, as the builder's forms offer them."""
    if not rule or not rule.get("question"):
        return None
    key = str(rule["question"])
    target = next((q for q in all_questions(survey) if q.key == key), None)
    texts = []
    for value in rule_values(rule):
        if target is not None and target.kind == "rating" and isinstance(value, int):
            if 1 <= value <= len(target.options):
                texts.append(target.options[value - 1])
                continue
        texts.append(str(value))
    return key, texts


def describe_rule(survey: Survey, rule: dict[str, Any] | None) -> str:
    choice = rule_choice(survey, rule)
    if choice is None:
        return "Always shown"
    key, texts = choice
    answers = " or ".join(f"'{t}'" for t in texts)
    return f"Shown only when '{key}' is answered {answers}"


def add_section(survey_id: int, title: str) -> Section:
    survey = get_survey(survey_id)
    baseline = _start_change(survey)
    if not title.strip():
        raise Invalid("Enter a title for the section", "title")
    section = Section(position=len(survey.sections), title=title.strip())
    survey.sections.append(section)
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)
    return section


def update_section(
    survey_id: int,
    section_id: int,
    title: str,
    show_if_key: str | None = None,
    show_if_value: str | list[str] | None = None,
) -> Section:
    section = get_section(survey_id, section_id)
    survey = section.survey
    baseline = _start_change(survey)
    if not title.strip():
        raise Invalid("Enter a title for the section", "title")
    rule = _rule(survey, section, show_if_key, show_if_value, "show_if")
    section.title = title.strip()
    section.show_if = rule
    _commit_keeping_it_publishable(survey, baseline)
    return section


def move_section(survey_id: int, section_id: int, step: int) -> None:
    """Move a section one place up (``step`` -1) or down (+1), unless that breaks routing."""
    section = get_section(survey_id, section_id)
    survey = section.survey
    baseline = _start_change(survey)
    broken_before = _routing_problems(survey)
    ordered = list(survey.sections)
    i = ordered.index(section)
    j = i + step
    if not 0 <= j < len(ordered):
        return
    ordered[i], ordered[j] = ordered[j], ordered[i]
    _renumber(ordered)
    _refuse_new_routing_problems(survey, broken_before, None)
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)


def _refuse_new_routing_problems(
    survey: Survey, before: dict[Section | Question, str], field_name: str | None
) -> None:
    """Undo the move and say which rule it breaks, if it breaks one that held before."""
    new = [why for owner, why in _routing_problems(survey).items() if before.get(owner) != why]
    if new:
        db.session.rollback()
        raise Invalid("That move would break routing: " + "; ".join(new) + ".", field_name)


def _renumber(items: list[Any]) -> None:
    # Positions are not unique in the schema, so renumbering in place is safe.
    for position, item in enumerate(items):
        item.position = position


def delete_section(survey_id: int, section_id: int) -> None:
    section = get_section(survey_id, section_id)
    survey = section.survey
    baseline = _start_change(survey)
    answered = answer_counts(survey.id)
    if any(answered.get(q.id) for q in section.questions):
        raise Conflict(
            "People have already answered questions in this section, so it cannot be deleted. "
            + NEW_VERSION
        )
    survey.sections.remove(section)
    _renumber(list(survey.sections))
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)


# --- questions ----------------------------------------------------------------------------------


# Names a section form already uses (the runner makes each key a form attribute).
RESERVED_KEYS = frozenset(
    {"csrf_token", "website", "data", "errors", "meta", "process", "validate", "populate_obj"}
    | {"hidden_tag", "is_submitted", "validate_on_submit", "form_errors", "extra_validators"}
)


def _unique_key(survey: Survey, text: str) -> str:
    base = _slugify(text, "_", KEY_MAX) or "question"
    # Keys become form attributes and HTML ids in the runner, so they must not clash with either.
    if base[0].isdigit() or base in RESERVED_KEYS or base.startswith("_"):
        base = f"q_{base}"[:KEY_MAX]
    taken = {q.key for q in all_questions(survey)}
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def _options_for(spec: QuestionSpec) -> list[str]:
    if spec.kind not in OPTION_KINDS:
        return []
    cleaned = list(dict.fromkeys(o.strip() for o in spec.options if o.strip()))
    return cleaned or list(DEFAULT_OPTIONS.get(spec.kind, []))


def _check_spec(spec: QuestionSpec) -> None:
    if spec.kind not in KINDS:
        raise Invalid("Select the type of question", "kind")
    if not spec.text.strip():
        raise Invalid("Enter the question", "text")


def add_question(survey_id: int, section_id: int, spec: QuestionSpec) -> list[Question]:
    """Add a question (or, for the demographics block, its several questions) to a section."""
    section = get_section(survey_id, section_id)
    survey = section.survey
    baseline = _start_change(survey)
    keyed: list[tuple[str | None, QuestionSpec]]
    if spec.kind == DEMOGRAPHICS_BLOCK:
        keyed = list(demographic_questions())
    else:
        _check_spec(spec)
        keyed = [(None, spec)]
    if response_count(survey.id) and any(s.required for _, s in keyed):
        raise Invalid(
            "People have already responded, so new questions must be optional. " + NEW_VERSION,
            "required",
        )
    added = []
    for key, s in keyed:
        question = Question(
            position=len(section.questions),
            key=_unique_key(survey, key or s.text),
            kind=s.kind,
            text=s.text.strip(),
            hint=s.hint.strip(),
            required=s.required,
            options=_options_for(s),
            error_message=(s.error_message or "").strip() or None,
            show_if=_rule(survey, section, s.show_if_key, s.show_if_value, "show_if"),
        )
        section.questions.append(question)
        added.append(question)
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)
    return added


def demographic_questions() -> list[tuple[str, QuestionSpec]]:
    """The standard optional equality questions, keyed as the panel's own fields are."""

    def q(text: str, options: tuple[str, ...]) -> QuestionSpec:
        return QuestionSpec(kind="single_choice", text=text, options=[*options, PREFER_NOT])

    return [
        ("age_band", q("What is your age group?", AGE_BANDS)),
        ("sex", q("What is your sex?", SEXES)),
        ("ethnicity", q("What is your ethnic group?", ETHNIC_GROUPS)),
        ("disability", q("Do you consider yourself to have a disability?", YES_NO)),
        ("carer", q("Do you look after or care for someone?", YES_NO)),
    ]


def _answered_values(question: Question) -> list[Any]:
    values = db.session.scalars(select(Answer.value).where(Answer.question_id == question.id))
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _check_answers_survive(question: Question, spec: QuestionSpec, options: list[str]) -> None:
    """Refuse a change that would leave stored answers meaningless."""
    used = _answered_values(question)
    if not used:
        return
    if spec.kind != question.kind:
        raise Invalid(
            "People have already answered this question, so its type cannot change. " + NEW_VERSION,
            "kind",
        )
    if question.kind == "rating":
        highest = max((v for v in used if isinstance(v, int)), default=0)
        if len(options) < highest:
            raise Invalid(
                f"People have already chosen answer {highest} on this scale, so it needs at "
                f"least {highest} options. " + NEW_VERSION,
                "options",
            )
    elif question.kind in CHOICE_KINDS:
        lost = sorted({str(v) for v in used} - set(options))
        if lost:
            named = ", ".join(f"'{v}'" for v in lost)
            raise Invalid(
                f"People have already chosen {named}, so keep that option exactly as it is. "
                + NEW_VERSION,
                "options",
            )


def update_question(survey_id: int, question_id: int, spec: QuestionSpec) -> Question:
    question = get_question(survey_id, question_id)
    section = question.section
    survey = section.survey
    baseline = _start_change(survey)
    _check_spec(spec)
    options = _options_for(spec)
    if response_count(survey.id):
        _check_answers_survive(question, spec, options)
        if spec.required and not question.required:
            raise Invalid(
                "People have already responded, so a question cannot become required. "
                + NEW_VERSION,
                "required",
            )
    rule = _rule(survey, section, spec.show_if_key, spec.show_if_value, "show_if")
    before = _question_state(question)
    question.kind = spec.kind
    question.text = spec.text.strip()
    question.hint = spec.hint.strip()
    question.required = spec.required
    question.options = options
    question.error_message = (spec.error_message or "").strip() or None
    question.show_if = rule
    if _question_state(question) != before:
        _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)
    return question


def _question_state(q: Question) -> tuple[Any, ...]:
    return (q.kind, q.text, q.hint, q.required, list(q.options or []), q.error_message, q.show_if)


def move_question(survey_id: int, question_id: int, step: int) -> None:
    """Move a question one place up (-1) or down (+1) within its section."""
    question = get_question(survey_id, question_id)
    survey = question.section.survey
    baseline = _start_change(survey)
    ordered = list(question.section.questions)
    i = ordered.index(question)
    j = i + step
    if not 0 <= j < len(ordered):
        return
    ordered[i], ordered[j] = ordered[j], ordered[i]
    _renumber(ordered)
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)


def move_question_to(survey_id: int, question_id: int, section_id: int, index: int) -> Question:
    """Put a question at ``index`` among the other questions of a section (its own or another).

    Refused when it would break routing: a rule must depend on a question in an earlier
    section, both for the question's own rule and for every rule that depends on it. Answers
    are stored by question, so they survive the move; with responses, a new version is recorded.
    """
    question = get_question(survey_id, question_id)
    source = question.section
    survey = source.survey
    baseline = _start_change(survey)
    target = get_section(survey_id, section_id)
    broken_before = _routing_problems(survey)
    others = [q for q in target.questions if q is not question]
    index = max(0, min(index, len(others)))
    if source is target and list(target.questions).index(question) == index:
        return question
    if source is not target:
        source.questions.remove(question)
        _renumber(list(source.questions))
    others.insert(index, question)
    target.questions[:] = others
    _renumber(others)
    _refuse_new_routing_problems(survey, broken_before, "destination")
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)
    return question


def delete_question(survey_id: int, question_id: int) -> None:
    question = get_question(survey_id, question_id)
    section = question.section
    survey = section.survey
    baseline = _start_change(survey)
    if answer_counts(survey.id).get(question.id):
        raise Conflict(
            "People have already answered this question, so it cannot be deleted. " + NEW_VERSION
        )
    section.questions.remove(question)
    _renumber(list(section.questions))
    _questions_changed(survey)
    _commit_keeping_it_publishable(survey, baseline)
