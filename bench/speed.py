"""Throughput, time per stage and peak memory of `topics` fits at 1k, 10k and 50k comments.

    .venv/bin/python bench/speed.py [--sizes 1000 10000 50000]

Each size runs in a fresh process with an empty embedding cache (a cold fit), then refits on
the same comments plus 10% new ones (only the new ones are embedded). Comments come from
../shared/data/patient-feedback-labelled.csv; beyond its 10k rows, distinct comments are made
by joining two of them. "embed alone" is the embedding stage of the cold fit.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
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


def one(n: int, cache: str, numba_cache: str) -> dict[str, float]:
    os.environ["NUMBA_CACHE_DIR"] = numba_cache
    t0 = time.perf_counter()
    from topics import TopicPipeline, builtin_taxonomy
    from topics.pipeline import default_embedder

    imported = time.perf_counter() - t0
    texts = make_comments(int(n * 1.1))
    first, extra = texts[:n], texts[n:]
    embedder = default_embedder(cache)
    t = time.perf_counter()
    cold = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(first)
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    refit = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(first + extra)
    refit_s = time.perf_counter() - t
    return {
        "n": n, "import_s": imported, "cold_fit_s": cold_s, "refit_s": refit_s,
        **{f"cold_{k}_s": v for k, v in cold.timings_.items()},
        **{f"refit_{k}_s": v for k, v in refit.timings_.items()},
        "refit_embedded": refit.n_embedded_,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--numba-cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not DATA.is_file():
        print(f"skip: {DATA} not found")
        return 0
    if args.one:
        print(json.dumps(one(args.one, args.cache, args.numba_cache)))
        return 0
    numba_cache = tempfile.mkdtemp(prefix="topics-numba-")
    print(f"{'n':>6} {'cold fit':>9} {'embed':>7} {'themes':>7} {'topics':>7} {'cold/embed':>10} "
          f"{'refit':>7} {'refit/cold':>10} {'comments/s':>10} {'peak MB':>8}")  # fmt: skip
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="topics-cache-") as cache:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--cache", cache,
                 "--numba-cache", numba_cache],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
        if out.returncode:
            print(out.stderr[-2000:])
            return 1
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{n:6d} {r['cold_fit_s']:8.1f}s {r['cold_embed_s']:6.1f}s "
              f"{r['cold_themes_s']:6.1f}s "
              f"{r['cold_topics_s']:6.1f}s {r['cold_fit_s'] / r['cold_embed_s']:9.2f}x "
              f"{r['refit_s']:6.1f}s {r['refit_s'] / r['cold_fit_s']:9.2f}x "
              f"{n / r['cold_fit_s']:10.0f} {r['peak_rss_mb']:8.0f}", flush=True)  # fmt: skip
        stages = ", ".join(
            f"{k[6:-2]} {v:.1f}s"
            for k, v in r.items()
            if k.startswith("refit_") and k.endswith("_s")
        )
        print(f"       imports {r['import_s']:.1f}s; refit embedded {r['refit_embedded']} new; "
              f"refit stages: {stages}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
