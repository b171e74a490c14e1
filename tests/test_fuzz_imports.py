"""Fuzz imports: CSV (UTF-8 and Windows-1252) and Excel files of generated rows, some good and
some bad in known ways, go through upload, mapping and the import job.

An independent oracle says which rows are bad (empty or over-long text, a NUL, a date that is
not one or is in the future, an unknown place). Whatever the content: no unexpected exception,
a bad row is never inserted, "import nothing if any row is bad" inserts nothing when one is, and
every good row is inserted exactly once when good rows are kept.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import openpyxl
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from engage.extensions import db
from engage.models import Comment, ImportBatch, ImportRowError, Place
from engage.services import imports
from engage.services.errors import DomainError
from tests.fuzzing import FUZZ

TODAY = date.today()
FUTURE = TODAY + timedelta(days=40)


@dataclass
class Row:
    text: str
    date: object
    place: str
    bad: bool


WORDS = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=60
)  # letters, marks, symbols, any script
TEXT_KINDS = st.sampled_from(["ok", "ok", "ok", "empty", "too_long", "nul"])
DATE_KINDS = st.sampled_from(["none", "uk", "uk", "datetime", "future", "junk"])
PLACE_KINDS = st.sampled_from(["none", "name", "code", "junk"])


_examples = itertools.count()


@st.composite
def rows(draw) -> list[Row]:  # noqa: ANN001
    made = []
    example = next(_examples)  # markers unique across examples: a repeat row is a duplicate
    for n in range(draw(st.integers(1, 8))):
        text_kind, date_kind, place_kind = draw(TEXT_KINDS), draw(DATE_KINDS), draw(PLACE_KINDS)
        words = draw(WORDS)
        marker = f"#ex{example}row{n}#"
        text = {
            "ok": f"{words} {marker}",
            "empty": "   ",
            "too_long": f"{marker} " + "x" * imports.MAX_TEXT_LENGTH,
            "nul": f"{words}\x00{marker}",
        }[text_kind]
        day = draw(st.dates(date(2015, 1, 1), TODAY))
        when = {
            "none": "",
            "uk": day.strftime("%d/%m/%Y"),
            "datetime": datetime(day.year, day.month, day.day, 10, 30),
            "future": FUTURE.strftime("%d/%m/%Y"),
            "junk": draw(st.sampled_from(["not a date", "32/13/2024", "31/02/2024", "yesterday"])),
        }[date_kind]
        place = {"none": "", "name": "Blackpool", "code": "E06000009", "junk": "Atlantis"}[
            place_kind
        ]
        bad = text_kind != "ok" or date_kind in ("future", "junk") or place_kind == "junk"
        made.append(Row(text, when, place, bad))
    return made


def _csv(rows: list[Row], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Comment", "Date", "Area"])
    for r in rows:
        when = r.date.strftime("%d/%m/%Y") if isinstance(r.date, datetime) else r.date
        writer.writerow([r.text, when, r.place])
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx(rows: list[Row]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Comment", "Date", "Area"])
    for r in rows:
        sheet.append([r.text, r.date, r.place])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _for_format(rows: list[Row], fmt: str) -> list[Row]:
    """What each format can carry: Excel holds no control characters (a NUL row is sent as an
    empty comment instead, so it stays bad), and Windows-1252 only Western European letters."""
    if fmt == "xlsx":
        return [
            Row("   " if "\x00" in r.text else ILLEGAL_CHARACTERS_RE.sub("", r.text),
                r.date, r.place, r.bad)
            for r in rows
        ]  # fmt: skip
    if fmt == "cp1252":
        return [
            Row(r.text.encode("cp1252", "replace").decode("cp1252"), r.date, r.place, r.bad)
            for r in rows
        ]
    return rows


def _places() -> None:
    if db.session.scalar(select(Place.id).where(Place.code == "E06000009")) is None:
        db.session.add(Place(code="E06000009", name="Blackpool", kind="place"))
        db.session.commit()


def _check_comments_are_valid(batch_id: int) -> list[Comment]:
    places = set(db.session.scalars(select(Place.id)))
    made = list(db.session.scalars(select(Comment).where(Comment.import_batch_id == batch_id)))
    now = datetime.now(UTC)
    for c in made:
        assert c.original_text.strip(), "an empty comment was inserted"
        assert "\x00" not in c.original_text, "a NUL was inserted"
        assert len(c.original_text) <= imports.MAX_TEXT_LENGTH, "an over-long comment"
        received = c.received_at if c.received_at.tzinfo else c.received_at.replace(tzinfo=UTC)
        assert received <= now + timedelta(minutes=1), "a comment from the future"
        assert c.place_id is None or c.place_id in places
    return made


def _import(data: bytes, name: str, on_error: str, columns: int = 3) -> ImportBatch | None:
    """Upload, map and run an import; None when it is refused with a message (DomainError)."""
    try:
        batch = imports.store_upload(io.BytesIO(data), name, "healthwatch")
        mapping = imports.Mapping(
            text=0,
            date=1 if columns > 1 else None,
            place=2 if columns > 2 else None,
            date_format="uk",
            encoding=batch.mapping["encoding"],
        )
        imports.save_mapping(batch.id, mapping)
        imports.start(batch.id, on_error)
    except DomainError:
        db.session.rollback()
        return None
    db.session.expire_all()
    return db.session.get(ImportBatch, batch.id)


def test_fuzzed_import_files_insert_exactly_the_good_rows(app):
    _places()

    @FUZZ
    @given(
        generated=rows(),
        fmt=st.sampled_from(["utf-8", "cp1252", "xlsx"]),
        on_error=st.sampled_from(sorted(imports.ON_ERROR)),
    )
    def run(generated: list[Row], fmt: str, on_error: str) -> None:
        generated = _for_format(generated, fmt)
        if fmt == "xlsx":
            data, name = _xlsx(generated), "feedback.xlsx"
        else:
            data, name = _csv(generated, fmt), "feedback.csv"
        batch = _import(data, name, on_error)
        if batch is None:
            # A NUL near the start makes the whole file look binary: refused with a message.
            assert any("\x00" in r.text for r in generated), "a well-formed file was refused"
            return
        assert batch.status in ("done", "failed"), f"import ended {batch.status}: {batch.message}"
        made = _check_comments_are_valid(batch.id)
        error_rows = set(
            db.session.scalars(
                select(ImportRowError.row_number).where(ImportRowError.batch_id == batch.id)
            )
        )
        for number, row in enumerate(generated, start=2):
            marker = re.search(r"#ex\d+row\d+#", row.text)
            inserted = [c for c in made if marker and marker.group(0) in c.original_text]
            if not (row.text.strip() or str(row.date).strip() or row.place):
                # A blank row is skipped, as a spreadsheet's empty lines are: no problem, no row.
                assert number not in error_rows and not inserted, f"blank row {number}"
            elif row.bad:
                assert number in error_rows, f"row {number} is bad but no problem was reported"
                assert not inserted, f"bad row {number} was inserted"
            else:
                assert number not in error_rows, f"good row {number} was reported as bad"
                if on_error == "keep_good" or not error_rows:
                    assert len(inserted) == 1, f"good row {number} inserted {len(inserted)} times"
        if on_error == "all_or_nothing" and error_rows:
            assert made == [], "a file with a bad row imported something"

    run()


@FUZZ
@given(data=st.binary(max_size=2000), name=st.sampled_from(["feedback.csv", "feedback.xlsx"]))
def test_fuzzed_bytes_are_refused_clearly_or_imported_validly(app, data, name):
    batch = _import(data, name, "keep_good", columns=1)
    if batch is not None:
        assert batch.status in ("done", "failed"), batch.status
        _check_comments_are_valid(batch.id)
