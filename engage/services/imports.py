"""Imports of feedback gathered elsewhere: upload, map the columns, preview, then stream it in.

A file goes through three steps, each recorded on its ``ImportBatch`` row (the truth about where
an import stands): it is uploaded (type checked by content, kept in the instance folder), its
columns are mapped (with a preview of the first rows and their problems), and a background job
reads it twice, streaming: first to check every row and record the bad ones, then to insert the
good ones in chunks. Each chunk's comments and the batch's progress are committed together, with
the progress moved by compare-and-set, so a job killed half way is simply run again and carries
on from the last committed row; two copies of the job never both count a chunk. Each comment's
``source_key`` hashes its normalised content, and inserts skip rows already there, so importing
the same rows again adds nothing. The upload is deleted when the import ends.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import logging
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engage.extensions import db
from engage.models import Comment, ImportBatch, ImportRowError, Place, Survey, User, utcnow
from engage.services import audit
from engage.services.builder import FFT_OPTIONS
from engage.services.comments import prepare
from engage.services.errors import DomainError, NotFound

log = logging.getLogger(__name__)

# What the team calls each source; the key is stored on the batch and on every comment.
SOURCES: dict[str, str] = {
    "healthwatch": "Healthwatch",
    "fft": "Friends and Family Test",
    "event": "Event notes",
    "import": "Other",
}
DATE_FORMATS: dict[str, str] = {
    "uk": "Day first, as in the UK (31/12/2024 or 31-12-24)",
    "iso": "Year first, ISO 8601 (2024-12-31)",
}
ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (CSV files saved by older versions of Excel)",
}
ON_ERROR: dict[str, str] = {
    "keep_good": "Import the good rows and report the bad ones",
    "all_or_nothing": "Import nothing if any row is bad",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CHUNK_SIZE = 1000
PREVIEW_ROWS = 10
MAX_TEXT_LENGTH = 10_000
# An XLSX is a zip: refuse one that would inflate to far more than any feedback file needs.
MAX_XLSX_INFLATED = 500 * 1024 * 1024
ERRORS_PAGE_SIZE = 50
OPEN_STATUSES = ("uploaded", "mapped", "running")
MAX_SERVICE_LENGTH = 160  # Comment.service

# The Friends and Family Test answers a rating column may hold, each read as one of
# FFT_OPTIONS (the words stored on the comment): the words themselves, the numeric codes NHS
# exports use (1 = Very good ... 6 = Don't know), and the "how likely are you to recommend"
# wording of the test before 2020, whose six answers stand in the same order.
FFT_RATINGS: tuple[str, ...] = tuple(FFT_OPTIONS)
_PRE_2020_FFT = (
    "Extremely likely",
    "Likely",
    "Neither likely nor unlikely",
    "Unlikely",
    "Extremely unlikely",
    "Don't know",
)

_UK_DATE = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_MAX_HEADER_LENGTH = 80
# Bytes the chosen encoding could not decode, kept as lone surrogates by "surrogateescape".
_UNDECODED = re.compile("[\udc80-\udcff]")
# Control characters (but tab and line breaks) and Unicode non-characters: no meaning in
# feedback, and not allowed in a web page.
_JUNK = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


class ImportFileError(DomainError):
    """The file as a whole cannot be read: its message says what to do about it."""


@dataclass(frozen=True)
class Mapping:
    """Which column (by position) holds what, and how to read it."""

    text: int
    date: int | None = None
    date_format: str = "uk"
    place: int | None = None
    respondent: int | None = None
    survey_id: int | None = None
    encoding: str = "utf-8"
    rating: int | None = None  # a Friends and Family Test answer
    service: int | None = None  # the GP practice or service the feedback is about

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        return cls(
            text=int(data["text"]),
            date=data.get("date"),
            date_format=data.get("date_format") or "uk",
            place=data.get("place"),
            respondent=data.get("respondent"),
            survey_id=data.get("survey_id"),
            encoding=data.get("encoding") or "utf-8",
            rating=data.get("rating"),
            service=data.get("service"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "date": self.date,
            "date_format": self.date_format,
            "place": self.place,
            "respondent": self.respondent,
            "survey_id": self.survey_id,
            "encoding": self.encoding,
            "rating": self.rating,
            "service": self.service,
        }

    def columns(self) -> tuple[int, ...]:
        """The positions of every column the mapping reads."""
        chosen = (self.text, self.date, self.place, self.respondent, self.rating, self.service)
        return tuple(i for i in chosen if i is not None)


@dataclass
class ParsedRow:
    """One data row as it would be imported, or the reasons it cannot be."""

    number: int  # as a spreadsheet shows it
    text: str = ""
    received_at: datetime | None = None
    place_id: int | None = None
    place_name: str | None = None
    respondent: str | None = None
    fft_rating: str | None = None  # one of FFT_RATINGS
    service: str | None = None
    errors: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Header:
    columns: list[str]  # display names, one per column ("Column C" where the cell is empty)
    encoding_ok: bool  # for CSV: the whole file is valid UTF-8


@dataclass(frozen=True)
class Preview:
    columns: list[str]
    rows: list[ParsedRow]


class _Formula:
    """An XLSX cell holding a formula that was never calculated, so it has no value to import."""

    def __init__(self, formula: str) -> None:
        self.formula = formula


# --- Uploading -----------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(current_app.config.get("ENGAGE_IMPORT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _size_words(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def store_upload(stream: IO[bytes], filename: str, source: str) -> ImportBatch:
    """Keep an uploaded file for mapping, refusing what is not a readable CSV or XLSX."""
    if source not in SOURCES:
        raise DomainError("Select where the feedback came from")
    name = Path(filename or "").name[:255]
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DomainError("The selected file must be a CSV or an Excel workbook (.xlsx)")
    limit = max_upload_bytes()
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    path = upload_folder() / stored_name
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        # Copy in pieces: the file is never held in memory whole.
        with path.open("wb") as out:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise DomainError(
                        f"The selected file must be smaller than {_size_words(limit)}"
                    )
                if len(head) < 64 * 1024:
                    head += chunk[: 64 * 1024 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DomainError("The selected file is empty")
        file_format = _sniff(head, path)
        if f".{file_format}" != suffix:
            kind = "an Excel workbook" if file_format == "xlsx" else "a CSV file"
            raise DomainError(
                f"The file's name ends {suffix} but it is {kind}: rename it and try again"
            )
        header = read_header(path, file_format, "utf-8")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    mapping = guess_mapping(header.columns).as_dict()
    mapping["encoding"] = "utf-8" if header.encoding_ok else "cp1252"
    batch = ImportBatch(
        filename=name,
        stored_name=stored_name,
        sha256=digest.hexdigest(),
        file_format=file_format,
        source=source,
        status="uploaded",
        mapping=mapping,
        created_by_id=_current_user_id(),
    )
    db.session.add(batch)
    db.session.commit()
    return batch


def _current_user_id() -> int | None:
    actor = audit.current_actor()
    return actor.user_id if actor else None


def _sniff(head: bytes, path: Path) -> str:
    """The file's type from its bytes: ``csv`` or ``xlsx``; anything else is refused."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                inflated = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError) as err:
            raise DomainError("The selected file is damaged: it could not be opened") from err
        if "xl/workbook.xml" not in names:
            raise DomainError("The selected file must be a CSV or an Excel workbook (.xlsx)")
        if inflated > MAX_XLSX_INFLATED:
            raise DomainError("The Excel workbook is too large once opened: save it as CSV")
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError("The file is an older Excel workbook (.xls): save it as .xlsx or CSV")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DomainError("The file is saved as UTF-16 text: save it as 'CSV UTF-8' instead")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or head.startswith(b"%PDF") or controls > len(head) // 100:
        raise DomainError("The selected file must be a CSV or an Excel workbook (.xlsx)")
    return "csv"


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(64 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def read_header(path: Path, file_format: str, encoding: str) -> Header:
    """The column names from the first non-empty row, checking the file has data under them."""
    encoding_ok = file_format != "csv" or _is_utf8(path)
    with _raw_rows(path, file_format, encoding if encoding_ok else "cp1252") as rows:
        header: list[str] | None = None
        for _number, cells in rows:
            if not _has_content(cells):
                continue
            if header is None:
                header = _header_names(cells)
                continue
            return Header(header, encoding_ok)
    if header is None:
        raise ImportFileError("The file has no rows: check you chose the right file")
    raise ImportFileError("The file has column names but no rows of feedback under them")


def _header_names(cells: Sequence[Any]) -> list[str]:
    names = []
    for index, cell in enumerate(cells):
        text = _clean(cell)
        if (
            isinstance(cell, datetime | date)
            or len(text) > _MAX_HEADER_LENGTH
            or _parse_date(text, "uk")
            or _parse_date(text, "iso")
        ):
            raise ImportFileError(
                "The first row must hold column names, like 'Comment' and 'Date', but "
                f"'{text[:40]}' looks like feedback: add a row of column names at the top"
            )
        names.append(text or f"Column {column_letter(index)}")
    return names


def column_letter(index: int) -> str:
    """A column's letter as a spreadsheet shows it (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_GUESSES = {
    "text": ("comment", "feedback", "text", "what", "response", "answer", "note"),
    "date": ("date", "when", "received"),
    "place": ("place", "area", "location", "locality", "site"),
    "respondent": ("respondent", "reference", "ref", "id"),
    "rating": ("rating", "fft", "score", "recommend"),
    "service": ("service", "practice", "surgery", "ward", "department"),
}


def guess_mapping(columns: list[str]) -> Mapping:
    """A first guess at the mapping from the column names, for the team to check."""
    chosen: dict[str, int | None] = {}
    for key, words in _GUESSES.items():
        chosen[key] = next(
            (
                i
                for i, name in enumerate(columns)
                if any(w in name.lower() for w in words) and i not in chosen.values()
            ),
            None,
        )
    return Mapping(
        text=chosen["text"] if chosen["text"] is not None else 0,
        date=chosen["date"],
        place=chosen["place"],
        respondent=chosen["respondent"],
        rating=chosen["rating"],
        service=chosen["service"],
    )


# --- Reading rows --------------------------------------------------------------------------


def _path(batch: ImportBatch) -> Path:
    return upload_folder() / batch.stored_name


@contextmanager
def _raw_rows(
    path: Path, file_format: str, encoding: str
) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    """(row number, cells) for every row, streamed from the file."""
    if file_format == "xlsx":
        with _xlsx_rows(path) as rows:
            yield rows
        return
    codec = "utf-8-sig" if encoding == "utf-8" else "cp1252"
    # surrogateescape keeps undecodable bytes visible as lone surrogates, so a row in the wrong
    # encoding is reported rather than garbled.
    with path.open(encoding=codec, errors="surrogateescape", newline="") as f:
        yield _csv_rows(f)


def _csv_rows(f: IO[str]) -> Iterator[tuple[int, list[Any]]]:
    # Strict: a quotation mark opened and never closed would otherwise swallow every line after
    # it into one cell, and the rest of the file would arrive as a single "comment".
    reader = csv.reader(f, strict=True)
    number = 0
    while True:
        starts_on = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise ImportFileError(_csv_problem(str(err), number + 1, starts_on)) from err
        number += 1
        yield number, list(cells)


def _csv_problem(error: str, row: int, line: int) -> str:
    """What went wrong reading a CSV row, in words the team can act on."""
    # Rows are numbered as a spreadsheet shows them; a cell over several lines moves the line.
    where = f"Row {row}" + (f" (line {line} of the file)" if line != row else "")
    if "unexpected end of data" in error or "expected after" in error:
        return (
            f'{where} opens a quotation mark (") that is not '
            "closed where it should be, so the lines after it would be read as one cell. "
            "Correct the quotation marks in that row, or save the file from your spreadsheet "
            "as 'CSV UTF-8', and upload it again. Nothing was imported"
        )
    return (
        f"The file could not be read as CSV at {where.lower()}: {error}. Save it from "
        "your spreadsheet as 'CSV UTF-8' and upload it again. Nothing was imported"
    )


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for damaged files
        raise ImportFileError(
            "The Excel workbook could not be read: open it in Excel, save it, and try again"
        ) from err
    try:
        yield _xlsx_cells(values.worksheets[0], formulas.worksheets[0])
    finally:
        values.close()
        formulas.close()


def _xlsx_cells(values_sheet: Any, formulas_sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    # Some exporters write a wrong sheet size; read what is really there.
    values_sheet.reset_dimensions()
    formulas_sheet.reset_dimensions()
    # Two readers in step: saved values, and the formulas behind cells that have none.
    pairs = zip(
        values_sheet.iter_rows(min_row=1, values_only=True),
        formulas_sheet.iter_rows(min_row=1, values_only=True),
        strict=False,
    )
    try:
        for number, (row, formula_row) in enumerate(pairs, start=1):
            cells: list[Any] = list(row)
            for i, value in enumerate(cells):
                raw = formula_row[i] if i < len(formula_row) else None
                if value is None and isinstance(raw, str) and raw.startswith("="):
                    cells[i] = _Formula(raw)
            yield number, cells
    except ImportFileError:
        raise
    except Exception as err:  # noqa: BLE001
        raise ImportFileError(
            "The Excel workbook could not be read to the end: open it in Excel, save it, "
            "and try again"
        ) from err


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, _Formula):
        return cell.formula
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    return str(cell)


def _clean(cell: Any) -> str:
    return _JUNK.sub("", _cell_text(cell)).strip()


def _has_content(cells: Sequence[Any]) -> bool:
    return any(_clean(c) for c in cells)


@contextmanager
def data_rows(batch: ImportBatch, encoding: str) -> Iterator[Iterator[tuple[int, list[Any]]]]:
    """The rows under the header, skipping empty ones; numbers are as a spreadsheet shows."""
    path = _path(batch)
    if not path.exists():
        raise ImportFileError("The uploaded file is no longer here: upload it again")
    with _raw_rows(path, batch.file_format, encoding) as rows:
        yield _after_header(rows)


def _after_header(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    seen_header = False
    for number, cells in rows:
        if not _has_content(cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        yield number, cells


# --- Checking a row ------------------------------------------------------------------------


# Main towns as feedback from events and Healthwatch names them, beside the council areas of
# engage/data/population_areas.csv: "Preston" or "Morecambe" mean a place as surely as its name.
TOWNS: dict[str, str] = {
    "Blackburn": "BWD",
    "Darwen": "BWD",
    "Leyland": "CLA",
    "Accrington": "ELA",
    "Nelson": "ELA",
    "Colne": "ELA",
    "Rawtenstall": "ELA",
    "Bacup": "ELA",
    "Clitheroe": "ELA",
    "Morecambe": "NLA",
    "Heysham": "NLA",
    "Carnforth": "NLA",
    "Fleetwood": "FYW",
    "Thornton-Cleveleys": "FYW",
    "Poulton-le-Fylde": "FYW",
    "Lytham St Annes": "FYW",
    "Kirkham": "FYW",
    "Ormskirk": "WLA",
    "Skelmersdale": "WLA",
    "Barrow": "FUR",
    "Kendal": "WES",
}


@dataclass(frozen=True)
class Places:
    """Places by lower-cased name and code, loaded once per import, with the council areas and
    main towns that lie in each; ``names`` are the places themselves, for messages."""

    by_key: dict[str, tuple[int, str]]
    names: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> Places:
        from importlib import resources

        by_key: dict[str, tuple[int, str]] = {}
        by_code: dict[str, tuple[int, str]] = {}
        for place in db.session.scalars(select(Place).order_by(Place.id)):
            by_key[_fold(place.name)] = by_code[place.code] = (place.id, place.name)
            by_key[_fold(place.code)] = (place.id, place.name)
        areas = Path(str(resources.files("engage") / "data" / "population_areas.csv"))
        with areas.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found = by_code.get(row["place_code"].strip())
                if found is not None:
                    by_key.setdefault(_fold(row["lad_name"]), found)
                    by_key.setdefault(_fold(row["lad_code"]), found)
        for town, code in TOWNS.items():
            if code in by_code:
                by_key.setdefault(_fold(town), by_code[code])
        return cls(by_key, tuple(name for _id, name in by_code.values()))


def _fold(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()


def _parse_date(text: str, date_format: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    if date_format == "uk":
        m = _UK_DATE.match(text)
        if not m:
            return None
        day, month, year, hour, minute, second = m.groups()
        y = int(year)
        if len(year) == 2:
            y += 2000
        try:
            return datetime(
                y,
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                int(second or 0),
                tzinfo=UTC,
            )
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None  # fromisoformat also takes 20241231; a person would not write that
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_row(
    number: int, cells: Sequence[Any], mapping: Mapping, places: Places, columns: Sequence[str]
) -> ParsedRow:
    """Read one data row through the mapping, collecting every problem a person must fix."""
    row = ParsedRow(number)

    def cell(index: int | None) -> Any:
        return cells[index] if index is not None and index < len(cells) else None

    def name(index: int) -> str:
        return columns[index] if index < len(columns) else f"Column {column_letter(index)}"

    for index in set(mapping.columns()):
        value = cell(index)
        if isinstance(value, _Formula):
            row.errors.append(
                (
                    name(index),
                    "This cell holds a formula that has no saved value: open the file "
                    "in Excel, save it, and upload it again",
                )
            )
        elif isinstance(value, str) and _UNDECODED.search(value):
            hint = "Windows-1252" if mapping.encoding == "utf-8" else "UTF-8"
            row.errors.append(
                (
                    name(index),
                    f"This cell has characters that are not {ENCODINGS[mapping.encoding]}: "
                    f"try the {hint} encoding, or save the file as 'CSV UTF-8'",
                )
            )
        elif "\x00" in _cell_text(value):
            row.errors.append((name(index), "This cell contains a NUL character"))
    if row.errors:
        return row

    text = _clean(cell(mapping.text))
    if not text:
        row.errors.append((name(mapping.text), "The comment is empty"))
    elif len(text) > MAX_TEXT_LENGTH:
        row.errors.append(
            (name(mapping.text), f"The comment is longer than {MAX_TEXT_LENGTH:,} characters")
        )
    row.text = text

    if mapping.date is not None:
        raw = cell(mapping.date)
        if isinstance(raw, datetime):
            row.received_at = raw if raw.tzinfo else raw.replace(tzinfo=UTC)
        elif isinstance(raw, date):
            row.received_at = datetime.combine(raw, time(), tzinfo=UTC)
        elif _clean(raw):
            row.received_at = _parse_date(_clean(raw), mapping.date_format)
            if row.received_at is None:
                example = "31/12/2024" if mapping.date_format == "uk" else "2024-12-31"
                row.errors.append(
                    (name(mapping.date), f"'{_clean(raw)[:40]}' is not a date like {example}")
                )
        if row.received_at is not None and row.received_at.date() > date.today():
            row.errors.append((name(mapping.date), "The date is in the future"))
            row.received_at = None

    if mapping.place is not None:
        raw_place = _clean(cell(mapping.place))
        if raw_place:
            found = places.by_key.get(_fold(raw_place))
            if found is None:
                row.errors.append(
                    (
                        name(mapping.place),
                        f"'{raw_place[:60]}' is not a place Engage knows: use one of "
                        f"{', '.join(places.names)}, or a council area or main town in one "
                        "of them",
                    )
                )
            else:
                row.place_id, row.place_name = found

    if mapping.respondent is not None:
        respondent = _clean(cell(mapping.respondent))
        row.respondent = respondent or None

    if mapping.rating is not None:
        raw_rating = _clean(cell(mapping.rating))
        if raw_rating:
            row.fft_rating = fft_rating(raw_rating)
            if row.fft_rating is None:
                row.errors.append((name(mapping.rating), rating_problem(raw_rating)))

    if mapping.service is not None:
        service = " ".join(_clean(cell(mapping.service)).split())
        if len(service) > MAX_SERVICE_LENGTH:
            row.errors.append(
                (
                    name(mapping.service),
                    f"The service or GP practice is longer than {MAX_SERVICE_LENGTH} characters",
                )
            )
        else:
            row.service = service or None
    return row


def _rating_key(value: str) -> str:
    # Capitals, spacing and a typographic apostrophe ("Don’t know") do not matter.
    return _fold(value.replace("\u2019", "'").replace("\u2018", "'"))


_FFT_BY_KEY: dict[str, str] = {
    **{_rating_key(option): option for option in FFT_RATINGS},
    **{str(code): option for code, option in enumerate(FFT_RATINGS, start=1)},
    **{_rating_key(old): option for old, option in zip(_PRE_2020_FFT, FFT_RATINGS, strict=True)},
}


def fft_rating(value: str) -> str | None:
    """The Friends and Family Test answer a cell means, as one of FFT_RATINGS, or None."""
    key = _rating_key(value)
    # A spreadsheet may keep a code as a decimal: 2.0 is 2.
    if re.fullmatch(r"[1-6]\.0+", key):
        key = key[0]
    return _FFT_BY_KEY.get(key)


def rating_problem(value: str) -> str:
    """What is wrong with a rating that is not a Friends and Family Test answer."""
    return (
        f"'{value[:40]}' is not a Friends and Family Test rating: use one of "
        f"{', '.join(FFT_RATINGS)}, or their codes 1 to 6"
    )


def source_key(source: str, row: ParsedRow) -> str:
    """A hash of the row's normalised content: the same feedback always gets the same key."""
    parts = [
        source,
        " ".join(unicodedata.normalize("NFC", row.text).split()),
        row.received_at.astimezone(UTC).isoformat() if row.received_at else "",
        str(row.place_id or ""),
        row.respondent or "",
    ]
    # Not the rating or the service: a file imported before they could be mapped, imported again
    # with them, must find its rows already there (``_import_chunk`` then fills them in).
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def respondent_key(source: str, respondent: str | None) -> str | None:
    if not respondent:
        return None
    return "import:" + hashlib.sha256(f"{source}\x1f{respondent}".encode()).hexdigest()


# --- Mapping and preview -------------------------------------------------------------------


def get_batch(batch_id: int) -> ImportBatch:
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound("There is no such import")
    return batch


def list_batches(limit: int = 100) -> list[ImportBatch]:
    return list(
        db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
    )


def surveys_to_choose() -> list[Survey]:
    return list(db.session.scalars(select(Survey).order_by(Survey.title)))


def header_for(batch: ImportBatch, encoding: str | None = None) -> Header:
    path = _path(batch)
    if not path.exists():
        raise ImportFileError("The uploaded file is no longer here: upload it again")
    return read_header(path, batch.file_format, encoding or batch.mapping.get("encoding", "utf-8"))


def preview(batch: ImportBatch, mapping: Mapping, limit: int = PREVIEW_ROWS) -> Preview:
    """The first rows as they would be imported, each with its problems."""
    columns = header_for(batch, mapping.encoding).columns
    places = Places.load()
    rows: list[ParsedRow] = []
    with data_rows(batch, mapping.encoding) as stream:
        for number, cells in stream:
            rows.append(parse_row(number, cells, mapping, places, columns))
            if len(rows) >= limit:
                break
    return Preview(columns, rows)


def earlier_import(batch: ImportBatch) -> ImportBatch | None:
    """An earlier import of the very same file, if there was one."""
    return db.session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.id != batch.id,
            ImportBatch.status == "done",
        )
        .order_by(ImportBatch.id)
        .limit(1)
    )


def describe_mapping(batch: ImportBatch) -> list[tuple[str, str]]:
    """The mapping in words, for the page that starts the import."""
    mapping = Mapping.from_dict(batch.mapping)
    try:
        columns = header_for(batch, mapping.encoding).columns
    except ImportFileError:
        columns = []

    def column(index: int | None) -> str:
        if index is None:
            return "Not in this file"
        name = columns[index] if index < len(columns) else ""
        return f"{column_letter(index)}: {name}".rstrip(": ")

    survey = db.session.get(Survey, mapping.survey_id) if mapping.survey_id else None
    rows = [
        ("Comment", column(mapping.text)),
        ("Date", column(mapping.date)),
    ]
    if mapping.date is not None:
        rows.append(("Dates written", DATE_FORMATS.get(mapping.date_format, "")))
    rows += [
        ("Place", column(mapping.place)),
        ("Respondent reference", column(mapping.respondent)),
        ("Friends and Family Test rating", column(mapping.rating)),
        ("Service or GP practice", column(mapping.service)),
        ("Survey", survey.title if survey else "None"),
    ]
    if batch.file_format == "csv":
        rows.append(("Text encoding", ENCODINGS.get(mapping.encoding, mapping.encoding)))
    return rows


def save_mapping(batch_id: int, mapping: Mapping) -> ImportBatch:
    batch = get_batch(batch_id)
    if batch.status not in ("uploaded", "mapped"):
        raise DomainError("This import has started: its columns can no longer be changed")
    columns = header_for(batch, mapping.encoding).columns
    for index in mapping.columns():
        if not 0 <= index < len(columns):
            raise DomainError("Choose columns that are in the file")
    if mapping.survey_id is not None and db.session.get(Survey, mapping.survey_id) is None:
        raise DomainError("Choose a survey that exists")
    batch.mapping = mapping.as_dict()
    batch.status = "mapped"
    db.session.commit()
    return batch


# --- Running ---------------------------------------------------------------------------------


def start(batch_id: int, on_error: str) -> ImportBatch:
    """Queue the import; the job reads the batch row to know what to do."""
    if on_error not in ON_ERROR:
        raise DomainError("Choose what to do if some rows have problems")
    batch = get_batch(batch_id)
    if batch.status != "mapped":
        raise DomainError("This import cannot be started: map its columns first")
    batch.on_error = on_error
    batch.status = "running"
    batch.total_rows = None
    batch.processed_rows = batch.imported_rows = batch.duplicate_rows = batch.error_rows = 0
    batch.message = None
    db.session.commit()
    _enqueue(batch.id)
    return batch


def resume(batch_id: int) -> ImportBatch:
    """Queue a running import again, for when its worker stopped; it carries on where it was."""
    batch = get_batch(batch_id)
    if batch.status != "running":
        raise DomainError("Only an import that is running can be started again")
    audit.record(db.session, "resume_import", "ImportBatch", str(batch.id))
    db.session.commit()
    _enqueue(batch.id)
    return batch


def _enqueue(batch_id: int) -> None:
    from engage.jobs.import_tasks import import_file

    import_file(batch_id)


def cancel(batch_id: int) -> ImportBatch:
    """Stop an import (comments already imported stay) and delete the uploaded file."""
    batch = get_batch(batch_id)
    if batch.status not in OPEN_STATUSES:
        raise DomainError("This import has already ended")
    was_running = batch.status == "running"
    batch.status = "cancelled"
    batch.finished_at = utcnow()
    batch.message = (
        f"Cancelled. {batch.imported_rows:,} comments imported before it stopped are kept."
        if was_running
        else "Cancelled before it started."
    )
    db.session.commit()
    _discard_upload(batch)
    return batch


def _discard_upload(batch: ImportBatch) -> None:
    # It may hold personal data: keep it no longer than the import needs it.
    with suppress(OSError):
        _path(batch).unlink(missing_ok=True)


def _actor(batch: ImportBatch) -> audit.Actor:
    user = db.session.get(User, batch.created_by_id) if batch.created_by_id else None
    return audit.Actor(user.id if user else None, user.email if user else f"import {batch.id}")


def run_import(batch_id: int) -> None:
    """The job: check every row, then import the good ones, resuming where the row says."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.status != "running":
        return  # cancelled, finished, or a duplicate message
    with audit.acting_as(_actor(batch)):
        try:
            _run(batch)
        except ImportFileError as err:
            db.session.rollback()
            _finish(batch_id, "failed", err.message)


def _run(batch: ImportBatch) -> None:
    mapping = Mapping.from_dict(batch.mapping)
    columns = header_for(batch, mapping.encoding).columns
    places = Places.load()
    if batch.total_rows is None and not _check_every_row(batch, mapping, columns, places):
        return
    batch = get_batch(batch.id)
    if batch.status != "running":
        return
    if batch.error_rows and batch.on_error == "all_or_nothing":
        _finish(
            batch.id,
            "failed",
            f"{batch.error_rows:,} of {batch.total_rows:,} rows have problems, so nothing was "
            "imported. Fix the rows listed below and upload the file again.",
        )
        return
    _import_good_rows(batch, mapping, columns, places)


def _still_running(batch_id: int) -> bool:
    status = db.session.scalar(select(ImportBatch.status).where(ImportBatch.id == batch_id))
    return status == "running"


def _check_every_row(
    batch: ImportBatch, mapping: Mapping, columns: list[str], places: Places
) -> bool:
    """First pass: count the rows and record each bad one. Restarts from the top if re-run."""
    batch_id = batch.id
    db.session.execute(delete(ImportRowError).where(ImportRowError.batch_id == batch_id))
    db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id).values(processed_rows=0, error_rows=0)
    )
    db.session.commit()
    seen = bad = 0
    errors: list[dict[str, Any]] = []
    with data_rows(batch, mapping.encoding) as stream:
        for number, cells in stream:
            row = parse_row(number, cells, mapping, places, columns)
            seen += 1
            if row.errors:
                bad += 1
                errors.extend(
                    {
                        "batch_id": batch_id,
                        "row_number": number,
                        "column": col,
                        "message": msg[:300],
                    }
                    for col, msg in row.errors
                )
            if seen % CHUNK_SIZE == 0:
                _save_check_progress(batch_id, seen, bad, errors)
                errors = []
                if not _still_running(batch_id):
                    return False
    _save_check_progress(batch_id, seen, bad, errors)
    # Switching to the import pass: the total is known, progress counts imported rows from 0.
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id, ImportBatch.status == "running")
        .values(total_rows=seen, processed_rows=0)
    )
    db.session.commit()
    return True


def _save_check_progress(batch_id: int, seen: int, bad: int, errors: list[dict[str, Any]]) -> None:
    if errors:
        db.session.execute(insert(cast(Table, ImportRowError.__table__)), errors)
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(processed_rows=seen, error_rows=bad)
    )
    db.session.commit()


def _import_good_rows(
    batch: ImportBatch, mapping: Mapping, columns: list[str], places: Places
) -> None:
    batch_id, source = batch.id, batch.source
    done = batch.processed_rows
    chunk: list[ParsedRow] = []
    with data_rows(batch, mapping.encoding) as stream:
        for index, (number, cells) in enumerate(stream):
            if index < done:
                continue  # imported by an earlier attempt
            chunk.append(parse_row(number, cells, mapping, places, columns))
            if len(chunk) == CHUNK_SIZE:
                if not _import_chunk(batch_id, source, mapping, chunk, done):
                    return
                done += len(chunk)
                chunk = []
    if chunk and not _import_chunk(batch_id, source, mapping, chunk, done):
        return
    batch = get_batch(batch_id)
    parts = [f"Imported {batch.imported_rows:,} comment{'' if batch.imported_rows == 1 else 's'}."]
    if batch.duplicate_rows:
        parts.append(f"{batch.duplicate_rows:,} rows were already in Engage and were skipped.")
    if batch.error_rows:
        parts.append(f"{batch.error_rows:,} rows had problems and were not imported.")
    _finish(batch_id, "done", " ".join(parts))


def _insert(table: Any) -> Any:
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _fill_in_ratings(values: list[dict[str, Any]]) -> None:
    """Give rows already imported without a rating or service the ones this file gives them."""
    rated = [
        {"s": v["source"], "k": v["source_key"], "r": v["fft_rating"], "v": v["service"]}
        for v in values
        if v["fft_rating"] is not None or v["service"] is not None
    ]
    if not rated:
        return
    table = cast(Table, Comment.__table__)
    db.session.execute(
        update(table)
        .where(
            table.c.source == bindparam("s"),
            table.c.source_key == bindparam("k"),
            table.c.fft_rating.is_(None),
            table.c.service.is_(None),
        )
        .values(fft_rating=bindparam("r"), service=bindparam("v")),
        rated,
    )


def _import_chunk(
    batch_id: int, source: str, mapping: Mapping, rows: list[ParsedRow], done: int
) -> bool:
    """Insert a chunk's good rows and move the progress on, in one transaction.

    The progress moves only from where this job found it, so if another copy of the job got
    there first this chunk is rolled back and this copy stops.
    """
    values = []
    now = utcnow()
    for row in rows:
        if row.errors:
            continue
        comment = prepare(
            Comment(
                source=source,
                source_key=source_key(source, row),
                survey_id=mapping.survey_id,
                original_text=row.text,
                moderation_state="pending",
                import_batch_id=batch_id,
                respondent_key=respondent_key(source, row.respondent),
                received_at=row.received_at or now,
                place_id=row.place_id,
                fft_rating=row.fft_rating,
                service=row.service,
            )
        )
        values.append(
            {
                "source": comment.source,
                "source_key": comment.source_key,
                "survey_id": comment.survey_id,
                "original_text": comment.original_text,
                "moderation_state": comment.moderation_state,
                "proposed_redaction": comment.proposed_redaction,
                "pii_kinds": comment.pii_kinds,
                "import_batch_id": batch_id,
                "respondent_key": comment.respondent_key,
                "received_at": comment.received_at,
                "place_id": comment.place_id,
                "fft_rating": comment.fft_rating,
                "service": comment.service,
            }
        )
    imported = 0
    if values:
        table = Comment.__table__
        stmt = (
            _insert(table)
            .on_conflict_do_nothing(index_elements=["source", "source_key"])
            .returning(table.c.id)
        )
        imported = len(db.session.execute(stmt, values).all())
        if imported < len(values):
            _fill_in_ratings(values)
    moved: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(ImportBatch)
        .where(
            ImportBatch.id == batch_id,
            ImportBatch.status == "running",
            ImportBatch.processed_rows == done,
        )
        .values(
            processed_rows=done + len(rows),
            imported_rows=ImportBatch.imported_rows + imported,
            duplicate_rows=ImportBatch.duplicate_rows + (len(values) - imported),
        )
    )
    if moved.rowcount != 1:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def _finish(batch_id: int, status: str, message: str) -> None:
    batch = get_batch(batch_id)
    if batch.status != "running":
        return
    batch.status = status
    batch.message = message
    batch.finished_at = utcnow()
    audit.record(
        db.session,
        f"import_{status}",
        "ImportBatch",
        str(batch.id),
        note=(
            f"{batch.imported_rows} imported, {batch.duplicate_rows} duplicates, "
            f"{batch.error_rows} rows with errors"
        ),
    )
    db.session.commit()
    _discard_upload(batch)
    log.info(
        "import %s ended %s",
        batch.id,
        status,
        extra={"imported": batch.imported_rows, "errors": batch.error_rows},
    )


# --- The error report ----------------------------------------------------------------------


def row_errors(batch_id: int, page: int = 1) -> tuple[list[ImportRowError], int]:
    where = ImportRowError.batch_id == batch_id
    total = db.session.scalar(select(func.count(ImportRowError.id)).where(where)) or 0
    rows = db.session.scalars(
        select(ImportRowError)
        .where(where)
        .order_by(ImportRowError.row_number, ImportRowError.id)
        .offset((page - 1) * ERRORS_PAGE_SIZE)
        .limit(ERRORS_PAGE_SIZE)
    )
    return list(rows), int(total)


def _csv_safe(value: str) -> str:
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def errors_csv(batch_id: int) -> Iterator[str]:
    """The error report as CSV lines, streamed from the database."""
    get_batch(batch_id)

    class _Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Line())
    yield writer.writerow(["Row", "Column", "Problem"])
    stmt = (
        select(ImportRowError.row_number, ImportRowError.column, ImportRowError.message)
        .where(ImportRowError.batch_id == batch_id)
        .order_by(ImportRowError.row_number, ImportRowError.id)
        .execution_options(yield_per=1000)
    )
    for number, column, message in db.session.execute(stmt):
        yield writer.writerow([number, _csv_safe(column or ""), _csv_safe(message)])
