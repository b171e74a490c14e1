"""Who answered a survey, beside who lives in the ICB: so the team can target reminders."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Demographics, Person, Place, PopulationFigure, Response

DIMENSIONS = (
    ("place", "Where they live"),
    ("age_band", "Age group"),
    ("sex", "Sex"),
    ("ethnicity", "Ethnic group"),
    ("deprivation_decile", "Deprivation decile (1 is most deprived)"),
)
# A group is flagged when its share of respondents is below this fraction of its population share.
UNDER_REPRESENTED_RATIO = 0.8


@dataclass
class Row:
    category: str
    responses: int | None  # None when suppressed as a small number
    share: float | None
    population_share: float | None
    under_represented: bool


@dataclass
class Breakdown:
    dimension: str
    label: str
    rows: list[Row]
    unknown: int | None
    population_source: str | None
    population_verified: bool
    missing_note: str | None


def packaged_population() -> Path:
    return Path(str(resources.files("engage") / "data" / "population.csv"))


def load_population(path: Path | None = None) -> int:
    """Create or update figures by (area, dimension, category); return how many rows were read."""
    rows = list(csv.DictReader((path or packaged_population()).open(encoding="utf-8")))
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
        db.session.add(figure)
    db.session.commit()
    return len(rows)


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
        select(Response.id, Response.place_id, Response.person_id)
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
                value = str(raw) if raw is not None else None
            if value is None or value == "Prefer not to say":
                unknown += 1
            else:
                counts[value] = counts.get(value, 0) + 1
        breakdowns.append(_breakdown(dimension, label, counts, unknown, threshold, names))
    return breakdowns


def _population(dimension: str, names: dict[str, str]) -> tuple[dict[str, int], str | None, bool]:
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
    return totals, source, bool(figures) and all(f.verified for f in figures)


def _breakdown(
    dimension: str,
    label: str,
    counts: dict[str, int],
    unknown: int,
    threshold: int,
    names: dict[str, str],
) -> Breakdown:
    population, source, verified = _population(dimension, names)
    known = sum(counts.values())
    pop_total = sum(population.values())
    rows = []
    for category in sorted(set(counts) | set(population)):
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
        small = 0 < n < threshold
        rows.append(
            Row(category, None if small else n, None if small else share, pop_share, flagged)
        )
    note = (
        None
        if population
        else (
            f"No population figures are loaded for {label.lower()}, so under-representation "
            "cannot be judged. Load them with 'engage load-population'."
        )
    )
    return Breakdown(
        dimension, label, rows, None if 0 < unknown < threshold else unknown, source, verified, note
    )


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
