"""A hidden count says truly why it is hidden, on the page, in the exports and on the Board paper.

A count from 1 to 9 reads "fewer than 10". A count hidden only so that such a small one cannot
be worked out from the total (secondary suppression) may be 40: it reads "not shown", and the
page says what that means, so no commissioner takes it for a small group.
"""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from engage.models import Role
from tests.reportdata import add_comments, make_world


def _reviewers_world():
    """In Blackpool, 48 people on waiting times: 8 women and 40 who did not say their sex."""
    world = make_world()
    add_comments(world, world.waits, 8, place=world.blackpool, sex="Female")
    add_comments(world, world.waits, 40, place=world.blackpool, sex=None)
    add_comments(world, world.waits, 20, place=world.pennine, sex="Male")
    return world


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


def _rows(table_html: str) -> dict[str, str]:
    """Each row's header and number from a count table, in the words on the page."""
    rows = {}
    for row in table_html.split("<tr")[2:]:
        name = row.split("</th>")[0].rsplit(">", 1)[1].strip()
        rows[name] = row.split("</td>")[0].rsplit(">", 1)[1].strip()
    return rows


def _sex_table(html: str) -> str:
    return html.split('id="table-sex"')[1].split("</table>")[0]


def test_a_large_group_hidden_to_protect_a_small_one_reads_not_shown_on_the_report_page(
    client, auth
):
    world = _reviewers_world()
    auth.login(Role.COMMISSIONER)
    for url in (
        f"/staff/reports/themes/{world.waits.id}?place={world.blackpool.id}",
        f"/staff/reports/themes/{world.waits.id}/board-paper?place={world.blackpool.id}",
        f"/staff/reports/intentions/{world.intention.id}?place={world.blackpool.id}",
        f"/staff/reports/intentions/{world.intention.id}/board-paper?place={world.blackpool.id}",
    ):
        html = _html(client, url)
        rows = _rows(_sex_table(html))
        assert rows == {"Female": "fewer than 10", "Not known": "not shown", "All": "48"}, (
            f"{url}: the 40 who did not say are not 'fewer than 10'"
        )
        after = html.split('id="table-sex"')[1].split("engage-breakdown")[0]
        assert "Not shown:</strong> hidden so that a group of fewer than 10 cannot be worked" in (
            after
        ), f"{url}: the words are explained beside the table"
        assert "Female: fewer than 10; Not known: not shown" in html, f"{url}: and in the chart"
        assert 'shows as "not shown"' in html, f"{url}: the page's note says so too"


def test_a_table_with_only_small_hidden_counts_needs_no_not_shown_note(client, auth):
    world = _reviewers_world()
    auth.login(Role.VIEWER)
    html = _html(client, f"/staff/reports/themes/{world.waits.id}?place={world.blackpool.id}")
    age = html.split('id="table-age_band"')[1].split("engage-breakdown")[0]
    assert "not shown" not in age.lower(), "every Blackpool respondent is 45-54: nothing hidden"


def test_the_exports_use_the_same_words_as_the_page(client, auth):
    world = _reviewers_world()
    auth.login(Role.VIEWER)
    for kind, id_ in (("themes", world.waits.id), ("intentions", world.intention.id)):
        url = f"/staff/reports/{kind}/{id_}/export?place={world.blackpool.id}"
        text = client.get(url + "&format=csv").get_data(as_text=True).lstrip("\ufeff")
        book = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").data)).active
        for rows in (
            list(csv.reader(io.StringIO(text))),
            [list(r) for r in book.iter_rows(values_only=True)],
        ):
            sex = {r[1]: str(r[2]) for r in rows if r and r[0] == "Respondents by sex"}
            assert sex == {"Female": "fewer than 10", "Not known": "not shown", "All": "48"}, url
            said = " ".join(str(r[0]) for r in rows[:4] if r and r[0])
            assert "'not shown': it can be any size, and is hidden so that a group of fewer " in (
                said
            ), f"{url}: the export says what 'not shown' means"


def test_many_comments_from_too_few_people_read_not_shown_not_fewer_than_ten(client, auth):
    world = make_world()
    add_comments(world, world.food, 12, respondent="one person")
    auth.login(Role.VIEWER)
    html = _html(client, f"/staff/reports/themes/{world.food.id}")
    figures = html.split('class="engage-figures"')[1].split("</dl>")[0]
    assert "<dt>Comments</dt><dd>not shown</dd>" in figures, "12 comments are not fewer than 10"
    assert "<dt>Respondents</dt><dd>fewer than 10</dd>" in figures
    themes = _html(client, "/staff/reports/themes")
    food = themes.split("Hospital food")[1].split("</tr>")[0]
    assert "not shown" in food and "fewer than 10" in food and ">12<" not in food
    text = client.get("/staff/reports/themes/export?format=csv").get_data(as_text=True)
    row = next(r for r in csv.reader(io.StringIO(text)) if r and r[0] == "Hospital food")
    assert row[2:] == ["not shown", "fewer than 10"], "the export says the same"
