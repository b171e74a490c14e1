"""The engagement team pages through the comments that arrived, filtered by moderation state."""

from __future__ import annotations

from engage.extensions import db
from engage.models import Comment, Role


def test_comments_are_paged_with_newer_and_older_links(client, auth):
    db.session.add_all(
        [Comment(source="fft", source_key=f"k{i}", original_text=f"Comment {i}") for i in range(30)]
    )
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    first = client.get("/staff/insight/comments").get_data(as_text=True)
    assert "30 comments" in first
    assert 'href="/staff/insight/comments?page=2"' in first and "Newer" not in first
    second = client.get("/staff/insight/comments?page=2").get_data(as_text=True)
    rows = second.count('<tr class="nhsuk-table__row">')
    assert rows == 1 + 5, "5 rows on the last page"
    assert 'href="/staff/insight/comments?page=1"' in second


def test_comments_filter_by_moderation_state(client, auth):
    db.session.add_all(
        [
            Comment(source="fft", source_key="a", original_text="Waiting"),
            Comment(
                source="fft", source_key="b", original_text="Rude remark", moderation_state="hidden"
            ),
        ]
    )
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/insight/comments?state=hidden").get_data(as_text=True)
    assert "Rude remark" in html and "Waiting" not in html
