"""Accessible charts drawn on the server as SVG: bars for breakdowns, a line for trends.

No JavaScript and no CDN, so they work under the strict CSP and print. Each chart has
``role="img"``, a title and a description naming every value; pages put the same numbers in a
table beside it. Colours are presentation attributes (the CSP forbids inline styles).
Suppressed values are drawn as no bar (or a gap in the line) and labelled in words: "fewer
than 10" for a small count, "not shown" for one hidden so that a small count cannot be worked
out (see ``engage.services.suppression``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

from engage.services.suppression import Cell, Hidden, SuppressedCrosstab, describe

BLUE = "#005eb8"  # NHS blue
TEXT = "#212b32"
GREY = "#4c6272"
GRID = "#d8dde0"
FONT = "Frutiger W01, Arial, sans-serif"


def _describe_cells(
    cells: Sequence[Cell], threshold: int, label: Callable[[str], str], suffix: str = ""
) -> str:
    return "; ".join(
        f"{label(c.label)}: {c.describe(threshold)}{suffix if c.value is not None else ''}"
        for c in cells
    )


def bar_chart(
    chart_id: str,
    title: str,
    cells: Sequence[Cell],
    threshold: int,
    unit: str = "respondents",
) -> Markup:
    """Horizontal bars, one per category, each labelled with its value."""
    label_width, bar_width, row, top = 220, 330, 28, 8
    width = label_width + bar_width + 130
    height = top * 2 + row * max(len(cells), 1)
    largest = max((c.value or 0 for c in cells), default=0) or 1
    description = f"{unit.capitalize()} by group. " + _describe_cells(cells, threshold, str)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="engage-chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}" font-size="14">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - top}" '
        f'stroke="{GREY}"/>',
    ]
    for i, cell in enumerate(cells):
        y = top + i * row
        name = cell.label if len(cell.label) <= 30 else cell.label[:29] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" fill="{TEXT}">'
            f"{escape(name)}</text>"
        )
        if cell.value is None:
            parts.append(
                f'<text x="{label_width + 8}" y="{y + 19}" fill="{GREY}" font-style="italic">'
                f"{escape(cell.describe(threshold))}</text>"
            )
            continue
        length = round(bar_width * cell.value / largest, 1)
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row - 8}" '
            f'fill="{BLUE}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6}" y="{y + 19}" fill="{TEXT}">'
            f"{escape(describe(cell.value, threshold))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every text inside went through escape()


def line_chart(
    chart_id: str,
    title: str,
    cells: Sequence[Cell],
    threshold: int,
    label: Callable[[str], str] = str,
    unit: str = "comments",
    percent: bool = False,
) -> Markup:
    """A trend line over periods; suppressed periods break the line and are marked below it.

    With ``percent`` the values are percentages: the axis runs from 0 to 100%.
    """
    left, right, top, bottom = 56, 16, 16, 64
    plot_w, plot_h = 620, 200
    width, height = left + plot_w + right, top + plot_h + bottom
    largest = 100 if percent else max((c.value or 0 for c in cells), default=0) or 1
    suffix = "%" if percent else ""
    step = plot_w / max(len(cells) - 1, 1)
    description = f"{unit.capitalize()} by period. " + _describe_cells(
        cells, threshold, label, suffix
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="engage-chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}" font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for tick in (0, largest // 2, largest):
        y = top + plot_h - plot_h * tick / largest
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{GREY}">'
            f"{tick:,}{suffix}</text>"
        )

    def point(i: int, value: int) -> tuple[float, float]:
        return left + i * step, top + plot_h - plot_h * value / largest

    # Each gap is marked with why: "*" a small count, "†" one hidden to protect a small one.
    marks = {Hidden.SMALL: "*", Hidden.PROTECTS: "†"}
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, cell in enumerate(cells):
        if cell.value is None:
            if segment:
                segments.append(segment)
            segment = []
            x = left + i * step
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h - 6}" text-anchor="middle" '
                f'fill="{GREY}" font-style="italic">{marks[cell.hidden or Hidden.PROTECTS]}</text>'
            )
            continue
        x, y = point(i, cell.value)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BLUE}"/>')
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BLUE}" stroke-width="3"/>'
            )
    # Label at most about twelve periods so the axis stays readable; the table has them all.
    every = max(1, -(-len(cells) // 12))
    for i, cell in enumerate(cells):
        if i % every and i != len(cells) - 1:
            continue
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="end" fill="{TEXT}" '
            f'transform="rotate(-35 {x:.1f} {top + plot_h + 18})">'
            f"{escape(label(cell.label))}</text>"
        )
    gaps = {c.hidden for c in cells if c.value is None}
    keys = [
        f"{marks[why]} {describe(None, threshold, why)}"
        for why in (Hidden.SMALL, Hidden.PROTECTS)
        if why in gaps
    ]
    if keys:
        parts.append(
            f'<text x="{left}" y="{height - 4}" fill="{GREY}">'
            f"{escape(', '.join(keys))}: not drawn</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704 - every text inside went through escape()


def fft_trend_chart(chart_id: str, fft: Any) -> Markup:
    """The FFT's percentage positive by month; a month with too few responses is a gap."""
    cells = [
        Cell(r.label, r.positive_percent)
        if r.positive_percent is not None
        else Cell(r.label, None, Hidden.PROTECTS)
        for r in fft.by_month
    ]
    return line_chart(
        chart_id,
        "Friends and Family Test: percentage positive by month",
        cells,
        fft.threshold,
        unit="percentage positive",
        percent=True,
    )


# NHS colours with at least 3:1 contrast against white (WCAG 1.4.11), split by white lines,
# ordered so that neighbours differ in hue as well as lightness (two blues side by side read
# as one); every segment is also named in the description and in the table beside the chart.
PALETTE = ("#005eb8", "#ae2573", "#006747", "#330072", "#768692", "#8a1538", "#003087")


def stacked_bar_chart(
    chart_id: str, title: str, table: SuppressedCrosstab, threshold: int
) -> Markup:
    """One bar per row, split by column in row percentages; hidden counts are left out.

    A bar's hidden part is drawn as a gap at its end, so no width gives a hidden count away.
    Where a row's percentages add up to more than 100 (several answers each), every bar is
    drawn to the scale of the largest row, so no segment is cut off.
    """
    label_width, bar_width, row, top = 200, 420, 30, 8
    legend_row = 22
    columns = table.columns
    legend_h = legend_row * len(columns) + 8
    width = label_width + bar_width + 24
    height = top * 2 + row * max(len(table.rows), 1) + legend_h
    percentages = table.row_percentages()
    scale = max([100.0, *(sum(p or 0 for p in row) for row in percentages)])
    lines = []
    for name, cells, pcts in zip(table.rows, table.cells, percentages, strict=True):
        parts = [
            f"{c.label} {p:.0f}%" if p is not None else f"{c.label} {c.describe(threshold)}"
            for c, p in zip(cells, pcts, strict=True)
        ]
        lines.append(f"{name}: " + ", ".join(parts))
    parts_svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="engage-chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}" font-size="14">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape("Row percentages. " + "; ".join(lines))}</desc>',
    ]
    for i, (name, pcts) in enumerate(zip(table.rows, percentages, strict=True)):
        y = top + i * row
        short = name if len(name) <= 26 else name[:25] + "…"
        parts_svg.append(
            f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end" fill="{TEXT}">'
            f"{escape(short)}</text>"
        )
        x = float(label_width)
        for j, p in enumerate(pcts):
            if p is None or p <= 0:
                continue
            length = round(bar_width * p / scale, 1)
            parts_svg.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{length}" height="{row - 8}" '
                f'fill="{PALETTE[j % len(PALETTE)]}" stroke="#ffffff" stroke-width="2"/>'
            )
            x += length
    y0 = top + row * len(table.rows) + 8
    for j, column in enumerate(columns):
        y = y0 + j * legend_row
        parts_svg.append(
            f'<rect x="{label_width}" y="{y}" width="14" height="14" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{label_width + 20}" y="{y + 12}" fill="{TEXT}">{escape(column)}</text>'
        )
    parts_svg.append("</svg>")
    return Markup("".join(parts_svg))  # noqa: S704  # nosec B704 - every text inside went through escape()
