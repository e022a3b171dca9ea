"""유사곡 찾기 / Similar songs: a catalog song (searched by title or artist, the way fans type names: see
:mod:`hub.search.names`; else by a line of its lyrics, where the catalog stores them) or pasted lyrics, a similarity measure (those registered in hub.search.similarity,
named for fans by :data:`METHODS`; the top emotion's weight of ``weighted`` under 고급 / Advanced), "digging"
filters (other artists only, a minimum year gap, one song per artist); the top-10 (one version of each
song), each with why in plain words (the feelings the two songs share most distinctively, and the stanzas
that are most alike), and a heatmap of how alike the query and its results are to one another, its colours
spanning the scores it shows, drawn narrow enough for a phone; it and its caption show once there is one.

Each query mode shows only its own inputs (a catalog song: the search box and the song picker; pasted lyrics:
the lyrics box and the optional year), and the status names the input that was used, saying so when pasted
lyrics were left aside; switching the mode replaces the status with what to do in that mode. A title links to the song's page where the catalog has a ``url`` column.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from hub.catalog_views import plot_similarity_heatmap
from hub.models.base import EmotionPredictor
from hub.text.clean import MAX_LYRICS_CHARS, LyricsError, check_lyrics
from hub.search import similarity
from hub.space import analysis as analysis_tab  # the messages for lyrics that cannot be read, shared
from hub.space.analysis import MODEL_ENGLISH, MODEL_KOREAN, TOP_K, mostly_latin
from hub.space.state import AppError, Catalog, State
from hub.space.ui import OK_MARK, bind, empty_table, figure, ok, problem, song_choices

# five columns, so the table stays readable on a phone; the title is a link where the catalog has the song's page
COLUMNS = ["유사도 / Similarity", "제목 / Title", "가수 / Artist", "연도 / Year", "이유 / Why"]
DATATYPES = ["number", "markdown", "str", "str", "str"]
COLUMN_WIDTHS = ["16%", "18%", "15%", "15%", "36%"]  # why is the longest; a year is four digits
SIMILARITY_DIGITS = 2  # "0.97": four characters, like a year, so neither column breaks on a phone
LINE_CHARS = 20  # a verse's first line in the why column: enough to recognise it, short enough for a phone
WHY_FEELINGS = 2  # the shared feelings the why column names (the strongest first)
# the story similarity from which the why column says the lyrics tell a similar story (two typical songs score
# about 0; on 4,016 real chart songs a song's first recommendation has a median story similarity of 0.56, and 92 %
# of them reach 0.4)
SIMILAR_STORY = 0.4
NAME_CHARS = 24  # a song's name in the heatmap's key: 24 Hangul characters fit its width at 8.5 pt
logger = logging.getLogger("gasa.app")
# the measures as a fan would choose them: (name, what it finds), Korean / English; the values stay the
# library's and the CLI's (hub.search.similarity); a measure added there shows its own label until named here
METHODS = {
    "emotion_story": ("감정과 이야기 / Feeling and story",
                      "느낌도, 가사가 다루는 이야기도 닮은 곡 / alike in feeling and in what the lyrics are about"),
    "story": ("이야기 / Story", "가사가 다루는 이야기가 닮은 곡 / lyrics about the same things"),
    "centred": ("두드러진 감정 / Stand-out feelings",
                "보통 노래와 다른 점이 닮은 곡 / alike in how they differ from a typical song"),
    "cosine": ("전체 감정 / All feelings", "감정 비율 전체가 닮은 곡 / the same mix of feelings"),
    "weighted": ("대표 감정 중시 / Main feeling first", "가장 강한 감정을 더 크게 봐요 / the strongest feeling counts more"),
    "arc": ("감정 흐름 / Feeling over time", "감정이 바뀌는 모양이 닮은 곡 / feelings that change the same way"),
}
MODE_HINTS = {
    "song": "제목이나 가수를 검색해 곡을 고르고 ‘유사곡 찾기’를 누르세요 / search a title or artist, pick a song, "
            "then press 유사곡 찾기 / Find similar songs.",
    "lyrics": "가사를 붙여 넣고 ‘유사곡 찾기’를 누르세요 / paste some lyrics, then press 유사곡 찾기 / Find similar "
              "songs.",
}
HEATMAP_CAPTION = ("색이 진할수록 두 곡이 더 닮았어요. 색은 이 표에서 가장 덜 닮은 두 곡(연한 색)부터 가장 닮은 "
                   "두 곡(진한 색)까지 나눠 칠했고, 같은 곡끼리는 회색이에요 / the darker a square, the more alike "
                   "the two songs: colours run from the least alike pair shown here (light) to the most alike "
                   "(dark); a song against itself is grey. 0은 기준 곡, 1부터는 위 표의 순서예요 / 0 is the "
                   "query, 1 onwards the table's order.")
# this tab's own words for an empty lyrics box (the analysis tab's point to its examples; this tab has none)
EMPTY_LYRICS = ("가사 칸이 비어 있습니다: 닮은 곡을 찾을 노래 가사를 붙여 넣으세요 / the lyrics box is empty (or holds "
                "only symbols): paste some lyrics to find songs like them.")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def catalog_or_message(state: State) -> Catalog:
    """The catalog, or an AppError a visitor can read (the operator's details go to the log)."""
    try:
        return state.catalog.get()
    except AppError as e:
        logger.warning("similar songs: %s", e)
        raise AppError("노래 카탈로그를 불러오지 못해 지금은 곡을 찾을 수 없습니다 / the song catalog could not be "
                       "loaded, so songs cannot be found right now.") from None


@lru_cache(maxsize=8)
def skipped_songs(source: str) -> int:
    """How many songs the catalog's build could not read (its skipped.jsonl; 0 when there is none here)."""
    from hub.song_dataset import SKIPPED_FILE

    path = Path(source) / SKIPPED_FILE
    try:
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()) if path.is_file() else 0
    except OSError as e:
        logger.warning("could not read %s: %s", path, e)
        return 0


def not_found(catalog: Catalog, query: str) -> str:
    """What to tell a visitor whose search found nothing: what to try, and what the catalog holds."""
    message = (f"‘{query.strip()}’와(과) 맞는 제목·가수가 없습니다: 이름 일부, 다른 철자, 영어·한글 이름으로 찾아 보세요 / "
               f"no title or artist matches ‘{query.strip()}’: try part of the name, another spelling, or its "
               f"English or Korean name")
    if catalog.recommender.lyrics is not None:
        message += "; 가사에서도 찾지 못했습니다 / nor was it found in the stored lyrics"
    if catalog.demo:
        message += (f"; 이 데모 카탈로그에는 가상의 곡 {len(catalog.recommender)}곡만 있습니다 / this demo catalog "
                    f"holds only {len(catalog.recommender)} fictional songs")
    else:
        skipped = skipped_songs(catalog.source)
        if skipped:
            message += (f"; 카탈로그를 만들 때 읽지 못한 {skipped:,}곡은 여기에 없습니다 / {skipped:,} songs could not "
                        f"be read when this catalog was built and are not in it")
    return message + "."


def search(state: State, query: str):
    """song picker update, status."""
    try:
        catalog = catalog_or_message(state)
    except AppError as e:
        return gr.update(choices=[], value=None), problem(str(e))
    rec = catalog.recommender
    typed = (query or "").strip()
    found = rec.search(typed, aliases=catalog.aliases) if typed else rec.songs
    in_lyrics = False
    if len(found) == 0:  # a line remembered rather than a name: the songs whose stored lyrics hold it
        found = rec.search_lyrics(typed)
        in_lyrics = len(found) > 0
    if len(found) == 0:
        return gr.update(choices=[], value=None), problem(not_found(catalog, typed))
    choices = catalog.choices(found)
    more = f" (목록에는 {len(choices)}곡 / the list shows {len(choices)})" if len(found) > len(choices) else ""
    what = (f"{len(found)}곡 찾음 / {len(found)} song(s) found" if typed else
            f"카탈로그 전체 {len(found)}곡 / all {len(found)} song(s) of the catalog")
    if in_lyrics:
        what = (f"제목·가수에는 없지만 가사에 ‘{typed}’이(가) 든 곡 {len(found)}곡 / no title or artist matches, but "
                f"the lyrics of {len(found)} song(s) hold ‘{typed}’")
    return (gr.update(choices=choices, value=choices[0][1]),
            ok(f"{what}{more}: 곡 목록에서 고르세요 / pick one in the 곡 / Song list"))


def parse_year(value) -> int | None:
    """The optional year of pasted lyrics: empty (or 0) is None; anything else must be a year."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    try:
        year = int(float(text))
    except ValueError:
        raise AppError(f"연도는 1995처럼 숫자로 적거나 비워 두세요 / the year {text!r} is not a number: write it "
                       f"like 1995, or leave it empty.") from None
    if year == 0:
        return None
    if not 1000 <= year <= 2999:
        raise AppError(f"연도는 1995처럼 적거나 비워 두세요 / {year} is not a song's year: write it like 1995, "
                       f"or leave it empty.")
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


def reader_or_message(state: State, catalog: Catalog, text: str, progress) -> EmotionPredictor:
    """:func:`predictor_for_catalog`, or an AppError a visitor can read (the operator's details go to the log)."""
    try:
        return predictor_for_catalog(state, catalog, text, progress)
    except AppError as e:
        logger.warning("similar songs from pasted lyrics: %s", e)
        raise AppError("가사를 읽을 모델을 지금 쓸 수 없어 붙여 넣은 가사로는 찾을 수 없으니 카탈로그 곡으로 찾아 보세요 / "
                       "pasted lyrics cannot be read right now: pick a catalog song instead.") from None


def recommender_message(e: Exception) -> str:
    """A recommender error in words for a visitor."""
    from hub.recommender import EmptyCatalogError, NoStoryError, UnknownSongError

    logger.info("similar songs: %s", e)
    if isinstance(e, NoStoryError):
        return NO_STORY.get(e.reason, NO_STORY["catalog"])
    if isinstance(e, UnknownSongError):
        song = re.search(r"song id ('[^']*'|\"[^\"]*\")", str(e))
        return (f"고른 곡{' ' + song.group(1) if song else ''}이(가) 이 카탈로그에 없습니다 / the song "
                f"{song.group(1) + ' ' if song else ''}is not in this catalog: search again and pick it in the list.")
    if isinstance(e, EmptyCatalogError):
        return "이 카탈로그에는 아직 곡이 없습니다 / this catalog holds no songs yet."
    return f"이 설정으로는 찾을 수 없습니다 / {str(e).rstrip('.')}."


# why there is no story to compare, in a fan's words (hub.recommender.NoStoryError's reasons)
NO_STORY = {
    "overlap": ("이 가사는 카탈로그의 가사와 겹치는 말이 없어 이야기를 비교할 수 없어요 (다른 언어나 기호뿐인 가사) / these "
                "lyrics share no words with the catalog's, so their story cannot be compared (another language, or "
                "symbols only): choose 감정과 이야기 / Feeling and story or 두드러진 감정 / Stand-out feelings."),
    "catalog": ("이 카탈로그에는 가사의 이야기가 저장되어 있지 않아요 / this catalog stores no stories of its lyrics (it "
                "was built before them): choose 두드러진 감정 / Stand-out feelings."),
    "view": ("이 카탈로그는 새 가사의 이야기를 읽을 수 없어요 / this catalog cannot read the story of new lyrics: choose "
             "두드러진 감정 / Stand-out feelings, or pick a catalog song."),
    "lyrics": "가사를 붙여 넣으세요 / paste some lyrics first.",
}
# said beside the measure when the recommended one fell back to feelings alone, by where the story is missing
FEELINGS_ONLY = {
    "lyrics": ("가사의 이야기를 카탈로그와 비교할 수 없어 감정만 봤어요 / the lyrics share no words with the catalog's, so "
               "by feeling alone"),
    "song": "이 곡은 이야기를 읽을 가사가 없어 감정만 봤어요 / this song has no lyrics to read a story from: by feeling alone",
}


def title_link(title, url) -> str:
    """A title as a markdown cell: a link to the song's page when the catalog has a web address for it."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", str(title))
    if isinstance(url, str) and re.match(r"https?://[^\s()<>]+$", url):
        return f"[{text}]({url})"
    return text


def method_name(name: str) -> str:
    """A similarity measure's name for fans (a measure not named in :data:`METHODS`: its own label)."""
    return METHODS[name][0] if name in METHODS else similarity.SIMILARITIES[name].label


def asked_method(choice: str) -> str | None:
    """The measure a choice asks the recommender for: the recommended one is the catalog's best for each query (None:
    emotion + story where both sides have stories, emotion alone otherwise), the others themselves."""
    return None if choice == similarity.DEFAULT else choice


def method_choices() -> list[tuple[str, str]]:
    """(what a fan reads, the library's name) of every similarity measure, the default first and marked."""
    names = sorted(similarity.SIMILARITIES, key=lambda name: name != similarity.DEFAULT)
    return [(method_name(name) + (" · 추천 / recommended" if name == similarity.DEFAULT else ""), name)
            for name in names]


def method_help() -> str:
    """What each measure finds, in the choices' order (each named by its Korean name: the help is read on phones)."""
    return " · ".join(f"{METHODS[name][0].split(' / ')[0]}: {METHODS[name][1]}" for _, name in method_choices()
                      if name in METHODS)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters ("..." rather than "…", which the figures' Hangul font may lack)."""
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def first_line(text: str | None) -> str:
    return shorten((text or "").strip().split("\n")[0].strip(), LINE_CHARS)


def why_text(reason: dict, taxonomy, pasted: bool) -> str:
    """Why a song was found, in words a fan reads on a phone: the feelings both songs stand out in, and which
    of their stanzas (연, as the analysis tab calls them) are most alike, with the found song's stanza's first
    line where the catalog stores lyrics (the fan knows the query). "Your" only for the fan's own pasted
    lyrics: a catalog song is "the picked song", the row's song "this one"."""
    # a similar story takes the second feeling's place: the column stays a few lines on a phone
    story = (reason.get("story_similarity") or 0.0) >= SIMILAR_STORY
    labels = [label for label, _ in reason["shared"][:1 if story else WHY_FEELINGS]]
    if labels:
        english = [taxonomy.label_en(label) if taxonomy is not None else label for label in labels]
        text = f"둘 다 {'·'.join(labels)} / both: {' · '.join(english)}"  # an English name may hold a comma
        if story:
            text = f"둘 다 {labels[0]}, 비슷한 이야기 / both: {english[0]}, a similar story"
    elif story:
        text = "비슷한 이야기 / a similar story"
    else:
        text = "두드러지게 겹치는 감정은 없어요 / no stand-out feeling in common"
    match = reason["stanza_match"]
    if match:
        mine, theirs = match["query_stanza"], match["song_stanza"]
        if pasted:
            text += f"; 내 가사 {mine}연 ↔ 이 곡 {theirs}연이 가장 닮았어요 / your stanza {mine} ↔ this one's {theirs} most alike"
        else:
            text += (f"; 고른 곡 {mine}연 ↔ 이 곡 {theirs}연이 가장 닮았어요 / picked song's stanza {mine} ↔ this "
                     f"one's {theirs} most alike")
        line = first_line(match["song_lines"])
        if line:
            text += f": \u201c{line}\u201d"
    return text


def results_table(results: pd.DataFrame, urls: dict[str, str], whys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(dict(zip(COLUMNS, [
        results["similarity"].round(SIMILARITY_DIGITS) + 0.0,  # + 0.0: never "-0.0"
        [title_link(t, urls.get(s)) for t, s in zip(results["title"], results["song_id"])],
        results["artist"], results["year"].astype("string").fillna("?"), whys])))


def similar(state: State, mode: str, song_id: str, lyrics: str, query_year, method: str, top1_weight: float,
            other_artists: bool, min_year_gap: float, one_per_artist: bool = False, progress=gr.Progress()):
    """status, results table, heatmap of query + results. ``mode`` says which input counts: ``"song"`` (the
    picked catalog song; pasted lyrics are left aside, and the status says so) or ``"lyrics"``."""
    from hub.labels import taxonomy_for_labels
    from hub.recommender import Recommender, RecommenderError

    aside = ""
    try:
        catalog = catalog_or_message(state)
        rec = catalog.recommender
        # explained below, among the query and its results (the why column's words are this tab's)
        chosen = method
        filters = dict(top1_weight=float(top1_weight), k=TOP_K,
                       exclude_same_artist=bool(other_artists), min_year_gap=int(min_year_gap or 0),
                       one_per_artist=bool(one_per_artist), explain=False)
        if mode == "lyrics":
            try:
                text = check_lyrics(lyrics or "")
            except LyricsError:
                too_long = len(lyrics or "") > MAX_LYRICS_CHARS
                raise AppError(analysis_tab.unusable_lyrics(lyrics) if too_long else EMPTY_LYRICS) from None
            year = parse_year(query_year)
            if filters["min_year_gap"] > 0 and year is None:
                raise AppError("최소 연도 차를 쓰려면 노래의 연도를 적거나 연도 차를 0으로 두세요 / a minimum year gap "
                               "needs your song's year: fill in 연도 / Year, or set the gap to 0.")
            predictor = reader_or_message(state, catalog, text, progress)
            progress(0.9, desc="닮은 곡을 찾는 중 / finding similar songs")
            try:
                reading = predictor.analyze(text)  # the lines it reads (Korean and English lines), by stanza
            except LyricsError:
                raise AppError(analysis_tab.NOTHING_TO_READ.get(predictor.language,
                                                                analysis_tab.NOTHING_TO_READ["ko+en"])) from None
            vector, stanzas = reading.probs, reading.segment_probs[np.isfinite(reading.segment_probs).all(axis=1)]
            filters["exclude_same_artist"] = False  # pasted lyrics have no artist to exclude
            method = rec.resolve_method(asked_method(method), lyrics=text)
            results = rec.recommend(vector=vector, query_year=year, stanzas=stanzas, lyrics=text, method=method,
                                    **filters)
            story = rec.story_of(text)
            query = {"song_id": "__query__", "title": "붙여 넣은 가사 / your pasted lyrics", "artist": "query",
                     "year": year}
            query_lyrics = text
        else:
            if not song_id:
                raise AppError("먼저 곡을 고르세요: 제목이나 가수 이름을 적고 검색을 누르세요 / pick a song first: type "
                               "part of a title or artist and press 검색 / Search.")
            method = rec.resolve_method(asked_method(method), song_id=song_id)
            results = rec.recommend(song_id=song_id, method=method, **filters)
            vector = rec.vectors[rec.row_of(song_id)]
            story = None if rec.stories is None else rec.stories[rec.row_of(song_id)]
            stanzas = None if rec.stanzas is None else rec.stanzas.of(rec.row_of(song_id))
            query = rec.songs.iloc[rec.row_of(song_id)][["song_id", "title", "artist", "year"]].to_dict()
            query_lyrics = None if rec.lyrics is None else rec.lyrics[rec.row_of(song_id)]
            if (lyrics or "").strip():
                aside = (" · 붙여 넣은 가사는 쓰지 않았습니다: 가사로 찾으려면 질의에서 ‘가사 붙여넣기’를 고르세요 / "
                         "your pasted lyrics were not used: choose 가사 붙여넣기 / Pasted lyrics to search with them")
    except (AppError, LyricsError) as e:
        return problem(str(e)), empty_table(COLUMNS), None
    except RecommenderError as e:
        return problem(recommender_message(e)), empty_table(COLUMNS), None
    if results.empty:
        return (problem("필터를 지나는 곡이 없습니다: 연도 차를 줄이거나 같은 가수를 허용하세요 / no song passes the "
                        "filters: lower the year gap or allow the same artist."), empty_table(COLUMNS), None)
    # the query and its results as a small catalog, through the same similarity code and the catalog's scale:
    # the heatmap, and why each song was found (the query's own stanzas and lyrics, pasted or stored)
    rows = [rec.row_of(s) for s in results["song_id"]]
    ids = [query["song_id"]] + list(results["song_id"])
    vectors = np.vstack([vector] + [rec.vectors[r] for r in rows])
    songs = [query] + results[["song_id", "title", "artist", "year"]].to_dict("records")
    per_song = None if rec.stanzas is None or stanzas is None else [stanzas] + [rec.stanzas.of(r) for r in rows]
    lyrics_of = None if rec.lyrics is None else [query_lyrics] + [rec.lyrics[r] for r in rows]
    stories = None if story is None else np.vstack([story] + [rec.stories[r] for r in rows])
    local = Recommender(vectors, songs, rec.labels, index="exact", stats=rec.stats, stanzas=per_song,
                        lyrics=lyrics_of, story=stories)
    taxonomy = taxonomy_for_labels(rec.labels)
    table = results_table(results, catalog.urls, [why_text(local.explain(ids[0], s), taxonomy, mode == "lyrics")
                                                    for s in ids[1:]])
    yours = "내 가사 / your lyrics" if mode == "lyrics" else f"고른 곡 / picked: {query['title']}"
    names = [shorten(yours, NAME_CHARS)] + [shorten(f"{song['title']} - {song['artist']}", NAME_CHARS)
                                            for song in songs[1:]]
    heatmap = figure(plot_similarity_heatmap(local, ids, method, float(top1_weight), names=names))
    if mode == "lyrics":
        asked = "붙여 넣은 가사 / your pasted lyrics"
    else:
        asked = f"**{query['title']}** — {query['artist']}"
    note = " · 데모 카탈로그(가상의 곡) / demo catalog (fictional songs)" if catalog.demo else ""
    fallback = ""
    if asked_method(chosen) is None and method != similarity.DEFAULT and rec.default_method == similarity.DEFAULT:
        fallback = ": " + FEELINGS_ONLY[mode if mode == "lyrics" else "song"]
    return ok(f"top-{len(results)}: {asked} ({method_name(method)}{fallback}){note}{aside}"), table, heatmap


def show_inputs(mode: str):
    """Only the chosen query's inputs (the song search and picker, or the lyrics box and year), and in the
    status what to do with them (an earlier message, such as "pick a song first", belongs to the other mode)."""
    return gr.update(visible=mode != "lyrics"), gr.update(visible=mode == "lyrics"), MODE_HINTS[mode]


def heatmap_shown(status: str):
    """The heatmap and its caption, shown only when a search drew one (it did when the status is a result)."""
    return gr.update(visible=status.startswith(OK_MARK))


def tab(page: gr.Blocks, state: State) -> None:
    with gr.Tab("유사곡 찾기 / Similar songs", id="similar"):
        with gr.Row():
            with gr.Column(scale=1):
                mode = gr.Radio([("카탈로그 곡 / Catalog song", "song"), ("가사 붙여넣기 / Pasted lyrics", "lyrics")],
                                value="song", label="무엇과 닮은 곡? / Similar to what?", elem_id="similar-mode")
                with gr.Column(elem_id="similar-song-inputs") as song_inputs:
                    with gr.Row():
                        query = gr.Textbox(label="제목·가수 검색 / Search title or artist", elem_id="similar-search",
                                           placeholder="예 / e.g. 소녀시대, snsd, bts, iu", scale=3)
                        search_btn = gr.Button("검색 / Search", elem_id="search-btn", scale=1)
                    song = gr.Dropdown(label="곡 / Song", choices=[], value=None, allow_custom_value=True,
                                       elem_id="similar-song")
                with gr.Column(visible=False, elem_id="similar-lyrics-inputs") as lyrics_inputs:
                    lyrics = gr.Textbox(label="가사 / Lyrics", lines=5, elem_id="similar-lyrics",
                                        placeholder="노래 가사를 붙여 넣으세요 / paste a song's lyrics")
                    # a Textbox, not a Number: gr.Number shows 0 when empty, and the year is optional
                    year = gr.Textbox(label="연도 / Year (선택, 연도 차 필터용 / optional, for the year gap)", value="",
                                      placeholder="예 / e.g. 1995", max_lines=1, elem_id="similar-year")
            with gr.Column(scale=1):
                method = gr.Radio(method_choices(), value=similarity.DEFAULT, elem_id="similar-method",
                                  label="어떻게 닮은 곡? / Alike in what way?", info=method_help())
                other = gr.Checkbox(label="다른 가수만 / Other artists only", value=False, elem_id="other-artists")
                gap = gr.Slider(0, 30, value=0, step=1, label="최소 연도 차 / Minimum year gap", elem_id="year-gap")
                one = gr.Checkbox(label="가수당 한 곡 / One song per artist", value=False, elem_id="one-per-artist")
                with gr.Accordion("고급 / Advanced", open=False, elem_id="similar-advanced"):
                    weight = gr.Slider(1, 5, value=2, step=0.5, elem_id="similar-weight",
                                       label="대표 감정을 몇 배로 볼까요? / How much more the main feeling counts",
                                       info="‘대표 감정 중시’를 고를 때만 쓰여요. 2면 가장 강한 감정을 두 배로 봐요 / "
                                            "used only with ‘Main feeling first’: 2 counts the strongest feeling twice")
                button = gr.Button("유사곡 찾기 / Find similar songs", variant="primary", elem_id="similar-btn")
        status = gr.Markdown(elem_id="similar-status")
        table = gr.Dataframe(empty_table(COLUMNS), label="유사곡 top-10 / Top-10 similar songs", interactive=False,
                             elem_id="similar-table", wrap=True, datatype=DATATYPES, column_widths=COLUMN_WIDTHS)
        with gr.Column(visible=False, elem_id="similar-heatmap-block") as heatmap_block:  # no empty box before
            heatmap = gr.Plot(show_label=False, label="유사도 히트맵 / Similarity heatmap", elem_id="similar-heatmap",
                              format="png")
            gr.Markdown(HEATMAP_CAPTION, elem_id="similar-heatmap-caption")

    mode.change(show_inputs, [mode], [song_inputs, lyrics_inputs, status], api_visibility="private")
    search_btn.click(bind(search, state), [query], [song, status], api_name="search")
    query.submit(bind(search, state), [query], [song, status], api_visibility="private")
    button.click(bind(similar, state), [mode, song, lyrics, year, method, weight, other, gap, one],
                 [status, table, heatmap], api_name="similar").then(heatmap_shown, [status], [heatmap_block],
                                                                     api_visibility="private")
    page.load(bind(song_choices, state), None, [song], api_visibility="private")
