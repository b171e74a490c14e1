"""Postcode to place and deprivation decile, from the ONS postcode directory the ICB downloads.

``engage load-postcodes FILE.csv`` imports the National Statistics Postcode Lookup (NSPL) or
the ONS Postcode Directory (ONSPD): both are CSV files with one row per postcode. The columns
read are

- the postcode: ``pcds`` (e.g. ``PR1 8XY``), or ``pcd``, ``pcd7`` or ``pcd8``;
- the local authority district: ``laua`` (NSPL), ``oslaua`` (ONSPD), or ``lad``/``ladNNcd``;
- the LSOA, optional: ``lsoa21`` or ``lsoa11`` (or ``lsoa21cd``/``lsoa11cd``);
- the deprivation rank, optional: ``imd``, the LSOA's rank in the English Index of Multiple
  Deprivation 2019 (1 is the most deprived of 32,844 LSOAs), turned into a decile here;
- the ICB, optional: ``icb``, used only with ``--icb`` to keep one ICB's postcodes.

Nothing is downloaded: pgeocode and the like fetch data at run time, which a server without
internet cannot do. The file is read as a stream, a batch at a time, so the 2.7 million rows of
the whole country need little memory. A load replaces the whole lookup in one transaction, so
loading the same file again changes nothing.

A local authority becomes one of the ICB's places through ``engage/data/population_areas.csv``.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import delete, insert, select

from engage.extensions import db
from engage.models import Demographics, Person, Place, PostcodeLookup, Response

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8")
LAD_COLUMNS = ("laua", "oslaua", "lad", "lad25cd", "lad24cd", "lad23cd", "lad22cd", "lad21cd")
LSOA_COLUMNS = ("lsoa21", "lsoa11", "lsoa21cd", "lsoa11cd")
IMD_COLUMN = "imd"
ICB_COLUMN = "icb"
# The English Indices of Deprivation 2019 rank 32,844 LSOAs (2011 boundaries).
IMD_2019_LSOAS = 32_844
BATCH = 5_000
MAX_PROBLEMS_SHOWN = 10
# A full UK postcode: outward code (area letters, district) and inward code (sector, unit).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


class PostcodeFileError(ValueError):
    """A postcode file that cannot be loaded at all; the message says what to do."""


@dataclass
class LoadResult:
    read: int = 0
    stored: int = 0
    outside: int = 0  # rows left out because they are not in the ICB's areas (or --icb)
    problems: list[str] = field(default_factory=list)  # first few bad rows, by row number
    bad_rows: int = 0
    # Districts with postcodes both inside and outside the ICB's areas (LA2, LA6): see lookup.
    crossing: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Postcodes: {self.read:,} rows read, {self.stored:,} stored, "
            f"{self.outside:,} outside the ICB's areas left out, {self.bad_rows:,} rows skipped."
        ]
        if self.crossing:
            shown = ", ".join(self.crossing[:MAX_PROBLEMS_SHOWN])
            more = ", ..." if len(self.crossing) > MAX_PROBLEMS_SHOWN else ""
            lines.append(
                f"{len(self.crossing):,} postcode districts cross the edge of the ICB's areas "
                f"({shown}{more}): a district given alone there gets no place."
            )
        if self.problems:
            lines.append("Skipped rows:")
            lines.extend(f"  {p}" for p in self.problems)
            if self.bad_rows > len(self.problems):
                lines.append(f"  ...and {self.bad_rows - len(self.problems):,} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class Found:
    """What a postcode tells about where a resident lives."""

    district: str | None
    place_id: int | None = None
    imd_decile: int | None = None
    exact: bool = False  # the full postcode is in the lookup (not only its district)


def normalise(postcode: str | None) -> str | None:
    """``pr1 8xy`` -> ``PR18XY``; None unless it is a full postcode."""
    compact = re.sub(r"\s+", "", (postcode or "")).upper()
    return compact if POSTCODE.match(compact) else None


def district_of(postcode: str | None) -> str | None:
    """The outward code of a full postcode (``PR1 8XY`` -> ``PR1``), or a district typed alone."""
    compact = re.sub(r"\s+", "", (postcode or "")).upper()
    full = POSTCODE.match(compact)
    if full:
        return full.group(1)
    return compact if DISTRICT.match(compact) else None


def imd_decile(rank: int, lsoas: int = IMD_2019_LSOAS) -> int:
    """The decile of an IMD rank: 1 for the most deprived tenth of LSOAs, 10 for the least."""
    if not 1 <= rank <= lsoas:
        raise ValueError(f"an IMD rank must be between 1 and {lsoas:,}")
    return (rank * 10 + lsoas - 1) // lsoas  # the ceiling of rank / (lsoas / 10)


def area_places(path: Path | None = None) -> dict[str, str]:
    """Local authority district code -> the code of the ICB place it belongs to."""
    if path is None:
        return dict(_packaged_area_places())  # read once a process: it ships with the code
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["lad_code"].strip(): row["place_code"].strip()
            for row in csv.DictReader(handle)
            if row.get("lad_code") and row.get("place_code")
        }


@functools.cache
def _packaged_area_places() -> dict[str, str]:
    return area_places(Path(str(resources.files("engage") / "data" / "population_areas.csv")))


def _pick(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    return next((lowered[w] for w in wanted if w in lowered), None)


def _batches(rows: Iterator[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    batch: list[dict[str, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_lookup(
    path: Path,
    icb: str | None = None,
    all_areas: bool = False,
    imd_lsoas: int = IMD_2019_LSOAS,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Replace the lookup with the rows of an NSPL/ONSPD file; return what happened.

    By default only postcodes in a local authority of ``population_areas.csv`` are kept;
    ``all_areas`` keeps every postcode, ``icb`` keeps only that ICB's (needs an ``icb`` column).
    A row that cannot be read is skipped and named; a file without a postcode column, or with
    none of the columns that say where a postcode is, is refused before anything is stored.

    The whole table is replaced in one transaction: rows of an earlier load (say, one without
    ``--icb``) do not linger, and a load that fails, or stores nothing, leaves the old table.
    """
    areas = area_places()
    result = LoadResult()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        postcode_col = _pick(columns, POSTCODE_COLUMNS)
        lad_col = _pick(columns, LAD_COLUMNS)
        lsoa_col = _pick(columns, LSOA_COLUMNS)
        imd_col = _pick(columns, (IMD_COLUMN,))
        icb_col = _pick(columns, (ICB_COLUMN,))
        shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "") or "none"
        if postcode_col is None:
            raise PostcodeFileError(
                "The file has no postcode column: expected one of "
                f"{', '.join(POSTCODE_COLUMNS)} (as in the ONS NSPL or ONSPD). "
                f"Its columns are: {shown}"
            )
        if lad_col is None and imd_col is None:
            raise PostcodeFileError(
                "The file says nothing about where each postcode is: expected a local "
                f"authority column ({', '.join(LAD_COLUMNS[:3])}) or an 'imd' column. "
                f"Its columns are: {shown}"
            )
        if icb and icb_col is None:
            raise PostcodeFileError(
                f"--icb {icb} needs an 'icb' column, and the file has none. Its columns are: "
                f"{shown}"
            )
        if lad_col is None and not all_areas:
            raise PostcodeFileError(
                "Without a local authority column the ICB's postcodes cannot be picked out: "
                "use a file with 'laua' (or 'oslaua'), or pass --all-areas to keep every row"
            )

        def problem(line: int, message: str) -> None:
            result.bad_rows += 1
            if len(result.problems) < MAX_PROBLEMS_SHOWN:
                result.problems.append(f"row {line}: {message}")

        kept_districts: set[str] = set()
        outside_in: dict[str, str] = {}  # district -> one of its postcodes left out
        line = 1  # the header
        try:
            db.session.execute(delete(PostcodeLookup))
            for batch in _batches(iter(reader), BATCH):
                keep: dict[str, dict[str, object]] = {}
                for row in batch:
                    line += 1
                    result.read += 1
                    raw = (row.get(postcode_col) or "").strip()
                    postcode = normalise(raw)
                    if postcode is None:
                        problem(line, f"'{raw}' is not a full postcode")
                        continue
                    district = district_of(postcode) or ""
                    lad = (row.get(lad_col) or "").strip() if lad_col else ""
                    if (icb and (row.get(icb_col or "") or "").strip() != icb) or (
                        not all_areas and lad not in areas
                    ):
                        result.outside += 1
                        outside_in.setdefault(district, postcode)
                        continue
                    decile = None
                    rank_text = (row.get(imd_col) or "").strip() if imd_col else ""
                    # The IMD is England's; NSPL gives other nations' own ranks, not comparable.
                    if rank_text and (lad.startswith("E") or not lad):
                        try:
                            decile = imd_decile(int(rank_text), imd_lsoas)
                        except ValueError as err:
                            problem(line, f"imd '{rank_text}' is not a rank: {err}")
                            continue
                    kept_districts.add(district)
                    keep[postcode] = {
                        "postcode": postcode,
                        "district": district,
                        "lad_code": lad or None,
                        "lsoa_code": ((row.get(lsoa_col) or "").strip() or None)
                        if lsoa_col
                        else None,
                        "imd_decile": decile,
                    }
                if keep:
                    # A postcode listed twice: the later row is the one kept.
                    db.session.execute(
                        delete(PostcodeLookup).where(PostcodeLookup.postcode.in_(list(keep)))
                    )
                    db.session.execute(insert(PostcodeLookup), list(keep.values()))
                    result.stored += len(keep)
                if progress is not None:
                    progress(result.read)
            result.crossing = sorted(kept_districts & set(outside_in))
            _mark_crossing(result.crossing, outside_in)
        except BaseException:
            db.session.rollback()
            raise
    if result.stored:
        db.session.commit()
    else:
        db.session.rollback()  # nothing of the ICB's in the file: keep the lookup there was
    return result


def _mark_crossing(districts: list[str], outside_in: dict[str, str]) -> None:
    """Keep one postcode outside the ICB's areas from each district that crosses their edge.

    Stored with no local authority, so it gives no place: the district then has postcodes in
    more than one place, and ``lookup`` gives a resident who named only the district none,
    rather than the place of its postcodes inside.
    """
    marks = {outside_in[d]: d for d in districts}
    taken = set(
        db.session.scalars(
            select(PostcodeLookup.postcode).where(PostcodeLookup.postcode.in_(list(marks)))
        )
    )
    rows = [{"postcode": p, "district": d} for p, d in marks.items() if p not in taken]
    if rows:
        db.session.execute(insert(PostcodeLookup), rows)


def lookup(postcode: str | None) -> Found:
    """The place and deprivation decile of a postcode, as far as the loaded lookup knows.

    A full postcode in the lookup gives its place and decile. Otherwise its district (the
    part before the space) gives a place when every postcode of that district lies in the same
    place; a district that crosses the edge of the ICB's areas (LA2 and LA6 reach into North
    Yorkshire) gives none, rather than the place of its postcodes inside. A decile needs the
    full postcode.
    """
    district = district_of(postcode)
    if district is None:
        return Found(None)
    codes = _packaged_area_places()

    def place_id(code: str | None) -> int | None:
        return db.session.scalar(select(Place.id).where(Place.code == code)) if code else None

    compact = normalise(postcode)
    row = db.session.get(PostcodeLookup, compact) if compact else None
    if row is not None:
        return Found(district, place_id(codes.get(row.lad_code or "")), row.imd_decile, exact=True)
    lads = set(
        db.session.scalars(
            select(PostcodeLookup.lad_code).where(PostcodeLookup.district == district).distinct()
        )
    )
    places = {codes.get(lad or "") for lad in lads}
    if len(places) == 1:
        (only,) = places
        return Found(district, place_id(only))
    return Found(district)


def fill_response(response: Response) -> None:
    """Give a response the place, decile and district of its postcode answer (not committed).

    A place already known (a panel member's own, or an invitation's) is kept; so is a decile.
    """
    from engage.models import Answer, Question

    value = db.session.scalar(
        select(Answer.value)
        .join(Question, Answer.question_id == Question.id)
        .where(Answer.response_id == response.id, Question.kind == "postcode")
        .limit(1)
    )
    if not isinstance(value, str) or not value.strip():
        return
    found = lookup(value)
    response.postcode_district = found.district
    if response.place_id is None and found.place_id is not None:
        response.place_id = found.place_id
    if response.deprivation_decile is None and found.imd_decile is not None:
        response.deprivation_decile = found.imd_decile


def fill_person(person: Person) -> None:
    """Give a new panel member the place of their postcode when they chose none (not committed).

    The decile is kept only beside demographics they agreed to give.
    """
    if not person.postcode:
        return
    found = lookup(person.postcode)
    if person.place_id is None and found.place_id is not None:
        person.place_id = found.place_id
    demographics: Demographics | None = person.demographics
    if demographics is not None and demographics.deprivation_decile is None:
        demographics.deprivation_decile = found.imd_decile
