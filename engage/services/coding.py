"""Manual coding: the team's code taxonomy, coding comments, samples for agreement, and labels.

A coder's coding of a comment is complete once they mark it coded (a ``CommentCoded`` row):
only then does "no codes" mean "nothing applies" rather than "not looked at yet". Agreement and
the topic pipeline read finished codings only.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    Code,
    CodingSample,
    Comment,
    CommentCode,
    CommentCoded,
    Place,
    Question,
    Role,
    Survey,
    Theme,
    User,
    utcnow,
)
from engage.services import audit
from engage.services import comments as comment_service
from engage.services.agreement import PairAgreement, compare_coders
from engage.services.comments import CommentFilter, matching_ids
from engage.services.errors import Conflict, DomainError, NotFound

CODER_ROLES = (Role.ENGAGEMENT.value, Role.ADMIN.value)
MAX_SAMPLE = 1000


class CodeNameTaken(Conflict):
    """Another code already has this name."""


# --- the taxonomy -----------------------------------------------------------------------------


def list_codes(include_retired: bool = True) -> list[Code]:
    stmt = select(Code).order_by(Code.retired, func.lower(Code.name))
    if not include_retired:
        stmt = stmt.where(Code.retired.is_(False))
    return list(db.session.scalars(stmt))


def get_code(code_id: int) -> Code:
    code = db.session.get(Code, code_id)
    if code is None:
        raise NotFound("There is no such code.")
    return code


def themes_to_tie() -> list[Theme]:
    """Themes a code may be tied to: merged themes live on in the theme they were merged into."""
    return list(
        db.session.scalars(select(Theme).where(Theme.merged_into_id.is_(None)).order_by(Theme.name))
    )


def theme_names() -> dict[int, str]:
    return {t.id: t.name for t in db.session.scalars(select(Theme))}


def _check_name(name: str, code_id: int | None = None) -> str:
    name = " ".join(name.split())
    stmt = select(Code.id).where(func.lower(Code.name) == name.lower())
    if code_id is not None:
        stmt = stmt.where(Code.id != code_id)
    if db.session.scalar(stmt) is not None:
        raise CodeNameTaken(f"There is already a code called ‘{name}’. Choose another name")
    return name


def create_code(name: str, description: str = "", theme_id: int | None = None) -> Code:
    code = Code(name=_check_name(name), description=description.strip(), theme_id=theme_id)
    db.session.add(code)
    db.session.commit()
    return code


def update_code(
    code_id: int, name: str, description: str, theme_id: int | None, retired: bool
) -> Code:
    """Rename, describe, tie to a theme, retire or bring back a code.

    Retiring keeps the code on the comments it was applied to (they were coded with it) but
    takes it off the coding form, so no one applies it again.
    """
    code = get_code(code_id)
    code.name = _check_name(name, code_id)
    code.description = description.strip()
    code.theme_id = theme_id
    code.retired = retired
    db.session.commit()
    return code


# --- coding comments --------------------------------------------------------------------------


def get_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("There is no such comment.")
    return comment


def codes_applied(comment_id: int, user_id: int) -> set[int]:
    """The code ids this coder has applied to the comment."""
    return set(
        db.session.scalars(
            select(CommentCode.code_id).where(
                CommentCode.comment_id == comment_id, CommentCode.user_id == user_id
            )
        )
    )


def finished(comment_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(CommentCoded.id).where(
                CommentCoded.comment_id == comment_id, CommentCoded.user_id == user_id
            )
        )
        is not None
    )


@dataclass(frozen=True)
class OtherCoding:
    coder: str
    codes: list[Code]
    finished: bool


def others_coding(comment_id: int, user_id: int) -> list[OtherCoding]:
    """How other coders coded the comment, for comparing notes after coding."""
    rows = db.session.execute(
        select(User, Code)
        .join(CommentCode, CommentCode.user_id == User.id)
        .join(Code, Code.id == CommentCode.code_id)
        .where(CommentCode.comment_id == comment_id, User.id != user_id)
        .order_by(User.name, Code.name)
    ).all()
    done = set(
        db.session.scalars(
            select(CommentCoded.user_id).where(CommentCoded.comment_id == comment_id)
        )
    )
    by_user: dict[int, tuple[User, list[Code]]] = {}
    for user, code in rows:
        by_user.setdefault(user.id, (user, []))[1].append(code)
    for uid in done - set(by_user) - {user_id}:
        user = db.session.get(User, uid)
        if user is not None:
            by_user[uid] = (user, [])
    return [
        OtherCoding(user.name, codes, user.id in done)
        for user, codes in sorted(by_user.values(), key=lambda pair: pair[0].name)
    ]


def save_coding(comment_id: int, user_id: int, code_ids: Iterable[int]) -> set[int]:
    """Record a coder's complete coding of a comment: exactly these codes, and finished.

    Retired codes they applied before stay (they cannot be un-ticked from a form that no longer
    shows them); new ones cannot be applied.
    """
    get_comment(comment_id)
    wanted = set(code_ids)
    usable = set(db.session.scalars(select(Code.id).where(Code.retired.is_(False))))
    if wanted - usable:
        raise DomainError("That code has been retired or removed. Reload the page and try again.")
    current = codes_applied(comment_id, user_id)
    removable = current & usable
    for row in db.session.scalars(
        select(CommentCode).where(
            CommentCode.comment_id == comment_id,
            CommentCode.user_id == user_id,
            CommentCode.code_id.in_(sorted(removable - wanted)),
        )
    ):
        db.session.delete(row)
    for code_id in sorted(wanted - current):
        db.session.add(CommentCode(comment_id=comment_id, code_id=code_id, user_id=user_id))
    done = db.session.scalar(
        select(CommentCoded).where(
            CommentCoded.comment_id == comment_id, CommentCoded.user_id == user_id
        )
    )
    if done is None:
        db.session.add(CommentCoded(comment_id=comment_id, user_id=user_id))
    else:
        done.coded_at = utcnow()  # the most recent coding wins when coders disagree
    db.session.commit()
    return codes_applied(comment_id, user_id)


def bulk_tag(comment_ids: Iterable[int], code_id: int, user_id: int) -> int:
    """Apply one code to many comments for this user; returns how many were newly tagged.

    Tagging adds to a coding; it does not mark the comments finished.
    """
    code = get_code(code_id)
    if code.retired:
        raise DomainError(f"‘{code.name}’ has been retired and cannot be applied.")
    wanted = set(comment_ids)
    existing = set(db.session.scalars(select(Comment.id).where(Comment.id.in_(wanted))))
    already = set(
        db.session.scalars(
            select(CommentCode.comment_id).where(
                CommentCode.comment_id.in_(existing),
                CommentCode.code_id == code_id,
                CommentCode.user_id == user_id,
            )
        )
    )
    new = sorted(existing - already)
    db.session.add_all(CommentCode(comment_id=cid, code_id=code_id, user_id=user_id) for cid in new)
    db.session.commit()
    return len(new)


def next_comment(after_id: int, filters: CommentFilter) -> int | None:
    """The comment after this one in the filtered list, or None at the end."""
    ids = matching_ids(filters)
    if after_id in ids:
        position = ids.index(after_id)
        return ids[position + 1] if position + 1 < len(ids) else None
    return ids[0] if ids else None


# --- samples and agreement --------------------------------------------------------------------


def coders() -> list[User]:
    """Staff who may code: the engagement team and admins."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(CODER_ROLES), User.active.is_(True))
            .order_by(User.name)
        )
    )


def draw(ids: list[int], size: int, seed: int) -> list[int]:
    """``size`` of ``ids`` at random; the same ids, size and seed always give the same draw."""
    pool = sorted(ids)
    # Reproducible on purpose, not secret: anyone with the seed can check the draw.
    return sorted(random.Random(seed).sample(pool, min(size, len(pool))))  # noqa: S311


def create_sample(
    name: str,
    filters: CommentFilter,
    size: int,
    coder_ids: list[int],
    seed: int,
    created_by_id: int | None = None,
) -> CodingSample:
    """Give ``size`` approved comments matching ``filters``, drawn at random, to the coders."""
    if len(set(coder_ids)) < 2:
        raise DomainError("Choose at least two coders, so that their agreement can be measured")
    if not 1 <= size <= MAX_SAMPLE:
        raise DomainError(f"Sample size must be between 1 and {MAX_SAMPLE}")
    # Agreement is measured on what is analysed: approved comments only.
    pool = matching_ids(replace(filters, state="approved"))
    if not pool:
        raise DomainError("No approved comments match those filters. Widen the filters")
    sample = CodingSample(
        name=name.strip(),
        comment_ids=draw(pool, size, seed),
        coder_ids=sorted(set(coder_ids)),
        created_by_id=created_by_id,
    )
    db.session.add(sample)
    db.session.flush()
    audit.record(
        db.session,
        "draw",
        "CodingSample",
        str(sample.id),
        note=f"{len(sample.comment_ids)} of {len(pool)} matching comments, seed {seed}, "
        f"filters {_describe(filters)}",
    )
    db.session.commit()
    return sample


def _describe(filters: CommentFilter) -> str:
    return (
        ", ".join(
            f"{key}={value}"
            for key, value in filters.__dict__.items()
            if value not in (None, "") and key != "text"
        )
        + (" and a text search" if filters.text else "")
        or "none"
    )


def list_samples() -> list[CodingSample]:
    return list(db.session.scalars(select(CodingSample).order_by(CodingSample.created_at.desc())))


def get_sample(sample_id: int) -> CodingSample:
    sample = db.session.get(CodingSample, sample_id)
    if sample is None:
        raise NotFound("There is no such coding sample.")
    return sample


def _finished_by(comment_ids: list[int], user_ids: list[int]) -> dict[int, set[int]]:
    """For each coder, the sample comments they have finished."""
    done: dict[int, set[int]] = {uid: set() for uid in user_ids}
    if comment_ids and user_ids:
        for cid, uid in db.session.execute(
            select(CommentCoded.comment_id, CommentCoded.user_id).where(
                CommentCoded.comment_id.in_(comment_ids), CommentCoded.user_id.in_(user_ids)
            )
        ):
            done[uid].add(cid)
    return done


@dataclass(frozen=True)
class CoderProgress:
    user: User
    finished: int
    total: int


def progress(sample: CodingSample) -> list[CoderProgress]:
    done = _finished_by(sample.comment_ids, sample.coder_ids)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(done))))}
    return [
        CoderProgress(users[uid], len(done[uid]), len(sample.comment_ids))
        for uid in sample.coder_ids
        if uid in users
    ]


def next_in_sample(sample: CodingSample, user_id: int, after_id: int | None = None) -> int | None:
    """The next sample comment this coder has not finished, after ``after_id`` in sample order."""
    done = _finished_by(sample.comment_ids, [user_id])[user_id]
    order = sample.comment_ids
    start = order.index(after_id) + 1 if after_id in order else 0
    for cid in order[start:] + order[:start]:
        if cid not in done:
            return cid
    return None


@dataclass(frozen=True)
class PairReport:
    first: User
    second: User
    agreement: PairAgreement


def agreement(sample: CodingSample) -> list[PairReport]:
    """Cohen's kappa for each pair of coders, per code, over the comments both finished."""
    done = _finished_by(sample.comment_ids, sample.coder_ids)
    applied: dict[int, dict[int, set[int]]] = {
        uid: {cid: set() for cid in cids} for uid, cids in done.items()
    }
    if sample.comment_ids and sample.coder_ids:
        for cid, uid, code_id in db.session.execute(
            select(CommentCode.comment_id, CommentCode.user_id, CommentCode.code_id).where(
                CommentCode.comment_id.in_(sample.comment_ids),
                CommentCode.user_id.in_(sample.coder_ids),
            )
        ):
            if cid in applied[uid]:
                applied[uid][cid].add(code_id)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(done))))}
    # Every current code, and any retired one that a coder applied here.
    code_ids = {c.id for c in list_codes(include_retired=False)}
    for codings in applied.values():
        for codes in codings.values():
            code_ids |= codes
    ids = [uid for uid in sample.coder_ids if uid in users]
    reports = []
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            reports.append(
                PairReport(users[a], users[b], compare_coders(applied[a], applied[b], code_ids))
            )
    return reports


def texts_for_discussion(comment_ids: Iterable[int]) -> dict[int, str]:
    """What the team reads of each disputed comment: the redacted text, else the original."""
    ids = list(set(comment_ids))
    if not ids:
        return {}
    return {
        c.id: c.redacted_text or c.original_text
        for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)))
    }


def codes_by_id(code_ids: Iterable[int]) -> dict[int, Code]:
    ids = set(code_ids)
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Code).where(Code.id.in_(ids)))}


# --- for the topic pipeline -------------------------------------------------------------------


def labels_for_pipeline() -> dict[str, list[str]]:
    """Coded comments as labelled examples: comment id -> slugs of the themes its codes stand for.

    Only approved comments that someone finished coding; an empty list means the coder found no
    theme applies (the pipeline learns "no theme" from those too). Where coders differ, the most
    recent complete coding wins. Merged themes count under the theme they were merged into.
    """
    latest: dict[int, int] = {}
    for comment_id, user_id in db.session.execute(
        select(CommentCoded.comment_id, CommentCoded.user_id)
        .join(Comment, Comment.id == CommentCoded.comment_id)
        .where(Comment.moderation_state == "approved")
        .order_by(CommentCoded.coded_at, CommentCoded.id)
    ):
        latest[comment_id] = user_id  # later rows overwrite earlier ones
    themes = {t.id: t for t in db.session.scalars(select(Theme))}

    def slug(theme_id: int) -> str:
        theme, seen = themes[theme_id], {theme_id}
        # Follow merges to the end (a theme merged into one that was merged in turn).
        while theme.merged_into_id in themes and theme.merged_into_id not in seen:
            seen.add(theme.merged_into_id)
            theme = themes[theme.merged_into_id]
        return theme.slug

    labels: dict[str, set[str]] = {str(cid): set() for cid in latest}
    if latest:
        rows = db.session.execute(
            select(CommentCode.comment_id, CommentCode.user_id, Code.theme_id)
            .join(Code, Code.id == CommentCode.code_id)
            .where(CommentCode.comment_id.in_(list(latest)), Code.theme_id.is_not(None))
        )
        for comment_id, user_id, theme_id in rows:
            if latest[comment_id] == user_id and theme_id in themes:
                labels[str(comment_id)].add(slug(theme_id))
    return {cid: sorted(slugs) for cid, slugs in labels.items()}


@dataclass(frozen=True)
class FilterOptions:
    """Choices for the comment filters, as (value, text) pairs."""

    codes: list[tuple[int, str]]
    themes: list[tuple[int, str]]
    places: list[tuple[int, str]]
    surveys: list[tuple[int, str]]
    sources: list[str]


def filter_options() -> FilterOptions:
    return FilterOptions(
        codes=[(c.id, c.name + (" (retired)" if c.retired else "")) for c in list_codes()],
        themes=[(t.id, t.name) for t in themes_to_tie()],
        places=[
            (i, n)
            for i, n in db.session.execute(
                select(Place.id, Place.name)
                .where(Place.kind.in_(("icb", "place", "footprint")))
                .order_by(Place.name)
            )
        ],
        surveys=[
            (i, t)
            for i, t in db.session.execute(
                select(Survey.id, Survey.title)
                .where(select(Comment.id).where(Comment.survey_id == Survey.id).exists())
                .order_by(Survey.title)
            )
        ],
        sources=comment_service.sources(),
    )


@dataclass(frozen=True)
class CommentContext:
    survey: Survey | None
    question: Question | None
    place: Place | None


def context_of(comment: Comment) -> CommentContext:
    """Where a comment came from: its survey, question and place."""
    return CommentContext(
        survey=db.session.get(Survey, comment.survey_id) if comment.survey_id else None,
        question=db.session.get(Question, comment.question_id) if comment.question_id else None,
        place=db.session.get(Place, comment.place_id) if comment.place_id else None,
    )
