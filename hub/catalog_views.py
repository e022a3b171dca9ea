"""Views of a song catalog: song-by-song similarity heatmap, how evenly songs get recommended, the
emotion map and how the catalog's emotions moved through the years.

``recommendation_distribution`` counts, for each song, in how many other songs' top-k it appears.
A catalog where a few "hub" songs are recommended for everything has low coverage (share of songs
recommended at least once) and a high Gini coefficient (0 = every song equally often, towards 1 =
all recommendations go to one song).

The views are computed here as tables (``recommendation_histogram_frame``, ``emotion_map_points``,
``emotion_groups_by_year``), which the app's catalog tab draws as interactive plots, and drawn as
matplotlib figures for the command line:

    python -m hub.catalog_views DATASET_DIR_OR_REPO --output DIR [--k 10] [--songs ID,ID,...]

writes ``similarity_heatmap.png``, ``recommendation_histogram.png``, ``emotion_map.png`` and
``recommendation_distribution.json``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from hub.plots import plt  # Agg backend and the Hangul font are set up in one place
from hub.search.similarity import SIMILARITIES


def gini(counts) -> float:
    """Gini coefficient of non-negative counts (0 = perfectly even)."""
    x = np.sort(np.asarray(counts, dtype=float))
    if x.size == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, x.size + 1)
    return float((2 * (ranks * x).sum()) / (x.size * x.sum()) - (x.size + 1) / x.size)


def recommendation_distribution(recommender, k: int = 10, method: str | None = None, top1_weight: float = 2.0,
                                progress: bool = False, one_per_artist: bool = False) -> dict:
    """How often each song appears in the other songs' top-``k`` (one song per artist in each with
    ``one_per_artist``) under ``method`` (None: the catalog's default measure).

    Returns ``dict(counts=np.ndarray (n_songs,), coverage=float, gini=float, k=int, method=str)``.
    """
    method = method or recommender.default_method
    neighbours = recommender.neighbours(k=k, method=method, top1_weight=top1_weight, progress=progress,
                                        one_per_artist=one_per_artist)
    counts = np.bincount(neighbours[neighbours >= 0], minlength=len(recommender))  # -1: fewer than k passed
    return dict(counts=counts, coverage=float((counts > 0).mean()), gini=gini(counts),
                k=int(neighbours.shape[1]), method=method)


# widths of a histogram bar (times recommended) where one bar per number would be too many to label
_BAR_WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def recommendation_histogram_frame(dist: dict, max_bars: int = 12) -> pd.DataFrame:
    """The histogram as a table, in order: each bar's label (``times_recommended``: "0", "1", … or, where
    songs are recommended up to more than ``max_bars`` times, ranges of one width "1–5", "6–10", …, so that
    every bar keeps a readable label on a phone) and how many songs were recommended that many times. Songs
    never recommended always have a bar of their own."""
    counts = np.asarray(dist["counts"], dtype=int)
    most = int(counts.max()) if counts.size else 0
    width = next((w for w in _BAR_WIDTHS if 1 + -(-most // w) <= max_bars), _BAR_WIDTHS[-1])
    bars = -(-most // width)  # besides 0: ranges 1–width, width+1–2·width, … (or 1, 2, …) up to the most
    songs = np.bincount(np.where(counts > 0, (counts - 1) // width + 1, 0), minlength=bars + 1)
    return pd.DataFrame({"times_recommended": _bar_labels(width, bars), "songs": songs})


def _bar_labels(width: int, bars: int) -> list[str]:
    """"0", then ``bars`` ranges of ``width`` ("1–5", "6–10", …), or single numbers where ``width`` is 1."""
    if width == 1:
        return [str(t) for t in range(bars + 1)]
    return ["0"] + [f"{1 + i * width}–{(i + 1) * width}" for i in range(bars)]


def histogram_bar_order(max_bars: int = 12) -> list[str]:
    """Every bar label :func:`recommendation_histogram_frame` can give, by the number each range starts at
    (a histogram's own labels come in its order): for a chart that keeps one order of its bars whatever
    their data."""
    labels = {label for width in _BAR_WIDTHS for label in _bar_labels(width, max_bars - 1)}
    return sorted(labels, key=lambda label: tuple(int(n) for n in label.split("–")))


def plot_recommendation_histogram(dist: dict):
    """Histogram: number of songs (y) recommended a given number of times (x)."""
    counts = np.asarray(dist["counts"])
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    top = int(counts.max()) if counts.size else 0
    ax.hist(counts, bins=np.arange(top + 2) - 0.5, color="#4C72B0", edgecolor="white")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    ax.set_xlabel(f"times recommended (appearances in other songs' top-{dist.get('k', '')})")
    ax.set_ylabel("songs")
    ax.set_title(f"How evenly songs get recommended ({dist['method']})\n"
                 f"coverage {dist['coverage']:.1%}, Gini {dist['gini']:.3f}")
    return fig


def _song_name(recommender, song_id) -> str:
    row = recommender.songs.iloc[recommender.row_of(song_id)]
    try:
        year = f" ({int(row['year'])})"
    except (TypeError, ValueError):  # unknown year: None, NaN or pandas' NA
        year = ""
    return f"{row['title']} - {row['artist']}{year}"


HEATMAP_WIDTH = 3.3  # inches (330 px at 100 dpi): the heatmap's box on a 400 px phone, drawn at its own size
HEATMAP_CELL = 0.2  # inches: the smallest square that holds ".97" at 8.5 pt; more songs make the picture wider
HEATMAP_CMAP = "Blues"  # one hue: darker is more alike, in colour and in greyscale


def plot_similarity_heatmap(recommender, song_ids, method: str | None = None, top1_weight: float = 2.0,
                            names: list[str] | None = None):
    """How alike the songs ``song_ids`` are to one another (row = each song, column = the song it is compared with):
    a grid numbered on both axes from 0, and a key under it naming each number's song (``names``, by default
    "title - artist (year)"), so that the picture stays :data:`HEATMAP_WIDTH` inches wide (the app's column on a
    phone) at 8.5 pt text for up to 14 songs, and grows by :data:`HEATMAP_CELL` per song past that, never a wide
    picture shrunk or cut. The colours span the scores between different songs (a song against itself, always 1,
    is grey and left out), so that differences of a few hundredths, usual among a top-10, show as light and dark
    instead of one flat colour."""
    song_ids = list(song_ids)
    names = list(names) if names is not None else [_song_name(recommender, s) for s in song_ids]
    sims = recommender.similarity_matrix(song_ids, method=method, top1_weight=top1_weight)
    n = len(song_ids)
    others = ~np.eye(n, dtype=bool)
    low, high = (float(sims[others].min()), float(sims[others].max())) if others.any() else (0.0, 1.0)
    high = max(high, low + 0.01)  # all pairs alike: still a scale, its colour the lightest
    cmap = plt.get_cmap(HEATMAP_CMAP).with_extremes(bad="#d9d9d9")
    # inches, top to bottom: title, grid (its tick numbers left and below, the x label), colour bar and its
    # words, key (a line per song); the grid's left edge leaves room for the numbers and the y label
    width = max(HEATMAP_WIDTH, 0.5 + HEATMAP_CELL * n)
    left, cell = 0.42, min(0.26, (width - 0.5) / max(n, 1))
    title_h, grid_h, under_grid, bar_h, bar_words, line_h = 0.5, cell * n, 0.42, 0.12, 0.28, 0.165
    height = title_h + grid_h + under_grid + bar_h + bar_words + line_h * n + 0.1
    fig = plt.figure(figsize=(width, height))

    def box(top: float, h: float, span: float) -> list[float]:  # inches from the top -> figure fractions
        return [left / width, 1 - (top + h) / height, span / width, h / height]

    ax = fig.add_axes(box(title_h, grid_h, cell * n))
    image = ax.imshow(np.ma.masked_array(sims, mask=~others), cmap=cmap, vmin=low, vmax=high, aspect="auto")
    ax.set_xticks(range(n), [str(i) for i in range(n)], fontsize=8.5)
    ax.set_yticks(range(n), [str(i) for i in range(n)], fontsize=8.5)
    ax.tick_params(length=2, pad=2)
    for i, j in zip(*np.nonzero(others)):  # ".97": three characters, so the numbers fit a phone-sized square
        dark = (sims[i, j] - low) / (high - low) > 0.55
        ax.text(j, i, f"{sims[i, j]:.2f}".replace("0.", ".", 1), ha="center", va="center", fontsize=8.5,
                color="white" if dark else "black")
    ax.set_xlabel("비교한 곡 / compared with", fontsize=9, labelpad=2)
    ax.set_ylabel("기준 곡 / each song", fontsize=9, labelpad=2)
    ax.set_title("노래끼리 얼마나 닮았나\nHow alike the songs feel", fontsize=10.5, pad=4)
    bar_ax = fig.add_axes(box(title_h + grid_h + under_grid, bar_h, cell * n))
    bar = fig.colorbar(image, cax=bar_ax, orientation="horizontal")
    bar.set_ticks([low, high], labels=["덜 닮음 / less alike", "더 닮음 / more alike"], fontsize=9)
    bar_ax.tick_params(length=0, pad=2)
    for label, align in zip(bar_ax.get_xticklabels(), ("left", "right")):  # inside the bar's ends, not past them
        label.set_horizontalalignment(align)
    key_top = title_h + grid_h + under_grid + bar_h + bar_words
    for i, name in enumerate(names):
        fig.text(0.04, 1 - (key_top + line_h * i) / height, f"{i:>2}  {name}", ha="left", va="top", fontsize=8.5)
    return fig


class EmotionMap(NamedTuple):
    points: pd.DataFrame  # one row per song shown: x, y, group, title, artist, year
    axis_titles: tuple[str, str]  # each axis with its share of variance and the emotions at its two ends
    colors: dict[str, str]  # group (as in ``points``) -> colour, in the order of the groups
    songs: int  # songs in the catalog (``points`` holds a sample of a larger catalog)


def song_groups(recommender, rows=None) -> np.ndarray | None:
    """The top emotion group of each song (as ``group_label`` names it): the strongest of the label set's
    shared groups by the group scores of the song's emotion vector (the catch-all 기타 of KOTE names no
    emotion, so a song is placed in the group it leans to most). None for an unknown label set."""
    from hub.labels import taxonomy_for_labels
    from hub.plots import group_label

    taxonomy = taxonomy_for_labels(recommender.labels)
    if taxonomy is None:
        return None
    vectors = recommender.vectors if rows is None else recommender.vectors[rows]
    shared = taxonomy.shared_groups
    top = taxonomy.group_score_matrix(vectors, shared).argmax(axis=1)
    return np.array([group_label(taxonomy, shared[i]) for i in top], dtype=object)


def _axis_title(name: str, explained: float, loadings: np.ndarray, labels, ends: int = 2) -> str:
    """``PC1 (23% of variance): from 슬픔·절망 to 행복·즐거움/신남``: the labels that weigh most at the low and
    the high end (left to right, bottom to top; words, not arrows, which the Hangul font lacks)."""
    order = np.argsort(loadings)
    low, high = [labels[j] for j in order[:ends]], [labels[j] for j in order[::-1][:ends]]
    return f"{name} ({explained:.0%} of variance): from {'·'.join(low)} to {'·'.join(high)}"


def emotion_map_points(recommender, max_points: int = 5000, seed: int = 0) -> EmotionMap:
    """The catalog's emotion map: the song vectors projected on their first two principal components
    (PCA), each song with its most likely emotion group (or label, for an unknown label set). Catalogs
    larger than ``max_points`` are shown as a random sample."""
    from hub.labels import taxonomy_for_labels
    from hub.plots import GROUP_COLORS, group_colors, group_label

    vectors = recommender.vectors
    rows = np.arange(len(vectors))
    if len(rows) > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(rows, max_points, replace=False))
    x = vectors[rows].astype(np.float64)
    centred = x - x.mean(axis=0)
    labels = list(recommender.labels)
    if len(x) > 1:
        _, sv, vt = np.linalg.svd(centred, full_matrices=False)
        coords, explained = centred @ vt[:2].T, sv[:2] ** 2 / max((sv ** 2).sum(), 1e-12)
        axis_titles = tuple(_axis_title(f"PC{i + 1}", explained[i], vt[i], labels) for i in range(2))
    else:  # nothing to project
        coords, axis_titles = np.zeros((len(x), 2)), ("PC1", "PC2")
    groups = song_groups(recommender, rows)
    taxonomy = taxonomy_for_labels(labels)
    if groups is not None:
        colors = {group_label(taxonomy, g): c for g, c in group_colors(taxonomy).items()
                  if g in taxonomy.shared_groups}
    else:
        groups = np.array([labels[j] for j in x.argmax(axis=1)], dtype=object)
        colors = {k: GROUP_COLORS[i % len(GROUP_COLORS)] for i, k in enumerate(dict.fromkeys(groups))}
    songs = recommender.songs.iloc[rows]
    points = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "group": groups,
                           "title": songs["title"].to_numpy(), "artist": songs["artist"].to_numpy(),
                           "year": songs["year"].to_numpy()})
    return EmotionMap(points, axis_titles, colors, len(vectors))


def plot_emotion_map(recommender, max_points: int = 5000, max_labels: int = 8, seed: int = 0):
    """:func:`emotion_map_points` as a figure, with up to ``max_labels`` of the most outlying songs named,
    each label placed where it overlaps no other and stays inside the plot; the legend sits below the plot."""
    emotion_map = emotion_map_points(recommender, max_points, seed)
    points = emotion_map.points
    fig, ax = plt.subplots(figsize=(6, 5.6), layout="constrained")
    for group, color in emotion_map.colors.items():
        mask = (points["group"] == group).to_numpy()
        if mask.any():
            ax.scatter(points["x"][mask], points["y"][mask], s=28 if len(points) <= 500 else 6, alpha=0.8,
                       color=color, label=f"{group} ({int(mask.sum())})")
    ax.margins(0.12)  # room for the names of the outermost songs
    ax.set_xlabel(emotion_map.axis_titles[0], fontsize=8.5)
    ax.set_ylabel(emotion_map.axis_titles[1], fontsize=8.5)
    sample = f" (sample of {emotion_map.songs:,})" if len(points) < emotion_map.songs else ""
    ax.set_title(f"Emotion map of {len(points):,} songs{sample},\ncoloured by top emotion group")
    fig.legend(fontsize=8.5, loc="outside lower center", ncol=2)
    if max_labels and len(points) > 1:
        label_outliers(fig, ax, points[["x", "y"]].to_numpy(), points["title"].to_numpy(), max_labels)
    return fig


class YearShares(NamedTuple):
    shares: pd.DataFrame  # period, start, group, songs, period_songs, share: one row per period and group
    min_songs: int  # the fewest songs a period holds: years with fewer are joined with the years after them
    yearly: bool  # every period is a single year
    without_year: int  # songs left out: no year known
    without_emotion: int  # songs left out: no emotion read in their lyrics (not recommendable)
    too_few: int  # songs with a year and an emotion, not drawn because together they hold fewer than min_songs


# A period's shares move by 100/n % for each of its n songs: from 20 songs on, one song moves a share by 5 %.
PERIOD_SONGS = 20
# a smaller catalog (the demo's 32 songs) gets periods of a sixth of its songs, so that its chart still has
# about six points per line, but never fewer than this many songs in a period
SMALL_CATALOG_PERIOD_SONGS = 5


def period_songs_needed(songs: int, most: int = PERIOD_SONGS) -> int:
    """The fewest songs a period must hold in a catalog of ``songs`` songs with a year: ``most``, or for a
    catalog too small to give six such periods, a sixth of its songs (at least SMALL_CATALOG_PERIOD_SONGS)."""
    return min(most, max(SMALL_CATALOG_PERIOD_SONGS, songs // 6))


def join_years(years: np.ndarray, min_songs: int) -> list[tuple[int, int]]:
    """Consecutive periods (first year, last year) covering ``years`` (one entry per song), oldest first: a
    period takes years until it holds at least ``min_songs`` songs, so a year that holds that many on its own
    is a period of its own; the newest years, if together they hold fewer, join the period before them.
    Empty when all the songs together hold fewer than ``min_songs``."""
    values, counts = np.unique(years, return_counts=True)
    periods, first, held = [], None, 0
    for year, n in zip(values.tolist(), counts.tolist()):
        first = year if first is None else first
        held += n
        if held >= min_songs:
            periods.append((first, year))
            first, held = None, 0
    if first is not None and periods:  # the newest years, too few on their own
        periods[-1] = (periods[-1][0], int(values[-1]))
    return periods


def emotion_groups_by_year(recommender, min_songs: int = PERIOD_SONGS) -> YearShares | None:
    """How the catalog's emotions moved through the years: per period, the share of songs whose top emotion
    group (:func:`song_groups`; the catch-all 기타 is never one) is each of the shared groups, every group
    listed in every period (shares of a period sum to 1). A period is a year, or consecutive years joined
    (:func:`join_years`) until they hold at least :func:`period_songs_needed` songs (``min_songs``, fewer in a
    small catalog): a share of three songs swings between 0 and 100 % and says little. Songs without a year,
    or with no emotion read in their lyrics, are left out and counted. None for a label set without known
    groups."""
    from hub.labels import taxonomy_for_labels
    from hub.plots import group_label

    taxonomy = taxonomy_for_labels(recommender.labels)
    groups = song_groups(recommender)
    if taxonomy is None or groups is None:
        return None
    years = pd.to_numeric(recommender.songs["year"], errors="coerce").to_numpy(dtype=float)
    has_year = ~np.isnan(years)
    read = np.asarray(recommender.recommendable, dtype=bool)
    keep = has_year & read
    names = [group_label(taxonomy, g) for g in taxonomy.shared_groups]
    kept_years = years[keep].astype(int)
    needed = period_songs_needed(len(kept_years), min_songs)
    periods = join_years(kept_years, needed)
    rows = []
    for first, last in periods:
        in_period = (kept_years >= first) & (kept_years <= last)
        counts = pd.Series(groups[keep][in_period]).value_counts()
        total = int(in_period.sum())
        period = str(first) if first == last else f"{first}–{last}"
        rows += [(period, first, name, int(counts.get(name, 0)), total, counts.get(name, 0) / total)
                 for name in names]
    shares = pd.DataFrame(rows, columns=["period", "start", "group", "songs", "period_songs", "share"])
    return YearShares(shares, needed, all(first == last for first, last in periods), int((~has_year).sum()),
                      int((has_year & ~read).sum()), 0 if periods else len(kept_years))


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
    parser.add_argument("--method", choices=list(SIMILARITIES), default=None,
                        help="similarity measure (default: the catalog's, emotion_story where it has story vectors, "
                             "else centred)")
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
    plot_emotion_map(rec).savefig(out / "emotion_map.png", dpi=120)
    ids = [s.strip() for s in args.songs.split(",") if s.strip()] or list(rec.songs["song_id"][:20])
    # bbox "tight": the key's names run as long as they are, past the grid's width
    plot_similarity_heatmap(rec, ids, args.method, args.top1_weight).savefig(out / "similarity_heatmap.png", dpi=120,
                                                                             bbox_inches="tight")
    numbers = {"k": dist["k"], "method": dist["method"], "coverage": dist["coverage"], "gini": dist["gini"],
               "counts": dict(zip(rec.songs["song_id"], map(int, dist["counts"])))}
    (out / "recommendation_distribution.json").write_text(json.dumps(numbers, ensure_ascii=False, indent=1))
    print(f"coverage {dist['coverage']:.3f}  gini {dist['gini']:.3f}  -> {out}")


if __name__ == "__main__":
    main()
