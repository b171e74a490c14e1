"""Theme and intention reports as CSV and XLSX, with every count already suppressed.

One tidy layout for both: a few heading lines saying what the file is and the small-number
rule, then rows of (section, group, value) that sort and pivot well in a spreadsheet. Text
that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from openpyxl import Workbook
from openpyxl.styles import Font

from engage.services import reports
from engage.services.reports import IntentionRow, IntentionSummary, ThemeRow, ThemeSummary
from engage.services.suppression import NOT_SHOWN, Cell, Hidden, SuppressedTable, describe

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Value = str | int | None
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Describes(Protocol):
    """A filter that says in words what a file is limited to (reports' and survey results')."""

    def describe(self) -> list[str]: ...


def safe(value: Value, threshold: int) -> str | int:
    """A cell as it may be written: suppressed counts in words, formulas defused.

    A bare None is a count hidden for being small; one hidden for another reason arrives
    already in words (``_count``, ``_cell``).
    """
    if value is None:
        return describe(None, threshold)
    if isinstance(value, int):
        return value
    return "'" + value if value.startswith(FORMULA_START) else value


def heading(title: str, filters: Describes, threshold: int) -> list[list[Value]]:
    lines: list[list[Value]] = [
        [title],
        [f"Produced {datetime.now(UTC):%-d %B %Y} by Engage, NHS Lancashire and South Cumbria ICB"],
        [
            f"Counts from 1 to {threshold - 1} are shown as 'fewer than {threshold}'. In a table "
            f"that has one, at least one other count is '{NOT_SHOWN}': it can be any size, and "
            f"is hidden so that a group of fewer than {threshold} cannot be worked out from the "
            "total."
        ],
    ]
    lines += [[line] for line in filters.describe()]
    return [*lines, []]


def count_text(value: int | None, hidden: Hidden | None, threshold: int) -> Value:
    """A count as written: the number, or why it is hidden in the pages' words."""
    return value if value is not None else describe(None, threshold, hidden)


def _cell(cell: Cell, threshold: int) -> Value:
    return count_text(cell.value, cell.hidden, threshold)


def _total(table: SuppressedTable, threshold: int) -> Value:
    return count_text(table.total, table.total_hidden, threshold)


def _report_rows(summary: IntentionSummary | ThemeSummary) -> list[list[Value]]:
    t = summary.threshold
    counts = summary.counts
    rows: list[list[Value]] = [["Section", "Group", "Value"]]
    rows.append(["Summary", "Comments", count_text(counts.comments, counts.comments_hidden, t)])
    rows.append(["Summary", "Respondents", counts.respondents])
    if isinstance(summary, IntentionSummary):
        rows += [["Confirmed theme (comments)", c.label, _cell(c, t)] for c in summary.themes.cells]
        rows += [
            ["Suggested theme, not yet confirmed (not counted)", s.name, ""]
            for s in summary.suggested_themes
        ]
    else:
        rows += [
            ["Intention it touches (confirmed)", f"{i.title} ({i.domain}, {i.year})", ""]
            for i in summary.intentions
        ]
        rows += [
            ["Intention suggested, not yet confirmed", f"{i.title} ({i.domain}, {i.year})", ""]
            for i in summary.suggested_intentions
        ]
    if summary.too_few:
        rows.append(["Note", f"Fewer than {t} respondents: no breakdown, trend or quotes", ""])
        return rows
    trend = f"Comments by {summary.trend.period}"
    rows += [
        [trend, reports.period_label(c.label, summary.trend.period), _cell(c, t)]
        for c in summary.trend.table.cells
    ]
    for breakdown in summary.breakdowns:
        section = f"Respondents by {breakdown.label.lower()}"
        rows += [[section, c.label, _cell(c, t)] for c in breakdown.table.cells]
        rows.append([section, "All", _total(breakdown.table, t)])
    rows += [[f"Quote ({q.theme}, {q.received})", "", q.text] for q in summary.quotes]
    return rows


def report_table(summary: IntentionSummary | ThemeSummary) -> list[list[Value]]:
    """Everything an intention or theme export holds, as rows."""
    if isinstance(summary, IntentionSummary):
        title = f"Commissioning intention: {summary.title} ({summary.domain}, {summary.year})"
    else:
        title = f"Theme: {summary.name}"
    return heading(title, summary.filters, summary.threshold) + _report_rows(summary)


def intentions_table(
    rows: Sequence[IntentionRow], filters: reports.ReportFilter, threshold: int
) -> list[list[Value]]:
    table = heading("Commissioning intentions: what residents said", filters, threshold)
    table.append(["Year", "Domain", "Intention", "Confirmed themes", "Comments", "Respondents"])
    table += [
        [
            r.year,
            r.domain,
            r.title,
            r.linked_themes,
            count_text(r.counts.comments, r.counts.comments_hidden, threshold),
            r.counts.respondents,
        ]
        for r in rows
    ]
    return table


def themes_table(
    rows: Sequence[ThemeRow], filters: reports.ReportFilter, threshold: int
) -> list[list[Value]]:
    table = heading("Themes: what residents said", filters, threshold)
    table.append(["Theme", "Confirmed intentions", "Comments", "Respondents"])
    table += [
        [
            r.name,
            r.linked_intentions,
            count_text(r.counts.comments, r.counts.comments_hidden, threshold),
            r.counts.respondents,
        ]
        for r in rows
    ]
    return table


def to_csv(rows: Iterable[Sequence[Value]], threshold: int) -> bytes:
    """CSV with a byte-order mark, so Excel opens it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe(v, threshold) if v != "" else "" for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Sequence[Value]], threshold: int, sheet: str = "Report") -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet[:31]
    bold = Font(bold=True)
    header_done = False
    for row in rows:
        ws.append([safe(v, threshold) if v != "" else None for v in row])
        # The first row with several columns is the table's header: bold it.
        if not header_done and len(row) > 1:
            for cell in ws[ws.max_row]:
                cell.font = bold
            header_done = True
    for column, width in zip("ABCDEF", (34, 40, 60, 18, 14, 14), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(stem: str, fmt: str) -> str:
    clean = "".join(ch if ch.isalnum() else "-" for ch in stem.lower()).strip("-")
    while "--" in clean:
        clean = clean.replace("--", "-")
    return f"{clean[:60] or 'report'}-{datetime.now(UTC):%Y-%m-%d}.{fmt}"
