"""Who answered a survey, beside the population, with under-represented groups flagged."""

from __future__ import annotations

from datetime import date

from engage.extensions import db
from engage.models import Demographics, Person, Place, Response, Role
from engage.services import representativeness as rep
from engage.services.suppression import Hidden
from tests.factories import create_survey


def _world():
    lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    bpl = Place(code="BPL", name="Blackpool", kind="place", parent=lsc)
    lan = Place(code="LAN", name="Lancashire", kind="place", parent=lsc)
    ela = Place(code="ELA", name="East Lancashire (Pennine)", kind="footprint", parent=lan)
    db.session.add_all([lsc, bpl, lan, ela])
    db.session.commit()
    rep.load_population()
    return bpl, ela


def _responses(survey, place, n, age_band=None):
    for i in range(n):
        person = None
        if age_band:
            person = Person(ref=f"{place.code}-{age_band}-{i}")
            person.demographics = Demographics(age_band=age_band)
            db.session.add(person)
            db.session.flush()
        db.session.add(
            Response(
                survey_id=survey.id,
                reference=f"R{place.code}{age_band}{i}",
                status="submitted",
                place_id=place.id,
                person_id=person.id if person else None,
                submitted_at=date(2026, 10, 1),
            )
        )
    db.session.commit()


def test_places_are_compared_with_census_shares_and_gaps_flagged(app):
    bpl, ela = _world()
    survey = create_survey()
    _responses(survey, bpl, 40)
    _responses(survey, ela, 12)
    place = next(b for b in rep.for_survey(survey.id) if b.dimension == "place")
    rows = {r.category: r for r in place.rows}
    assert rows["Blackpool"].responses == 40 and rows["East Lancashire (Pennine)"].responses == 12
    assert rows["Blackpool"].population_share is not None
    assert not rows["Blackpool"].under_represented
    assert not rows["East Lancashire (Pennine)"].under_represented, "23% vs 24% is close enough"
    # Central Lancashire (no Place row here, so shown by code) has people but no respondents.
    assert rows["CLA"].responses == 0 and rows["CLA"].under_represented
    assert "ONS Census 2021" in place.population_source
    assert place.population_verified is False, "unchecked figures must say so"


def test_small_counts_are_suppressed_and_missing_population_is_said(app):
    bpl, _ = _world()
    survey = create_survey()
    _responses(survey, bpl, 40, age_band="25-34")
    _responses(survey, bpl, 12, age_band="45-54")
    _responses(survey, bpl, 3, age_band="75+")
    age = next(b for b in rep.for_survey(survey.id) if b.dimension == "age_band")
    rows = {r.category: r for r in age.rows}
    assert rows["45-54"].responses == 12
    assert rows["75+"].responses is None and rows["75+"].share is None, "3 is below 10"
    assert rows["75+"].hidden is Hidden.SMALL
    assert "No population figures are loaded for age group" in age.missing_note


def test_a_group_alone_under_ten_cannot_be_worked_out_from_the_shares(app, client, auth):
    bpl, _ = _world()
    survey = create_survey()
    _responses(survey, bpl, 40, age_band="25-34")
    _responses(survey, bpl, 3, age_band="75+")
    age = next(b for b in rep.for_survey(survey.id) if b.dimension == "age_band")
    rows = {r.category: r for r in age.rows}
    # "40 is 93% of those who said" gives 43, and so the 3, unless the 40 is hidden too.
    assert rows["25-34"].responses is None and rows["25-34"].share is None
    assert rows["25-34"].hidden is Hidden.PROTECTS and rows["75+"].hidden is Hidden.SMALL
    assert all(r.share in (None, 0) for r in age.rows), "no share gives the total away"
    auth.login(Role.ENGAGEMENT)
    html = client.get(f"/staff/insight/representativeness/{survey.id}").get_data(as_text=True)
    table = html.split("<h2>Age group</h2>")[1].split("<h2>")[0]
    assert ">75+</th>" in table and "fewer than 10" in table, "the 3 is small"
    assert "not shown" in table and ">40<" not in table, "the 40 is not said to be small"
    assert "cannot be worked out from the shares" in table


def test_the_team_sees_the_page_and_others_do_not(app, client, auth):
    bpl, _ = _world()
    survey = create_survey()
    _responses(survey, bpl, 15)
    auth.login(Role.ENGAGEMENT)
    html = client.get(f"/staff/insight/representativeness/{survey.id}").get_data(as_text=True)
    assert "Blackpool" in html and "Share of population" in html
    assert "have not yet been checked against the published source" in html
    auth.logout()
    auth.login(Role.VIEWER, email="viewer@example.org")
    assert client.get(f"/staff/insight/representativeness/{survey.id}").status_code == 403


def test_population_loads_idempotently(app, runner):
    first = runner.invoke(args=["load-population"])
    second = runner.invoke(args=["load-population"])
    assert first.exit_code == 0 and second.exit_code == 0
    from sqlalchemy import func, select

    from engage.models import PopulationFigure

    assert db.session.scalar(select(func.count(PopulationFigure.id))) == 16
