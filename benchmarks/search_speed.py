"""Top-10 search speed over a large catalog of random 60-d emotion vectors: exact vs the Faiss index.

    python benchmarks/search_speed.py [--n 1000000] [--queries 200] [--distribution softmax|uniform]

Times ``Recommender.recommend(song_id, k=10)`` end to end (scoring, filtering, ranking and the
result table) for every query, first with exact NumPy search, then after building the HNSW index
(build time reported), and the index's recall@k against exact search on the same queries.

``--distribution softmax`` (default) draws vectors shaped like a classifier's output: softmax of
Gaussian logits (scale 3), so each song has a few dominant emotions. ``uniform`` draws i.i.d.
uniform coordinates, which spreads points evenly over the sphere: the hardest case for any
approximate index, shown for honesty.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hub.recommender import Recommender  # noqa: E402


def random_vectors(n: int, dim: int, distribution: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in chunks: bounded temporary memory
        rows = min(100_000, n - start)
        if distribution == "uniform":
            out[start:start + rows] = rng.random((rows, dim), dtype=np.float32)
        else:
            logits = rng.standard_normal((rows, dim), dtype=np.float32) * 3
            e = np.exp(logits - logits.max(1, keepdims=True))
            out[start:start + rows] = e / e.sum(1, keepdims=True)
    return out


def time_queries(rec: Recommender, ids, k: int, method: str):
    results, latencies = [], []
    for sid in ids:
        start = time.perf_counter()
        table = rec.recommend(sid, k=k, method=method)
        latencies.append(time.perf_counter() - start)
        results.append(list(table["song_id"]))
    ms = np.array(latencies) * 1000
    return results, {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
                     "mean_ms": float(ms.mean())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="catalog size")
    parser.add_argument("--dim", type=int, default=60)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--method", choices=["cosine", "weighted"], default="cosine")
    parser.add_argument("--distribution", choices=["softmax", "uniform"], default="softmax")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=40)
    parser.add_argument("--ef-search", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    vectors = random_vectors(args.n, args.dim, args.distribution, args.seed)
    songs = pd.DataFrame({"song_id": np.arange(args.n).astype(str), "title": "t", "artist": "a", "year": 2000})
    rec = Recommender(vectors, songs, [f"e{i}" for i in range(args.dim)], index="exact", ef_search=args.ef_search)
    print(f"catalog: {args.n:,} x {args.dim} {args.distribution} vectors ready in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    ids = np.random.default_rng(args.seed + 1).choice(args.n, args.queries, replace=False).astype(str)
    rec.recommend(ids[0], k=args.k, method=args.method)  # warm-up

    exact_results, exact = time_queries(rec, ids, args.k, args.method)
    t0 = time.perf_counter()
    rec.build_index(args.hnsw_m, args.ef_construction)
    build_s = time.perf_counter() - t0
    rec.recommend(ids[0], k=args.k, method=args.method)
    index_results, indexed = time_queries(rec, ids, args.k, args.method)
    recall = float(np.mean([len(set(a) & set(b)) / args.k for a, b in zip(exact_results, index_results)]))
    same = float(np.mean([a == b for a, b in zip(exact_results, index_results)]))

    figures = {"n": args.n, "dim": args.dim, "queries": args.queries, "k": args.k, "method": args.method,
               "distribution": args.distribution, "hnsw_m": args.hnsw_m, "ef_construction": args.ef_construction,
               "ef_search": args.ef_search, "exact": exact, "faiss_hnsw": indexed,
               "index_build_s": build_s, f"recall_at_{args.k}": recall, "identical_top_k_share": same}
    print(f"exact      p50 {exact['p50_ms']:8.2f} ms   p99 {exact['p99_ms']:8.2f} ms")
    print(f"faiss HNSW p50 {indexed['p50_ms']:8.2f} ms   p99 {indexed['p99_ms']:8.2f} ms   "
          f"(build {build_s:.1f} s, recall@{args.k} {recall:.4f}, identical top-{args.k} {same:.1%})")
    print(json.dumps(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
