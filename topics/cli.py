"""Command line: `python -m topics fit|evaluate|map`."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

from topics.io import InputError, read_coding, read_comments, read_rows


def _progress(message: str) -> None:
    print(f"[topics {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _set_caches(cache_dir: Path) -> None:
    # numba compiles UMAP and HDBSCAN kernels at first use; an on-disk cache lets the next
    # process load them instead of recompiling. Must be set before numba is imported.
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir / "numba"))


def cmd_fit(args: argparse.Namespace) -> int:
    from topics.embeddings import default_cache_dir

    cache_dir = Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    _set_caches(cache_dir)
    from topics.pipeline import TopicPipeline, default_embedder
    from topics.taxonomy import builtin_taxonomy, load_taxonomy

    ids, texts = read_comments(args.input, args.text_column, args.id_column)
    coded = read_coding(args.labels) if args.labels else None
    if coded is not None:
        known = set(ids)
        missing = [i for i in coded if i not in known]
        if missing:
            raise InputError(
                f"{args.labels}: {len(missing)} of {len(coded)} coded ids are not in {args.input} "
                f"(e.g. {missing[0]!r}); the ids must match "
                + (f"the {args.id_column!r} column" if args.id_column else "0-based row numbers")
            )
    if args.themes is None:
        taxonomy = builtin_taxonomy()
    elif args.themes.lower() == "none":
        taxonomy = None
    else:
        taxonomy = load_taxonomy(args.themes)
    _progress(f"read {len(texts)} comments from {args.input}")
    pipeline = TopicPipeline(
        embedder=default_embedder(cache_dir),
        taxonomy=taxonomy,
        random_state=args.seed,
        progress=_progress,
    ).fit(texts, ids=ids, coded=coded)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_assignments(out / "assignments.csv", pipeline.assignments_)
    (out / "topics.json").write_text(
        json.dumps([t.to_dict() for t in pipeline.topics_], indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    if args.save_model:
        pipeline.save(args.save_model)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in pipeline.timings_.items())
    _progress(f"embedded {pipeline.n_embedded_} new texts; {timings}")
    _progress(f"wrote {out / 'assignments.csv'} and {out / 'topics.json'}")
    return 0


def write_assignments(path: Path, assignments: list) -> None:  # type: ignore[type-arg]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "topic", "theme", "themes", "probability"])
        for a in assignments:
            w.writerow([a.id, a.topic, a.theme or "", ";".join(a.themes), f"{a.probability:.4f}"])


def cmd_evaluate(args: argparse.Namespace) -> int:
    from topics.evaluation import evaluate

    header, rows = read_rows(args.assignments)
    for column in ("id", "topic", "themes"):
        if column not in header:
            raise InputError(f"{args.assignments}: no column {column!r}; is this assignments.csv?")
    topics = {r["id"]: int(r["topic"] or -1) for r in rows}
    themes = {r["id"]: [t for t in (r["themes"] or "").split(";") if t] for r in rows}
    labels: dict[str, list[str]] = {}
    for path in args.labels:
        for key, names in read_coding(path, args.id_column, args.label_column).items():
            labels.setdefault(key, [])
            labels[key] += [n for n in names if n not in labels[key]]
    for path in args.exclude or []:
        for key in read_coding(path):
            labels.pop(key, None)
    try:
        report = evaluate(topics, themes, labels)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if args.json:
        from dataclasses import asdict

        print(json.dumps(asdict(report), indent=2))
    else:
        print(report.to_text())
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from topics.mapping import load_intentions, map_themes_to_intentions
    from topics.pipeline import TopicPipeline

    pipeline = TopicPipeline.load(args.model)
    intentions = load_intentions(args.intentions)
    result = map_themes_to_intentions(pipeline, intentions, top_n=args.top)
    from dataclasses import asdict

    print(json.dumps([asdict(r) for r in result], indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m topics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="find themes and topics in a CSV of comments")
    fit.add_argument("input", metavar="INPUT.csv")
    fit.add_argument("--text-column", required=True)
    fit.add_argument("--out", required=True, metavar="DIR")
    fit.add_argument("--id-column")
    fit.add_argument("--themes", metavar="THEMES.yaml|none", help="default: built-in taxonomy")
    fit.add_argument("--labels", metavar="CODED.csv", help="CSV id,theme of coded comments")
    fit.add_argument("--cache-dir", metavar="DIR", help="embedding and numba cache")
    fit.add_argument("--save-model", metavar="DIR", help="also save the fitted model here")
    fit.add_argument("--seed", type=int, default=42)
    fit.set_defaults(func=cmd_fit)

    ev = sub.add_parser("evaluate", help="score assignments against human labels")
    ev.add_argument("assignments", metavar="ASSIGNMENTS.csv")
    ev.add_argument("labels", nargs="+", metavar="LABELS.csv")
    ev.add_argument("--id-column", default="id")
    ev.add_argument("--label-column", default="theme")
    ev.add_argument(
        "--exclude",
        action="append",
        metavar="CODED.csv",
        help="leave out these ids (e.g. the coded sample)",
    )
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)

    mp = sub.add_parser("map", help="rank commissioning intentions for each theme")
    mp.add_argument("model", metavar="MODEL_DIR")
    mp.add_argument("intentions", metavar="INTENTIONS.yaml")
    mp.add_argument("--top", type=int, default=5)
    mp.set_defaults(func=cmd_map)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from topics.pipeline import PipelineError
    from topics.taxonomy import TaxonomyError

    try:
        return int(args.func(args))
    except (InputError, PipelineError, TaxonomyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, sqlite3.Error) as exc:
        # A cache or output folder that cannot be written, or a full disk: say which and what to do.
        cache = (
            getattr(args, "cache_dir", None) or os.environ.get("ENGAGE_TOPICS_CACHE") or "~/.cache"
        )
        where = getattr(exc, "filename", None) or (
            f"the embedding cache in {cache}" if isinstance(exc, sqlite3.Error) else "a file"
        )
        print(
            f"error: could not write {where} ({getattr(exc, 'strerror', None) or exc}). "
            "Free disk space there, or choose a writable folder with --cache-dir or --out.",
            file=sys.stderr,
        )
        return 3
