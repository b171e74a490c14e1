"""A sentence-transformers BERT model (the packaged MiniLM) run with ONNX Runtime.

The model is exported once from the packaged weights with PyTorch's exporter (never
downloaded) and kept in the topics cache as `onnx/<model>-<quantisation>-<key>.onnx`. The key
hashes what made the file: the model's name, a sha256 of its weights, the exporter's (torch),
onnx's and onnxruntime's versions, the quantisation and this module's graph format. The file
carries that key and a few fixed sentences' vectors in its own metadata, so a file is used only
when it loads, its key is the one expected (else it is stale) and it still gives those vectors
(else it is corrupt); otherwise it is rebuilt. It is written to a temporary name and renamed,
so a reader never sees half a file.

The graph is the transformer, mean pooling over the attention mask and L2 normalisation, as
sentence-transformers computes them for this model; texts are stripped and tokenised with the
model's own fast tokenizer (`tokenizer.json`), truncated at the model's `max_seq_length`.
At run time only `onnxruntime`, `tokenizers` and numpy are imported: torch, transformers and
onnx only when the file has to be (re)built.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Bump when the exported graph or its metadata change: older files are then stale.
GRAPH_FORMAT = 1
OPSET = 17
QUANTISATIONS = ("fp32", "int8")
# Fixed sentences whose vectors are checked at build (against torch) and at every load
# (against those stored in the file). Short, long, punctuation, non-ASCII and empty.
PROBES = (
    "The receptionist was very kind and the wait was short.",
    "Couldn't get an appointment for three weeks; phoned at 8am every day!!",
    "parking",
    "",
    "Très bien — the nurse explained everything about my médicaments clearly. " * 20,
)
# Largest difference allowed between the vectors of the same file on one machine at two
# loads (thread counts change the order of float sums slightly) before it counts as corrupt.
LOAD_TOLERANCE = 1e-4
# fp32 must agree with PyTorch this closely on the probes, or the export is refused: that is
# what lets its vectors share the PyTorch embedder's cache keys (see `model_id`).
FP32_TOLERANCE = 1e-5
# int8 is only ever built on request; it must at least reach this cosine on every probe.
INT8_MIN_COSINE = 0.995


class OnnxExportError(RuntimeError):
    """The model could not be exported, or its export disagrees with PyTorch."""


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def default_threads() -> int:
    """Intra-op threads: the cores this process may use ($ENGAGE_TOPICS_THREADS overrides)."""
    if env := os.environ.get("ENGAGE_TOPICS_THREADS"):
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _max_seq_length(model_dir: Path) -> int:
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
        if value:
            return int(value)
    return 512


def export_key(model_dir: Path, model_name: str, quantisation: str) -> dict[str, str]:
    """What the exported file depends on; any change makes a cached file stale."""
    return {
        "model": model_name,
        "weights_sha256": _sha256(model_dir / "model.safetensors"),
        "exporter": f"torch=={_version('torch')}",
        "onnx": _version("onnx"),
        "onnxruntime": _version("onnxruntime"),
        "quantisation": quantisation,
        "graph_format": str(GRAPH_FORMAT),
        "opset": str(OPSET),
        "max_seq_length": str(_max_seq_length(model_dir)),
    }


def key_digest(key: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def onnx_path(cache_dir: Path, key: dict[str, str]) -> Path:
    safe = re.sub(r"[^A-Za-z0-9.+-]+", "_", key["model"])
    return Path(cache_dir) / "onnx" / f"{safe}-{key['quantisation']}-{key_digest(key)}.onnx"


def _pack(vectors: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).decode()


def _unpack(text: str, dim: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.float32).reshape(-1, dim)


class OnnxEmbedder:
    """Embed with an ONNX export of a sentence-transformers BERT model (mean pooling, L2).

    `model_dir` holds the sentence-transformers files (`model.safetensors`, `tokenizer.json`,
    `config.json`); the export lives under `cache_dir`. Nothing is loaded until the first
    `load()` or `embed()`.
    """

    def __init__(
        self,
        model_dir: str | Path,
        model_id: str,
        cache_dir: str | Path,
        quantisation: str = "fp32",
        batch_size: int = 32,
        threads: int | None = None,
        max_tokens: int = 2048,
    ) -> None:
        if quantisation not in QUANTISATIONS:
            raise ValueError(f"quantisation must be one of {QUANTISATIONS}, not {quantisation!r}")
        self.model_dir = Path(model_dir)
        self.model_id = model_id
        self.cache_dir = Path(cache_dir)
        self.quantisation = quantisation
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.threads = threads or default_threads()
        self.path: Path | None = None
        self.rebuilt_: str | None = None  # why the last load exported afresh, if it did
        self._session: Any = None
        self._tokenizer: Any = None
        self._dim = 0

    # -- loading -------------------------------------------------------------------------

    def load(self) -> OnnxEmbedder:
        if self._session is not None:
            return self
        import onnxruntime  # noqa: F401  - fail here, before any export, when it is missing

        self._tokenizer = self._make_tokenizer()
        key = export_key(self.model_dir, self.model_id, self.quantisation)
        path = onnx_path(self.cache_dir, key)
        self.rebuilt_ = None
        if path.is_file():
            try:
                self._session = self._open_checked(path, key)
            except Exception as exc:  # noqa: BLE001 - any failure to load means rebuild
                self.rebuilt_ = f"{type(exc).__name__}: {exc}"
                log.warning("rebuilding the ONNX export %s: %s", path.name, self.rebuilt_)
        else:
            self.rebuilt_ = "absent"
        if self._session is None:
            self._build(path, key)
            self._session = self._open_checked(path, key)
        self.path = path
        return self

    def _make_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.no_padding()  # padded per batch, to that batch's longest text
        tok.enable_truncation(max_length=_max_seq_length(self.model_dir))
        return tok

    def _session_for(self, path: Path) -> Any:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def _open_checked(self, path: Path, key: dict[str, str]) -> Any:
        """Open `path` and prove it is the file wanted: the right key, the stored vectors."""
        session = self._session_for(path)
        meta = session.get_modelmeta().custom_metadata_map
        found = json.loads(meta.get("engage_key", "{}"))
        if found != key:
            changed = sorted(k for k in key.keys() | found.keys() if key.get(k) != found.get(k))
            raise OnnxExportError(f"stale: its key differs in {', '.join(changed)}")
        dim = int(meta["engage_dim"])
        stored = _unpack(meta["engage_probes"], dim)
        self._dim = dim
        now = self._run(session, list(PROBES))
        diff = float(np.abs(now - stored).max())
        if not np.isfinite(diff) or diff > LOAD_TOLERANCE:
            raise OnnxExportError(f"corrupt: probe vectors differ by {diff:.2e}")
        return session

    def _build(self, path: Path, key: dict[str, str]) -> None:
        t = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as tmp:
            fp32 = Path(tmp) / "fp32.onnx"
            reference = _export_with_torch(self.model_dir, fp32, self._tokenizer)
            built = fp32
            if self.quantisation == "int8":
                from onnxruntime.quantization import QuantType, quantize_dynamic

                built = Path(tmp) / "int8.onnx"
                quantize_dynamic(
                    str(fp32), str(built), weight_type=QuantType.QInt8, per_channel=True
                )
            vectors = self._run(self._session_for(built), list(PROBES))
            cos = (vectors * reference).sum(axis=1)
            diff = float(np.abs(vectors - reference).max())
            if self.quantisation == "fp32" and not diff <= FP32_TOLERANCE:
                raise OnnxExportError(f"the ONNX export differs from PyTorch by {diff:.2e}")
            if self.quantisation == "int8" and not cos.min() >= INT8_MIN_COSINE:
                raise OnnxExportError(f"int8 cosine to PyTorch only {cos.min():.4f}")
            import onnx

            model = onnx.load(str(built))
            onnx.helper.set_model_props(
                model,
                {
                    "engage_key": json.dumps(key, sort_keys=True),
                    "engage_dim": str(vectors.shape[1]),
                    "engage_probes": _pack(vectors),
                    "engage_torch_max_abs_diff": f"{diff:.3e}",
                },
            )
            final = Path(tmp) / "final.onnx"
            onnx.save(model, str(final))
            os.replace(final, path)  # atomic: readers see the old file or the whole new one
        # Older exports of the same model and quantisation (another key) are dead weight.
        prefix = path.name.rsplit("-", 1)[0] + "-"
        for old in path.parent.glob(f"{prefix}*.onnx"):
            if old != path:
                old.unlink(missing_ok=True)
        log.info(
            "exported %s to ONNX (%s) in %.1fs, max difference to PyTorch %.1e",
            key["model"], self.quantisation, time.perf_counter() - t, diff,
        )  # fmt: skip

    # -- embedding -----------------------------------------------------------------------

    @property
    def dimension(self) -> int:
        self.load()
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        if len(texts) == 0:
            return np.zeros((0, self._dim), dtype=np.float32)
        return self._run(self._session, list(texts))

    def _batches(self, lengths: np.ndarray) -> list[np.ndarray]:
        """Rows in order of length, `batch_size` at a time, fewer for long texts: attention
        memory grows with rows x width squared, so a batch holds at most `max_tokens`."""
        order = np.argsort(lengths, kind="stable")
        batches: list[np.ndarray] = []
        start = 0
        while start < len(order):
            end = start + 1
            while (
                end < len(order)
                and end - start < self.batch_size
                and (end - start + 1) * int(lengths[order[end]]) <= self.max_tokens
            ):
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def _run(self, session: Any, texts: list[str]) -> np.ndarray:
        # As sentence-transformers: strip, tokenise; then sort by length so a batch pads little.
        encodings = self._tokenizer.encode_batch([str(t).strip() for t in texts])
        lengths = np.array([len(e.ids) for e in encodings])
        out: np.ndarray | None = None
        for rows in self._batches(lengths):
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : lengths[i]] = encodings[i].ids
                mask[r, : lengths[i]] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            vectors = session.run(None, feed)[0]
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        assert out is not None  # noqa: S101 - texts is never empty here
        return out


def _export_with_torch(model_dir: Path, target: Path, tokenizer: Any) -> np.ndarray:
    """Export transformer + mean pooling + L2 to `target`; return PyTorch's probe vectors."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise OnnxExportError(f"exporting to ONNX needs torch and transformers: {exc}") from exc

    class Pooled(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # A folder inside the pip package, read with the Hub switched off: never a download.
    model = AutoModel.from_pretrained(  # nosec B615
        str(model_dir), local_files_only=True
    ).eval()
    wrapped = Pooled(model)
    # Trace with a padded row, so no shortcut for an all-ones mask is baked into the graph.
    encodings = tokenizer.encode_batch(["a short one", "a somewhat longer sentence to trace"])
    width = max(len(e.ids) for e in encodings)
    ids = torch.zeros((2, width), dtype=torch.long)
    mask = torch.zeros((2, width), dtype=torch.long)
    for r, e in enumerate(encodings):
        ids[r, : len(e.ids)] = torch.tensor(e.ids)
        mask[r, : len(e.ids)] = 1
    dynamic = {n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask")}
    dynamic["token_type_ids"] = {0: "batch", 1: "sequence"}
    dynamic["sentence_embedding"] = {0: "batch"}
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        # PyTorch's own vectors first: after tracing, the module may not compute as before.
        reference = []
        for text in PROBES:
            e = tokenizer.encode(text.strip())
            t_ids = torch.tensor([e.ids])
            reference.append(
                wrapped(t_ids, torch.ones_like(t_ids), torch.zeros_like(t_ids)).numpy()[0]
            )
        warnings.simplefilter("ignore")  # the tracer's notes about python booleans in the model
        torch.onnx.export(
            wrapped,
            (ids, mask, torch.zeros_like(ids)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, stable for BERT
            external_data=False,
        )
    return np.stack(reference).astype(np.float32)
