"""Population figures for "who is responding": shipped ones say they are unverified, the ICB
loads the published ONS tables itself, and the page names exactly which figures are missing.

The files here are small synthetic ones in the ONS layouts, written by the tests.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Place, PopulationFigure, Response, Role
from engage.services import representativeness as rep
from tests.factories import create_survey

GEO = ["Lower tier local authorities Code", "Lower tier local authorities"]
AREAS = [("E06000009", "Blackpool"), ("E07000117", "Burnley"), ("E08000001", "Bolton")]
AGES_18 = [
    "Aged 4 years and under", "Aged 5 to 9 years", "Aged 10 to 14 years", "Aged 15 to 19 years",
    "Aged 20 to 24 years", "Aged 25 to 29 years", "Aged 30 to 34 years", "Aged 35 to 39 years",
    "Aged 40 to 44 years", "Aged 45 to 49 years", "Aged 50 to 54 years", "Aged 55 to 59 years",
    "Aged 60 to 64 years", "Aged 65 to 69 years", "Aged 70 to 74 years", "Aged 75 to 79 years",
    "Aged 80 to 84 years", "Aged 85 years and over",
]  # fmt: skip


def _custom_dataset(path: Path, variable: str, categories: list[str], count) -> Path:
    """An ONS 'create a custom dataset' CSV: one row per area and category."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*GEO, f"{variable} Code", variable, "Observation"])
        for code, name in AREAS:
            for i, category in enumerate(categories, start=1):
                writer.writerow([code, name, i, category, count(name, category)])
    return path


def _figures(dimension: str) -> dict[tuple[str, str], PopulationFigure]:
    rows = db.session.scalars(
        select(PopulationFigure).where(PopulationFigure.dimension == dimension)
    )
    return {(f.area_name, f.category): f for f in rows}


def test_shipped_figures_name_their_census_table_and_say_they_are_unchecked(app, runner):
    result = runner.invoke(args=["load-population"])
    assert result.exit_code == 0 and "marked unverified" in result.output
    figures = list(db.session.scalars(select(PopulationFigure)))
    assert len(figures) == 16
    assert all("ONS Census 2021" in f.source and "(TS001)" in f.source for f in figures)
    assert all("not yet checked" in f.source and not f.verified for f in figures)


def test_an_ons_age_table_is_added_up_into_engages_bands_and_loads_idempotently(
    app, runner, tmp_path
):
    path = _custom_dataset(
        tmp_path / "TS007A-2021-ltla.csv", "Age (18 categories)", AGES_18, lambda n, c: 1000
    )
    first = runner.invoke(args=["load-population", str(path)])
    assert first.exit_code == 0, first.output
    assert "stored for 2 areas (age_band)" in first.output and "1 areas outside the ICB" in (
        first.output
    )
    assert "16-24 has 4/5 of 15-19" in first.output, "an estimate is said to be one"
    ages = _figures("age_band")
    assert ages[("Blackpool", "16-24")].count == 800 + 1000
    assert ages[("Blackpool", "25-34")].count == 2000
    assert ages[("Burnley", "75+")].count == 3000
    assert {a for a, _ in ages} == {"Blackpool", "Burnley"}, "Bolton is not the ICB's"
    figure = ages[("Blackpool", "16-24")]
    assert figure.place_code == "BPL" and figure.verified
    assert figure.source.startswith("ONS Census 2021 TS007A (Age (18 categories))")

    again = runner.invoke(args=["load-population", str(path)])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(PopulationFigure)) == 14
    assert _figures("age_band")[("Blackpool", "16-24")].count == 1800


def test_single_years_of_age_need_no_estimate(app, tmp_path):
    years = ["Aged under 1 year"] + [f"Aged {n} years" for n in range(1, 100)]
    years.append("Aged 100 years and over")
    path = _custom_dataset(tmp_path / "ts007.csv", "Age (101 categories)", years, lambda n, c: 10)
    load = rep.load_population_file(path)
    assert not load.notes
    assert _figures("age_band")[("Burnley", "16-24")].count == 90
    assert _figures("age_band")[("Burnley", "75+")].count == 260
    assert "TS007 " in load.source


def test_sex_and_ethnic_group_tables_map_to_engages_categories(app, tmp_path):
    rep.load_population_file(
        _custom_dataset(
            tmp_path / "ts008.csv",
            "Sex (2 categories)",
            ["Female", "Male"],
            lambda n, c: 500 if c == "Female" else 480,
        )  # fmt: skip
    )
    assert _figures("sex")[("Blackpool", "Female")].count == 500
    ethnic = [
        "Does not apply",
        "Asian, Asian British or Asian Welsh: Bangladeshi",
        "Asian, Asian British or Asian Welsh: Indian",
        "Black, Black British, Black Welsh, Caribbean or African: African",
        "Mixed or Multiple ethnic groups: White and Asian",
        "White: English, Welsh, Scottish, Northern Irish or British",
        "Other ethnic group: Arab",
    ]
    load = rep.load_population_file(
        _custom_dataset(
            tmp_path / "TS021.csv", "Ethnic group (20 categories)", ethnic, lambda n, c: 7
        )  # fmt: skip
    )
    groups = _figures("ethnicity")
    assert groups[("Burnley", "Asian or Asian British")].count == 14
    assert groups[("Burnley", "White")].count == 7
    assert len({c for _, c in groups}) == 5 and "TS021" in load.source


def test_census_totals_replace_the_shipped_figure_as_checked(app, tmp_path):
    rep.load_population()
    path = _custom_dataset(
        tmp_path / "residents.csv",
        "Residence type (2 categories)",
        ["Lives in a household", "Lives in a communal establishment"],
        lambda n, c: 139000 if "household" in c else 2000,
    )
    rep.load_population_file(path)
    blackpool = _figures("total")[("Blackpool", "all")]
    assert blackpool.count == 141000, "household and communal residents are added"
    assert blackpool.verified and "TS001" in blackpool.source


def test_imd_file_7_gives_the_population_of_each_decile(app, tmp_path):
    path = tmp_path / "File_7_IoD2019.csv"
    decile_column = (
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    )
    header = [
        "LSOA code (2011)",
        "LSOA name (2011)",
        "Local Authority District code (2019)",
        "Local Authority District name (2019)",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        decile_column,
        "Total population: mid 2015 (excluding prisoners)",
    ]
    lsoas = [
        ("E01012670", "Blackpool 010A", "1", "1", "1,500"),
        ("E01012671", "Blackpool 010B", "9", "1", "1600"),
        ("E01012672", "Blackpool 011A", "30000", "10", "1400"),
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for code, name, rank, decile, people in lsoas:
            writer.writerow([code, name, "E06000009", "Blackpool", rank, decile, people])
    rep.load_population_file(path)
    deciles = _figures("deprivation_decile")
    assert deciles[("Blackpool", "1")].count == 3100 and deciles[("Blackpool", "10")].count == 1400
    assert "Indices of Deprivation 2019" in deciles[("Blackpool", "1")].source


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty"),
        ("area,people\nBlackpool,3\n", "This is not an ONS census table Engage can read"),
        (
            "Lower tier local authorities Code,Lower tier local authorities,Observation\n"
            "E06000009,Blackpool,lots\n",
            "Row 2: 'lots' in column 'Observation' is not a number",
        ),
        (
            "Lower tier local authorities Code,Lower tier local authorities,"
            "Religion (10 categories) Code,Religion (10 categories),Observation\n"
            "E06000009,Blackpool,1,No religion,10\n",
            "Engage does not compare respondents by 'Religion (10 categories)'",
        ),
        (
            "Lower tier local authorities Code,Lower tier local authorities,Observation\n"
            "E08000001,Bolton,10\n",
            "None of the file's areas is one of the ICB's local authorities",
        ),
    ],
)
def test_a_file_engage_cannot_use_is_refused_saying_why_and_nothing_is_stored(
    app, runner, tmp_path, content, message
):
    path = tmp_path / "figures.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["load-population", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(PopulationFigure)) == 0


# --- the page says exactly which figures are missing --------------------------------------------


def _world() -> dict[str, Place]:
    lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    lan = Place(code="LAN", name="Lancashire", kind="place", parent=lsc)
    places = {
        "BPL": Place(code="BPL", name="Blackpool", kind="place", parent=lsc),
        "ELA": Place(code="ELA", name="East Lancashire (Pennine)", kind="footprint", parent=lan),
        "NEW": Place(code="NEW", name="A new neighbourhood", kind="footprint", parent=lan),
    }
    db.session.add_all([lsc, lan, *places.values()])
    db.session.commit()
    return places


def _respond(survey, place: Place, n: int, decile: int | None = None) -> None:
    for i in range(n):
        db.session.add(
            Response(
                survey_id=survey.id,
                reference=f"R{place.code}{decile}{i}",
                status="submitted",
                place_id=place.id,
                deprivation_decile=decile,
                submitted_at=date(2026, 10, 1),
            )
        )
    db.session.commit()


def test_the_page_names_every_area_whose_figures_are_missing(app, client, auth, tmp_path):
    places = _world()
    rep.load_population()
    rep.load_population_file(
        _custom_dataset(tmp_path / "TS007A.csv", "Age (18 categories)", AGES_18, lambda n, c: 100)
    )
    survey = create_survey()
    _respond(survey, places["BPL"], 12)
    breakdowns = {b.dimension: b for b in rep.for_survey(survey.id)}

    age = breakdowns["age_band"]
    assert "Blackpool" not in age.missing_areas and "Burnley" not in age.missing_areas
    assert "Preston" in age.missing_areas and len(age.missing_areas) == 14
    assert "Population figures for age group are missing for Barrow-in-Furness" in age.missing_note
    assert "count only Blackpool, Burnley" in age.missing_note
    assert "TS007 or TS007A" in age.missing_note

    sex = breakdowns["sex"]
    assert sex.missing_note.startswith("No population figures are loaded for sex")
    assert "ONS Census 2021 TS008" in sex.missing_note and len(sex.missing_areas) == 16

    place = breakdowns["place"]
    assert place.missing_areas == ["A new neighbourhood"], "a place with no figure is named"

    auth.login(Role.ENGAGEMENT)
    html = client.get(f"/staff/insight/representativeness/{survey.id}").get_data(as_text=True)
    assert "No population figures are loaded for A new neighbourhood" in html
    assert "Population figures for age group are missing for Barrow-in-Furness" in html
    assert "have not yet been checked against the published source" in html


def test_respondents_decile_from_their_postcode_is_counted(app):
    places = _world()
    survey = create_survey()
    _respond(survey, places["BPL"], 11, decile=1)
    _respond(survey, places["BPL"], 10, decile=10)
    decile = next(b for b in rep.for_survey(survey.id) if b.dimension == "deprivation_decile")
    rows = {r.category: r.responses for r in decile.rows}
    assert rows == {"1": 11, "10": 10}
    assert [r.category for r in decile.rows] == ["1", "10"]
