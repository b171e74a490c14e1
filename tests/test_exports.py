"""Exports: CSV and XLSX of every report, suppressed exactly as the pages are, formulas defused."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from engage.models import Role
from tests.reportdata import add_comments, make_world, mark_representative


def _world():
    world = make_world()
    told = add_comments(world, world.waits, 40, place=world.blackpool, text="Waited four hours")
    formula = add_comments(world, world.waits, 25, place=world.pennine, text='=HYPERLINK("x")')
    mark_representative(world, world.waits, [told[0], formula[0]])
    add_comments(world, world.waits, 3, place=world.lancashire)
    add_comments(world, world.food, 4, text="Cold chips")
    return world


def _csv(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _xlsx(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def _place_rows(rows):
    return {r[1]: r[2] for r in rows if r and r[0] == "Respondents by place"}


def test_intention_and_theme_exports_suppress_like_the_pages(client, auth):
    world = _world()
    auth.login(Role.VIEWER)
    for kind, id_ in (("intentions", world.intention.id), ("themes", world.waits.id)):
        url = f"/staff/reports/{kind}/{id_}/export"
        for rows in (_csv(client, url + "?format=csv"), _xlsx(client, url + "?format=xlsx")):
            places = _place_rows(rows)
            assert str(places["Blackpool"]) == "40", url
            assert places["Lancashire"] == "fewer than 10", f"{url}: 3 is small"
            assert places["Pennine"] == "not shown", f"{url}: 25 is hidden only to protect the 3"
            assert str(places["All"]) == "68"
            flat = " ".join(str(c) for row in rows for c in row if c is not None)
            assert "fewer than 10" in flat and "Jane Smith" not in flat
            assert "Waited four hours said [NAME]" in flat


def test_exports_defuse_spreadsheet_formulas(client, auth):
    world = _world()
    auth.login(Role.VIEWER)
    url = f"/staff/reports/themes/{world.waits.id}/export"
    for rows in (_csv(client, url + "?format=csv"), _xlsx(client, url + "?format=xlsx")):
        quotes = [r[2] for r in rows if r and str(r[0]).startswith("Quote")]
        assert any(q.startswith("'=HYPERLINK") for q in quotes), quotes
        assert not any(str(q).startswith("=") for q in quotes)


def test_summary_exports_of_every_intention_and_theme(client, auth):
    world = _world()
    auth.login(Role.COMMISSIONER)
    rows = _csv(client, f"/staff/reports/intentions/export?format=csv&year={world.intention.year}")
    header = rows.index(
        ["Year", "Domain", "Intention", "Confirmed themes", "Comments", "Respondents"]
    )
    first = next(r for r in rows[header:] if r[2] == world.intention.title)
    assert first[3:] == ["1", "68", "68"]
    themes = _xlsx(client, "/staff/reports/themes/export?format=xlsx")
    food = next(r for r in themes if r and r[0] == "Hospital food")
    assert food[2] == "fewer than 10" and food[3] == "fewer than 10"
    assert any("fewer than 10" in str(r[0]) for r in themes if r and r[0]), "the rule is stated"


def test_a_small_report_exports_no_breakdown_or_quote(client, auth):
    world = _world()
    auth.login(Role.VIEWER)
    rows = _csv(client, f"/staff/reports/themes/{world.food.id}/export?format=csv")
    flat = " ".join(c for row in rows for c in row)
    assert "Cold chips" not in flat and "Respondents by place" not in flat
    assert ["Summary", "Comments", "fewer than 10"] in rows


def test_exports_keep_the_filters_and_refuse_unknown_formats(client, auth):
    world = _world()
    auth.login(Role.VIEWER)
    url = f"/staff/reports/themes/{world.waits.id}/export?format=csv&place={world.blackpool.id}"
    rows = _csv(client, url)
    assert ["Place: Blackpool"] in rows and ["Summary", "Comments", "40"] in rows
    bad = client.get(f"/staff/reports/themes/{world.waits.id}/export?format=pdf")
    assert bad.status_code == 400
