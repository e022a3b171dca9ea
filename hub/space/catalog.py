"""카탈로그 / Catalog: what the catalog holds, how evenly its songs get recommended (histogram,
coverage, Gini) and its emotion map (PCA of the song vectors, coloured by top emotion group)."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np

from hub.search import similarity
from hub.space.analysis import TOP_K
from hub.space.state import AppError, State, song_label
from hub.space.ui import PROBLEM_MARK, bind, figure, ok, problem


def summary(state: State) -> str:
    try:
        c = state.catalog.get()
    except AppError as e:
        return f"{PROBLEM_MARK} **{e}**"
    years = c.recommender.songs["year"].dropna()
    span = f", {int(years.min())}–{int(years.max())}" if len(years) else ""
    demo = ("\n\n**데모 데이터 / Demo data**: fictional songs and lyrics written for gasa, not real songs."
            if c.demo else "")
    return (f"**{len(c.recommender):,} songs**{span} · {len(c.labels)} emotion labels · vectors by `{c.model}` · "
            f"source `{Path(c.source).name if c.demo else c.source}`{demo}")


def views(state: State, k: float, method: str, progress=gr.Progress(track_tqdm=True)):
    """status, recommendation histogram, emotion map."""
    from hub.catalog_views import plot_emotion_map, plot_recommendation_histogram, recommendation_distribution

    try:
        catalog = state.catalog.get()
    except AppError as e:
        return problem(str(e)), None, None
    if len(catalog.recommender) < 2:
        return problem("the catalog needs at least two songs to recommend anything."), None, None
    dist = recommendation_distribution(catalog.recommender, k=int(k), method=method, progress=True)
    counts = dist["counts"]
    most = catalog.recommender.songs.iloc[int(np.argmax(counts))]
    status = ok(f"coverage **{dist['coverage']:.1%}** (songs recommended at least once) · Gini **{dist['gini']:.3f}** "
                f"(0 = even) · most recommended: {song_label(most)} ×{int(counts.max())} "
                f"({counts.max() / max(counts.sum(), 1):.1%} of all recommendations)")
    return status, figure(plot_recommendation_histogram(dist)), figure(plot_emotion_map(catalog.recommender))


def tab(page: gr.Blocks, state: State) -> None:
    with gr.Tab("카탈로그 / Catalog", id="catalog"):
        about = gr.Markdown(elem_id="catalog-summary")
        with gr.Row():
            k = gr.Slider(1, 20, value=TOP_K, step=1, label="top-k", elem_id="catalog-k")
            method = gr.Radio(similarity.choices(), value=similarity.DEFAULT, label="유사도 / Similarity")
            button = gr.Button("분포 계산 / Compute distribution", variant="primary", elem_id="catalog-btn")
        status = gr.Markdown(elem_id="catalog-status")
        with gr.Row():
            histogram = gr.Plot(show_label=False, label="추천 분포 / How evenly songs get recommended",
                                elem_id="catalog-hist", format="png")
            emotion_map = gr.Plot(show_label=False, label="감정 지도 / Emotion map (PCA)", elem_id="catalog-map",
                                  format="png")

    button.click(bind(views, state), [k, method], [status, histogram, emotion_map], api_name="catalog")
    page.load(bind(summary, state), None, [about], api_visibility="private")
