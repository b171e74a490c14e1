"""The commissioning-intentions catalogue: load it from the packaged file, and read it."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from engage.extensions import db
from engage.models import Intention, IntentionDomain
from engage.services.errors import NotFound

INTENTION_FIELDS = ("year", "domain", "kind", "title", "text", "source", "source_section")
DOMAIN_FIELDS = (
    "year",
    "name",
    "kind",
    "source",
    "source_section",
    "ambitions",
    "outcome_measures",
)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    domains: int = 0
    errors: list[str] = field(default_factory=list)


def packaged_catalogue() -> Path:
    return Path(str(resources.files("engage") / "data" / "intentions.yaml"))


@functools.cache
def source_titles() -> dict[str, str]:
    """The planning documents the packaged catalogue was taken from, by their id ("000")."""
    return {
        str(s["id"]): str(s["title"]) for s in read_catalogue().get("sources", []) if s.get("id")
    }


def read_catalogue(path: Path | None = None) -> dict[str, Any]:
    """Parse and validate the catalogue file; raise ValueError naming what is wrong."""
    path = path or packaged_catalogue()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "intentions" not in data:
        raise ValueError(f"{path} has no 'intentions' list")
    seen: set[str] = set()
    for n, item in enumerate(data["intentions"], start=1):
        missing = [f for f in ("key", *INTENTION_FIELDS) if not item.get(f)]
        if missing:
            raise ValueError(f"intention {n} in {path} lacks {', '.join(missing)}")
        if item["key"] in seen:
            raise ValueError(f"intention key {item['key']!r} appears twice in {path}")
        seen.add(item["key"])
    return data


def load_catalogue(path: Path | None = None) -> LoadResult:
    """Create or update every domain and intention by key; retire those no longer listed."""
    data = read_catalogue(path)
    result = LoadResult()

    domains = {d.key: d for d in db.session.scalars(select(IntentionDomain))}
    for position, item in enumerate(data.get("domains", [])):
        row = domains.get(item["key"]) or IntentionDomain(key=item["key"])
        for name in DOMAIN_FIELDS:
            value = item.get(name, [] if name in ("ambitions", "outcome_measures") else "")
            if getattr(row, name) != value:
                setattr(row, name, value)
        row.position = position
        db.session.add(row)
        result.domains += 1

    existing = {i.key: i for i in db.session.scalars(select(Intention))}
    listed = set()
    for position, item in enumerate(data["intentions"]):
        listed.add(item["key"])
        intention = existing.get(item["key"])
        if intention is None:
            db.session.add(
                Intention(
                    key=item["key"], position=position, **{f: item[f] for f in INTENTION_FIELDS}
                )
            )
            result.created += 1
            continue
        changed = False
        for name in INTENTION_FIELDS:
            if getattr(intention, name) != item[name]:
                setattr(intention, name, item[name])
                changed = True
        if intention.position != position or intention.retired:
            intention.position, intention.retired, changed = position, False, True
        result.updated += changed
        result.unchanged += not changed
    for key, intention in existing.items():
        if key not in listed and not intention.retired:
            intention.retired = True
            result.retired += 1
    db.session.commit()
    return result


def list_years() -> list[str]:
    years = db.session.scalars(select(Intention.year).distinct())
    return sorted(years, reverse=True)


@dataclass
class DomainView:
    domain: IntentionDomain | None
    name: str
    intentions: list[Intention]


def catalogue_by_domain(year: str) -> list[DomainView]:
    """Intentions of ``year`` grouped by domain, in the documents' order."""
    rows = db.session.scalars(
        select(Intention)
        .where(Intention.year == year, Intention.retired.is_(False))
        .order_by(Intention.position)
    )
    grouped: dict[str, list[Intention]] = defaultdict(list)
    for row in rows:
        grouped[row.domain].append(row)
    domains = {
        d.name: d
        for d in db.session.scalars(select(IntentionDomain).where(IntentionDomain.year == year))
    }
    return [DomainView(domains.get(name), name, items) for name, items in grouped.items()]


def get_intention(intention_id: int) -> Intention:
    row = db.session.get(Intention, intention_id)
    if row is None:
        raise NotFound("There is no commissioning intention with that id")
    return row


def get_domain_for(intention: Intention) -> IntentionDomain | None:
    return db.session.scalar(
        select(IntentionDomain).where(
            IntentionDomain.year == intention.year, IntentionDomain.name == intention.domain
        )
    )


def count_by_domain(year: str | None = None) -> dict[tuple[str, str, str], int]:
    """(source, domain, kind) -> number of live intentions; used by tests and the CLI report."""
    stmt = select(Intention).where(Intention.retired.is_(False))
    if year:
        stmt = stmt.where(Intention.year == year)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in db.session.scalars(stmt):
        counts[(row.source, row.domain, row.kind)] += 1
    return dict(counts)
