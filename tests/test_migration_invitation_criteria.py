"""Migration 0011 records which kinds of criterion chose each invitation's person, and fills
the columns for invitations sent before it from the segment text they were read from then."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from engage.services import migrations
from tests.conftest import reset_postgres

# Segment texts as invitations.Segment.describe wrote them, and what each chose by.
STORED = {
    "Citizens' Panel in Preston": (False, False),
    "Citizens' Panel in Preston aged 75+": (True, False),
    "PPG members of Essex Road Surgery sex Female": (True, False),
    "Citizens' Panel ethnic group Asian or Asian British": (True, True),
    "PPG members of Long Surgery aged (7 chosen) ethnic group (2 chosen)": (True, True),
    # Case and word boundaries count, as they did: a practice named "Sex Lane" or "Wessex" is
    # not a choice by sex.
    "PPG members of Sex Lane Practice": (False, False),
    "Citizens' Panel in Wessex": (False, False),
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_at_0010(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0010.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_postgres(url)
        # Leave the session's database migrated again for the tests that follow.
        request.addfinalizer(lambda: (reset_postgres(url), migrations.upgrade(url)))
    migrations.upgrade(url, "0010")
    return url


def _insert_invitations(conn, segments):
    conn.execute(
        text(
            "INSERT INTO survey (id, slug, title, purpose, status, audience, version,"
            " structure_token, created_at)"
            " VALUES (1, 's', 'S', '', 'open', 'panel', 1, '0', CURRENT_TIMESTAMP)"
        )
    )
    for i, segment in enumerate(segments, start=1):
        conn.execute(
            text(
                "INSERT INTO invitation (id, survey_id, token_hash, segment, created_at)"
                " VALUES (:id, 1, :hash, :segment, CURRENT_TIMESTAMP)"
            ),
            {"id": i, "hash": f"{i:064d}", "segment": segment},
        )


def test_invitations_sent_before_the_columns_keep_their_criteria(database_at_0010):
    engine = create_engine(database_at_0010)
    try:
        with engine.begin() as conn:
            _insert_invitations(conn, [*STORED, "Citizens' Panel in Preston aged 75+"])
        migrations.upgrade(database_at_0010)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT segment, chosen_by_demographics, chosen_by_ethnicity"
                    " FROM invitation ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    found = {segment: (bool(d), bool(e)) for segment, d, e in rows}
    assert found == STORED, "an old invitation's criteria were filled in wrongly"
    assert len(rows) == len(STORED) + 1, "a repeated segment text was filled once, not each row"
    assert all(bool(d) for s, d, _ in rows if s.endswith("aged 75+"))
    migrations.downgrade(database_at_0010, "0010")
