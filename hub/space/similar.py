"""유사곡 찾기 / Similar songs: a catalog song (searched by title or artist) or pasted lyrics, a similarity
measure (those registered in hub.search.similarity; centred cosine by default), "digging" filters (other
artists only, a minimum year gap, one song per artist); the top-10 (one version of each song), each with why
(the emotions the two songs share most distinctively, and the best-matching stanza pair), and a similarity
heatmap of the query and its results."""
from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd

from hub.models.base import EmotionPredictor
from hub.text.clean import LyricsError, check_lyrics
from hub.search import similarity
from hub.space.analysis import MODEL_ENGLISH, MODEL_KOREAN, TOP_K, mostly_latin
from hub.space.state import AppError, Catalog, State
from hub.space.ui import bind, empty_table, figure, ok, problem, song_choices

COLUMNS = ["순위 / Rank", "제목 / Title", "가수 / Artist", "연도 / Year", "유사도 / Similarity",
           "주요 감정 / Top emotions", "이유 / Why", "닮은 연 / Best stanza match"]


def search(state: State, query: str):
    """song picker update, status."""
    try:
        catalog = state.catalog.get()
    except AppError as e:
        return gr.update(choices=[], value=None), problem(str(e))
    found = catalog.recommender.search(query) if (query or "").strip() else catalog.recommender.songs
    if len(found) == 0:
        return gr.update(choices=[], value=None), problem(f"no song title or artist contains {query!r}")
    choices = catalog.choices(found)
    more = f" (showing {len(choices)})" if len(found) > len(choices) else ""
    return gr.update(choices=choices, value=choices[0][1]), ok(f"{len(found)} song(s) found{more}")


def parse_year(value) -> int | None:
    """The optional year of pasted lyrics: empty (or 0) is None; anything else must be a year."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        year = int(float(text))
    except ValueError:
        raise AppError(f"the year {text!r} is not a number: write it like 1995, or leave it empty.") from None
    if year == 0:
        return None
    if not 1000 <= year <= 2999:
        raise AppError(f"{year} is not a song's year: write it like 1995, or leave it empty.")
    return year


def predictor_for_catalog(state: State, catalog: Catalog, text: str, progress) -> EmotionPredictor:
    """The configured model whose labels are the catalog's (vectors must be comparable): the Korean and English
    models reading together for a catalog built so (the default), else the one model that matches."""
    reader = state.models.reader(progress)
    if list(reader.labels) == catalog.labels:
        return reader
    roles = [MODEL_ENGLISH, MODEL_KOREAN] if mostly_latin(text) else [MODEL_KOREAN, MODEL_ENGLISH]
    tried = []
    for role in roles:
        if role not in state.models.names:
            continue
        predictor = state.models.get(role, progress)
        if list(predictor.labels) == catalog.labels:
            return predictor
        tried.append(f"{predictor.name} ({len(predictor.labels)} labels)")
    raise AppError(f"the catalog's vectors have {len(catalog.labels)} labels (model {catalog.model}); no configured "
                   f"model matches ({', '.join(tried) or 'none'}). Configure the model that built the catalog.")


def similar(state: State, mode: str, song_id: str, lyrics: str, query_year, method: str, top1_weight: float,
            other_artists: bool, min_year_gap: float, one_per_artist: bool = False, progress=gr.Progress()):
    """status, results table, heatmap of query + results."""
    from hub.catalog_views import plot_similarity_heatmap
    from hub.recommender import Recommender, RecommenderError

    try:
        catalog = state.catalog.get()
        rec = catalog.recommender
        filters = dict(method=method, top1_weight=float(top1_weight), k=TOP_K,
                       exclude_same_artist=bool(other_artists), min_year_gap=int(min_year_gap or 0),
                       one_per_artist=bool(one_per_artist))
        if mode == "lyrics":
            text = check_lyrics(lyrics or "")
            year = parse_year(query_year)
            if filters["min_year_gap"] > 0 and year is None:
                raise AppError("a minimum year gap needs your song's year: fill in 연도 / Year, or set the gap to 0.")
            predictor = predictor_for_catalog(state, catalog, text, progress)
            progress(0.9, desc="finding similar songs")
            reading = predictor.analyze(text)  # the lines it reads (Korean lines for a Korean model), by stanza
            vector, stanzas = reading.probs, reading.segment_probs[np.isfinite(reading.segment_probs).all(axis=1)]
            filters["exclude_same_artist"] = False  # pasted lyrics have no artist to exclude
            results = rec.recommend(vector=vector, query_year=year, stanzas=stanzas, **filters)
            query = {"song_id": "__query__", "title": "입력 가사 / your lyrics", "artist": "query", "year": year}
        else:
            if not song_id:
                raise AppError("pick a song first: type part of a title or artist and press 검색 / Search.")
            results = rec.recommend(song_id=song_id, **filters)
            vector = rec.vectors[rec.row_of(song_id)]
            stanzas = None if rec.stanzas is None else rec.stanzas.of(rec.row_of(song_id))
            query = rec.songs.iloc[rec.row_of(song_id)][["song_id", "title", "artist", "year"]].to_dict()
    except (AppError, LyricsError, RecommenderError) as e:
        return problem(str(e)), empty_table(COLUMNS), None
    if results.empty:
        return (problem("no song passes the filters: lower the year gap or allow the same artist."),
                empty_table(COLUMNS), None)
    table = pd.DataFrame(dict(zip(COLUMNS, [
        range(1, len(results) + 1), results["title"], results["artist"],
        results["year"].astype("string").fillna("?"), results["similarity"].round(4),
        [", ".join(t) for t in results["top_labels"]], results["why"], results["stanza_match"]])))
    # heatmap over the query and its results, through the same similarity code and the catalog's scale
    ids = [query["song_id"]] + list(results["song_id"])
    vectors = np.vstack([vector] + [rec.vectors[rec.row_of(s)] for s in results["song_id"]])
    songs = [query] + results[["song_id", "title", "artist", "year"]].to_dict("records")
    per_song = None if rec.stanzas is None or stanzas is None else \
        [stanzas] + [rec.stanzas.of(rec.row_of(s)) for s in results["song_id"]]
    local = Recommender(vectors, songs, rec.labels, index="exact", stats=rec.stats, stanzas=per_song)
    heatmap = figure(plot_similarity_heatmap(local, ids, method=method, top1_weight=float(top1_weight)))
    note = " · demo catalog (fictional songs)" if catalog.demo else ""
    return ok(f"top-{len(results)} for **{query['title']}** ({method}){note}"), table, heatmap


def tab(page: gr.Blocks, state: State) -> None:
    with gr.Tab("유사곡 찾기 / Similar songs", id="similar"):
        with gr.Row():
            with gr.Column(scale=1):
                mode = gr.Radio([("카탈로그 곡 / Catalog song", "song"), ("가사 붙여넣기 / Pasted lyrics", "lyrics")],
                                value="song", label="질의 / Query", elem_id="similar-mode")
                with gr.Row():
                    query = gr.Textbox(label="제목·가수 검색 / Search title or artist", elem_id="similar-search",
                                       scale=3)
                    search_btn = gr.Button("검색 / Search", elem_id="search-btn", scale=1)
                song = gr.Dropdown(label="곡 / Song", choices=[], value=None, allow_custom_value=True,
                                   elem_id="similar-song")
                lyrics = gr.Textbox(label="가사 / Lyrics (pasted-lyrics query)", lines=5, elem_id="similar-lyrics")
                # a Textbox, not a Number: gr.Number shows 0 when empty, and the year is optional
                year = gr.Textbox(label="연도 / Year of the pasted song (optional, for the year gap)", value="",
                                  placeholder="예 / e.g. 1995", max_lines=1, elem_id="similar-year")
            with gr.Column(scale=1):
                method = gr.Radio(similarity.choices(), value=similarity.DEFAULT, label="유사도 / Similarity",
                                  elem_id="similar-method")
                weight = gr.Slider(1, 5, value=2, step=0.5, label="가중치 / Top-1 emotion weight (weighted)")
                other = gr.Checkbox(label="다른 가수만 / Other artists only", value=False, elem_id="other-artists")
                gap = gr.Slider(0, 30, value=0, step=1, label="최소 연도 차 / Minimum year gap", elem_id="year-gap")
                one = gr.Checkbox(label="가수당 한 곡 / One song per artist", value=False, elem_id="one-per-artist")
                button = gr.Button("유사곡 찾기 / Find similar songs", variant="primary", elem_id="similar-btn")
        status = gr.Markdown(elem_id="similar-status")
        table = gr.Dataframe(empty_table(COLUMNS), label="유사곡 top-10 / Top-10 similar songs", interactive=False,
                             elem_id="similar-table", wrap=True)
        heatmap = gr.Plot(show_label=False, label="유사도 히트맵 / Similarity heatmap", elem_id="similar-heatmap",
                          format="png")

    search_btn.click(bind(search, state), [query], [song, status], api_name="search")
    query.submit(bind(search, state), [query], [song, status], api_visibility="private")
    button.click(bind(similar, state), [mode, song, lyrics, year, method, weight, other, gap, one],
                 [status, table, heatmap], api_name="similar")
    page.load(bind(song_choices, state), None, [song], api_visibility="private")
