"""Matplotlib figures shared by the scripts and the app (Korean labels need a Hangul font)."""
from __future__ import annotations

import logging

import matplotlib

matplotlib.use("Agg")
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # one line per missing fallback font
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

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


def plot_top_emotions(top, taxonomy=None, title: str = "Top emotions"):
    """Horizontal bars of ``[(label, probability), ...]`` (best first), coloured by group."""
    labels = [label for label, _ in top][::-1]
    probs = [p for _, p in top][::-1]
    colors = group_colors(taxonomy) if taxonomy is not None else {}
    bar_colors = [colors.get(taxonomy.group_of(label), "#4C72B0") if taxonomy is not None else "#4C72B0"
                  for label in labels]
    fig, ax = plt.subplots(figsize=(6, 0.42 * len(labels) + 1.2), layout="constrained")
    ax.barh(range(len(labels)), probs, color=bar_colors)
    ax.set_yticks(range(len(labels)), labels)
    for i, p in enumerate(probs):
        ax.text(p, i, f" {p:.1%}", va="center", fontsize=9)
    ax.set_xlim(0, max(probs + [0.01]) * 1.25)
    ax.set_xlabel("probability")
    ax.set_title(title)
    if taxonomy is not None:
        shown = list(dict.fromkeys(taxonomy.group_of(label) for label in labels[::-1]))
        handles = [plt.Rectangle((0, 0), 1, 1, color=colors[g]) for g in shown]
        ax.legend(handles, [group_label(taxonomy, g) for g in shown], loc="lower right", fontsize=8.5)
    return fig


def plot_group_mix(mix: dict[str, float], taxonomy, title: str = "Emotion group mix"):
    """One bar per emotion group with its score (``{group: score}`` in display order): the summed
    probability of a distribution, or, for a multi-label model, the probability of the group."""
    colors = group_colors(taxonomy)
    names = [group_label(taxonomy, g) for g in mix]
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(mix) + 1.2), layout="constrained")
    ax.barh(range(len(mix))[::-1], list(mix.values()), color=[colors[g] for g in mix])
    ax.set_yticks(range(len(mix))[::-1], names)
    for i, p in zip(range(len(mix))[::-1], mix.values()):
        ax.text(p, i, f" {p:.1%}", va="center", fontsize=9)
    ax.set_xlim(0, max(max(mix.values()), 0.01) * 1.25)
    ax.set_xlabel("probability")
    ax.set_title(title)
    return fig


def plot_emotion_arc(segment_probs, taxonomy=None, labels=None, top_labels: int = 5,
                     title: str = "Emotion arc (stanza by stanza)", group_scores=None, groups=None,
                     xlabel: str = "stanza", max_ticks: int = 12):
    """How the emotion moves through the song: one line per group (``group_scores``, columns ``groups``)
    or per top label over the stanzas (or blocks). NaN rows (stanzas the model did not read) leave gaps.
    A long song keeps a readable x axis: at most about ``max_ticks`` numbered ticks, markers only while
    there is room for them; the legend sits beside the plot, never over the lines."""
    seg = np.atleast_2d(np.asarray(segment_probs, dtype=float))
    n = len(seg)
    x = np.arange(1, n + 1)
    style = dict(marker="o" if n <= 40 else None, markersize=5 if n <= 20 else 3, linewidth=1.6 if n <= 40 else 1.1)
    fig, ax = plt.subplots(figsize=(10, 3.8), layout="constrained")
    if taxonomy is not None and group_scores is not None:
        colors = group_colors(taxonomy)
        for g, ys in zip(groups, np.atleast_2d(np.asarray(group_scores, dtype=float)).T):
            ax.plot(x, ys, color=colors[g], label=group_label(taxonomy, g), **style)
    else:
        names = list(labels) if labels is not None else [str(i) for i in range(seg.shape[1])]
        for j in np.argsort(-np.nan_to_num(np.nanmean(seg, axis=0)))[:top_labels]:
            ax.plot(x, seg[:, j], label=names[j], **style)
    ax.set_xlim(0.5, n + 0.5)
    if n <= max_ticks:
        ax.set_xticks(x, [str(i) for i in x])
    else:  # 1, 2, 5 or 10 times a power of ten apart: 180 blocks get 20, 40, ..., 180
        ax.xaxis.set_major_locator(MaxNLocator(nbins=max_ticks, integer=True, steps=[1, 2, 5, 10]))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    fig.legend(fontsize=8.5, loc="outside right upper")
    return fig
