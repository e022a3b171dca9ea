"""Views of a song catalog: song-by-song similarity heatmap and how evenly songs get recommended.

``recommendation_distribution`` counts, for each song, in how many other songs' top-k it appears.
A catalog where a few "hub" songs are recommended for everything has low coverage (share of songs
recommended at least once) and a high Gini coefficient (0 = every song equally often, towards 1 =
all recommendations go to one song).

    python -m hub.catalog_views DATASET_DIR_OR_REPO --output DIR [--k 10] [--songs ID,ID,...]

writes ``similarity_heatmap.png``, ``recommendation_histogram.png`` and ``recommendation_distribution.json``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from hub.plots import plt  # Agg backend and the Hangul font are set up in one place
from hub.search.similarity import DEFAULT, SIMILARITIES


def gini(counts) -> float:
    """Gini coefficient of non-negative counts (0 = perfectly even)."""
    x = np.sort(np.asarray(counts, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, x.size + 1)
    return float((2 * (ranks * x).sum()) / (x.size * x.sum()) - (x.size + 1) / x.size)


def recommendation_distribution(recommender, k: int = 10, method: str = DEFAULT, top1_weight: float = 2.0,
                                progress: bool = False, one_per_artist: bool = False) -> dict:
    """How often each song appears in the other songs' top-``k`` (one song per artist in each with
    ``one_per_artist``).

    Returns ``dict(counts=np.ndarray (n_songs,), coverage=float, gini=float, k=int, method=str)``.
    """
    neighbours = recommender.neighbours(k=k, method=method, top1_weight=top1_weight, progress=progress,
                                        one_per_artist=one_per_artist)
    counts = np.bincount(neighbours[neighbours >= 0], minlength=len(recommender))  # -1: fewer than k passed
    return dict(counts=counts, coverage=float((counts > 0).mean()), gini=gini(counts),
                k=int(neighbours.shape[1]), method=method)


def plot_recommendation_histogram(dist: dict):
    """Histogram: number of songs (y) recommended a given number of times (x)."""
    counts = np.asarray(dist["counts"])
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    top = int(counts.max()) if counts.size else 0
    ax.hist(counts, bins=np.arange(top + 2) - 0.5, color="#4C72B0", edgecolor="white")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    ax.set_xlabel(f"times recommended (appearances in other songs' top-{dist.get('k', '')})")
    ax.set_ylabel("songs")
    ax.set_title(f"How evenly songs get recommended ({dist.get('method', DEFAULT)})\n"
                 f"coverage {dist['coverage']:.1%}, Gini {dist['gini']:.3f}")
    return fig


def _song_name(recommender, song_id) -> str:
    row = recommender.songs.iloc[recommender.row_of(song_id)]
    try:
        year = f" ({int(row['year'])})"
    except (TypeError, ValueError):  # unknown year: None, NaN or pandas' NA
        year = ""
    return f"{row['title']} - {row['artist']}{year}"


def plot_similarity_heatmap(recommender, song_ids, method: str = DEFAULT, top1_weight: float = 2.0,
                            annotate: bool | None = None):
    """Song-by-song similarity heatmap for ``song_ids`` (row = query song)."""
    song_ids = list(song_ids)
    sims = recommender.similarity_matrix(song_ids, method=method, top1_weight=top1_weight)
    names = [_song_name(recommender, s) for s in song_ids]
    size = max(4.0, 0.45 * len(names) + 3)
    fig, ax = plt.subplots(figsize=(size + 1.5, size), layout="constrained")
    image = ax.imshow(sims, cmap="viridis", vmin=min(0.0, float(sims.min(initial=0))), vmax=1.0)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=8.5)
    ax.set_yticks(range(len(names)), names, fontsize=8.5)
    if annotate if annotate is not None else len(names) <= 15:
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{sims[i, j]:.2f}", ha="center", va="center", fontsize=8.5,
                        color="white" if sims[i, j] < 0.6 else "black")
    fig.colorbar(image, ax=ax, label=f"{method} similarity")
    ax.set_title(f"Song-by-song emotion similarity ({method})")
    return fig


def plot_emotion_map(recommender, max_points: int = 5000, max_labels: int = 8, seed: int = 0):
    """The catalog's emotion map: the song vectors projected on their first two principal components
    (PCA), each song coloured by its most likely emotion group (or label, for an unknown label set).
    Catalogs larger than ``max_points`` are shown as a random sample. Up to ``max_labels`` of the most
    outlying songs are named, each label placed where it overlaps no other and stays inside the plot;
    the legend sits below the plot."""
    from hub.labels import taxonomy_for_labels
    from hub.plots import GROUP_COLORS, group_colors, group_label

    vectors = recommender.vectors
    rows = np.arange(len(vectors))
    if len(rows) > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_points, replace=False))
    x = vectors[rows].astype(np.float64)
    centred = x - x.mean(axis=0)
    if len(x) > 1:
        _, sv, vt = np.linalg.svd(centred, full_matrices=False)
        points, explained = centred @ vt[:2].T, sv[:2] ** 2 / max((sv ** 2).sum(), 1e-12)
    else:  # nothing to project
        points, explained = np.zeros((len(x), 2)), np.zeros(2)
    taxonomy = taxonomy_for_labels(recommender.labels)
    top = x.argmax(axis=1)
    if taxonomy is not None:  # the top emotion group (the catch-all 기타 of KOTE names no emotion)
        shared = taxonomy.shared_groups
        keys = np.array(shared)[taxonomy.group_score_matrix(x, shared).argmax(axis=1)]
        colors = group_colors(taxonomy)
        names = {g: group_label(taxonomy, g) for g in taxonomy.group_order}
    else:
        keys = np.array([recommender.labels[j] for j in top])
        colors = {k: GROUP_COLORS[i % len(GROUP_COLORS)] for i, k in enumerate(dict.fromkeys(keys))}
        names = {k: k for k in colors}
    fig, ax = plt.subplots(figsize=(6, 5.6), layout="constrained")
    for key in colors:
        mask = keys == key
        if mask.any():
            ax.scatter(points[mask, 0], points[mask, 1], s=28 if len(rows) <= 500 else 6, alpha=0.8,
                       color=colors[key], label=f"{names[key]} ({int(mask.sum())})")
    ax.margins(0.12)  # room for the names of the outermost songs
    ax.set_xlabel(f"PC1 ({explained[0]:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({explained[1]:.0%} of variance)")
    ax.set_title(f"Emotion map of {len(rows):,} songs" + (f" (sample of {len(vectors):,})" if len(rows) < len(vectors) else "")
                 + ",\ncoloured by top emotion group")
    fig.legend(fontsize=8.5, loc="outside lower center", ncol=2)
    if max_labels and len(rows) > 1:
        label_outliers(fig, ax, points, recommender.songs["title"].to_numpy()[rows], max_labels)
    return fig


# offsets (points) tried for a label, with the alignment that keeps it clear of its dot
_LABEL_PLACES = [((5, 5), "left", "bottom"), ((-5, 5), "right", "bottom"), ((5, -5), "left", "top"),
                 ((-5, -5), "right", "top")]


def label_outliers(fig, ax, points, titles, max_labels: int = 8, fontsize: float = 8.5) -> list:
    """Name up to ``max_labels`` of the points farthest from the centre (in units of each axis' spread);
    a label goes to the first place beside its point where it stays inside the axes and covers no other
    point and no label placed before, and is left out when there is none. Returns the placed annotations."""
    from matplotlib.transforms import Bbox

    spread = points.std(axis=0) + 1e-12
    order = np.argsort(-np.hypot(*((points - points.mean(axis=0)) / spread).T))
    fig.canvas.draw()  # the layout settles: the axes' box is final
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    dots = ax.transData.transform(points)
    r = 3 * fig.dpi / 72  # about a dot's radius
    taken, placed = [], []
    for i in order:
        if len(placed) >= max_labels:
            break
        for offset, ha, va in _LABEL_PLACES:
            note = ax.annotate(str(titles[i]), points[i], xytext=offset, textcoords="offset points", ha=ha, va=va,
                               fontsize=fontsize)
            note.set_in_layout(False)
            box = note.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            others = [Bbox([[x - r, y - r], [x + r, y + r]]) for j, (x, y) in enumerate(dots) if j != i]
            if inside and not any(box.overlaps(other) for other in taken + others):
                taken.append(box)
                placed.append(note)
                break
            note.remove()
    return placed


def main(argv=None):
    from hub.recommender import Recommender

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="song-vector dataset folder or Hub repo id")
    parser.add_argument("--output", required=True, help="folder for the PNGs and the JSON numbers")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--method", choices=list(SIMILARITIES), default=DEFAULT,
                        help=f"similarity measure (default {DEFAULT}: cosine after subtracting the catalog's mean profile)")
    parser.add_argument("--top1-weight", type=float, default=2.0)
    parser.add_argument("--one-per-artist", action="store_true", help="at most one song per artist in each top-k")
    parser.add_argument("--songs", default="", help="comma-separated song ids for the heatmap (default: first 20)")
    args = parser.parse_args(argv)

    rec = Recommender.from_dataset(args.dataset)  # with the catalog statistics stored beside it
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    dist = recommendation_distribution(rec, args.k, args.method, args.top1_weight, progress=True,
                                       one_per_artist=args.one_per_artist)
    plot_recommendation_histogram(dist).savefig(out / "recommendation_histogram.png", dpi=120)
    ids = [s.strip() for s in args.songs.split(",") if s.strip()] or list(rec.songs["song_id"][:20])
    plot_similarity_heatmap(rec, ids, args.method, args.top1_weight).savefig(out / "similarity_heatmap.png", dpi=120)
    numbers = {"k": dist["k"], "method": dist["method"], "coverage": dist["coverage"], "gini": dist["gini"],
               "counts": dict(zip(rec.songs["song_id"], map(int, dist["counts"])))}
    (out / "recommendation_distribution.json").write_text(json.dumps(numbers, ensure_ascii=False, indent=1))
    print(f"coverage {dist['coverage']:.3f}  gini {dist['gini']:.3f}  -> {out}")


if __name__ == "__main__":
    main()
