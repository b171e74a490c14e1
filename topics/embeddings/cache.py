"""A persistent embedding cache: one SQLite file, keyed by sha256(model id, text)."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from topics.embeddings.base import Embedder


def default_cache_dir() -> Path:
    """Return the per-user cache directory ($ENGAGE_TOPICS_CACHE, else XDG cache)."""
    if env := os.environ.get("ENGAGE_TOPICS_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "engage-topics"


def cache_key(model_id: str, text: str) -> bytes:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).digest()


class EmbeddingCache:
    """Store float32 vectors in SQLite; safe to share between runs and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
        return conn

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk)  # noqa: S608  # nosec B608 - only "?" placeholders are formatted in
                for key, blob in rows:
                    found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )

    def __len__(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])


class CachedEmbedder:
    """Wrap an embedder so each (model, text) pair is embedded once, ever.

    `n_embedded_` counts the texts the last call really embedded (cache misses).
    """

    def __init__(self, embedder: Embedder, cache: EmbeddingCache, chunk_size: int = 2048) -> None:
        self.embedder = embedder
        # An embedder that keeps files of its own (the packaged model's ONNX export) and was
        # given no place for them keeps them beside the vectors, under the same topics cache.
        if getattr(embedder, "cache_dir", False) is None:
            embedder.cache_dir = cache.path.parent  # type: ignore[attr-defined]
        self.cache = cache
        self.chunk_size = chunk_size

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:  # noqa: ANN001
        model_id = self.embedder.model_id
        unique = list(dict.fromkeys(texts))
        keys = [cache_key(model_id, t) for t in unique]
        found = self.cache.get_many(keys)
        missing = [(k, t) for k, t in zip(keys, unique, strict=True) if k not in found]
        self.n_embedded_ = len(missing)
        # Embed and store in chunks so an interrupted run keeps what it paid for.
        for start in range(0, len(missing), self.chunk_size):
            chunk = missing[start : start + self.chunk_size]
            vectors = self.embedder.embed([t for _, t in chunk])
            self.cache.put_many([(k, v) for (k, _), v in zip(chunk, vectors, strict=True)])
            found.update({k: v for (k, _), v in zip(chunk, vectors, strict=True)})
            if progress is not None:
                progress(min(start + self.chunk_size, len(missing)), len(missing))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        # One output array filled in place: no list of per-text copies to stack at 50k comments.
        row = {t: found[k] for k, t in zip(keys, unique, strict=True)}
        del found
        out = np.empty((len(texts), len(next(iter(row.values())))), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = row[t]
        return out
