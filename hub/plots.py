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
