"""Matplotlib figures shared by the scripts and the app (Korean labels need a Hangul font)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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


def plot_similarity_matrix(similarity, labels, title: str = "Label similarity S"):
    """Heatmap of a label-similarity matrix (rows: true label, columns: predicted label)."""
    s = np.asarray(similarity)
    size = min(22, 4 + 0.22 * len(labels))
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    image = ax.imshow(s, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted label j")
    ax.set_ylabel("true label y")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    return fig


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
    fig, ax = plt.subplots(figsize=(7, 0.42 * len(labels) + 1.2), layout="constrained")
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
        ax.legend(handles, [group_label(taxonomy, g) for g in shown], loc="lower right", fontsize=8)
    return fig


def plot_group_mix(mix: dict[str, float], taxonomy, title: str = "Emotion group mix"):
    """One bar per emotion group with its score (``{group: score}`` in display order): the summed
    probability of a distribution, or, for a multi-label model, the probability of the group."""
    colors = group_colors(taxonomy)
    names = [group_label(taxonomy, g) for g in mix]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(mix) + 1.2), layout="constrained")
    ax.barh(range(len(mix))[::-1], list(mix.values()), color=[colors[g] for g in mix])
    ax.set_yticks(range(len(mix))[::-1], names)
    for i, p in zip(range(len(mix))[::-1], mix.values()):
        ax.text(p, i, f" {p:.1%}", va="center", fontsize=9)
    ax.set_xlim(0, max(max(mix.values()), 0.01) * 1.25)
    ax.set_xlabel("probability")
    ax.set_title(title)
    return fig


def plot_emotion_arc(segment_probs, taxonomy=None, labels=None, top_labels: int = 5,
                     title: str = "Emotion arc (stanza by stanza)", group_scores=None, groups=None):
    """How the emotion moves through the song: one line per group (``group_scores``, columns ``groups``)
    or per top label over the stanzas. NaN rows (stanzas the model did not read) leave gaps."""
    seg = np.atleast_2d(np.asarray(segment_probs, dtype=float))
    x = np.arange(1, len(seg) + 1)
    fig, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
    if taxonomy is not None and group_scores is not None:
        colors = group_colors(taxonomy)
        for g, ys in zip(groups, np.atleast_2d(np.asarray(group_scores, dtype=float)).T):
            ax.plot(x, ys, marker="o", color=colors[g], label=group_label(taxonomy, g))
    else:
        names = list(labels) if labels is not None else [str(i) for i in range(seg.shape[1])]
        for j in np.argsort(-np.nan_to_num(np.nanmean(seg, axis=0)))[:top_labels]:
            ax.plot(x, seg[:, j], marker="o", label=names[j])
    ax.set_xticks(x, [str(i) for i in x])
    ax.set_xlabel("stanza")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2, loc="upper right")
    return fig
