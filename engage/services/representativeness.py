"""Who answered a survey, beside who lives in the ICB: so the team can target reminders.

Population figures come from two places. ``engage/data/population.csv`` ships usual-resident
totals per local authority (ONS Census 2021, TS001) typed without access to the ONS site, so
every shipped figure is marked unverified and the page says so. ``engage load-population
FILE.csv`` loads the tables the ICB downloads itself (see ``engage/data/population_sources.md``):
Census 2021 by local authority for age (TS007 or TS007A), sex (TS008) and ethnic group (TS021),
or totals (TS001), and the English Indices of Deprivation 2019 File 7 for deprivation deciles.
Figures loaded from such a file are the published ones, so they are marked as checked.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Demographics, Person, Place, PopulationFigure, Response
from engage.services.demographics import AGE_BANDS, ETHNIC_GROUPS, SEXES
from engage.services.suppression import Hidden, suppress_table

DIMENSIONS = (
    ("place", "Where they live"),
    ("age_band", "Age group"),
    ("sex", "Sex"),
    ("ethnicity", "Ethnic group"),
    ("deprivation_decile", "Deprivation decile (1 is most deprived)"),
)
# Which published table gives each dimension, for messages that say what to load.
TABLES = {
    "place": "ONS Census 2021 TS001 (usual residents)",
    "age_band": "ONS Census 2021 TS007 or TS007A (age)",
    "sex": "ONS Census 2021 TS008 (sex)",
    "ethnicity": "ONS Census 2021 TS021 (ethnic group)",
    "deprivation_decile": "the English Indices of Deprivation 2019, File 7 (deciles, population)",
}
# A group is flagged when its share of respondents is below this fraction of its population share.
UNDER_REPRESENTED_RATIO = 0.8


@dataclass
class Row:
    category: str
    responses: int | None  # None when suppressed
    share: float | None
    population_share: float | None
    under_represented: bool
    hidden: Hidden | None = None  # why responses is None: it reads "fewer than 10" or "not shown"


@dataclass
class Breakdown:
    dimension: str
    label: str
    rows: list[Row]
    unknown: int | None
    population_source: str | None
    population_verified: bool
    missing_note: str | None
    # The areas (local authorities, or for places the ICB's places) with no figure here.
    missing_areas: list[str] = field(default_factory=list)

    @property
    def protects(self) -> bool:
        """True when a count here is hidden only to protect a small one (it reads "not shown")."""
        return any(r.hidden is Hidden.PROTECTS for r in self.rows)


class PopulationFileError(ValueError):
    """A population file that cannot be loaded; the message says what is wrong and what to do."""


@dataclass
class PopulationLoad:
    source: str
    figures: int = 0
    areas: set[str] = field(default_factory=set)
    dimensions: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)  # areas in the file that are not the ICB's
    skipped: set[str] = field(default_factory=set)  # categories with no Engage equivalent
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Population figures: {self.figures} stored for {len(self.areas)} areas "
            f"({', '.join(sorted(self.dimensions))}) from {self.source}."
        ]
        if self.outside:
            lines.append(f"Left out {len(self.outside)} areas outside the ICB.")
        if self.skipped:
            lines.append(
                "Categories with no Engage group, not counted: " + ", ".join(sorted(self.skipped))
            )
        lines.extend(self.notes)
        return "\n".join(lines)


def packaged_population() -> Path:
    return Path(str(resources.files("engage") / "data" / "population.csv"))


PACKAGED_COLUMNS = {"place_code", "area_name", "dimension", "category", "count", "source"}


def load_population(path: Path | None = None) -> int:
    """Create or update figures by (area, dimension, category); return how many rows were read.

    Reads Engage's own format (the packaged file's columns); a changed source makes a figure
    unverified again, and a ``verified`` column, where given, says whether someone checked it.
    """
    with (path or packaged_population()).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = {
        (f.area_name, f.dimension, f.category): f
        for f in db.session.scalars(select(PopulationFigure))
    }
    for row in rows:
        key = (row["area_name"], row["dimension"], row["category"])
        figure = existing.get(key) or PopulationFigure(
            area_name=key[0], dimension=key[1], category=key[2]
        )
        figure.place_code = row["place_code"]
        figure.count = int(row["count"])
        if figure.source != row["source"]:
            figure.source = row["source"]
            figure.verified = False
        if (row.get("verified") or "").strip().lower() in ("yes", "true", "1"):
            figure.verified = True
        db.session.add(figure)
        existing[key] = figure
    db.session.commit()
    return len(rows)


# --- ONS-format files ----------------------------------------------------------------------------

AGE_RANGE = re.compile(r"(\d+)\s*(?:to|-)\s*(\d+)")
AGE_OVER = re.compile(r"(\d+)\s*(?:years\s*)?(?:and over|\+|or over)")
AGE_UNDER = re.compile(r"(\d+)\s*years?\s*and under|under\s*(\d+)")
AGE_ONE = re.compile(r"(\d+)\s*years?")
OLDEST = 120


def _age_span(label: str) -> tuple[int, int] | None:
    """Inclusive (youngest, oldest) ages of an ONS age category, e.g. 'Aged 15 to 19 years'."""
    text = label.lower()
    if m := AGE_RANGE.search(text):
        return int(m.group(1)), int(m.group(2))
    if m := AGE_OVER.search(text):
        return int(m.group(1)), OLDEST
    if m := AGE_UNDER.search(text):
        if m.group(1):
            return 0, int(m.group(1))
        return 0, int(m.group(2)) - 1
    if m := AGE_ONE.search(text):
        return int(m.group(1)), int(m.group(1))
    return None


def _band_span(band: str) -> tuple[int, int]:
    if band.endswith("+"):
        return int(band[:-1]), OLDEST
    low, high = band.split("-")
    return int(low), int(high)


def _age_shares(label: str) -> list[tuple[str, float]]:
    """The Engage age bands an ONS age category counts toward, with the share of it in each.

    A category that straddles a band (ages 15 to 19 against 16-24) is shared in proportion to
    the years in each, and the load says so.
    """
    span = _age_span(label)
    if span is None:
        raise PopulationFileError(f"The age category '{label}' is not one Engage can read")
    low, high = span
    years = high - low + 1
    shares = []
    for band in AGE_BANDS:
        b_low, b_high = _band_span(band)
        overlap = min(high, b_high) - max(low, b_low) + 1
        if overlap > 0:
            shares.append((band, overlap / years))
    return shares


def _ethnic_group(label: str) -> str | None:
    words = label.split(":")[0].strip().lower().split()
    if not words:
        return None
    for group in ETHNIC_GROUPS:
        if words[0].rstrip(",") == group.split()[0].lower().rstrip(","):
            return group
    return None


def _dimension_of(variable: str) -> str | None:
    v = variable.lower()
    if "ethnic" in v:
        return "ethnicity"
    if v.startswith("age"):
        return "age_band"
    if v.startswith("sex"):
        return "sex"
    if "residen" in v or "population" in v:
        return "total"
    return None


def _table_of(path: Path, dimension: str, variable: str) -> str:
    named = re.search(r"TS\d{3}[A-Z]?", path.name.upper())
    if named:
        return named.group(0)
    if dimension == "age_band":
        return "TS007" if "101" in variable else "TS007A"
    return {"sex": "TS008", "ethnicity": "TS021", "total": "TS001"}.get(dimension, "")


def _is_total(category: str) -> bool:
    c = category.strip().lower()
    return c.startswith("total") or c.startswith("all ")


def _long_rows(
    reader: csv.DictReader, columns: list[str]
) -> tuple[str, list[tuple[str, str, str, float]]]:
    """(variable, [(area code, area name, category, count)]) from an ONS custom dataset CSV."""
    codes = [c for c in columns if c.strip().lower().endswith(" code")]
    count_col = next(
        (c for c in columns if c.strip().lower() in ("observation", "count", "value")), None
    )
    if len(codes) < 1 or count_col is None:
        raise PopulationFileError(
            "This is not an ONS census table Engage can read. Expected the columns of an ONS "
            "'custom dataset' download: '<geography> Code', '<geography>', '<variable> Code', "
            f"'<variable>', 'Observation'. Its columns are: {', '.join(columns)}"
        )
    area_code, variable_code = codes[0], (codes[1] if len(codes) > 1 else None)
    area_name = area_code[: -len(" Code")].strip()
    variable = variable_code[: -len(" Code")].strip() if variable_code else "Usual residents"
    rows = []
    for line, row in enumerate(reader, start=2):
        raw = (row.get(count_col) or "").replace(",", "").strip()
        try:
            count = float(raw)
        except ValueError:
            raise PopulationFileError(
                f"Row {line}: '{raw}' in column '{count_col}' is not a number"
            ) from None
        category = (row.get(variable) or "Total") if variable_code else "Total"
        rows.append(((row.get(area_code) or "").strip(), row.get(area_name, ""), category, count))
    return variable, rows


def _imd_rows(reader: csv.DictReader, columns: list[str]) -> list[tuple[str, str, str, float]]:
    """(LAD code, LAD name, decile, population) per LSOA, from IMD 2019 File 7."""
    lower = {c.lower(): c for c in columns}
    lad = next((lower[c] for c in lower if c.startswith("local authority district code")), None)
    name = next((lower[c] for c in lower if c.startswith("local authority district name")), None)
    decile = next((lower[c] for c in lower if "(imd) decile" in c), None)
    people = next((lower[c] for c in lower if c.startswith("total population")), None)
    if not (lad and decile and people):
        raise PopulationFileError(
            "This looks like an Indices of Deprivation file, but Engage needs File 7's columns "
            "'Local Authority District code (2019)', 'Index of Multiple Deprivation (IMD) "
            "Decile (where 1 is most deprived 10% of LSOAs)' and 'Total population: mid 2015 "
            "(excluding prisoners)'"
        )
    rows = []
    for line, row in enumerate(reader, start=2):
        try:
            value = int(row[decile])
            count = float((row[people] or "").replace(",", ""))
        except (TypeError, ValueError):
            raise PopulationFileError(
                f"Row {line}: the decile or the population is not a number"
            ) from None
        if not 1 <= value <= 10:
            raise PopulationFileError(f"Row {line}: a decile must be 1 to 10, not {value}")
        rows.append((row[lad].strip(), row.get(name or "", ""), str(value), count))
    return rows


def load_population_file(path: Path) -> PopulationLoad:
    """Load an ONS table (or IMD File 7, or Engage's own format) the ICB downloaded.

    Only the ICB's local authorities (``population_areas.csv``) are kept. Loading the same file
    again changes nothing. Nothing is stored unless the whole file can be read.
    """
    from engage.services.postcodes import area_places

    places = area_places()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in (reader.fieldnames or [])]
        reader.fieldnames = columns
        if not columns:
            raise PopulationFileError("The file is empty")
        if PACKAGED_COLUMNS <= set(columns):
            n = load_population(path)
            return PopulationLoad(source=path.name, figures=n, dimensions={"(Engage format)"})
        if any("(imd) decile" in c.lower() for c in columns):
            dimension = "deprivation_decile"
            variable = "IMD decile"
            rows = _imd_rows(reader, columns)
            source = (
                "English Indices of Deprivation 2019 (MHCLG), File 7: LSOA deciles with "
                "mid-2015 population, summed by local authority"
            )
        else:
            variable, rows = _long_rows(reader, columns)
            found = _dimension_of(variable)
            if found is None:
                raise PopulationFileError(
                    f"Engage does not compare respondents by '{variable}'. Load TS001 "
                    "(residents), TS007/TS007A (age), TS008 (sex) or TS021 (ethnic group)"
                )
            dimension = found
            table = _table_of(path, dimension, variable)
            source = f"ONS Census 2021 {table} ({variable}), local authority"
    load = PopulationLoad(source=f"{source}; loaded from {path.name}")
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    names: dict[str, str] = {}
    apportioned = False
    for code, name, category, count in rows:
        if code not in places:
            load.outside.add(code)
            continue
        names[code] = (name or code).strip()
        if dimension == "total":
            # A "Total" row when the table has one; otherwise its parts (household, communal).
            part = "all" if _is_total(category) else "parts"
            totals[(code, "total", part)] += count
            continue
        if _is_total(category) or category.strip().lower() == "does not apply":
            continue
        if dimension == "age_band":
            shares = _age_shares(category)
            apportioned |= any(0 < share < 1 for _, share in shares)
            for band, share in shares:
                totals[(code, dimension, band)] += count * share
        elif dimension == "sex":
            if category.strip() in SEXES:
                totals[(code, dimension, category.strip())] += count
            else:
                load.skipped.add(category)
        elif dimension == "ethnicity":
            group = _ethnic_group(category)
            if group is None:
                load.skipped.add(category)
            else:
                totals[(code, dimension, group)] += count
        else:
            totals[(code, dimension, category)] += count
    if not totals:
        raise PopulationFileError(
            "None of the file's areas is one of the ICB's local authorities "
            f"(engage/data/population_areas.csv); it has {', '.join(sorted(load.outside)[:5])}"
            + ("..." if len(load.outside) > 5 else "")
            + ". Download the table for local authorities in Lancashire and South Cumbria"
        )
    for code in {c for c, dim, _ in totals if dim == "total"}:
        parts = totals.pop((code, "total", "parts"), None)
        if (code, "total", "all") not in totals and parts is not None:
            totals[(code, "total", "all")] = parts
    if apportioned:
        note = (
            "ages split across Engage's bands in proportion to years (e.g. 16-24 has 4/5 of 15-19)"
        )
        load.source += f"; {note}"
        load.notes.append("Note: " + note + ".")
    existing = {
        (f.area_name, f.dimension, f.category): f
        for f in db.session.scalars(select(PopulationFigure))
    }
    for (code, dim, category), value in sorted(totals.items()):
        key = (names[code], dim, category)
        figure = existing.get(key) or PopulationFigure(
            area_name=key[0], dimension=dim, category=category
        )
        figure.place_code = places[code]
        figure.count = round(value)
        # The ICB's own download of the published table: these are the published figures.
        figure.source = load.source[:300]
        figure.verified = True
        db.session.add(figure)
        load.figures += 1
        load.areas.add(names[code])
        load.dimensions.add(dim)
    db.session.commit()
    return load


def _place_resolver() -> tuple[dict[int, str], set[str]]:
    """Map each place id to the code at which population figures exist (itself or an ancestor)."""
    with_figures = set(db.session.scalars(select(PopulationFigure.place_code).distinct()))
    places = {p.id: p for p in db.session.scalars(select(Place))}
    resolved: dict[int, str] = {}
    for place_id, place in places.items():
        current: Place | None = place
        while current is not None and current.code not in with_figures:
            current = places.get(current.parent_id) if current.parent_id else None
        resolved[place_id] = current.code if current is not None else place.code
    return resolved, with_figures


def for_survey(survey_id: int) -> list[Breakdown]:
    threshold = int(current_app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"])
    submitted = (
        select(
            Response.id,
            Response.place_id,
            Response.person_id,
            Response.deprivation_decile.label("postcode_decile"),
        )
        .where(Response.survey_id == survey_id, Response.status == "submitted")
        .subquery()
    )
    demo_rows = db.session.execute(
        select(
            submitted.c.place_id,
            Demographics.age_band,
            Demographics.sex,
            Demographics.ethnicity,
            Demographics.deprivation_decile,
            submitted.c.postcode_decile,
        )
        .select_from(submitted)
        .outerjoin(Person, Person.id == submitted.c.person_id)
        .outerjoin(Demographics, Demographics.person_id == Person.id)
    ).all()
    resolve, _ = _place_resolver()
    names = {code: name for code, name in db.session.execute(select(Place.code, Place.name))}
    breakdowns = []
    for dimension, label in DIMENSIONS:
        counts: dict[str, int] = {}
        unknown = 0
        for row in demo_rows:
            if dimension == "place":
                value = names.get(resolve.get(row.place_id, "")) if row.place_id else None
            else:
                raw = getattr(row, dimension)
                if raw is None and dimension == "deprivation_decile":
                    raw = row.postcode_decile  # from the postcode they gave in the survey
                value = str(raw) if raw is not None else None
            if value is None or value == "Prefer not to say":
                unknown += 1
            else:
                counts[value] = counts.get(value, 0) + 1
        breakdowns.append(_breakdown(dimension, label, counts, unknown, threshold, names))
    return breakdowns


def _population(
    dimension: str, names: dict[str, str]
) -> tuple[dict[str, int], str | None, bool, set[str]]:
    """Population per category, its sources, whether all are checked, and the areas covered."""
    figures = list(
        db.session.scalars(
            select(PopulationFigure).where(
                PopulationFigure.dimension == ("total" if dimension == "place" else dimension)
            )
        )
    )
    totals: dict[str, int] = {}
    for f in figures:
        key = names.get(f.place_code, f.place_code) if dimension == "place" else f.category
        totals[key] = totals.get(key, 0) + f.count
    source = "; ".join(sorted({f.source for f in figures})) or None
    verified = bool(figures) and all(f.verified for f in figures)
    return totals, source, verified, {f.area_name for f in figures}


def _known_areas() -> list[str]:
    """Every area any figure is held for: the yardstick for which figures are missing."""
    return sorted(set(db.session.scalars(select(PopulationFigure.area_name).distinct())))


def _places_without_figures() -> list[str]:
    """The ICB's smallest places (no children) with no total figure for them or above them."""
    places = list(db.session.scalars(select(Place).where(Place.kind.in_(("place", "footprint")))))
    with_figures = set(
        db.session.scalars(
            select(PopulationFigure.place_code).where(PopulationFigure.dimension == "total")
        )
    )
    parents = {p.parent_id for p in places}
    by_id = {p.id: p for p in db.session.scalars(select(Place))}
    missing = []
    for place in places:
        if place.id in parents:
            continue
        current: Place | None = place
        while current is not None and current.code not in with_figures:
            current = by_id.get(current.parent_id) if current.parent_id else None
        if current is None:
            missing.append(place.name)
    return sorted(missing)


def _missing_note(dimension: str, label: str, covered: set[str]) -> tuple[str | None, list[str]]:
    """What the page must say about figures that are not loaded, naming every gap."""
    how = f"Load {TABLES[dimension]} with 'engage load-population FILE.csv'."
    if dimension == "place":
        missing = _places_without_figures()
        if not covered:
            return (
                f"No population figures are loaded for {label.lower()}, so under-representation "
                f"cannot be judged. {how}",
                missing,
            )
        if missing:
            return (
                "No population figures are loaded for " + ", ".join(missing) + ", so their "
                f"share of the population is not available. {how}",
                missing,
            )
        return None, []
    if not covered:
        return (
            f"No population figures are loaded for {label.lower()}, so under-representation "
            f"cannot be judged. {how}",
            _known_areas(),
        )
    missing = [a for a in _known_areas() if a not in covered]
    if missing:
        return (
            f"Population figures for {label.lower()} are missing for "
            + ", ".join(missing)
            + ", so the population shares below count only "
            + ", ".join(sorted(covered))
            + f". {how}",
            missing,
        )
    return None, []


def _breakdown(
    dimension: str,
    label: str,
    counts: dict[str, int],
    unknown: int,
    threshold: int,
    names: dict[str, str],
) -> Breakdown:
    population, source, verified, covered = _population(dimension, names)
    known = sum(counts.values())
    pop_total = sum(population.values())
    categories = sorted(set(counts) | set(population), key=_category_order(dimension))
    # Each share gives away the total (responses / share), so a group hidden on its own could
    # be worked out from it: suppress the counts as a table beside that total.
    table = suppress_table([(c, counts.get(c, 0)) for c in categories], known, threshold)
    shares_shown = table.total is not None and any(c.value for c in table.cells)
    rows = []
    for category, cell in zip(categories, table.cells, strict=True):
        n = counts.get(category, 0)
        share = n / known if known else None
        pop_share = (
            population[category] / pop_total if category in population and pop_total else None
        )
        flagged = (
            pop_share is not None
            and share is not None
            and share < UNDER_REPRESENTED_RATIO * pop_share
        )
        shown_share = share if cell.value is not None and shares_shown else None
        rows.append(Row(category, cell.value, shown_share, pop_share, flagged, cell.hidden))
    note, missing = _missing_note(dimension, label, covered)
    return Breakdown(
        dimension,
        label,
        rows,
        None if 0 < unknown < threshold else unknown,
        source,
        verified,
        note,
        missing,
    )


def _category_order(dimension: str) -> Callable[[str], tuple[int, int | str]]:
    """Deciles in number order (10 after 9), everything else alphabetically."""
    if dimension == "deprivation_decile":
        return lambda c: (0, int(c)) if str(c).isdigit() else (1, str(c))
    return lambda c: (0, str(c))


def surveys_with_responses() -> list[tuple[int, str, int]]:
    from engage.models import Survey

    rows = db.session.execute(
        select(Survey.id, Survey.title, func.count(Response.id))
        .join(Response, Response.survey_id == Survey.id)
        .where(Response.status == "submitted")
        .group_by(Survey.id, Survey.title)
        .order_by(Survey.title)
    )
    return [(i, t, int(n)) for i, t, n in rows]
