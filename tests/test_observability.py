"""Each request leaves one structured log line with a request id and no personal data."""

from __future__ import annotations

import json
import logging

from engage.models import Role
from engage.observability import JsonFormatter


def _lines(caplog):
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "engage.request"]


def test_every_response_carries_a_request_id_and_keeps_a_well_formed_one(client):
    made = client.get("/api/health").headers["X-Request-ID"]
    assert len(made) == 32
    given = client.get("/api/health", headers={"X-Request-ID": "proxy-abc-12345"})
    assert given.headers["X-Request-ID"] == "proxy-abc-12345"
    forged = client.get("/api/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert forged.headers["X-Request-ID"] != "<script>alert(1)</script>"


def test_the_log_line_names_the_route_not_the_path_or_query(client, caplog):
    caplog.set_level(logging.INFO, logger="engage.request")
    client.get("/i/secret-invitation-token-123?q=jane.smith@example.org")
    [line] = _lines(caplog)
    assert line["route"] == "/i/<token>"
    assert line["status"] in (200, 302, 404)
    assert "request_id" not in line or line["request_id"]
    text = json.dumps(line)
    assert "secret-invitation-token" not in text and "jane.smith" not in text


def test_staff_appear_by_id_never_by_email(client, auth, caplog):
    user = auth.login(Role.ENGAGEMENT)
    caplog.set_level(logging.INFO, logger="engage.request")
    client.get("/staff/admin/")
    line = _lines(caplog)[-1]
    assert line["staff_id"] == user.id
    assert user.email not in json.dumps(line)
