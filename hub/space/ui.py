"""Small pieces every tab uses: status lines, empty tables with their real headers, figures, emotion names."""
from __future__ import annotations

import html
from functools import partial

import gradio as gr
import pandas as pd

from hub import plots  # sets the Hangul font for every figure

OK_MARK, CAUTION_MARK, PROBLEM_MARK = "✓", "△", "⚠"  # plain symbols: common text fonts have them, unlike emoji


def ok(text: str) -> str:
    return f"{OK_MARK} {text}"


def caution(text: str) -> str:
    """A result to read with care (a song mostly not read): shown, but not with a check mark."""
    return f"{CAUTION_MARK} {text}"


def problem(text: str) -> str:
    """A message for the status box: the one place a tab says what went wrong, next to (desktop) or just above
    (phone) its results. No toast as well: on a phone toasts cover the results and pile up with each try."""
    return f"{PROBLEM_MARK} **{text}**"


def empty_table(columns) -> pd.DataFrame:
    """No rows, but the table's real headers (Gradio shows "1 2 3" for a table without columns)."""
    return pd.DataFrame(columns=list(columns))


def color_legend(title: str, colors: dict[str, str], mark: str, css_class: str) -> str:
    """A chart's legend as a line of the page: ``title`` then each name after a ``mark`` in its colour. It wraps on
    a phone, where a chart's own legend keeps to one line and is cut off at the screen's edge; an entry never
    breaks inside."""
    entries = "".join(f'<span style="display: inline-block; margin-right: 1em; white-space: nowrap">'
                      f'<span style="color: {color}">{mark}</span> {html.escape(name)}</span>'
                      for name, color in colors.items())
    return f'<div class="{css_class}">{title}: {entries}</div>'


def figure(fig):
    """Hand a figure to Gradio without keeping it in pyplot's registry (no leak across requests)."""
    plots.plt.close(fig)
    return fig


def emotion_name(taxonomy, label: str) -> str:
    """``슬픔 (sadness)`` where the label set has English names."""
    en = taxonomy.label_en(label) if taxonomy is not None else label
    return f"{label} ({en})" if en != label else label


def group_name(taxonomy, label: str) -> str:
    """The group of ``label`` with its English name, or "" for a label set without groups."""
    return plots.group_label(taxonomy, taxonomy.group_of(label)) if taxonomy is not None else ""


def bind(fn, state):
    """``fn`` with the shared state as its first argument, for an event listener (named after ``fn``:
    Gradio names API endpoints after functions; no ``__wrapped__``, so its inputs are the rest)."""
    bound = partial(fn, state)
    bound.__name__ = fn.__name__
    return bound


def song_choices(state):
    """The song pickers, filled on page load ([] when the catalog cannot be loaded: the catalog tab says why)."""
    return gr.update(choices=state.catalog.choices())
