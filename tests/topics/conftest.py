"""Fixtures for the topics library; independent of the app's tests/conftest.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def comments_csv() -> Path:
    return DATA / "comments.csv"


@pytest.fixture(scope="session")
def coded_csv() -> Path:
    return DATA / "coded.csv"


@pytest.fixture(scope="session")
def comments(comments_csv: Path) -> tuple[list[str], list[str]]:
    with comments_csv.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["id"] for r in rows], [r["comment"] for r in rows]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the session, so the small real model embeds each text once."""
    return tmp_path_factory.mktemp("topics-cache")


@pytest.fixture(scope="session")
def embedder(cache_dir: Path):  # noqa: ANN201
    """The packaged MiniLM model (real, small, offline) behind a session cache."""
    # No skip when missing: the test extra installs the model, and a silent skip would hide it.
    from topics.pipeline import default_embedder

    return default_embedder(cache_dir)


@pytest.fixture(scope="session")
def guided(embedder, comments):  # noqa: ANN001, ANN201
    """A pipeline fitted once on the small comments with the built-in taxonomy."""
    from topics import TopicPipeline, builtin_taxonomy

    ids, texts = comments
    return TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(texts, ids=ids)
