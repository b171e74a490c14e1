"""Read comment and coding CSV files with messages a person can act on."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path


class InputError(ValueError):
    """A file the command cannot use; the message says what to fix."""


def read_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Return the header and rows of a UTF-8 CSV file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8 and try again"
        ) from exc
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    try:
        reader = csv.DictReader(text.splitlines(keepends=True))
        rows = [dict(r) for r in reader]
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc
    return header, rows


def read_comments(
    path: str | Path, text_column: str, id_column: str | None = None
) -> tuple[list[str], list[str]]:
    """Return (ids, texts); ids are the id column's values or 0-based row numbers."""
    header, rows = read_rows(path)
    for column in filter(None, [text_column, id_column]):
        if column not in header:
            raise InputError(
                f"{path}: no column {column!r}; the columns are: {', '.join(header) or '(none)'}"
            )
    if not rows:
        raise InputError(f"{path}: the file has a header but no comments")
    texts = [r.get(text_column) or "" for r in rows]
    if id_column:
        ids = [(r.get(id_column) or "").strip() for r in rows]
        if any(not i for i in ids):
            raise InputError(f"{path}: some rows have an empty {id_column!r}")
        dupes = {i for i in ids if ids.count(i) > 1} if len(ids) < 2000 else _dupes(ids)
        if dupes:
            raise InputError(f"{path}: {id_column!r} repeats, e.g. {sorted(dupes)[0]!r}")
    else:
        ids = [str(i) for i in range(len(rows))]
    return ids, texts


def _dupes(ids: list[str]) -> set[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for i in ids:
        (dupes if i in seen else seen).add(i)
    return dupes


def read_coding(
    path: str | Path, id_column: str = "id", theme_column: str = "theme"
) -> dict[str, list[str]]:
    """Return id -> coded theme names; an empty theme means "coded as no theme"."""
    header, rows = read_rows(path)
    for column in (id_column, theme_column):
        if column not in header:
            raise InputError(
                f"{path}: no column {column!r}; a coding file has columns "
                f"{id_column},{theme_column} (found: {', '.join(header) or 'none'})"
            )
    coded: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        key = (r.get(id_column) or "").strip()
        if not key:
            continue
        name = (r.get(theme_column) or "").strip()
        coded[key]  # noqa: B018 - an id with only empty themes is coded as "no theme"
        if name and name not in coded[key]:
            coded[key].append(name)
    return dict(coded)
