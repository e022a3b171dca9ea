"""카탈로그 / Catalog: what the catalog holds, how evenly its songs get recommended (histogram, coverage,
Gini), its emotion map (PCA of the song vectors, coloured by top emotion group) and how its emotions moved
through the years. Everything is drawn when the page loads; the top-k and the similarity can be changed
and the distribution computed again. The plots are Gradio's own (hover for the numbers and song titles)."""
from __future__ import annotations

import logging

import gradio as gr
import numpy as np
import pandas as pd

from hub.catalog_views import histogram_bar_order
from hub.search import similarity
from hub.space.analysis import TOP_K
from hub.space.similar import asked_method, method_choices, method_name, recommender_message
from hub.space.state import AppError, State, song_label
from hub.space.ui import PROBLEM_MARK, bind, color_legend, ok, problem

log = logging.getLogger(__name__)

NO_CATALOG = ("노래 목록을 불러오지 못해 보여 드릴 것이 없습니다 / The song catalog could not be loaded, so there is "
              "nothing to show here for now.")

HISTOGRAM_HELP = """### 추천이 고르게 돌아가나요? / Do all songs get their turn?
노래마다 감정이 가장 닮은 노래 k곡을 골라 추천 목록을 만들고, 각 노래가 다른 노래들의 목록에 몇 번 오르는지 셉니다.
막대 하나는 **그만큼 추천된 노래가 몇 곡인지**입니다. 0에 쌓인 노래는 한 번도 추천되지 않아 아무도 만나지 못하는 노래입니다.
For every song, gasa lists the k songs whose lyrics feel most alike, then counts how often each song turns up in the
other songs' lists. Each bar: **how many songs were recommended that many times**. Songs at 0 never get recommended.

- **커버리지 / Coverage**: 한 번이라도 추천되는 노래의 비율. 높을수록 좋습니다 (100% = 모든 노래가 누군가의 목록에 오름).
  The share of songs recommended at least once; higher is better (100% = every song shows up in someone's list).
- **지니 계수 / Gini coefficient**: 추천이 노래들 사이에 얼마나 고르게 나뉘는지. **0 = 모든 노래가 똑같이 자주, 1 = 몇 곡이
  추천을 다 가져감.** 낮을수록 고릅니다; 대략 0.4 아래면 고른 편, 0.6 위면 몇 곡에 쏠린 편입니다.
  How evenly recommendations are shared: **0 = every song recommended equally often, 1 = a few songs take all.**
  Lower is more even; as a rough guide, below 0.4 is even and above 0.6 means a few songs take most turns."""

MAP_HELP = """### 감정 지도 / Emotion map
점 하나가 노래 하나이고, 가까운 점끼리 가사의 감정이 닮았습니다. 노래마다 매긴 감정 점수 전부를 두 축으로 줄였습니다(PCA):
가로축은 노래들이 가장 크게 갈리는 방향, 세로축은 그다음 방향이며, 축 이름에 양 끝(from … to …)에서 강해지는 감정을 적었습니다.
**색**은 노래의 가장 강한 감정 그룹입니다. 점에 마우스를 올리면 제목과 가수가 보입니다.
Each dot is a song; dots close together have lyrics that feel alike. All of a song's emotion scores are squeezed onto
two axes (PCA): across is the direction in which the songs differ most, up the next one; each axis title names the
emotions that grow from one end to the other. The **colour** is the song's strongest emotion group. Hover over a dot
for its title and artist."""

YEARS_HELP = """### 시대별 감정 흐름 / Emotions through the years
가장 강한 감정 그룹이 기쁨·슬픔·분노·불안·상처·당황 중 무엇인 노래가 몇 %인지, 감정 그룹마다 선 하나로 보여 줍니다.
몇 곡뿐인 해의 비율은 0 %와 100 % 사이를 널뛰므로, 점 하나가 적어도 20곡(작은 카탈로그는 더 적게, 차트 아래에 적음)을
담도록 곡이 적은 해는 이웃한 해와 묶었습니다. 점은 그 기간의 첫해에 찍히고, 마우스를 올리면 기간과 곡 수가 보입니다.
어느 감정으로도 묶이지 않는 '기타'는 뺐습니다.
The share of songs whose strongest emotion group is joy, sadness, anger, anxiety, hurt or embarrassment, one line per
group. A year of a few songs would swing between 0 % and 100 %, so years with few songs are joined with their
neighbours until each point holds at least 20 songs (fewer in a small catalog: the note under the chart says how
many). A point sits at its period's first year; hover over it for the years and song counts. The catch-all 'other'
group is left out."""


def summary(state: State) -> str:
    try:
        c = state.catalog.get()
    except AppError as e:
        log.warning("catalog tab: %s", e)
        return f"{PROBLEM_MARK} **{NO_CATALOG}**"
    years = c.recommender.songs["year"].dropna()
    span = f", {int(years.min())}–{int(years.max())}" if len(years) else ""
    demo = ("\n\n**데모 데이터 / Demo data**: gasa를 위해 지어낸 노래와 가사입니다 / fictional songs and lyrics "
            "written for gasa, not real songs." if c.demo else "")
    source = "" if c.demo else f" · 출처 / source `{c.source}`"
    return (f"**{len(c.recommender):,}곡 / {len(c.recommender):,} songs**{span} · 감정 {len(c.labels)}가지 / "
            f"{len(c.labels)} emotion labels · 감정을 읽은 모델 / read by `{c.model}`{source}{demo}")


def gini_in_words(value: float) -> str:
    """The rough guide of HISTOGRAM_HELP, for the status line."""
    if value < 0.4:
        return "고른 편 / fairly even"
    if value <= 0.6:
        return "조금 쏠림 / somewhat uneven"
    return "몇 곡에 쏠림 / a few songs take most turns"


def distribution(state: State, k: float, method: str, progress=gr.Progress(track_tqdm=True)):
    """status, recommendation histogram (how many songs were recommended how many times)."""
    from hub.catalog_views import recommendation_distribution, recommendation_histogram_frame

    try:
        catalog = state.catalog.get()
    except AppError as e:
        log.warning("catalog tab: %s", e)
        return problem(NO_CATALOG), None
    if len(catalog.recommender) < 2:
        return problem("추천하려면 노래가 두 곡 이상 있어야 합니다 / The catalog needs at least two songs to "
                       "recommend anything."), None
    from hub.recommender import RecommenderError

    try:
        dist = recommendation_distribution(catalog.recommender, k=int(k), progress=True, method=asked_method(method))
    except RecommenderError as e:  # e.g. the arc or the story of a catalog built without them
        return problem(recommender_message(e)), None
    counts = dist["counts"]
    most = catalog.recommender.songs.iloc[int(np.argmax(counts))]
    status = ok(f"커버리지 / coverage **{dist['coverage']:.1%}** (한 번 이상 추천된 노래 / songs recommended at least "
                f"once) · 지니 / Gini **{dist['gini']:.3f}** ({gini_in_words(dist['gini'])}) · 가장 많이 추천된 노래 / "
                f"most recommended: {song_label(most)} ×{int(counts.max())} "
                f"(전체 추천의 / of all recommendations {counts.max() / max(counts.sum(), 1):.1%}) · "
                f"{method_name(dist['method'])}")
    # only the bars change: a chart whose title or order of bars changes along with its data keeps its old bars
    return status, gr.update(value=recommendation_histogram_frame(dist))


def emotion_views(state: State):
    """emotion map, emotions through the years, and what the years chart leaves out. A catalog that cannot be
    loaded shows nothing here: the summary and the status above already say so."""
    from hub.catalog_views import emotion_groups_by_year, emotion_map_points

    try:
        recommender = state.catalog.get().recommender
    except AppError:
        return None, None, ""
    emotion_map = emotion_map_points(recommender)
    points = emotion_map.points.assign(year=[str(int(y)) if pd.notna(y) else "" for y in emotion_map.points["year"]])
    sample = (f" (무작위 {len(points):,}곡 / a random {len(points):,} of {emotion_map.songs:,} songs)"
              if len(points) < emotion_map.songs else "")
    scatter = gr.update(value=points, x_title=emotion_map.axis_titles[0], y_title=emotion_map.axis_titles[1],
                        color_map=emotion_map.colors, caption=sample or None)
    years = emotion_groups_by_year(recommender)
    if years is None:
        return scatter, None, ("이 카탈로그의 감정 체계에는 감정 그룹이 없어 시대별 흐름을 그릴 수 없습니다 / This "
                               "catalog's emotion labels have no groups, so there is no chart through the years.")
    if years.shares.empty:
        lines, note = None, (f"연도와 감정이 있는 노래가 {years.too_few:,}곡뿐이라, 점 하나에 필요한 {years.min_songs}곡에 못 미쳐 "
                             f"그리지 않았습니다 / Only {years.too_few:,} songs have a year and an emotion, fewer than the "
                             f"{years.min_songs} a point needs, so nothing is drawn.")
    else:
        shares = years.shares.assign(share=years.shares["share"].round(3)).rename(columns=YEAR_COLUMNS)
        lines = gr.update(value=shares, color_map=emotion_map.colors)
        shown = int(years.shares.drop_duplicates("period")["period_songs"].sum())
        note = (f"{shown:,}곡, 연도별 / {shown:,} songs, by year." if years.yearly else
                f"{shown:,}곡, 점마다 {years.min_songs}곡 이상 (곡이 적은 해는 이웃한 해와 묶음) / {shown:,} songs, "
                f"at least {years.min_songs} a point (years with fewer are joined with their neighbours).")
    if years.without_year:
        note += (f" 연도가 없는 노래 {years.without_year:,}곡은 빠졌습니다 / {years.without_year:,} songs without a "
                 "year are left out.")
    if years.without_emotion:
        note += (f" 가사에서 감정을 읽지 못한 노래 {years.without_emotion:,}곡도 빠졌습니다 / {years.without_emotion:,} "
                 "songs with no emotion read in their lyrics are left out too.")
    return scatter, lines, note


def legends(state: State):
    """The colour of each emotion group, under the emotion map and under the years chart: a line of the page,
    which wraps on a phone, where a chart's own legend keeps to one line and is cut off at the screen's edge."""
    from hub.catalog_views import emotion_map_points

    try:
        recommender = state.catalog.get().recommender
    except AppError:
        return "", ""
    legend = color_legend("감정 그룹 / group", emotion_map_points(recommender).colors, "●", "catalog-legend")
    return legend, legend


# the years table's columns as the chart's hover box names them; a period is drawn at the year it starts
YEAR_COLUMNS = {"period": "시기 / period", "start": "연도 / year", "group": "감정 그룹 / group",
                "share": "비율 / share", "songs": "곡 수 / songs", "period_songs": "그 시기 전체 / songs in period"}


# wider than half a phone's screen, so two never share a line there
CONTROL_WIDTH = 280


def tab(page: gr.Blocks, state: State) -> None:
    with gr.Tab("카탈로그 / Catalog", id="catalog"):
        about = gr.Markdown(elem_id="catalog-summary")
        gr.Markdown(HISTOGRAM_HELP, elem_id="catalog-help-histogram")
        with gr.Row():  # each control at least CONTROL_WIDTH wide: one under the other on a phone, a row wider
            k = gr.Slider(1, 20, value=TOP_K, step=1, label="추천 목록 길이 / top-k (songs per list)",
                          elem_id="catalog-k", min_width=CONTROL_WIDTH)
            method = gr.Radio(method_choices(), value=similarity.DEFAULT, label="유사도 / Similarity",
                              elem_id="catalog-method", min_width=CONTROL_WIDTH)
            button = gr.Button("다시 계산 / Compute again", variant="primary", elem_id="catalog-btn",
                               min_width=CONTROL_WIDTH)
        status = gr.Markdown(elem_id="catalog-status")
        # up to twelve bars (recommendation_histogram_frame) in the order of the numbers; their labels ("11–15")
        # stand upright, so that they fit side by side on a phone too
        histogram = gr.BarPlot(x="times_recommended", y="songs", x_title="추천된 횟수 / times in others' top-k lists",
                               y_title="노래 수 / songs", x_label_angle=-90, sort=histogram_bar_order(),
                               elem_id="catalog-hist",
                               label="추천 분포 / How evenly songs get recommended", show_label=False, height=300)
        with gr.Row():
            with gr.Column():
                gr.Markdown(MAP_HELP, elem_id="catalog-help-map")
                emotion_map = gr.ScatterPlot(x="x", y="y", color="group", color_title="감정 그룹 / group",
                                             tooltip=["title", "artist", "year"], elem_id="catalog-map",
                                             label="감정 지도 / Emotion map", show_label=False, height=420,
                                             colors_in_legend=[])  # the legend below wraps on a phone
                map_legend = gr.HTML(elem_id="catalog-map-legend")
            with gr.Column():
                gr.Markdown(YEARS_HELP, elem_id="catalog-help-years")
                # years on a number scale: the chart keeps as many year labels as fit its width
                years = gr.LinePlot(x=YEAR_COLUMNS["start"], y=YEAR_COLUMNS["share"], color=YEAR_COLUMNS["group"],
                                    x_axis_format="d", y_axis_format=".0%", y_lim=[0, 1],
                                    x_title=YEAR_COLUMNS["start"], y_title="곡 비율 / share of songs",
                                    color_title="감정 그룹 / group",
                                    tooltip=[YEAR_COLUMNS[c] for c in ("period", "songs", "period_songs")],
                                    elem_id="catalog-years", label="시대별 감정 / Emotions through the years",
                                    show_label=False, height=420, colors_in_legend=[])
                years_legend = gr.HTML(elem_id="catalog-years-legend")
                years_note = gr.Markdown(elem_id="catalog-years-note")

    button.click(bind(distribution, state), [k, method], [status, histogram], api_name="catalog")
    page.load(bind(summary, state), None, [about], api_visibility="private")
    page.load(bind(distribution, state), [k, method], [status, histogram], api_visibility="private")
    page.load(bind(emotion_views, state), None, [emotion_map, years, years_note], api_visibility="private")
    page.load(bind(legends, state), None, [map_legend, years_legend], api_visibility="private")
