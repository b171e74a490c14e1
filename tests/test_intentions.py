"""The commissioning-intentions catalogue matches the ICB's documents and loads idempotently."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Intention, IntentionDomain
from engage.services import intentions

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_FILES = {
    "000": "000_77663b05ea90ca42.txt",
    "001": "001_c29ba171b7a167a9.txt",
    "002": "002_bc087ce3a5dfa801.txt",
}

# Counted by hand in the source documents (line numbers in engage/data/INTENTIONS_SOURCES.md):
# (intentions, medium-term priorities) per domain of seed 000 section 8, 2026-27.
EXPECTED_2026_27 = {
    "Starting and Growing Well": (8, 1),
    "Living Well: Emotional Wellbeing, Mental Health and Learning Disability and Autism": (10, 1),
    "Living Well: Planned Care": (9, 3),
    "Living Well: Cancer": (4, 6),
    "Living Well: Urgent and Emergency Care": (4, 4),
    "Working Well": (5, 3),
    "Ageing Well": (3, 7),
    "Dying Well": (7, 4),
    "Analogue to Digital": (8, 5),
    "Neighbourhood Health (including Modern General Practice)": (9, 5),
    "Financial and System Sustainability": (7, 1),
    "Long term conditions and prevention": (5, 4),
}
# Seed 001, Commissioning Intentions 2024/25, per programme.
EXPECTED_2024_25 = {
    "System intentions": 20,
    "North West Specialised Commissioning": 19,
    "Cancer": 12,
    "Pathology": 9,
    "Learning disability & autism (LD&A)": 8,
    "Place intentions": 8,
    "All Age Continuing Healthcare (AACC) and Individual Patient Care (IPC)": 7,
    "Acute service reconfiguration in Lancashire and South Cumbria": 6,
    "Commissioning from the voluntary, community, faith and social enterprise (VCFSE) Sector": 6,
    "Urgent & emergency care (UEC)": 6,
    "Planned care": 6,
    "Mental health": 6,
    "Maternity": 5,
    "Children & Young People": 5,
    "Provider intentions": 5,
    "Virtual wards": 4,
    "Prescribing": 4,
    "Ambulance services": 4,
    "Transforming community services": 3,
    "Primary care": 3,
}
# Seed 002, Joint Forward Plan section 11 table.
EXPECTED_2023_28 = {
    "Provider Collaborative work programme: Improving Sustainability": 9,
    "Individual provider priority areas: Lancashire Teaching Hospitals": 3,
    "Individual provider priority areas: University Hospital of Morecambe Bay": 3,
    "Individual provider priority areas: Blackpool Teaching Hospital": 4,
    "Individual provider priority areas: East Lancashire Hospital Trust": 2,
    "Individual provider priority areas: Lancashire and South Cumbria Foundation Trust": 1,
}


@pytest.fixture
def loaded(app):
    return intentions.load_catalogue()


def test_every_2026_27_domain_has_the_documents_number_of_intentions(loaded):
    counts = intentions.count_by_domain("2026-27")
    actual = {
        domain: (
            counts.get(("000", domain, "intention"), 0),
            counts.get(("000", domain, "medium_term_priority"), 0),
        )
        for domain in EXPECTED_2026_27
    }
    assert actual == EXPECTED_2026_27
    assert {d for (_, d, _) in counts} == set(EXPECTED_2026_27), "unexpected 2026-27 domains"


def test_2024_25_programmes_have_the_documents_number_of_intentions(loaded):
    counts = {d: n for (src, d, _), n in intentions.count_by_domain("2024-25").items()}
    assert counts == EXPECTED_2024_25


def test_joint_forward_plan_intentions_are_all_there(loaded):
    counts = {d: n for (src, d, _), n in intentions.count_by_domain("2023-28").items()}
    assert counts == EXPECTED_2023_28


def test_every_2026_27_domain_carries_its_ambitions_and_outcome_measures(loaded):
    domains = list(
        db.session.scalars(select(IntentionDomain).where(IntentionDomain.year == "2026-27"))
    )
    assert len(domains) == len(EXPECTED_2026_27)
    for domain in domains:
        assert domain.ambitions, f"{domain.name} has no ambitions"
        # Some cross-cutting areas (e.g. Analogue to Digital) state no outcome measures.
        if domain.kind == "life_course":
            assert domain.outcome_measures, f"{domain.name} has no outcome measures"


def test_loading_twice_changes_nothing(app):
    first = intentions.load_catalogue()
    second = intentions.load_catalogue()
    assert first.created == 291 and first.updated == 0
    assert (second.created, second.updated, second.retired) == (0, 0, 0)
    assert second.unchanged == 291
    assert db.session.scalar(select(func.count(Intention.id))) == 291


def test_an_updated_catalogue_updates_by_key_and_retires_what_it_dropped(app, tmp_path):
    intentions.load_catalogue()
    data = yaml.safe_load(intentions.packaged_catalogue().read_text(encoding="utf-8"))
    dropped = data["intentions"].pop()
    data["intentions"][0]["text"] = "Reworded by the planning team"
    edited = tmp_path / "catalogue.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = intentions.load_catalogue(edited)
    assert (result.created, result.updated, result.retired) == (0, 1, 1)
    gone = db.session.scalar(select(Intention).where(Intention.key == dropped["key"]))
    assert gone is not None and gone.retired, "dropped intentions are kept, marked retired"


def test_a_catalogue_with_a_repeated_key_is_refused_with_its_name(app, tmp_path):
    data = yaml.safe_load(intentions.packaged_catalogue().read_text(encoding="utf-8"))
    data["intentions"].append(dict(data["intentions"][0]))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match="appears twice"):
        intentions.load_catalogue(bad)


def test_load_intentions_command_reports_what_it_did(runner):
    result = runner.invoke(args=["load-intentions"])
    assert result.exit_code == 0, result.output
    assert "291 added" in result.output
    again = runner.invoke(args=["load-intentions"])
    assert "0 added, 0 updated, 291 unchanged, 0 retired" in again.output


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed documents are not beside the project")
def test_every_intention_text_comes_from_its_source_document():
    data = yaml.safe_load(intentions.packaged_catalogue().read_text(encoding="utf-8"))
    sources = {
        k: _normalise((SEEDS / f).read_text(encoding="utf-8")) for k, f in SEED_FILES.items()
    }
    missing = Counter()
    for item in data["intentions"]:
        # Compare the first line: table rows append the other columns to the text.
        first = _normalise(item["text"].splitlines()[0])[:120]
        if first not in sources[item["source"]]:
            missing[item["key"]] += 1
    assert len(missing) <= 2, f"texts not found in their documents: {sorted(missing)}"
