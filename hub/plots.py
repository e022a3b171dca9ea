"""Matplotlib figures shared by the scripts and the app (Korean labels need a Hangul font), and the tables
behind the analysis tab's interactive charts."""
from __future__ import annotations

import logging

import matplotlib

matplotlib.use("Agg")
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # one line per missing fallback font
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

HANGUL_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "Noto Sans KR", "UnDotum")


def use_hangul_font() -> str | None:
    """Put the first installed Hangul font first in matplotlib's font list (fonts-nanum on Debian)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in HANGUL_FONTS:
        if name in installed:
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            plt.rcParams["axes.unicode_minus"] = False
            return name
    return None


use_hangul_font()


def plot_similarity_matrix(similarity, labels, title: str = "Label similarity S", fontsize: float = 8.5):
    """Heatmap of a label-similarity matrix (rows: true label, columns: predicted label).

    At most 12 inches wide (about the width a page gives it, so labels keep their size on screen);
    tick labels at ``fontsize`` points, every k-th one where neighbours would overlap."""
    s = np.asarray(similarity)
    side = min(12.0, 5.0 + 0.16 * len(labels))
    fig, ax = plt.subplots(figsize=(side, side * 0.92), layout="constrained")
    image = ax.imshow(s, cmap="viridis", vmin=0, vmax=1, aspect="auto")  # "equal" upsets constrained layout
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(labels)), labels, fontsize=fontsize)
    ax.set_xlabel("predicted label j")
    ax.set_ylabel("true label y")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04)
    thin_tick_labels(fig, ax)
    return fig


def thin_tick_labels(fig, ax) -> int:
    """Show every k-th tick label (k as small as possible) so that no two shown labels overlap; returns k."""
    fig.canvas.draw()  # the layout settles, and the labels get their sizes
    step = 1
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        boxes = [t.get_window_extent() for t in labels]
        while step < len(boxes) and any(boxes[i].overlaps(boxes[i + step]) for i in range(0, len(boxes) - step, step)):
            step += 1
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        for i, t in enumerate(labels):
            t.set_visible(i % step == 0)
    return step


# --- one song's emotion (the app's analysis tab) ------------------------------------------------

GROUP_COLORS = ("#d62728", "#1f77b4", "#9467bd", "#8c564b", "#ff7f0e", "#2ca02c", "#17becf", "#7f7f7f")


def group_colors(taxonomy) -> dict[str, str]:
    """A fixed colour per group of a taxonomy (same colours in every figure)."""
    return {g: GROUP_COLORS[i % len(GROUP_COLORS)] for i, g in enumerate(taxonomy.group_order)}


def group_label(taxonomy, group: str) -> str:
    """``슬픔 (sadness)``: the group name with its English name alongside, when known."""
    en = taxonomy.group_names_en.get(group) if taxonomy is not None else None
    return f"{group} ({en})" if en and en != group else group



# The analysis tab's charts are Gradio's own interactive plots (hover, no picture to render): these build the
# tables they draw. Values are percentages, which read more easily than probabilities.
EMOTION, GROUP, PERCENT = "감정 (영어) / emotion (English)", "그룹 / group", "확률 (%) / probability (%)"
# A bar chart's axis names each bar by its label alone (Korean for KOTE and AI-Hub: 서러움), its English name in
# the hover box: "서러움 (sorrow of the wronged)" under the first bar, slanted, ran past a phone's left edge.
NAME, GROUP_NAME = "감정 / emotion", "감정 그룹 / emotion group"
PART, COVERS, LANGUAGES = "노래 속 위치 / where in the song", "범위 / covers", "읽은 언어 / languages read"
MAX_ARC_POINTS = 24  # a 133-stanza song still reads as one line per group, not a comb
LANGUAGE_NAMES = {"ko": "한국어", "en": "English", "ko+en": "한국어 + English", "": "읽지 않음 / not read"}


def group_color_map(*taxonomies) -> dict[str, str]:
    """The fixed group colours, keyed by the group names the charts show (``슬픔 (sadness)``)."""
    return {group_label(t, g): color for t in taxonomies for g, color in group_colors(t).items()}


def group_frame(groups, scores, taxonomy, leave_out: str | None = None) -> pd.DataFrame:
    """One row per emotion group, highest first, without ``leave_out`` (KOTE's catch-all 기타, which scores
    0.8-0.95 in nearly every song and would dwarf the groups that tell songs apart)."""
    rows = sorted(((g, s) for g, s in zip(groups, scores) if g != leave_out), key=lambda r: -r[1])
    return pd.DataFrame({GROUP_NAME: [g for g, _ in rows], GROUP: [group_label(taxonomy, g) for g, _ in rows],
                         PERCENT: [round(100 * float(s), 1) for _, s in rows]})


def stanza_bins(n: int, max_points: int = MAX_ARC_POINTS) -> list[np.ndarray]:
    """Neighbouring stanzas averaged into at most ``max_points`` bins of (nearly) equal size, in order."""
    return [b for b in np.array_split(np.arange(n), min(n, max_points)) if len(b)]


def arc_frame(scores, names, languages=(), unit: str = "stanza", max_points: int = MAX_ARC_POINTS) -> pd.DataFrame:
    """The emotion arc in long form: one row per (point, line) where ``scores`` is ``(n_segments, len(names))``
    (NaN rows: segments not read) and each point is a bin of neighbouring segments (:func:`stanza_bins`),
    labelled by its range. Rows go line by line, each in song order, which is the order the chart keeps."""
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    bins = stanza_bins(len(scores), max_points)
    where = [f"{b[0] + 1}" if len(b) == 1 else f"{b[0] + 1}–{b[-1] + 1}" for b in bins]
    covers = [f"연 {w} / stanza(s) {w}" if unit == "stanza" else f"{w}번째 4줄 / block(s) {w} of 4 lines"
              for w in where]
    # A chart sorts a text axis alphabetically ("13–18" before "7–12"), and changing its order with each song
    # leaves the chart stale after the first: leading spaces, which the drawn label drops, keep song order.
    width = len(where[-1].split("–")[0])
    where = [w.rjust(width + len(w) - len(w.split("–")[0])) for w in where]
    read = ~np.isnan(scores)
    means = np.stack([np.where(read[b], scores[b], 0).sum(axis=0) / np.maximum(read[b].sum(axis=0), 1) for b in bins])
    means[np.stack([~read[b].any(axis=0) for b in bins])] = np.nan  # a bin not read at all is a gap
    frame = {PART: where * len(names), GROUP: [name for name in names for _ in bins],
             PERCENT: np.round(100 * means.T.reshape(-1), 1), COVERS: covers * len(names)}
    if len(languages):
        found = ["+".join(lang for lang in ("ko", "en") if any(lang in languages[i].split("+") for i in b))
                 for b in bins]
        frame[LANGUAGES] = [LANGUAGE_NAMES[f] for f in found] * len(names)
    return pd.DataFrame(frame)
