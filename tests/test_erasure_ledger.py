"""Erasure survives a restore: a resident erased after a backup was taken is erased again when
that backup is restored, before `engage restore` finishes, from a ledger kept outside the
database that holds no personal data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, select, text

from engage.extensions import db
from engage.models import (
    Answer,
    Comment,
    Consent,
    Demographics,
    ErasureLedgerEntry,
    PanelMembership,
    Person,
    Response,
)
from engage.services import audit, erasure_ledger, migrations, panel, subject_access
from tests.factories import create_survey
from tests.test_backup import Databases, _databases, cli, in_app

FIELDS = ("given_name", "family_name", "email", "phone", "address", "postcode")


def _member(ref: str = "ref-asha", email: str = "asha@example.org") -> Person:
    survey = create_survey(slug=f"survey-{ref}")
    person = Person(
        ref=ref, given_name="Asha", family_name="Patel", email=email, phone="07700 900123",
        address="12 Church Street, Blackburn", postcode="BB1 1AA", preferred_language="ur",
        communication_needs=["large_print"], communication_other="Please ring after 6pm",
    )  # fmt: skip
    person.demographics = Demographics(age_band="35-44", ethnicity="Pakistani")
    db.session.add(person)
    db.session.flush()
    db.session.add_all(
        [
            Consent(person_id=person.id, purpose="panel_membership", notice_version="1.1"),
            PanelMembership(person_id=person.id, joined_on=date(2026, 1, 5)),
        ]
    )
    question = survey.sections[0].questions[0]
    response = Response(survey_id=survey.id, reference=f"REF-{ref}", person_id=person.id)
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=question.id, value="Too far"))
    db.session.add(
        Comment(source="survey", source_key=ref, response_id=response.id,
                original_text="Call me on 07700 900123", redacted_text="Call me on [phone number]",
                moderation_state="approved")
    )  # fmt: skip
    db.session.commit()
    return person


def _engine_of(app) -> str:
    return "sqlite" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "postgresql"


@pytest.fixture
def restore_targets(app, request, tmp_path) -> Databases:
    return _databases(request, _engine_of(app), tmp_path)


def _erase(person_id: int) -> None:
    with audit.acting_as(audit.Actor(None, "test")):
        panel.erase(person_id)


def _backup(app, file: Path) -> None:
    taken = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert taken.exit_code == 0, taken.output


def test_a_resident_erased_after_a_backup_is_still_erased_once_it_is_restored(
    app, restore_targets, tmp_path
):
    person = _member()
    file = tmp_path / "before-erasure.backup"
    _backup(app, file)
    _erase(person.id)

    instance = Path(app.instance_path)
    target = restore_targets.new("restored")
    restored = cli(target, instance, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert (
        f"Erasure ledger {instance / 'erasures.jsonl'}: 1 erasures, 1 erased again, "
        "0 not in this database" in restored.output
    )

    def check() -> None:
        back = db.session.scalar(select(Person).where(Person.ref == "ref-asha"))
        assert back is not None and back.erased_at is not None
        assert all(getattr(back, f) is None for f in FIELDS), "personal fields must be blank"
        # Free text they gave about themselves, and their communication needs, are gone.
        assert back.communication_other is None and back.communication_needs == []
        assert back.preferred_language is None and back.demographics is None
        assert db.session.scalar(select(Response).where(Response.person_id == back.id)) is None
        comment = db.session.scalar(select(Comment).where(Comment.source_key == "ref-asha"))
        assert comment is not None and comment.redacted_text == "Call me on [phone number]"
        response = db.session.get(Response, comment.response_id)
        assert response is not None and response.person_id is None, "it no longer leads to them"
        exported = subject_access.export_person(back.id, requested_by="test")
        assert exported["erased_at"] is not None
        contact = {k: v for k, v in exported["contact_details"].items() if k != "joined"}
        assert set(contact.values()) == {None}, contact
        assert exported["demographics"] is None
        assert exported["communication_needs"] == {
            "preferred_language": None, "needs": [], "other": None,
        }  # fmt: skip
        assert exported["survey_responses"] == exported["comments"] == []
        assert exported["messages_sent_to_you"] == exported["invitations"] == []
        assert "Asha" not in json.dumps(exported) and "07700" not in json.dumps(exported)
        # The restored database's own ledger has the erasure, at the time it was asked for.
        entry = db.session.scalar(select(ErasureLedgerEntry))
        assert entry is not None and entry.person_ref == "ref-asha"

    in_app(target, instance, check)


def test_the_ledger_holds_no_personal_data_and_matches_the_table(app):
    person = _member()
    _erase(person.id)
    ledger = Path(app.instance_path) / "erasures.jsonl"
    [line] = ledger.read_text().splitlines()
    entry = json.loads(line)
    assert set(entry) == {"person_id", "ref", "erased_at"}
    assert (entry["person_id"], entry["ref"]) == (person.id, "ref-asha")
    assert "Asha" not in line and "asha@" not in line
    row = db.session.scalar(select(ErasureLedgerEntry))
    assert row is not None and (row.person_id, row.person_ref) == (person.id, "ref-asha")
    _erase(person.id)  # erasing again does nothing, and writes nothing again
    assert len(ledger.read_text().splitlines()) == 1
    assert (ledger.stat().st_mode & 0o777) == 0o600


def test_no_erasure_commits_unless_its_ledger_line_is_on_disk(app, tmp_path):
    """The line is written before the commit: where it cannot be, nothing is erased."""
    person = _member()
    app.config[erasure_ledger.ENV] = str(tmp_path)  # a folder: the line cannot be appended
    with pytest.raises(erasure_ledger.LedgerError, match="so nothing was erased"):
        _erase(person.id)
    db.session.expire_all()
    kept = db.session.get(Person, person.id)
    assert kept is not None and kept.erased_at is None and kept.email == "asha@example.org"
    assert db.session.scalar(select(ErasureLedgerEntry)) is None


def test_someone_who_joined_after_the_backup_is_not_looked_for_again(
    app, restore_targets, tmp_path
):
    file = tmp_path / "early.backup"
    _backup(app, file)
    later = _member(ref="ref-later", email="later@example.org")
    _erase(later.id)
    instance = Path(app.instance_path)
    target = restore_targets.new("restored")
    restored = cli(target, instance, "restore", str(file))
    assert restored.exit_code == 0, restored.output
    assert "1 erasures, 0 erased again, 1 not in this database" in restored.output
    again = cli(target, instance, "reapply-erasures")
    assert again.exit_code == 0, again.output
    assert "0 erased again" in again.output


def test_a_restore_whose_live_ledger_is_lost_is_refused(app, restore_targets, tmp_path):
    person = _member()
    _erase(person.id)
    file = tmp_path / "after.backup"
    _backup(app, file)
    assert (tmp_path / "after.backup.erasures.jsonl").read_text().count("ref-asha") == 1
    live = Path(app.instance_path) / "erasures.jsonl"
    live.unlink()
    target = restore_targets.new("restored")
    refused = cli(target, Path(app.instance_path), "restore", str(file))
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: The erasure ledger {live} is missing, but the backup's copy "
        "(after.backup.erasures.jsonl) lists 1 erasures, so people erased since the backup could "
        "come back. Nothing was restored: copy the newest erasure ledger you have (the "
        f".erasures.jsonl beside your newest backup) to {live}, or set ENGAGE_ERASURE_LEDGER "
        "to it, and run `engage restore` again.\n"
    )
    from engage.services import backup

    assert backup.table_count(target) == 0


def test_a_line_a_crash_left_unfinished_is_skipped_and_the_next_starts_afresh(tmp_path):
    ledger = tmp_path / "erasures.jsonl"
    ledger.write_text(
        '{"erased_at": "2026-01-01T00:00:00+00:00", "person_id": 1, "ref": "a"}\n{"eras'
    )
    erasure_ledger.append(ledger, [erasure_ledger.Entry("2026-02-01T00:00:00+00:00", "b", 2)])
    assert [e.ref for e in erasure_ledger.read(ledger)] == ["a", "b"]


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_migration_0015_puts_people_already_erased_in_the_ledger(engine, request, tmp_path):
    url = _databases(request, engine, tmp_path).new("at-0014")
    migrations.upgrade(url, "0014")
    db_engine = create_engine(url, poolclass=pool.NullPool)
    with db_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO person (id, ref, communication_needs, created_at, erased_at) VALUES"
                " (1, 'gone', '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),"
                " (2, 'here', '[]', CURRENT_TIMESTAMP, NULL)"
            )
        )
    migrations.upgrade(url)
    with db_engine.connect() as conn:
        rows = conn.execute(text("SELECT person_id, person_ref FROM erasure_ledger")).all()
    db_engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "gone")]
