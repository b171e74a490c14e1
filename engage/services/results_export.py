"""Survey results as CSV and XLSX: the suppressed tables, and the response-level export.

The tables reuse the reports' tidy layout (``engage.services.exports``): heading lines that say
what the file is and the small-number rule, then (section, group, value) rows.

The response-level export is what an analyst asks for: one row per submitted response, one
column per question (a multiple-choice question gets a column per option). It is row-level
data, so it is not suppressed; instead it is kept to what analysis needs and logged:
- free text is the moderated, redacted comment, never what the resident typed;
- no name, contact detail, postcode (only its district) or resume secret;
- equality answers (the survey's own and the panel's) only when a role that may see
  special-category data asks for them on purpose, with a reason; every download is logged
  with who, why and whether they were included.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Text, cast, select

from engage.extensions import db
from engage.models import Answer, Comment, Demographics, Response
from engage.services import audit, reports
from engage.services import survey_results as sr
from engage.services.demographics import FIELDS as DEMOGRAPHIC_FIELDS
from engage.services.exports import Value, count_text, heading
from engage.services.responses import FREE_TEXT_KINDS
from engage.services.suppression import NOT_SHOWN, Cell
from engage.services.surveys import structure_of

EXPORT_ACTION = "responses_exported"
DEMOGRAPHIC_LABELS = {
    "age_band": "Age group",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "disability": "Disability",
    "long_term_condition": "Long-term condition",
    "carer": "Carer",
}
MODERATION_WORDS = {
    "pending": "[awaiting moderation]",
    "hidden": "[hidden by moderation]",
}
BATCH = 2000


def _cell(cell: Cell, threshold: int) -> Value:
    return count_text(cell.value, cell.hidden, threshold)


def _pct(value: float | int | None) -> Value:
    return "" if value is None else f"{value}%"


def _stat(value: Any) -> Value:
    if value is None:
        return NOT_SHOWN
    if isinstance(value, date):
        return value.isoformat()
    return sr._fmt(float(value))


def results_table(results: sr.SurveyResults, question_id: int | None = None) -> list[list[Value]]:
    """Every question's table (or one question's), suppressed as the page shows them."""
    t = results.threshold
    rows = heading(f"Survey results: {results.title}", results.filters, t)
    rows.append(["Question", "Answer", "Respondents", "Percentage of those shown the question"])
    rows.append(
        [
            "All",
            "Responses sent",
            count_text(results.respondents, results.respondents_hidden, t),
            "",
        ]
    )
    if results.too_few:
        rows.append(["Note", f"Fewer than {t} responses: no results can be shown", "", ""])
        return rows
    for q in results.questions:
        if question_id is not None and q.question_id != question_id:
            continue
        rows.append([q.text, "Shown the question", count_text(q.shown, None, t), ""])
        for option in q.results:
            rows.append([q.text, option.label, _cell(option.cell, t), _pct(option.percent)])
        rows.append([q.text, "Not answered", _cell(q.not_answered, t), ""])
        if q.multiple:
            rows.append([q.text, "Note", "People could choose more than one answer", ""])
        for share in (q.top, q.bottom):
            if share is not None:
                rows.append([q.text, " or ".join(share.labels), "", _pct(share.percent)])
        if q.stats is not None:
            rows.append([q.text, "Answered", _cell(q.answered, t), ""])
            rows += [
                [q.text, "Median", _stat(q.stats.median), ""],
                [q.text, "Lower quartile", _stat(q.stats.lower_quartile), ""],
                [q.text, "Upper quartile", _stat(q.stats.upper_quartile), ""],
            ]
            rows += [[q.text, c.label, _cell(c, t), ""] for c in q.stats.histogram.cells]
        if q.kind in FREE_TEXT_KINDS or q.kind == "postcode":
            rows.append([q.text, "Answered", _cell(q.answered, t), ""])
        rows += [[q.text, f"Theme: {th.name}", _cell(th.cell, t), ""] for th in q.themes]
        for label, table in q.groups:
            rows += [[q.text, f"{label}: {c.label}", _cell(c, t), ""] for c in table.cells]
    if results.fft is not None and question_id is None:
        rows += fft_rows(results.fft)
    return rows


def fft_rows(fft: sr.FftSummary) -> list[list[Value]]:
    t = fft.threshold
    rows: list[list[Value]] = [
        [],
        ["Friends and Family Test", "Group", "Responses", "Positive", "Negative"],
    ]
    for section, items in (
        ("Overall", [fft.overall]),
        ("By month", fft.by_month),
        ("By place", fft.by_place),
        ("By GP practice or service", fft.by_service),
    ):
        rows += [
            [
                f"Friends and Family Test: {section.lower()}",
                r.label,
                _cell(r.responses, t),
                _pct(r.positive_percent) or _cell(r.positive, t),
                _pct(r.negative_percent) or _cell(r.negative, t),
            ]
            for r in items
        ]
    rows.append(
        [
            "Note",
            "Positive is Very good or Good, negative Poor or Very poor, of all responses "
            "(Don't know included)",
        ]
    )
    return rows


def fft_table(fft: sr.FftSummary, filters: sr.ResultsFilter) -> list[list[Value]]:
    """The FFT score across every survey and import, as its own file."""
    return heading("Friends and Family Test", filters, fft.threshold) + fft_rows(fft)[1:]


def crosstab_table(ct: sr.Crosstab) -> list[list[Value]]:
    """A cross-tab as counts with row percentages beside them."""
    t = ct.threshold
    rows = heading(f"{ct.question}: {ct.by_phrase}", ct.filters, t)
    if ct.note:
        rows.append([ct.note])
        rows.append([])
    table = ct.table
    header: list[Value] = [ct.by_label, f"All ({ct.unit})"]
    for column in table.columns:
        header += [column, f"{column} (% of row)"]
    rows.append(header)
    percentages = table.row_percentages()
    for label, cells, total, pcts in zip(
        table.rows, table.cells, table.row_totals, percentages, strict=True
    ):
        line: list[Value] = [label, _cell(total, t)]
        for cell, pct in zip(cells, pcts, strict=True):
            line += [_cell(cell, t), "" if pct is None else f"{pct:.1f}%"]
        rows.append(line)
    footer: list[Value] = ["All", count_text(table.total, table.total_hidden, t)]
    for cell in table.column_totals:
        footer += [_cell(cell, t), ""]
    rows.append(footer)
    return rows


# --- the response-level export -----------------------------------------------------------


def response_columns(survey_id: int, with_demographics: bool) -> list[tuple[str, Any]]:
    """(column heading, what fills it) for every column of the response-level export."""
    structure = structure_of(sr.get_survey(survey_id))
    columns: list[tuple[str, Any]] = [
        ("Reference", "reference"),
        ("Sent", "sent"),
        ("Place", "place"),
        ("Postcode district", "district"),
        ("Language", "language"),
        ("How they took part", "channel"),
        ("Survey version", "version"),
    ]
    for q in sr._questions(structure):
        if q.key in DEMOGRAPHIC_FIELDS and not with_demographics:
            continue  # the survey's own equality questions are demographic columns
        if q.kind == "postcode":
            continue  # its district is given; the full postcode could identify
        if q.kind == "multi_choice":
            columns += [(f"{q.text}: {option}", ("option", q.id, option)) for option in q.options]
        else:
            columns.append((q.text, ("question", q.id)))
    if with_demographics:
        columns += [
            (f"{label} (from the panel)", ("panel", key))
            for key, label in DEMOGRAPHIC_LABELS.items()
        ]
        columns.append(("Deprivation decile (1 is most deprived)", "decile"))
    return columns


def response_rows(
    survey_id: int, filters: sr.ResultsFilter, with_demographics: bool
) -> Iterator[list[Value]]:
    """The header, then one row per submitted response, read in batches."""
    survey = sr.get_survey(survey_id)
    structure = structure_of(survey)
    questions = {q.id: q for q in sr._questions(structure)}
    columns = response_columns(survey_id, with_demographics)
    yield [
        f"Responses to {survey.title}: row-level data for analysis inside the ICB. Do not "
        "publish it; anything published from it must follow the small-number rule."
    ]
    yield [heading for heading, _ in columns]
    base = sr._base(survey, filters)
    names = reports._place_names()
    last = 0
    while True:
        batch = db.session.execute(
            select(
                Response.id,
                Response.reference,
                Response.submitted_at,
                Response.place_id,
                Response.postcode_district,
                Response.language,
                Response.survey_version,
                Response.person_id,
                Response.deprivation_decile,
                base.c.channel,
            )
            .join(base, base.c.id == Response.id)
            .where(Response.id > last)
            .order_by(Response.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        ids = [r.id for r in batch]
        last = ids[-1]
        answers: dict[int, dict[int, Any]] = defaultdict(dict)
        for response_id, question_id, raw in db.session.execute(
            select(Answer.response_id, Answer.question_id, cast(Answer.value, Text)).where(
                Answer.response_id.in_(ids)
            )
        ):
            answers[response_id][question_id] = sr._decode(raw)
        comments: dict[tuple[int, int], str] = {}
        for response_id, question_id, state, redacted in db.session.execute(
            select(
                Comment.response_id,
                Comment.question_id,
                Comment.moderation_state,
                Comment.redacted_text,
            ).where(Comment.response_id.in_(ids))
        ):
            if state == "approved" and redacted:
                comments[(response_id, question_id)] = redacted
            else:
                comments[(response_id, question_id)] = MODERATION_WORDS.get(
                    state, "[awaiting moderation]"
                )
        panel: dict[int, Demographics] = {}
        if with_demographics:
            person_ids = [r.person_id for r in batch if r.person_id]
            panel = {
                d.person_id: d
                for d in db.session.scalars(
                    select(Demographics).where(Demographics.person_id.in_(person_ids or [-1]))
                )
            }
        for r in batch:
            given = answers.get(r.id, {})
            line: list[Value] = []
            for _, what in columns:
                line.append(_fill(what, r, given, questions, comments, panel, names))
            yield line


def _fill(
    what: Any,
    r: Any,
    given: dict[int, Any],
    questions: dict[int, Any],
    comments: dict[tuple[int, int], str],
    panel: dict[int, Demographics],
    names: dict[int, str],
) -> Value:
    if what == "reference":
        return r.reference
    if what == "sent":
        return r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at else ""
    if what == "place":
        return names.get(r.place_id, "") if r.place_id else ""
    if what == "district":
        return r.postcode_district or ""
    if what == "language":
        return r.language or ""
    if what == "channel":
        return sr.CHANNELS.get(r.channel, "")
    if what == "version":
        return r.survey_version
    if what == "decile":
        person = panel.get(r.person_id)
        decile = r.deprivation_decile or (person.deprivation_decile if person else None)
        return decile if decile is not None else ""
    kind, *rest = what
    if kind == "panel":
        person = panel.get(r.person_id)
        value = getattr(person, rest[0], None) if person else None
        return value or ""
    if kind == "option":
        question_id, option = rest
        chosen = given.get(question_id)
        if chosen is None:
            return ""
        return "Yes" if isinstance(chosen, list) and option in chosen else "No"
    question = questions[rest[0]]
    value = given.get(question.id)
    if value is None:
        return ""
    if question.kind in FREE_TEXT_KINDS:
        return comments.get((r.id, question.id), "[awaiting moderation]")
    if question.kind == "rating" or question.kind == "number":
        if question.kind == "rating":
            return sr._option_label(question, value)
        return value if isinstance(value, int) else str(value)
    return str(value)


def log_export(survey_id: int, rows: int, with_demographics: bool, reason: str, fmt: str) -> None:
    """Record who downloaded a survey's responses, why, and whether equality answers came."""
    event = audit.record(
        db.session,
        EXPORT_ACTION,
        "Survey",
        str(survey_id),
        note=(
            f"downloaded {rows} responses as {fmt}"
            + (" with equality answers" if with_demographics else " without equality answers")
            + (f" for: {reason}" if reason else "")
        ),
    )
    event.after = {
        "responses": rows,
        "demographics": with_demographics,
        "reason": reason,
        "format": fmt,
    }
    db.session.commit()
