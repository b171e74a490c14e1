"""Throughput, time per stage and peak memory of `topics` fits, ONNX Runtime beside PyTorch.

    .venv/bin/python bench/speed.py [--sizes 1000 10000 50000] [--runtimes torch onnx]

Every measurement runs in a fresh process, one runtime after the other, so peak memory is each
runtime's own. First the ONNX export is made once (the one-off cost at first use, timed) in a
folder kept for the whole run. Then, per runtime:

- first embedding: a new process from `import topics` to its first vector;
- throughput: every distinct comment of the development set embedded with the bare embedder
  (no cache), after the model is loaded; the vectors are kept to compare the runtimes: the
  minimum cosine between them over every comment (target >= 0.995) and the largest difference;
- per size: a cold fit with an empty embedding cache, then a refit on the same comments plus
  10% new ones (only the new ones are embedded). "embed" is the cold fit's embedding stage.

Comments come from ../shared/data/patient-feedback-labelled.csv; beyond its 10k rows,
distinct comments are made by joining two of them. CPU seconds are printed beside wall ones:
on a shared machine they vary less.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "patient-feedback-labelled.csv"


def make_comments(n: int, seed: int = 0) -> list[str]:
    with DATA.open(encoding="utf-8") as f:
        base = [r["feedback"] for r in csv.DictReader(f)]
    rng = random.Random(seed)  # noqa: S311 - sampling, not security
    out = list(dict.fromkeys(base))
    rng.shuffle(out)
    seen = set(out)
    while len(out) < n:
        text = f"{rng.choice(base)} {rng.choice(base)}"
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out[:n]


def distinct_comments() -> list[str]:
    with DATA.open(encoding="utf-8") as f:
        return list(dict.fromkeys(r["feedback"] for r in csv.DictReader(f)))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _embedder(runtime: str, onnx_dir: str):  # noqa: ANN202
    from topics.embeddings import PackagedModelEmbedder

    return PackagedModelEmbedder(runtime=runtime, cache_dir=onnx_dir)


def export(onnx_dir: str) -> dict[str, float]:
    t = time.perf_counter()
    from topics.embeddings.onnx import OnnxEmbedder

    e = _embedder("onnx", onnx_dir)
    e.embed(["warm up"])
    assert isinstance(e._onnx, OnnxEmbedder)  # noqa: S101
    return {"export_s": time.perf_counter() - t, "rebuilt": e._onnx.rebuilt_ is not None}


def first_embedding(runtime: str, onnx_dir: str) -> dict[str, float]:
    t = time.perf_counter()
    import topics  # noqa: F401

    imported = time.perf_counter() - t
    e = _embedder(runtime, onnx_dir)
    e.embed([f"the first comment of a new worker {time.time()}"])
    heavy = sorted({m.split(".")[0] for m in sys.modules} & {"torch", "sentence_transformers",
                                                              "transformers"})  # fmt: skip
    return {"import_s": imported, "first_s": time.perf_counter() - t, "runtime": e.runtime_,
            "heavy": ",".join(heavy) or "none"}  # fmt: skip


def throughput(runtime: str, onnx_dir: str, out: str) -> dict[str, float]:
    import numpy as np

    texts = distinct_comments()
    e = _embedder(runtime, onnx_dir)
    e.embed(texts[:64])  # load the model and warm up; not timed
    t, c = time.perf_counter(), _cpu()
    vectors = e.embed(texts)
    wall, cpu = time.perf_counter() - t, _cpu() - c
    np.save(out, vectors)
    return {"n": len(texts), "wall_s": wall, "cpu_s": cpu, "runtime": e.runtime_,
            "peak_rss_mb": _peak_mb()}  # fmt: skip


def one(n: int, runtime: str, onnx_dir: str, cache: str, numba_cache: str) -> dict[str, float]:
    os.environ["NUMBA_CACHE_DIR"] = numba_cache
    t0 = time.perf_counter()
    from topics import TopicPipeline, builtin_taxonomy
    from topics.embeddings import CachedEmbedder, EmbeddingCache

    imported = time.perf_counter() - t0
    texts = make_comments(int(n * 1.1))
    first, extra = texts[:n], texts[n:]
    embedder = CachedEmbedder(
        _embedder(runtime, onnx_dir), EmbeddingCache(Path(cache) / "embeddings.sqlite3")
    )
    t, c = time.perf_counter(), _cpu()
    cold = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(first)
    cold_s, cold_cpu = time.perf_counter() - t, _cpu() - c
    t = time.perf_counter()
    refit = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(first + extra)
    refit_s = time.perf_counter() - t
    return {
        "n": n, "import_s": imported, "cold_fit_s": cold_s, "cold_cpu_s": cold_cpu,
        "refit_s": refit_s,
        **{f"cold_{k}_s": v for k, v in cold.timings_.items()},
        **{f"refit_{k}_s": v for k, v in refit.timings_.items()},
        "refit_embedded": refit.n_embedded_, "runtime": embedder.embedder.runtime_,
        "peak_rss_mb": _peak_mb(),
    }  # fmt: skip


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    parser.add_argument("--runtimes", nargs="+", default=["torch", "onnx"],
                        choices=["torch", "onnx", "auto"])  # fmt: skip
    parser.add_argument("--no-throughput", action="store_true", help="skip the dev-set pass")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DATA.is_file():
        print(f"skip: {DATA} not found")
        return 0
    if args.child:
        kind, *rest = args.child
        if kind == "export":
            r = export(*rest)
        elif kind == "first":
            r = first_embedding(*rest)
        elif kind == "throughput":
            r = throughput(*rest)
        else:
            r = one(int(rest[0]), *rest[1:])
        print(json.dumps(r))
        return 0

    import numpy as np

    work = Path(tempfile.mkdtemp(prefix="topics-speed-"))
    onnx_dir, numba_cache = str(work / "onnx"), str(work / "numba")
    if "torch" not in args.runtimes or len(args.runtimes) > 1:
        r = _child("export", onnx_dir)
        print(f"one-off ONNX export from the packaged weights: {r['export_s']:.1f}s "
              f"(import, export, check against PyTorch, write)", flush=True)  # fmt: skip

    for rt in args.runtimes:
        r = _child("first", rt, onnx_dir)
        print(f"{rt:>5}: a new process reaches its first embedding in {r['first_s']:.1f}s "
              f"(import topics {r['import_s']:.1f}s; ran on {r['runtime']}; "
              f"torch/transformers imported: {r['heavy']})", flush=True)  # fmt: skip

    rate: dict[str, float] = {}
    if not args.no_throughput:
        vectors = {}
        for rt in args.runtimes:
            path = str(work / f"vectors-{rt}.npy")
            r = _child("throughput", rt, onnx_dir, path)
            vectors[rt] = np.load(path)
            rate[rt] = r["n"] / r["wall_s"]
            print(f"{rt:>5}: embedded {r['n']} distinct comments in {r['wall_s']:.1f}s "
                  f"({rate[rt]:.0f}/s, {r['n'] / r['cpu_s']:.0f} per CPU-second), "
                  f"peak {r['peak_rss_mb']:.0f} MB", flush=True)  # fmt: skip
        if "torch" in vectors and "onnx" in vectors:
            a, b = vectors["torch"], vectors["onnx"]
            cos = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
            print(f"onnx vs torch on every distinct comment: throughput "
                  f"{rate['onnx'] / rate['torch']:.2f}x (target >= 2.5x); cosine min "
                  f"{cos.min():.7f} (target >= 0.995), mean {cos.mean():.7f}; largest "
                  f"difference {np.abs(a - b).max():.1e}", flush=True)  # fmt: skip

    print(f"{'runtime':>7} {'n':>6} {'cold fit':>9} {'cpu':>7} {'embed':>7} {'themes':>7} "
          f"{'topics':>7} {'cold/embed':>10} {'refit':>7} {'refit/cold':>10} "
          f"{'comments/s':>10} {'peak MB':>8}")  # fmt: skip
    for n in args.sizes:
        fits = {}
        for rt in args.runtimes:
            with tempfile.TemporaryDirectory(prefix="topics-cache-") as cache:
                r = fits[rt] = _child("fit", str(n), rt, onnx_dir, cache, numba_cache)
            print(f"{rt:>7} {n:6d} {r['cold_fit_s']:8.1f}s {r['cold_cpu_s']:6.0f}s "
                  f"{r['cold_embed_s']:6.1f}s {r['cold_themes_s']:6.1f}s "
                  f"{r['cold_topics_s']:6.1f}s {r['cold_fit_s'] / r['cold_embed_s']:9.2f}x "
                  f"{r['refit_s']:6.1f}s {r['refit_s'] / r['cold_fit_s']:9.2f}x "
                  f"{n / r['cold_fit_s']:10.0f} {r['peak_rss_mb']:8.0f}", flush=True)  # fmt: skip
            stages = ", ".join(
                f"{k[6:-2]} {v:.1f}s"
                for k, v in r.items()
                if k.startswith("refit_") and k.endswith("_s") and k != "refit_s"
            )
            print(f"        imports {r['import_s']:.1f}s; ran on {r['runtime']}; refit embedded "
                  f"{r['refit_embedded']} new; refit stages: {stages}", flush=True)  # fmt: skip
        if "torch" in fits and "onnx" in fits:
            t, o = fits["torch"], fits["onnx"]
            speedup = t["cold_fit_s"] / o["cold_fit_s"]
            print(f"        onnx vs torch at {n}: cold fit {speedup:.2f}x faster (target >= 2x), "
                  f"embed stage {t['cold_embed_s'] / o['cold_embed_s']:.2f}x, peak memory "
                  f"{o['peak_rss_mb']:.0f} MB against {t['peak_rss_mb']:.0f} MB",
                  flush=True)  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
