"""Analysis runs: the row is the truth, results land whole or not at all, and people correct them.

Most tests drive the real pipeline with the topics library's hashing embedder (no model) because
they check the run machinery (claiming, progress, cancelling, failing, recovering, writing); the
test marked slow runs the packaged MiniLM model end to end and checks the themes make sense.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    AnalysisRun,
    AuditEvent,
    Comment,
    CommentTheme,
    Intention,
    Role,
    Theme,
    ThemeIntentionLink,
    Topic,
    utcnow,
)
from engage.services import analysis, intentions, theme_review
from engage.services.themes import current_run_id, effective_comment_themes, themes_of
from tests.conftest import csrf_token_from, post_form

COMMENTS = [
    "Parking at the hospital is impossible, I drove round for forty minutes",
    "The car park is always full and the parking charges are far too high",
    "Could not find a parking space at Royal Preston so I missed my appointment",
    "Hospital parking costs a fortune for visitors who come every day",
    "No disabled parking spaces near the entrance of the hospital",
    "The car park machines never work and parking fines are unfair",
    "Waited eighteen months for my hip operation, the waiting list is far too long",
    "The wait for a referral to a specialist was over a year",
    "Waiting times in A&E were seven hours with a child",
    "I have been on the waiting list for surgery for two years now",
    "Long waits for mental health support for young people",
    "My husband waited nine months for his scan results",
    "Cannot get through on the phone at 8am, the line is always engaged",
    "You ring the surgery and you are thirtieth in the queue",
    "Impossible to get a GP appointment by telephone",
    "The phone system at my practice cuts you off after an hour",
    "Getting an appointment with a doctor takes weeks",
    "I could not book an appointment online or by phone",
    "The nurses were kind and caring and explained everything",
    "Staff on the ward were lovely and treated my mum with dignity",
    "The receptionist was rude and dismissive when I asked for help",
    "Doctors listened to me and were very compassionate",
    "The midwives were wonderful, kind and patient",
    "Reception staff were unhelpful and did not care",
    "The bus to the hospital only runs once an hour",
    "No public transport to the new health centre from our village",
    "I cannot use the NHS app, I do not have a smartphone",
    "Everything is online now and my dad cannot use a computer",
    "The ward was dirty and the toilets were not cleaned",
    "Food on the ward was cold and there was no choice",
]


@pytest.fixture
def hashing(app, tmp_path_factory):
    """Run the machinery with the hashing embedder and a cache shared by this test session."""
    app.config["ENGAGE_TOPICS_EMBEDDER"] = "hashing"
    app.config["ENGAGE_TOPICS_CACHE"] = str(tmp_path_factory.getbasetemp() / "topics-cache")
    return app


def add_comments(texts=COMMENTS, state="approved", source="survey", start=0):
    made = []
    for n, text in enumerate(texts, start=start):
        c = Comment(
            source=source,
            source_key=f"test:{source}:{n}",
            original_text=text,
            redacted_text=text if state == "approved" else None,
            moderation_state=state,
        )
        db.session.add(c)
        made.append(c)
    db.session.commit()
    return made


def run_now(**scope):
    run = analysis.start_run(analysis.Scope(**scope), user_id=None)
    db.session.expire_all()
    return db.session.get(AnalysisRun, run.id)


def effective_pairs():
    eff = effective_comment_themes().subquery()
    return set(db.session.execute(select(eff.c.comment_id, eff.c.theme_id)).all())


def test_a_run_gives_approved_comments_themes_and_becomes_the_current_run(hashing):
    add_comments()
    add_comments(["A pending comment about parking charges"], state="pending", start=100)
    run = run_now()
    assert run.status == "succeeded", run.error
    assert run.is_current and run.progress == 100 and run.comment_count == len(COMMENTS)
    assert current_run_id() == run.id
    assert db.session.scalar(select(func.count(Topic.id)).where(Topic.run_id == run.id)) > 0
    themed = {cid for cid, _ in effective_pairs()}
    pending = db.session.scalar(select(Comment.id).where(Comment.moderation_state == "pending"))
    assert pending not in themed, "a comment awaiting moderation reached the analysis"
    assert len(themed) >= len(COMMENTS) // 2
    # The built-in taxonomy was put in the table so the team can edit it.
    assert db.session.scalar(select(func.count(Theme.id))) >= 10


def test_a_run_needs_enough_approved_comments_and_says_so(hashing):
    add_comments(COMMENTS[:5])
    with pytest.raises(analysis.RunRefused, match="approved comments.*at least 20"):
        analysis.start_run(analysis.Scope(), user_id=None)
    assert db.session.scalar(select(func.count(AnalysisRun.id))) == 0


def test_only_one_run_at_a_time(hashing):
    add_comments()
    db.session.add(AnalysisRun(status="running", params={}, heartbeat_at=utcnow()))
    db.session.commit()
    with pytest.raises(analysis.RunRefused, match="still running"):
        analysis.start_run(analysis.Scope(), user_id=None)


def test_a_failed_run_leaves_the_previous_results_and_says_what_to_do(hashing, tmp_path):
    add_comments()
    first = run_now()
    before = effective_pairs()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    hashing.config["ENGAGE_TOPICS_CACHE"] = str(blocker)
    second = run_now()
    assert second.status == "failed"
    assert "previous results are unchanged" in second.error
    assert "Traceback" not in second.error
    assert current_run_id() == first.id
    assert effective_pairs() == before
    assert db.session.scalar(select(func.count(Topic.id)).where(Topic.run_id == second.id)) == 0


def test_cancelling_a_running_run_stops_it_and_keeps_the_previous_results(hashing):
    add_comments()
    first = run_now()
    before = effective_pairs()
    run = AnalysisRun(status="queued", params={}, cancel_requested=True)
    db.session.add(run)
    db.session.commit()
    analysis.execute(run.id)  # claims it, then stops at the first checkpoint
    db.session.expire_all()
    run = db.session.get(AnalysisRun, run.id)
    assert run.status == "cancelled"
    assert current_run_id() == first.id and effective_pairs() == before


def test_cancelling_a_queued_run_stops_it_before_it_starts(hashing):
    run = AnalysisRun(status="queued", params={})
    db.session.add(run)
    db.session.commit()
    assert analysis.cancel_run(run.id).status == "cancelled"
    analysis.execute(run.id)  # a late queue message finds nothing to do
    db.session.expire_all()
    assert db.session.get(AnalysisRun, run.id).started_at is None


def test_a_duplicated_queue_message_does_not_run_a_finished_run_again(hashing):
    add_comments()
    run = run_now()
    rows = db.session.scalar(select(func.count(CommentTheme.id)))
    analysis.execute(run.id)
    db.session.expire_all()
    assert db.session.get(AnalysisRun, run.id).attempts == 1
    assert db.session.scalar(select(func.count(CommentTheme.id))) == rows


def test_a_run_whose_worker_died_is_run_again_or_failed_with_a_message(hashing):
    add_comments()
    long_ago = utcnow() - timedelta(hours=2)
    dead = AnalysisRun(status="running", params={}, attempts=1, heartbeat_at=long_ago)
    hopeless = AnalysisRun(status="running", params={}, attempts=3, heartbeat_at=long_ago)
    db.session.add_all([dead, hopeless])
    db.session.commit()
    requeued = analysis.recover_stale_runs()
    db.session.expire_all()
    assert requeued == [dead.id]
    assert db.session.get(AnalysisRun, dead.id).status == "succeeded"  # ran again inline
    failed = db.session.get(AnalysisRun, hopeless.id)
    assert failed.status == "failed" and "worker stopped" in failed.error


def test_a_run_can_be_limited_to_a_source(hashing):
    add_comments()
    add_comments([f"Healthwatch note {n} about parking" for n in range(3)], source="healthwatch")
    run = run_now(source="survey")
    assert run.comment_count == len(COMMENTS)


def _theme(slug):
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


def test_renaming_a_theme_keeps_its_comments_and_steers_the_next_run(hashing):
    add_comments()
    run_now()
    theme = theme_review.theme_cards()[0].theme
    n = theme_review.theme_cards()[0].comments
    theme_review.update_theme(theme.id, "Renamed theme", "A description", ["an example"])
    card = next(c for c in theme_review.theme_cards() if c.theme.id == theme.id)
    assert card.theme.name == "Renamed theme" and card.comments == n
    taxonomy = analysis.taxonomy_from_themes()
    assert taxonomy.get(theme.slug).name == "Renamed theme"
    assert "an example" in taxonomy.get(theme.slug).examples


def test_merging_themes_counts_their_comments_under_the_target_and_moves_links(hashing):
    add_comments()
    run_now()
    cards = [c for c in theme_review.theme_cards() if c.comments][:2]
    assert len(cards) == 2
    source, target = cards[0].theme, cards[1].theme
    intentions.load_catalogue()
    intention = db.session.scalar(select(Intention).limit(1))
    theme_review.add_link(source.id, intention.id, user_id=None)
    expected = cards[0].comments + cards[1].comments
    theme_review.merge_themes([source.id], target.id)
    merged = next(c for c in theme_review.theme_cards() if c.theme.id == target.id)
    assert merged.comments <= expected and merged.comments >= max(
        cards[0].comments, cards[1].comments
    )
    assert source.id not in {c.theme.id for c in theme_review.theme_cards()}
    link = db.session.scalar(
        select(ThemeIntentionLink).where(ThemeIntentionLink.intention_id == intention.id)
    )
    assert link.theme_id == target.id and link.state == "confirmed"
    # A later run still counts the merged theme's comments under the target.
    run_now()
    assert source.id not in {tid for _, tid in effective_pairs()}


def test_moving_and_splitting_comments_are_kept_when_the_analysis_runs_again(hashing):
    add_comments()
    run_now()
    card = next(c for c in theme_review.theme_cards() if c.comments >= 2)
    comments = theme_review.theme_comments(card.theme.id)
    moved_id, split_id = comments[0][0], comments[1][0]
    other = next(c.theme for c in theme_review.theme_cards() if c.theme.id != card.theme.id)
    theme_review.move_comments([moved_id], card.theme.id, other.id)
    new = theme_review.split_theme(card.theme.id, "Split off theme", [split_id])
    assert other.id in {t.id for t in themes_of(moved_id)}
    assert card.theme.id not in {t.id for t in themes_of(moved_id)}
    assert [t.id for t in themes_of(split_id)][0] == new.id

    # The corrections are coded examples for the next run, and survive it.
    labels = analysis.person_labels([moved_id, split_id])
    assert other.slug in labels[str(moved_id)] and labels[str(split_id)][0] == new.slug
    run_now()
    assert other.id in {t.id for t in themes_of(moved_id)}
    assert [t.id for t in themes_of(split_id)][0] == new.id


def test_a_candidate_topic_can_become_a_theme(hashing):
    add_comments()
    run = run_now()
    two = [c.id for c in db.session.scalars(select(Comment).limit(2))]
    topic = Topic(
        run_id=run.id,
        number=999,
        label="999_bus_route",
        keywords=["bus"],
        size=2,
        representative_comment_ids=two,
    )
    db.session.add(topic)
    db.session.commit()
    assert topic.id in {c.topic.id for c in theme_review.candidates()}
    theme = theme_review.adopt_topic(topic.id, name="Bus routes")
    assert theme.origin == "discovered" and theme.name == "Bus routes"
    assert topic.id not in {c.topic.id for c in theme_review.candidates()}


def test_links_are_suggested_with_evidence_and_a_persons_decision_survives_a_new_run(hashing):
    intentions.load_catalogue()
    add_comments()
    run_now()
    links = db.session.scalars(select(ThemeIntentionLink)).all()
    assert links, "a run should suggest theme-to-intention links"
    link = max(links, key=lambda x: x.score or 0)
    assert link.state == "suggested" and link.origin == "model"
    assert "shared_terms" in link.evidence and "closest_sentences" in link.evidence
    theme_review.decide_link(link.id, "rejected", user_id=None)
    run_now()
    db.session.expire_all()
    assert db.session.get(ThemeIntentionLink, link.id).state == "rejected"


def test_new_comments_get_themes_from_the_current_run_without_a_refit(hashing):
    add_comments()
    run = run_now()
    [new] = add_comments(["The hospital car park is full and parking is expensive"], start=500)
    assert themes_of(new.id) == []
    assert analysis.assign_new_comments() == 1
    assert themes_of(new.id), "the new comment should have a theme from the saved model"
    assert db.session.scalar(select(func.count(AnalysisRun.id))) == 1 and current_run_id() == run.id


# --- Pages ------------------------------------------------------------------------------------


def test_the_team_starts_a_run_and_watches_it_in_the_browser_flow(hashing, client, auth):
    add_comments()
    auth.login(Role.ENGAGEMENT)
    page = client.get("/staff/analysis/").get_data(as_text=True)
    assert f"{len(COMMENTS)} approved comments ready to analyse" in page
    response = post_form(client, "/staff/analysis/", {"survey": "", "source": ""})
    assert response.status_code == 302
    run_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Succeeded" in run_page and "What it found" in run_page
    themes = client.get("/staff/analysis/themes").get_data(as_text=True)
    assert "Candidate new themes" in themes or "comments" in themes
    assert db.session.scalar(select(func.count(AuditEvent.id))) > 0


def test_a_run_is_limited_to_dates_typed_as_day_month_and_year(hashing, client, auth):
    add_comments()
    auth.login(Role.ENGAGEMENT)
    wrong_way = post_form(
        client,
        "/staff/analysis/",
        {
            "survey": "",
            "source": "",
            "date_from[day]": "10",
            "date_from[month]": "3",
            "date_from[year]": "2025",
            "date_to[day]": "1",
            "date_to[month]": "3",
            "date_to[year]": "2025",
        },
    )
    assert "The end date must be the same as or after the start date" in wrong_way.get_data(
        as_text=True
    )
    assert 'name="date_from[day]"' in wrong_way.get_data(as_text=True), "day, month, year boxes"
    started = post_form(
        client,
        "/staff/analysis/",
        {
            "survey": "",
            "source": "",
            "date_from[day]": "1",
            "date_from[month]": "1",
            "date_from[year]": "2000",
        },
    )
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    run = db.session.scalar(select(AnalysisRun).order_by(AnalysisRun.id.desc()))
    assert run.params["date_from"] == "2000-01-01" and run.params["date_to"] is None


def test_too_few_comments_is_a_clear_error_on_the_page(hashing, client, auth):
    add_comments(COMMENTS[:3])
    auth.login(Role.ENGAGEMENT)
    response = post_form(client, "/staff/analysis/", {"survey": "", "source": ""})
    assert response.status_code == 200
    assert "a run needs at least 20" in response.get_data(as_text=True)


def test_theme_page_lets_the_team_confirm_a_link(hashing, client, auth):
    intentions.load_catalogue()
    add_comments()
    run_now()
    link = db.session.scalar(select(ThemeIntentionLink).limit(1))
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/analysis/themes/{link.theme_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Commissioning intentions" in page
    token = csrf_token_from(page)
    client.post(
        f"/staff/analysis/links/{link.id}",
        data={"csrf_token": token, "decision": "confirmed", "theme_id": str(link.theme_id)},
    )
    db.session.expire_all()
    assert db.session.get(ThemeIntentionLink, link.id).state == "confirmed"


def test_a_themes_page_counts_its_comments_as_the_themes_list_does(
    hashing, client, auth, monkeypatch
):
    """It said "200+" where the list said 530; now both say the same, and how many are listed."""
    from engage.services import theme_review

    add_comments()
    run_now()
    card = max(theme_review.theme_cards(), key=lambda c: c.comments)
    assert card.comments > 2
    real = theme_review.theme_comments
    monkeypatch.setattr(theme_review, "theme_comments", lambda theme_id: real(theme_id, limit=2))
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/analysis/themes/{card.theme.id}").get_data(as_text=True)
    assert f"{card.comments:,} comments (the 2 most recent are listed below)" in page


@pytest.mark.slow
def test_with_the_packaged_model_comments_land_in_the_themes_a_person_would_choose(
    app, tmp_path_factory
):
    app.config["ENGAGE_TOPICS_CACHE"] = str(tmp_path_factory.getbasetemp() / "model-cache")
    add_comments()
    run = run_now()
    assert run.status == "succeeded", run.error
    by_text = {c.original_text: c.id for c in db.session.scalars(select(Comment))}

    def slugs(text):
        return {t.slug for t in themes_of(by_text[text])}

    parking = slugs(COMMENTS[1])
    assert any("park" in s for s in parking), parking
    waits = slugs(COMMENTS[6])
    assert any("wait" in s for s in waits), waits


def test_the_run_page_counts_comments_left_out_for_want_of_a_translation(hashing, client, auth):
    add_comments()
    [urdu] = add_comments(["ہسپتال میں پارکنگ بہت مہنگی ہے اور جگہ نہیں ملتی"], start=900)
    urdu.language = "ur"
    db.session.commit()
    run = run_now()
    assert run.comment_count == len(COMMENTS), "the untranslated comment stays out of the run"
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/analysis/runs/{run.id}").get_data(as_text=True)
    assert "Left out: 1 approved comment not in English" in page
