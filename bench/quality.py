"""Theme quality on the labelled NHS feedback set, beside vanilla BERTopic and logistic regression.

    .venv/bin/python bench/quality.py [--coded 500] [--seeds 0 1] [--cache-dir DIR]

Reads ../shared/data/patient-feedback-labelled.csv (relative to the repository; never copied
into it) and scores against its human sub-categories. Exits 0 with a note when it is absent.
Figures are macro best-match F1 (see `python -m topics evaluate`), and ratios to vanilla
BERTopic in the same run.

The baseline, exactly: `BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0,
metric="cosine", random_state=seed))` with every other part BERTopic 0.17.4's default, fitted
on the same cleaned comments (non-empty ones) and the same cached embeddings as the pipeline,
once per seed in `--vanilla-seeds` (default 42 to 51), with numba pinned to one thread
(NUMBA_NUM_THREADS=1, set before anything imports numba). Most seeds then repeat exactly (43
and 44 gave identical topics in separate runs), but not all: seed 42 gave macro F1 from
0.180 to 0.192 in six fits, so the mean over ten seeds is what is compared.
One seeded run is not a fair baseline: on this set the UMAP seed alone moves vanilla macro F1
by up to 0.02 (0.170 to 0.192, a 0.15x swing in a ratio near 1.4x). Ratios are to the mean
over the seeds; the range over single seeds is printed beside each ratio. Comments vanilla
leaves empty count as outliers (topic -1).

Hold-out discipline: a fixed random 20% of the comments (`--calibration-seed`) is the
calibration split, the only part any global threshold of the library (e.g. the assigner's
`min_similarity`) may be chosen on. Every figure below is scored on the other 80%, the
evaluation split (and, for the runs with coding, only on its comments that were not coded).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "patient-feedback-labelled.csv"
# Before numba is imported (by umap, hdbscan or topics): one thread makes seeded fits repeat.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--coded", type=int, default=500)
    parser.add_argument(
        "--seeds", type=int, nargs="*", default=[0], help="coded samples; none: taxonomy only"
    )
    parser.add_argument(
        "--themes", type=Path, help="a theme YAML in place of the built-in taxonomy, to compare"
    )
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--calibration-seed", type=int, default=2024)
    parser.add_argument("--calibration-share", type=float, default=0.2)
    parser.add_argument("--vanilla-seeds", type=int, nargs="+", default=list(range(42, 52)))
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"skip: {args.data} not found (the benchmark needs the shared development set)")
        return 0

    from bertopic import BERTopic
    from sklearn.linear_model import LogisticRegression
    from umap import UMAP

    from topics import TopicPipeline, builtin_taxonomy, evaluate
    from topics.taxonomy import load_taxonomy

    def taxonomy():  # noqa: ANN202
        return load_taxonomy(args.themes) if args.themes else builtin_taxonomy()

    from topics.pipeline import default_embedder
    from topics.preprocess import clean_comments

    with args.data.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [str(i) for i in range(len(rows))]
    texts = [r["feedback"] for r in rows]
    labels = {i: [r["subcategory"]] for i, r in zip(ids, rows, strict=True)}
    embedder = default_embedder(args.cache_dir)
    print(f"{len(rows)} comments, {len({r['subcategory'] for r in rows})} human sub-categories")
    rng = random.Random(args.calibration_seed)  # noqa: S311 - a split, not security
    calibration = set(rng.sample(ids, round(args.calibration_share * len(ids))))
    evaluation = set(ids) - calibration
    print(f"scored on the evaluation split: {len(evaluation)} comments "
          f"({len(calibration)} held back for calibration)")  # fmt: skip

    vanilla_runs: list[float] = []

    def report(name: str, assignments, scored: set[str], vanilla: float | None) -> float:  # noqa: ANN001
        topics = {a.id: a.topic for a in assignments if a.id in scored}
        themes = {a.id: a.themes for a in assignments if a.id in scored}
        ev = evaluate(topics, themes, {i: labels[i] for i in scored})
        best = max(ev.macro_theme_f1, ev.macro_topic_f1)
        if vanilla:
            lo, hi = best / max(vanilla_runs), best / min(vanilla_runs)
            ratio = f"{best / vanilla:.2f}x ({lo:.2f}-{hi:.2f})"
        else:
            ratio = "-"
        print(f"{name:44} topicF1 {ev.macro_topic_f1:.3f}  themeF1 {ev.macro_theme_f1:.3f}  "
              f"NMI {ev.nmi:.3f}  ARI {ev.ari:.3f}  outliers {ev.outlier_share:5.1%}  "
              f"no-theme {ev.no_theme_share:5.1%}  ratio {ratio}", flush=True)  # fmt: skip
        return best

    # Vanilla BERTopic: see the docstring. Same cleaned comments and cached embeddings.
    from topics.results import Assignment

    t = time.perf_counter()
    cleaned = [c.text for c in clean_comments(texts)]
    present = [i for i, c in enumerate(cleaned) if c]
    emb = embedder.embed([cleaned[i] for i in present])
    print(f"embeddings ready ({embedder.n_embedded_} new) in {time.perf_counter() - t:.1f}s")
    everyone = evaluation
    for seed in args.vanilla_seeds:
        t = time.perf_counter()
        umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                    random_state=seed)  # fmt: skip
        found, _ = BERTopic(umap_model=umap).fit_transform(
            [cleaned[i] for i in present], embeddings=emb
        )
        vanilla_assign = [Assignment(ids[i], -1, None, [], 0.0) for i in range(len(ids))]
        for i, k in zip(present, found, strict=True):
            vanilla_assign[i].topic = int(k)
        print(f"vanilla BERTopic, UMAP seed {seed}, fitted in {time.perf_counter() - t:.1f}s")
        vanilla_runs.append(
            report(f"vanilla BERTopic (UMAP seed {seed})", vanilla_assign, everyone, None)
        )
    vanilla = statistics.fmean(vanilla_runs)
    spread = statistics.stdev(vanilla_runs) if len(vanilla_runs) > 1 else 0.0
    print(f"vanilla BERTopic macro F1 over UMAP seeds {args.vanilla_seeds}: mean {vanilla:.4f}, "
          f"sd {spread:.4f}, range {min(vanilla_runs):.4f}-{max(vanilla_runs):.4f}; "
          f"ratios below are to the mean (range: to the best and worst single seed)")  # fmt: skip

    t = time.perf_counter()
    unguided = TopicPipeline(embedder=embedder, taxonomy=None).fit(texts, ids=ids)
    print(f"unguided pipeline in {time.perf_counter() - t:.1f}s")
    report("pipeline, unguided (--themes none)", unguided.assignments_, everyone, vanilla)

    t = time.perf_counter()
    guided = TopicPipeline(embedder=embedder, taxonomy=taxonomy()).fit(texts, ids=ids)
    print(f"guided pipeline in {time.perf_counter() - t:.1f}s")
    g = report("pipeline, built-in taxonomy, no coding", guided.assignments_, everyone, vanilla)
    print(f"  target >= 1.40x with outliers < 10%: {g / vanilla:.2f}x")
    results = [g / vanilla]

    X = guided.embeddings_
    for seed in args.seeds:
        sample = random.Random(seed).sample(ids, args.coded)  # noqa: S311
        coded = {i: labels[i] for i in sample}
        rest = evaluation - set(sample)
        t = time.perf_counter()
        learned = TopicPipeline(embedder=embedder, taxonomy=taxonomy()).fit(
            texts, ids=ids, coded=coded
        )
        print(f"guided + {args.coded} coded (seed {seed}) in {time.perf_counter() - t:.1f}s")
        f = report(
            f"pipeline + {args.coded} coded, seed {seed}", learned.assignments_, rest, vanilla
        )
        rows_s = [int(i) for i in sample]
        lr = LogisticRegression(class_weight="balanced", max_iter=3000)
        lr.fit(X[rows_s], [labels[i][0] for i in sample])
        pred = lr.predict(X)
        lr_assign = [Assignment(i, -1, p, [p], 1.0) for i, p in zip(ids, pred, strict=True)]
        classes = {c: k for k, c in enumerate(lr.classes_)}
        for a in lr_assign:
            a.topic = classes[a.theme]
        lr_f1 = report(
            f"logistic regression, same {args.coded}, seed {seed}", lr_assign, rest, vanilla
        )
        print(f"  target >= 1.70x and above LR: {f / vanilla:.2f}x, LR {lr_f1 / vanilla:.2f}x")
        results.append(f / vanilla)
    print(
        "summary: taxonomy only "
        + f"{results[0]:.2f}x; with {args.coded} coded "
        + ", ".join(f"seed {s} {r:.2f}x" for s, r in zip(args.seeds, results[1:], strict=True))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
