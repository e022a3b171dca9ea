"""Top-10 search speed over a large catalog of random 60-d emotion vectors (with 2-10 stanza vectors and a 64-d
story vector per song): the default measure (emotion + story) with its explanations, exact vs the Faiss index, without
filters and with "digging" filters that pass 95 %, 10 %, 1 %, 0.1 % and 0 % of the songs; plain cosine,
weighted cosine and the arc measure (with explanations) exact; weighted cosine checked against its
formula computed the naive way.

    python benchmarks/search_speed.py [--n 1000000] [--queries 200] [--distribution softmax|uniform]

Times ``Recommender.recommend(song_id, k=10, ...)`` end to end (filter mask, scoring, ranking and the
result table, with the ``why`` and ``stanza_match`` columns for the default and the arc measure) for
every query, first with exact search, then after building the HNSW index over the default measure's vectors
(build time reported), with the index's recall@k against exact search on the same queries and filters.

The catalog's artists and years make each filter's pass share exact: every query song is from 2000 by
artist ``a0``, who owns the catalog's other 2000 songs (5 %); of the rest, 85 % are 1 to 9 years from
2000, 9 % 10 to 19, 0.9 % 20 to 29, 0.1 % 30 to 39 and none further. So ``exclude_same_artist`` passes
95 %, and ``min_year_gap`` 10 / 20 / 30 / 40 passes 10 % / 1 % / 0.1 % / 0 %, with ``exclude_same_artist``
or without (a0's songs are all from 2000).

Weighted cosine (always exact) is timed without and with the filters; on a few queries its top-k is
compared with ``cos(q * w, x * w)`` computed in float64 over the whole catalog: the similarities, and
whether the songs returned are the naive top k.

``--distribution softmax`` (default) draws vectors shaped like a classifier's output: softmax of
Gaussian logits (scale 3), so each song has a few dominant emotions. ``uniform`` draws i.i.d.
uniform coordinates, which spreads points evenly over the sphere: the hardest case for any
approximate index, and for the bound exact search prunes with (every song is scored), shown for honesty.
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
from hub.search.similarity import DEFAULT  # noqa: E402
from hub.search.vectors import Stanzas  # noqa: E402

# name: (recommend() filters, share of the catalog they pass)
FILTERS = {
    "none": ({}, 1.0),
    "pass 95%": ({"exclude_same_artist": True}, 0.95),
    "pass 10%": ({"exclude_same_artist": True, "min_year_gap": 10}, 0.10),
    "pass 1%": ({"min_year_gap": 20}, 0.01),
    "pass 0.1%": ({"exclude_same_artist": True, "min_year_gap": 30}, 0.001),
    "pass 0%": ({"exclude_same_artist": True, "min_year_gap": 40}, 0.0),
}
QUERY_YEAR = 2000


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


def random_stanzas(vectors: np.ndarray, seed: int) -> Stanzas:
    """2-10 stanzas per song: the song's vector moved by a random softmax, stanza by stanza."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 11, len(vectors))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    out = np.empty((offsets[-1], vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(vectors), 100_000):  # in chunks: bounded temporary memory
        end = min(start + 100_000, len(vectors))
        rows = np.repeat(np.arange(start, end), counts[start:end])
        noise = random_vectors(len(rows), vectors.shape[1], "softmax", int(rng.integers(1 << 30)))
        out[offsets[start]:offsets[end]] = 0.5 * vectors[rows] + 0.5 * noise
    return Stanzas(out, offsets)


def random_stories(n: int, seed: int, dimensions: int = 64, subjects: int = 200) -> np.ndarray:
    """Unit story vectors: each song near one of ``subjects`` random directions (what it is about), plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((subjects, dimensions)).astype(np.float32)
    out = np.empty((n, dimensions), dtype=np.float32)
    for start in range(0, n, 100_000):  # in chunks: bounded temporary memory
        rows = min(100_000, n - start)
        x = centres[rng.integers(0, subjects, rows)] + 1.5 * rng.standard_normal((rows, dimensions), dtype=np.float32)
        out[start:start + rows] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def random_songs(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Songs whose artists and years give the FILTERS their exact pass shares, and the query rows."""
    rng = np.random.default_rng(seed)
    # years from 2000: 5 % at 0 (artist a0), then 85 / 9 / 0.9 / 0.1 % at 1-9 / 10-19 / 20-29 / 30-39 years
    counts = [round(n * s) for s in (0.05, 0.85, 0.09, 0.009, 0.001)]
    counts[1] += n - sum(counts)
    distance = np.concatenate([np.zeros(counts[0], dtype=np.int64)] + [
        rng.integers(lo, hi, c) for lo, hi, c in zip((1, 10, 20, 30), (10, 20, 30, 40), counts[1:])])
    distance = distance[rng.permutation(n)]
    years = QUERY_YEAR + distance * rng.choice([-1, 1], n)
    artists = np.where(distance == 0, "a0", np.char.add("a", (1 + rng.integers(0, 10_000, n)).astype(str)))
    ids = np.arange(n).astype(str)  # titles differ too: songs with one title by one artist are versions of one song
    songs = pd.DataFrame({"song_id": ids, "title": np.char.add("t", ids), "artist": artists, "year": years})
    return songs, np.flatnonzero(distance == 0)


def time_queries(rec: Recommender, ids, k: int, method: str, filters: dict):
    results, latencies = [], []
    for sid in ids:
        start = time.perf_counter()
        table = rec.recommend(sid, k=k, method=method, **filters)  # filters may hold explain=False
        latencies.append(time.perf_counter() - start)
        results.append(list(table["song_id"]))
    ms = np.array(latencies) * 1000
    return results, {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
                     "mean_ms": float(ms.mean())}


def naive_weighted(rec: Recommender, row: int, w: float, filters: dict) -> np.ndarray:
    """cos(q * w_j, x * w_j) in float64 for every song, reweighting the vectors themselves; -inf where
    the filters (or being the query) rule a song out."""
    q = rec.vectors[row].astype(np.float64)
    weights = np.ones_like(q)
    weights[np.argmax(q)] = w
    qw = q * weights
    sims = np.empty(len(rec))
    for start in range(0, len(rec), 100_000):
        x = rec.vectors[start:start + 100_000].astype(np.float64) * weights
        sims[start:start + 100_000] = x @ qw / (np.linalg.norm(x, axis=1) * np.linalg.norm(qw))
    sims[~pass_mask(rec, row, filters)] = -np.inf
    return sims


def pass_mask(rec: Recommender, row: int, filters: dict) -> np.ndarray:
    """Which songs a filter lets through for this query, computed independently of the recommender."""
    ok = np.arange(len(rec)) != row
    if filters.get("exclude_same_artist"):
        ok &= rec.songs["artist"].to_numpy() != rec.songs.at[row, "artist"]
    if filters.get("min_year_gap"):
        ok &= np.abs(rec.songs["year"].to_numpy(dtype=float) - QUERY_YEAR) >= filters["min_year_gap"]
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="catalog size")
    parser.add_argument("--dim", type=int, default=60)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--top1-weight", type=float, default=2.0, help="weighted cosine's weight")
    parser.add_argument("--check-queries", type=int, default=5,
                        help="weighted queries compared with the formula computed the naive way")
    parser.add_argument("--distribution", choices=["softmax", "uniform"], default="softmax")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=40)
    parser.add_argument("--ef-search", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    vectors = random_vectors(args.n, args.dim, args.distribution, args.seed)
    songs, query_rows = random_songs(args.n, args.seed)
    rec = Recommender(vectors, songs, [f"e{i}" for i in range(args.dim)], index="exact", ef_search=args.ef_search,
                      stanzas=random_stanzas(vectors, args.seed + 2), story=random_stories(args.n, args.seed + 3))
    print(f"catalog: {args.n:,} x {args.dim} {args.distribution} vectors ready in {time.perf_counter() - t0:.1f} s",
          file=sys.stderr)
    rng = np.random.default_rng(args.seed + 1)
    rows = rng.choice(query_rows, min(args.queries, len(query_rows)), replace=False)
    ids = rows.astype(str)
    shares = {name: float(pass_mask(rec, int(rows[0]), f).mean()) for name, (f, _) in FILTERS.items()}
    for name, (_, share) in FILTERS.items():  # exact up to the query song itself
        assert abs(shares[name] - share) < 1.5 / args.n, f"{name}: passes {shares[name]:.6f}"

    def run_all(method, **options):
        out = {}
        for name, (filters, _) in FILTERS.items():
            rec.recommend(ids[0], k=args.k, method=method, **filters, **options)  # warm-up
            out[name] = time_queries(rec, ids, args.k, method, {**filters, **options})
        return out

    exact = run_all(DEFAULT)  # with explanations, as the app shows them
    cosine = run_all("cosine", explain=False)  # the figures earlier versions of this benchmark reported
    weighted = run_all("weighted", top1_weight=args.top1_weight, explain=False)
    arc = run_all("arc")
    t0 = time.perf_counter()
    rec.build_index(args.hnsw_m, args.ef_construction, method=DEFAULT)
    build_s = time.perf_counter() - t0
    indexed = run_all(DEFAULT)
    # a catalog this large searches the arcs through their own graph too (built on the first arc query)
    t0 = time.perf_counter()
    rec.build_index(args.hnsw_m, args.ef_construction, method="arc")
    arc_build_s = time.perf_counter() - t0
    arc_indexed = run_all("arc")

    def agreement(a, b):
        recall = float(np.mean([len(set(x) & set(y)) / max(len(x), 1) if x else float(not y) for x, y in zip(a, b)]))
        return recall, float(np.mean([x == y for x, y in zip(a, b)]))

    cases = {}
    for name in FILTERS:
        recall, same = agreement(exact[name][0], indexed[name][0])
        arc_recall, _ = agreement(arc[name][0], arc_indexed[name][0])
        cases[name] = {"pass_share": shares[name], "exact": exact[name][1], "faiss_hnsw": indexed[name][1],
                       f"recall_at_{args.k}": recall, "identical_top_k_share": same,
                       "cosine": cosine[name][1], "weighted": weighted[name][1], "arc": arc[name][1],
                       "arc_hnsw": arc_indexed[name][1], f"arc_recall_at_{args.k}": arc_recall}

    # weighted cosine against the formula computed the naive way (float64, reweighted vectors): the
    # similarities returned, and whether the songs returned are a top k (their naive scores equal the k
    # best naive scores; where float32 cannot tell two songs apart the order may differ)
    sim_diff, rank_diff, same_songs = 0.0, 0.0, []
    for name in ("none", "pass 10%", "pass 0.1%"):
        for sid in ids[:args.check_queries]:
            table = rec.recommend(sid, k=args.k, method="weighted", top1_weight=args.top1_weight, **FILTERS[name][0])
            naive = naive_weighted(rec, int(sid), args.top1_weight, FILTERS[name][0])
            got = table["song_id"].to_numpy().astype(int)
            best = np.sort(naive[np.isfinite(naive)])[::-1][:args.k]
            assert len(got) == len(best), (name, sid)
            same_songs.append(got.tolist() == np.lexsort((np.arange(len(naive)), -naive))[:len(got)].tolist())
            if len(got):
                sim_diff = max(sim_diff, float(np.abs(table["similarity"].to_numpy() - naive[got]).max()))
                rank_diff = max(rank_diff, float(np.abs(np.sort(naive[got])[::-1] - best).max()))

    figures = {"n": args.n, "dim": args.dim, "queries": len(ids), "k": args.k, "distribution": args.distribution,
               "default_measure": DEFAULT, "explanations": True,
               "hnsw_m": args.hnsw_m, "ef_construction": args.ef_construction, "ef_search": args.ef_search,
               "index_build_s": build_s, "arc_index_build_s": arc_build_s, "cases": cases,
               # the unfiltered figures, where earlier versions of this benchmark put them
               "exact": cases["none"]["exact"], "faiss_hnsw": cases["none"]["faiss_hnsw"],
               f"recall_at_{args.k}": cases["none"][f"recall_at_{args.k}"],
               "identical_top_k_share": cases["none"]["identical_top_k_share"],
               "weighted_vs_naive": {"queries": len(same_songs), "max_abs_diff": sim_diff,
                                     "max_top_k_score_diff": rank_diff,
                                     "same_songs_share": float(np.mean(same_songs))}}
    print(f"top-{args.k} over {args.n:,} songs, {len(ids)} queries, ms (HNSW builds {build_s:.1f} s, arcs "
          f"{arc_build_s:.1f} s); {DEFAULT} and arc with explanations")
    print(f"{'filter':<10} {'passes':>7} | {DEFAULT + ' exact':>17} | {DEFAULT + ' HNSW':>17} {'recall':>7} | "
          f"{'cosine (exact)':>17} | {'weighted (exact)':>17} | {'arc (exact)':>17} | {'arc HNSW':>17} {'recall':>7}")
    print(f"{'':<10} {'':>7} | {'p50':>8} {'p99':>8} | {'p50':>8} {'p99':>8} {'':>7}" + f" | {'p50':>8} {'p99':>8}" * 4)
    for name, c in cases.items():
        print(f"{name:<10} {c['pass_share']:>7.2%} | {c['exact']['p50_ms']:8.2f} {c['exact']['p99_ms']:8.2f} | "
              f"{c['faiss_hnsw']['p50_ms']:8.2f} {c['faiss_hnsw']['p99_ms']:8.2f} {c[f'recall_at_{args.k}']:7.4f}"
              + "".join(f" | {c[m]['p50_ms']:8.2f} {c[m]['p99_ms']:8.2f}" for m in ("cosine", "weighted", "arc", "arc_hnsw"))
              + f" {c[f'arc_recall_at_{args.k}']:7.4f}")
    check = figures["weighted_vs_naive"]
    print(f"weighted vs cos(q*w, x*w) in float64 on {check['queries']} queries: similarities max |diff| "
          f"{check['max_abs_diff']:.1e}; the songs' naive scores vs the naive top {args.k}: max |diff| "
          f"{check['max_top_k_score_diff']:.1e}; same songs in the same order {check['same_songs_share']:.0%}")
    print(json.dumps(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
