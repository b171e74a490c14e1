"""Peak memory of a 50k `topics` fit and 10% refit, per stage, reusing a warm embedding cache.

    .venv/bin/python bench/topics_memory.py --cache-dir DIR [--n 50000] [--drop 4096]

A lighter stand-in for `bench/speed.py --sizes 50000` (whose cold embedding of 55k comments
takes half an hour on two cores): it copies the cache in DIR (filled by a first run), drops
`--drop` comments from the copy so the fit really embeds them with the model in memory, then
fits and refits as bench/speed.py does, printing the peak resident memory of each stage.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--drop", type=int, default=4096)
    args = parser.parse_args()
    from speed import DATA, make_comments

    if not DATA.is_file():
        print(f"skip: {DATA} not found")
        return 0
    from topics import TopicPipeline, builtin_taxonomy
    from topics.pipeline import default_embedder

    stage, peaks = ["start"], {}

    def poll() -> None:
        while True:
            peaks[stage[0]] = max(peaks.get(stage[0], 0.0), rss_mb())
            time.sleep(0.02)

    threading.Thread(target=poll, daemon=True).start()
    texts = make_comments(int(args.n * 1.1))
    work = Path(tempfile.mkdtemp(prefix="topics-mem-"))
    db = work / "embeddings.sqlite3"
    src = args.cache_dir / "embeddings.sqlite3"
    if src.is_file():
        with sqlite3.connect(src) as a, sqlite3.connect(db) as b:
            a.backup(b)
        with sqlite3.connect(db) as conn:
            conn.execute(
                "DELETE FROM vectors WHERE key IN (SELECT key FROM vectors ORDER BY key LIMIT ?)",
                (args.drop,),
            )
    embedder = default_embedder(work)
    stage[0] = "model"
    embedder.embedder.embed(["load the model as a cold fit does"])

    def say(message: str) -> None:
        stage[0] = message.split(" ")[0]

    for name, batch in (("fit", texts[: args.n]), ("refit", texts)):
        t = time.perf_counter()
        TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy(), progress=say).fit(batch)
        print(f"{name} of {len(batch)} in {time.perf_counter() - t:.0f}s", flush=True)
    shutil.rmtree(work)
    for key, value in peaks.items():
        print(f"{value:8.0f} MB  {key}")
    print(f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
