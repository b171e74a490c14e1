"""Theme and intention reports: what commissioners see, counted right and never disclosive."""

from __future__ import annotations

from datetime import date, datetime

from engage.extensions import db
from engage.models import AuditEvent, Role, Theme
from engage.services import reports
from engage.services.reports import ReportFilter
from tests.factories import create_survey
from tests.reportdata import add_comments, make_world, mark_representative

# --- the service ---------------------------------------------------------------------------


def test_intention_counts_only_approved_comments_of_confirmed_themes(app):
    world = make_world()
    add_comments(world, world.waits, 30)
    add_comments(world, world.waits, 5, state="pending")
    add_comments(world, world.transport, 20)  # suggested link: not counted
    add_comments(world, world.food, 20)  # rejected link: not counted
    summary = reports.intention_summary(world.intention.id)
    assert summary.counts.comments == 30 and summary.counts.respondents == 30
    assert [t.name for t in summary.linked_themes] == ["Waiting times"]
    assert [(t.name, t.comments) for t in summary.suggested_themes] == [("Getting there", None)]
    assert all(t.name != "Hospital food" for t in summary.suggested_themes)


def test_respondents_are_counted_once_however_many_comments_they_made(app):
    world = make_world()
    add_comments(world, world.waits, 12, respondent="same-person")
    add_comments(world, world.waits, 10)
    summary = reports.theme_summary(world.waits.id)
    assert summary.counts.comments == 22 and summary.counts.respondents == 11


def test_a_report_about_fewer_than_ten_people_shows_nothing_but_that(app):
    world = make_world()
    comments = add_comments(world, world.waits, 14, respondent="one-person")
    mark_representative(world, world.waits, comments[:2])
    summary = reports.theme_summary(world.waits.id)
    assert summary.too_few
    assert summary.counts.comments is None and summary.counts.respondents is None
    assert summary.quotes == [], "no quote from a group under the threshold"
    assert summary.trend.table.cells == [] and summary.trend.table.total is None
    assert all(b.table.cells == [] for b in summary.breakdowns)


def test_breakdowns_suppress_small_groups_and_one_more_so_none_can_be_worked_out(app):
    world = make_world()
    add_comments(world, world.waits, 40, place=world.blackpool, age_band="25-34")
    add_comments(world, world.waits, 25, place=world.pennine, age_band="75+")
    add_comments(world, world.waits, 3, place=world.lancashire, age_band=None)
    summary = reports.theme_summary(world.waits.id)
    place = next(b for b in summary.breakdowns if b.dimension == "place")
    # Pennine is a footprint of Lancashire and is reported as itself; 3 in Lancashire is hidden,
    # and so is the next smallest, so 68 - 40 does not give it away.
    assert place.table.as_dict() == {"Blackpool": 40, "Lancashire": None, "Pennine": None}
    assert place.table.total == 68
    age = next(b for b in summary.breakdowns if b.dimension == "age_band")
    assert list(age.table.as_dict()) == ["25-34", "75+", "Not known"], "in age order"
    assert age.table.as_dict()["Not known"] is None


def test_trend_by_month_or_quarter_fills_quiet_months_with_zero(app):
    world = make_world()
    add_comments(world, world.waits, 20, received_at=datetime(2025, 1, 5))
    add_comments(world, world.waits, 4, received_at=datetime(2025, 2, 5))
    add_comments(world, world.waits, 15, received_at=datetime(2025, 4, 5))
    monthly = reports.theme_summary(world.waits.id).trend.table.as_dict()
    assert monthly == {"2025-01": 20, "2025-02": None, "2025-03": 0, "2025-04": None}
    quarterly = reports.theme_summary(world.waits.id, ReportFilter(period="quarter"))
    assert quarterly.trend.table.as_dict() == {"2025-Q1": 24, "2025-Q2": 15}
    assert reports.period_label("2025-Q2", "quarter") == "Apr to Jun 2025"
    assert reports.period_label("2025-02", "month") == "Feb 2025"


def test_filters_by_survey_date_and_place(app):
    world = make_world()
    survey = create_survey()
    add_comments(world, world.waits, 12, survey_id=survey.id, received_at=datetime(2025, 5, 1))
    add_comments(world, world.waits, 30, place=world.pennine, received_at=datetime(2025, 1, 1))
    by_survey = reports.theme_summary(world.waits.id, ReportFilter(survey_id=survey.id))
    assert by_survey.counts.comments == 12
    by_date = reports.theme_summary(world.waits.id, ReportFilter(date_from=date(2025, 4, 1)))
    assert by_date.counts.comments == 12
    by_place = reports.theme_summary(world.waits.id, ReportFilter(place_id=world.lancashire.id))
    assert by_place.counts.comments == 30, "a place includes the footprints inside it"


def test_quotes_are_redacted_representative_first_and_never_original(app):
    world = make_world()
    comments = add_comments(world, world.waits, 20, text="Waited four hours")
    latest = add_comments(
        world, world.waits, 1, text="Seen quickly", received_at=datetime(2025, 6, 1)
    )
    mark_representative(world, world.waits, [comments[3]])
    quotes = reports.theme_summary(world.waits.id).quotes
    assert quotes[0].comment_id == comments[3].id, "the run's representative comment comes first"
    assert quotes[1].comment_id == latest[0].id, "then the most recent"
    assert all("[NAME]" in q.text and "Jane Smith" not in q.text for q in quotes)
    assert quotes[0].received == "March 2025"


def test_person_given_themes_override_the_run_and_merged_themes_count_under_their_target(app):
    world = make_world()
    moved = add_comments(world, world.food, 10)
    for comment in moved:  # a person moved these to waits
        add_theme = world.waits.id
        from engage.models import CommentTheme

        db.session.add(CommentTheme(comment_id=comment.id, theme_id=add_theme, source="person"))
    old = Theme(slug="queues", name="Queues", merged_into_id=world.waits.id)
    db.session.add(old)
    db.session.commit()
    add_comments(world, old, 10)
    assert reports.theme_summary(world.waits.id).counts.comments == 20
    assert reports.theme_summary(world.food.id).counts.comments == 0
    names = [r.name for r in reports.list_themes()]
    assert "Queues" not in names, "a merged theme has no report of its own"


def test_lists_give_counts_by_domain_and_by_theme(app):
    world = make_world()
    add_comments(world, world.waits, 15)
    add_comments(world, world.transport, 4)
    groups = reports.intentions_by_domain(world.intention.year)
    first = next(r for g in groups for r in g.intentions if r.intention_id == world.intention.id)
    assert first.counts.comments == 15 and first.linked_themes == 1
    assert groups[0].kind in ("life_course", "cross_cutting", "programme")
    rows = {r.name: r for r in reports.list_themes()}
    assert rows["Waiting times"].counts.comments == 15
    assert rows["Getting there"].counts.comments is None, "4 comments is a small number"
    assert rows["Hospital food"].counts.comments == 0


def test_reading_a_report_changes_nothing_in_the_audit_log(app):
    world = make_world()
    add_comments(world, world.waits, 12)
    before = db.session.query(AuditEvent).count()
    reports.theme_summary(world.waits.id)
    reports.intention_summary(world.intention.id)
    assert db.session.query(AuditEvent).count() == before
    assert Role.VIEWER  # every staff role reads reports: see tests/roles/reports.py


# --- the pages ------------------------------------------------------------------------------


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


def _suppression_world():
    """Waits: 40 in Blackpool, 25 in Pennine, 3 in Lancashire (hidden, and Pennine with it)."""
    world = make_world()
    told = add_comments(world, world.waits, 40, place=world.blackpool, text="Waited four hours")
    mark_representative(world, world.waits, told[:1])
    add_comments(world, world.waits, 25, place=world.pennine)
    add_comments(world, world.waits, 3, place=world.lancashire)
    add_comments(world, world.food, 4, text="Cold chips")
    return world


def test_intention_page_shows_counts_trend_breakdowns_and_quotes(client, auth):
    world = _suppression_world()
    auth.login(Role.VIEWER)
    html = _page(client, f"/staff/reports/intentions/{world.intention.id}")
    assert "Waiting times" in html and "68" in html
    assert 'role="img"' in html and '<title id="chart-place-title">' in html
    assert 'id="table-place"' in html, "every chart has its numbers in a table"
    assert "Waited four hours said [NAME]" in html
    assert "Jane Smith" not in html, "the original text never reaches a report"
    assert "Getting there" in html and "Not yet confirmed" in html
    assert "Hospital food" not in html, "a rejected link is left out"
    from engage.services.intentions import source_titles

    title = source_titles()[world.intention.source]
    assert f"({title})" in html, "the source is named by its document's title, not its number"


def test_every_report_page_suppresses_small_counts_and_their_complement(client, auth):
    world = _suppression_world()
    auth.login(Role.COMMISSIONER)
    for url in (
        f"/staff/reports/intentions/{world.intention.id}",
        f"/staff/reports/intentions/{world.intention.id}/board-paper",
        f"/staff/reports/themes/{world.waits.id}",
        f"/staff/reports/themes/{world.waits.id}/board-paper",
    ):
        html = _page(client, url)
        table = html.split('id="table-place"')[1].split("</table>")[0]
        assert "Blackpool" in table and ">40<" in table, url
        assert ">3<" not in table and ">25<" not in table, f"{url} reveals a hidden cell"
        assert table.count("fewer than 10") == 1, f"{url}: only Lancashire's 3 is small"
        assert table.count("not shown") == 1, f"{url}: Pennine's 25 is hidden to protect it"
        assert "Lancashire: fewer than 10" in html, f"{url}: the chart says it in words too"
        assert "Pennine: not shown" in html, f"{url}: the chart says it in words too"


def test_lists_suppress_small_counts(client, auth):
    world = _suppression_world()
    auth.login(Role.ENGAGEMENT)
    themes = _page(client, "/staff/reports/themes")
    food_row = themes.split("Hospital food")[1].split("</tr>")[0]
    assert "fewer than 10" in food_row and ">4<" not in food_row
    intentions = _page(client, f"/staff/reports/intentions?year={world.intention.year}")
    row = intentions.split(world.intention.title)[1].split("</tr>")[0]
    assert ">68<" in row


def test_a_theme_with_few_people_shows_no_quote_or_breakdown(client, auth):
    world = _suppression_world()
    auth.login(Role.VIEWER)
    html = _page(client, f"/staff/reports/themes/{world.food.id}")
    assert "Cold chips" not in html, "no quote from a group under the threshold"
    assert "Fewer than 10 people said something" in html
    assert 'class="engage-chart"' not in html


def test_filters_narrow_the_page_and_are_kept_in_the_export_links(client, auth):
    world = _suppression_world()
    auth.login(Role.VIEWER)
    url = f"/staff/reports/themes/{world.waits.id}?place={world.blackpool.id}&period=quarter"
    html = _page(client, url)
    assert "Place: Blackpool" in html
    assert "Jan to Mar 2025" in html, "the trend is by quarter"
    assert f"place={world.blackpool.id}" in html.split("Download CSV")[0].rsplit("href=", 1)[1]
    bad = _page(client, f"/staff/reports/themes/{world.waits.id}?received_from-day=40")
    assert "68" in bad, "a half-typed date is ignored, not an error page"


def test_resident_markup_is_escaped_on_every_page(client, auth):
    world = make_world()
    add_comments(world, world.waits, 12, text="<script>alert(1)</script>")
    auth.login(Role.VIEWER)
    for url in (f"/staff/reports/themes/{world.waits.id}", "/staff/reports/intentions/1"):
        html = _page(client, url)
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html, url


def test_pages_need_no_cdn(client, auth):
    world = _suppression_world()
    auth.login(Role.VIEWER)
    html = _page(client, f"/staff/reports/themes/{world.waits.id}")
    assert 'src="http' not in html and 'href="http' not in html.split("<body")[0]
    assert "css/reports.css" in html and "@media print" in (
        client.get("/assets/css/reports.css").get_data(as_text=True)
    )


def test_a_merged_or_unknown_theme_is_not_found(client, auth):
    world = make_world()
    old = Theme(slug="old", name="Old", merged_into_id=world.waits.id)
    db.session.add(old)
    db.session.commit()
    auth.login(Role.VIEWER)
    assert client.get(f"/staff/reports/themes/{old.id}").status_code == 404
    assert client.get("/staff/reports/themes/999").status_code == 404
    assert client.get("/staff/reports/intentions/99999").status_code == 404


def test_the_report_cache_recounts_as_soon_as_anything_a_report_reads_changes(app):
    from engage.models import Comment, ThemeIntentionLink

    app.config["ENGAGE_REPORT_CACHE"] = True
    reports.clear_cache()
    world = make_world()
    comments = add_comments(world, world.waits, 30)
    first = reports.intention_summary(world.intention.id)
    assert reports.intention_summary(world.intention.id) is first, "served from the cache"

    add_comments(world, world.waits, 5)  # new comment themes
    assert reports.intention_summary(world.intention.id).counts.comments == 35

    hidden = db.session.get(Comment, comments[0].id)  # moderation
    hidden.moderation_state, hidden.moderated_at = "hidden", datetime(2030, 1, 1)
    db.session.commit()
    assert reports.intention_summary(world.intention.id).counts.comments == 34

    world.waits.name = "Waiting for treatment"  # a rename
    db.session.commit()
    assert reports.theme_summary(world.waits.id).name == "Waiting for treatment"

    link = db.session.query(ThemeIntentionLink).filter_by(theme_id=world.waits.id).one()
    link.state = "rejected"  # a link undone
    db.session.commit()
    assert reports.intention_summary(world.intention.id).linked_themes == []
