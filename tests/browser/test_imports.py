"""Importing a file of feedback in a real browser: upload, map, preview, start, report; axe-core
on every page, and the running import's page refreshing itself without JavaScript."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tests.browser.conftest import assert_accessible, press, sign_in

# Saved by an older Excel: Windows-1252, so the mapping page offers that encoding.
FEEDBACK = (
    "Comment,Date,Place,Respondent\n"
    "Café staff were lovely,03/02/2024,,R1\n"
    "Waited £20 worth of parking for a scan,04/02/2024,,R2\n"
    ",05/02/2024,,R3\n"
    "Bad date here,31/02/2024,Atlantis,R4\n"
).encode("cp1252")


def test_engagement_team_imports_a_file_and_reads_its_problem_report(browser, live_server):
    page = browser.new_page()
    sign_in(page, live_server, "engagement")
    page.goto(f"{live_server}/staff/imports/new")
    press(page, "Upload and continue")
    assert "Select a CSV or Excel file to import" in page.content()
    assert_accessible(page, "imports-upload-errors")

    page.set_input_files(
        "input[type=file]",
        files=[{"name": "event-notes.csv", "mimeType": "text/csv", "buffer": FEEDBACK}],
    )
    page.get_by_label("Event notes").check()
    press(page, "Upload and continue")
    assert "This file is not in UTF-8" in page.content()
    assert "Café staff were lovely" in page.content(), "the preview reads Windows-1252"
    assert_accessible(page, "imports-mapping")

    press(page, "Save and continue")
    assert_accessible(page, "imports-confirm")
    page.get_by_label("Import the good rows and report the bad ones").check()
    press(page, "Start the import")
    html = page.content()
    assert "Imported 2 comments." in html and "The comment is empty" in html
    assert "The uploaded file was deleted" in html
    assert_accessible(page, "imports-show-done")
    batch_url = page.url

    page.goto(f"{live_server}/staff/imports/")
    assert "event-notes.csv" in page.content()
    assert_accessible(page, "imports-list")

    # A running import (as a worker would leave it half way) refreshes itself.
    database = Path(os.environ["ENGAGE_INSTANCE_PATH"]).parent / "engage.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE import_batch SET status = 'running', processed_rows = 1, total_rows = 4 "
            "WHERE id = ?",
            (int(batch_url.rstrip("/").split("/")[-1]),),
        )
    page.goto(batch_url)
    assert "1 of 4 rows done" in page.content()
    assert "refreshes itself every 10 seconds" in page.content()
    assert_accessible(page, "imports-show-running")
    with page.expect_navigation(timeout=20_000):
        pass  # the Refresh header reloads the page with no script
    page.get_by_role("link", name="Stop refreshing this page").click()
    page.wait_for_load_state()
    assert "This page does not refresh itself" in page.content()
    press(page, "Cancel the import")
    assert "The import was cancelled" in page.content()
    page.close()
