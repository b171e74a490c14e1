"""The "who is responding" page, with some census figures missing and the shipped ones
unchecked, says so in words and passes axe-core in Chromium."""

from __future__ import annotations

from datetime import date

from tests.browser.conftest import BROWSER_PASSWORD, assert_accessible, serving


def test_who_is_responding_names_missing_figures_accessibly(browser, tmp_path):
    def prepare() -> int:
        from engage.extensions import db
        from engage.models import Place, Response, Role
        from engage.services import representativeness, users
        from tests.factories import create_survey

        lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
        bpl = Place(code="BPL", name="Blackpool", kind="place", parent=lsc)
        new = Place(code="NEW", name="A new neighbourhood", kind="place", parent=lsc)
        db.session.add_all([lsc, bpl, new])
        db.session.commit()
        representativeness.load_population()
        survey = create_survey()
        for i in range(12):
            db.session.add(
                Response(
                    survey_id=survey.id,
                    reference=f"RB{i}",
                    status="submitted",
                    place_id=bpl.id,
                    deprivation_decile=1 + i % 3,
                    submitted_at=date(2026, 10, 1),
                )
            )
        db.session.commit()
        users.create_user(
            "engagement@example.org", "Browser engagement", Role.ENGAGEMENT, BROWSER_PASSWORD
        )
        return survey.id

    with serving(tmp_path, prepare=prepare) as (base, survey_id):
        page = browser.new_page()
        page.goto(f"{base}/staff/sign-in")
        page.fill("#email", "engagement@example.org")
        page.fill("#password", BROWSER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.goto(f"{base}/staff/insight/representativeness/{survey_id}")
        text = page.inner_text("main")
        assert "No population figures are loaded for A new neighbourhood" in text
        assert "No population figures are loaded for age group" in text
        assert "have not yet been checked against the published source" in text
        assert_accessible(page, "population-who-is-responding")
        page.close()
