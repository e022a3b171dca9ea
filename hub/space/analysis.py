"""가사 분석 / Lyric analysis: paste lyrics (or click an example, or pick a catalog song) and read their emotion:
the top-10 emotions with their groups, the emotion groups and the emotion arc through the song, drawn as
Gradio's interactive charts (hover for the numbers). A catalog song whose lyrics are not stored shows the
reading the catalog keeps for it."""
from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd

from hub import plots
from hub.labels import AIHUB, GOEMOTIONS, KOTE, taxonomy_for_labels
from hub.reading import LyricsAnalysis
from hub.text.clean import MAX_LYRICS_CHARS, LyricsError, check_lyrics
from hub.text.language import mostly_latin  # noqa: F401 - the similar-songs tab imports it from here
from hub.text.segment import LINES_PER_BLOCK, segment_unit
from hub.space.state import AppError, State
from hub.space.ui import (bind, caution, color_legend, emotion_name, empty_table, group_name, ok, problem,
                          song_choices)

logger = logging.getLogger(__name__)

TOP_K = 10
ARC_LINES = 3  # the song's top group and the groups that move most: more lines tangle
MODEL_AUTO, MODEL_KOREAN, MODEL_ENGLISH = "auto", "korean", "english"
# percentages, as in the headline and the charts
COLUMNS = ["순위 / Rank", "감정 / Emotion", "그룹 / Group", "확률 % / Probability %"]
# a phone's 400 px holds the four columns with the names wrapped; without widths the table grows sideways
COLUMN_WIDTHS = ["12%", "36%", "30%", "22%"]
EXAMPLES_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / "example_lyrics.jsonl"
LOW_READ_SHARE = 0.5  # below this share of a song read, the headline is a caution, not a check mark
READ_LINES = {"ko": "its lines with Hangul", "en": "its English lines", "ko+en": "its Korean and English lines"}
NOTHING_TO_READ = {  # by the language(s) of the model that read nothing
    "ko": "이 가사에는 한글 줄이 없어 한국어 모델이 읽을 수 없습니다 / these lyrics have no Korean line (Hangul) for "
          "the Korean model: choose 자동 / Auto to read English lines too.",
    "en": "이 가사에는 영어 줄이 없어 영어 모델이 읽을 수 없습니다 / these lyrics have no English line for the "
          "English model: choose 자동 / Auto to read Korean lines too.",
    "ko+en": "이 가사에는 한국어나 영어로 된 줄이 없습니다 / these lyrics have no line in Korean or English "
             "(Hangul or Latin letters), the languages gasa reads.",
}


@cache
def examples() -> list[dict]:
    """The example songs offered on a first visit (original lines written for gasa)."""
    with open(EXAMPLES_FILE, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def model_for(state: State, choice: str, progress=None):
    """The model the chosen reading uses: by default the Korean and English models together (each line by the
    model of its language), else the one model chosen."""
    if choice == MODEL_AUTO:
        return state.models.reader(progress)
    return state.models.get(choice, progress)


def model_unavailable(state: State, choice: str, error: AppError) -> str:
    """A visitor's message for a model that could not be loaded (how to configure another goes to the log)."""
    logger.warning("the analysis could not load its model: %s", error)
    name = state.config.english_model if choice == MODEL_ENGLISH else state.config.korean_model
    return (f"감정 모델 `{name}`을(를) 불러오지 못해 지금은 가사를 분석할 수 없습니다. 다른 탭은 그대로 쓸 수 있습니다 / "
            f"the emotion model `{name}` could not be loaded, so lyrics cannot be analyzed right now; the other "
            "tabs still work.")


def unusable_lyrics(lyrics: str) -> str:
    """Why pasted lyrics cannot be read at all (check_lyrics rejects only empty and overlong text)."""
    if len(lyrics) > MAX_LYRICS_CHARS:
        return (f"가사가 너무 깁니다 ({len(lyrics):,}자, 한도 {MAX_LYRICS_CHARS:,}자) / the lyrics are "
                f"{len(lyrics):,} characters long; the limit is {MAX_LYRICS_CHARS:,} (about ten long songs): "
                "paste one song at a time.")
    return ("가사 칸이 비어 있습니다 / the lyrics box is empty (or holds only symbols): paste a song's lyrics, or "
            "click one of the examples.")


# --- what the page shows of a reading ---------------------------------------------------------------

def top_table(top, taxonomy) -> pd.DataFrame:
    """The ranked ``(label, probability)`` pairs as the analysis table."""
    return pd.DataFrame(dict(zip(COLUMNS, [
        range(1, len(top) + 1), [emotion_name(taxonomy, label) for label, _ in top],
        [group_name(taxonomy, label) for label, _ in top], [round(100 * p, 1) for _, p in top]])))


def top_emotions_frame(top, taxonomy) -> pd.DataFrame:
    """The top-10 chart: each emotion's label (the axis), with its English name and its group (the hover box),
    and its percentage."""
    return pd.DataFrame({plots.NAME: [label for label, _ in top],
                         plots.EMOTION: [emotion_name(taxonomy, label) for label, _ in top],
                         plots.GROUP: [group_name(taxonomy, label) or "—" for label, _ in top],
                         plots.PERCENT: [round(100 * p, 1) for _, p in top]})


def arc_lines(analysis: LyricsAnalysis, taxonomy) -> tuple[np.ndarray, list[int], list[str]]:
    """The per-segment scores the arc draws from, and which of their columns it draws under which names: the
    song's top group, then the groups that move most through the song (KOTE's catch-all 기타 never); for a
    label set without groups, its top emotion and the emotions that move most."""
    if analysis.segment_group_scores is not None and taxonomy is not None:
        scores, names = analysis.segment_group_scores, list(analysis.groups)
        first = names.index(analysis.top_group())
        candidates = [j for j, g in enumerate(names) if g != analysis.other_group]
        shown_names = [plots.group_label(taxonomy, g) for g in names]
    else:
        scores, names = analysis.segment_probs, list(analysis.labels)
        first = int(np.argmax(analysis.probs))
        candidates = list(np.argsort(-analysis.probs)[:TOP_K])
        shown_names = [emotion_name(taxonomy, label) for label in names]
    read = scores[~np.isnan(scores).any(axis=1)]
    spread = read.max(axis=0) - read.min(axis=0) if len(read) else np.zeros(scores.shape[1])
    moving = sorted((j for j in candidates if j != first), key=lambda j: -spread[j])
    shown = [first] + moving[:ARC_LINES - 1]
    return scores, shown, [shown_names[j] for j in shown]


def charts(analysis: LyricsAnalysis, top, taxonomy, unit: str = "stanza"):
    """The three charts' tables: top-10 emotions, emotion groups (without the catch-all group) and the arc
    (None where there is nothing to draw)."""
    bars = top_emotions_frame(top, taxonomy)
    mix = arc = None
    if taxonomy is not None and analysis.group_scores is not None:
        mix = plots.group_frame(analysis.groups, analysis.group_scores, taxonomy, leave_out=analysis.other_group)
    if analysis.segment_probs is not None and len(analysis.segment_probs):
        scores, shown, names = arc_lines(analysis, taxonomy)
        arc = plots.arc_frame(scores[:, shown], names, analysis.segment_languages, unit)
    return bars, mix, arc


def segments_note(n: int, unit: str) -> str:
    if unit == "stanza":
        return f"{n}연 / {n} stanza(s)"
    return (f"{LINES_PER_BLOCK}줄씩 {n}부분 / {n} blocks of {LINES_PER_BLOCK} lines (no blank lines separate its "
            "stanzas)")


def readers_note(analysis, predictor, unit: str) -> str:
    """Which model read which stanzas, when a Korean and an English model read the song together."""
    readers = getattr(predictor, "readers_by_language", None)
    if not readers:
        return ""
    counts = {lang: sum(lang in found.split("+") for found in analysis.segment_languages if found) for lang in readers}
    names = {"ko": "한국어 / Korean", "en": "English"}
    return " · " + ", ".join(f"{names[lang]} lines: `{model.name}` ({counts[lang]} {unit}(s))"
                             for lang, model in readers.items() if counts[lang])


def reading_note(analysis, unit: str, language: str | None = "ko") -> str:
    """What the model read and found, where a visitor should weigh the result: part of the song left unread,
    no emotional evidence."""
    notes = []
    if analysis.read_share < 0.999:
        unread = int(np.isnan(analysis.segment_probs[:, 0]).sum()) if analysis.segment_probs is not None else 0
        only = "**only** " if analysis.read_share < LOW_READ_SHARE else ""
        notes.append(f"노래의 {analysis.read_share:.0%}만 읽었습니다 / {only}read {analysis.read_share:.0%} of the song "
                     f"({READ_LINES.get(language, 'the lines it reads')}"
                     + (f"; {unread} {unit}(s) not read)" if unread else ")"))
    if not analysis.evidence:
        notes.append("뚜렷한 감정의 근거를 찾지 못했습니다 / **no emotional evidence found**: no emotion reaches the "
                     "model's threshold, so the ranking is a weak guess")
    return "".join(f"  \n△ {n}" for n in notes)


def headline(analysis: LyricsAnalysis, top, taxonomy) -> str:
    """The first line of the status: the strongest emotion and group, with a check mark only for a reading
    to trust (most of the song read, some evidence found)."""
    best, p = top[0]
    group = analysis.top_group()
    group = (f" · 가장 강한 그룹 / top group **{plots.group_label(taxonomy, group)}**"
             if group and taxonomy is not None else "")
    mark = ok if analysis.read_share >= LOW_READ_SHARE and analysis.evidence else caution
    return mark(f"**{emotion_name(taxonomy, best)}** {p:.0%}{group}")


def in_catalog_labels(analysis: LyricsAnalysis, predictor, catalog_labels) -> LyricsAnalysis | None:
    """The reading in the catalog's labels, to compare with its typical song: as it is where the labels are the
    same; an English model's reading alone (GoEmotions' 28 labels) through the map the two models share when they
    read a song together (:class:`hub.models.bilingual.KoteSpace`); else None."""
    if list(analysis.labels) == list(catalog_labels):
        return analysis
    if (predictor is None or list(analysis.labels) != list(GOEMOTIONS.labels)
            or list(catalog_labels) != list(KOTE.labels) or analysis.group_scores is None):
        return None
    from hub.models.base import ModelLoadError
    from hub.models.bilingual import KoteSpace

    try:
        probs, _ = KoteSpace(predictor)(analysis.probs[None], np.asarray(analysis.group_scores)[None])
    except ModelLoadError:  # a model without GoEmotions' label order or KOTE's groups: no map
        return None
    return LyricsAnalysis(labels=list(KOTE.labels), probs=probs[0])


def standing_out_note(state: State, analysis: LyricsAnalysis, taxonomy, predictor=None) -> str:
    """The emotions this song holds most above a typical song of the catalog (its mean profile), beside the
    raw top-10, which ranks what nearly every song has, or that none does; empty without a catalog whose labels
    the reading can be put in."""
    try:
        catalog = state.catalog.get()
    except AppError:
        return ""
    compared = in_catalog_labels(analysis, predictor, catalog.labels)
    if compared is None or catalog.recommender.stats is None:
        return ""
    taxonomy = taxonomy if compared is analysis else taxonomy_for_labels(compared.labels)
    typical = catalog.recommender.stats.mean
    found = compared.standing_out(typical)
    heading = "  \n돋보이는 감정 (카탈로그의 보통 노래보다) / stands out (against a typical song of the catalog)"
    if compared is not analysis:
        heading += " · 영어 모델의 읽기를 KOTE 감정으로 옮겨 비교 / the English reading put into KOTE's emotions"
    if not found:
        return (f"{heading}: 없음, 감정이 보통 노래와 비슷합니다 / nothing: no emotion is much above a typical song's "
                "(what the top-10 ranks is common to most songs)")
    shown = ", ".join(f"**{emotion_name(taxonomy, label)}** {p:.0%} "
                      f"(보통 / typical {typical[compared.labels.index(label)]:.0%})" for label, p, _ in found)
    return f"{heading}: {shown}"


def failure(message: str):
    return problem(message), empty_table(COLUMNS), None, None, None


def analyze(state: State, lyrics: str, choice: str, progress=gr.Progress()):
    """status, top-10 table, top-10 chart, group chart, arc chart (the charts as DataFrames)."""
    try:
        text = check_lyrics(lyrics or "")
    except LyricsError:
        return failure(unusable_lyrics(lyrics or ""))
    choice = choice or MODEL_AUTO
    try:
        predictor = model_for(state, choice, progress)
    except AppError as e:
        return failure(model_unavailable(state, choice, e))
    progress(0.9, desc="analyzing")
    try:
        analysis = predictor.analyze(text, lines_per_block=LINES_PER_BLOCK)
    except LyricsError:
        return failure(NOTHING_TO_READ.get(predictor.language, NOTHING_TO_READ["ko+en"]))
    top, taxonomy = analysis.top(TOP_K), taxonomy_for_labels(analysis.labels)
    unit = segment_unit(text, len(analysis.segments))
    lang = {"ko": "한국어", "en": "English", "ko+en": "한국어 + English"}.get(predictor.language, "")
    status = (f"{headline(analysis, top, taxonomy)}  \n모델 / model `{predictor.name}` ({lang}) · "
              f"{segments_note(len(analysis.segments), unit)}{readers_note(analysis, predictor, unit)}"
              f"{standing_out_note(state, analysis, taxonomy, predictor)}"
              f"{reading_note(analysis, unit, predictor.language)}")
    return (status, top_table(top, taxonomy), *charts(analysis, top, taxonomy, unit))


# --- catalog songs ----------------------------------------------------------------------------------

def stored_reading(recommender, row: int) -> LyricsAnalysis:
    """The reading a catalog keeps for a song: its emotion vector, and its stanza vectors where stored; the
    group scores are the taxonomy's, from those vectors."""
    taxonomy = taxonomy_for_labels(recommender.labels)
    probs = np.asarray(recommender.vectors[row], dtype=np.float32)
    stanzas = None if recommender.stanzas is None else recommender.stanzas.of(row)
    grouped = taxonomy is not None

    return LyricsAnalysis(
        labels=list(recommender.labels), probs=probs, segments=[""] * (0 if stanzas is None else len(stanzas)),
        segment_probs=stanzas, groups=taxonomy.group_order if grouped else None,
        group_scores=taxonomy.group_score_matrix(probs[None])[0] if grouped else None,
        segment_group_scores=taxonomy.group_score_matrix(stanzas) if grouped and stanzas is not None and len(stanzas)
        else None,
        evidence=bool(recommender.recommendable[row]), other_group=taxonomy.other_group if grouped else None)


def catalog_song(state: State, song_id: str, choice: str = MODEL_AUTO, progress=gr.Progress()):
    """lyrics box, status, table and charts for a catalog song: its lyrics read afresh where the catalog stores
    them, else the reading the catalog keeps for it (with a note that the lyrics are not stored)."""
    if not song_id:
        return (gr.update(),) * 6
    unchanged = gr.update()
    try:
        catalog = state.catalog.get()
    except AppError as e:
        logger.warning("the analysis tab could not load the catalog: %s", e)
        return (unchanged, *failure("곡 목록을 불러오지 못했습니다 / the song catalog could not be loaded; pasted "
                                    "lyrics can still be analyzed."))
    from hub.recommender import RecommenderError

    rec = catalog.recommender
    try:
        row = rec.row_of(song_id)
    except RecommenderError:
        return (unchanged, *failure(f"카탈로그에 없는 곡입니다 / {song_id!r} is not a song of this catalog: search "
                                    "for it by title or artist."))
    song = rec.songs.iloc[row]
    text = catalog.lyrics.get(song_id, "")
    if text:
        status, *shown = analyze(state, text, choice, progress)
        demo = " (데모 곡: 지어낸 가사 / demo song: fictional lyrics)" if catalog.demo else ""
        return (text, f"{status}  \n*{song.title} — {song.artist}*{demo}", *shown)
    analysis = stored_reading(rec, row)
    top, taxonomy = analysis.top(TOP_K), taxonomy_for_labels(analysis.labels)
    n = len(analysis.segments)
    arc_note = (f" · {segments_note(n, 'stanza')}" if n else
                " · 연별 기록 없음 / no stanza-by-stanza reading stored, so no arc")
    status = (f"{headline(analysis, top, taxonomy)}  \n*{song.title} — {song.artist}*: 이 카탈로그는 가사를 "
              f"저장하지 않아 저장된 감정 읽기를 보여 줍니다 / this catalog does not store the lyrics themselves "
              f"(they are copyrighted), so this is the emotion reading it keeps for the song (model "
              f"`{catalog.model}`){arc_note}{standing_out_note(state, analysis, taxonomy)}"
              f"{reading_note(analysis, 'stanza')}")
    return (unchanged, status, top_table(top, taxonomy), *charts(analysis, top, taxonomy))


def find_songs(state: State, query: str):
    """song picker update, status: the whole catalog's songs whose title or artist contains ``query``."""
    try:
        catalog = state.catalog.get()
    except AppError as e:
        logger.warning("the analysis tab could not load the catalog: %s", e)
        return gr.update(choices=[], value=None), problem("곡 목록을 불러오지 못했습니다 / the song catalog could "
                                                          "not be loaded; pasted lyrics can still be analyzed.")
    found = catalog.recommender.search(query) if (query or "").strip() else catalog.recommender.songs
    if len(found) == 0:
        return gr.update(choices=[], value=None), problem(
            f"제목이나 가수에 {query!r}이(가) 들어간 곡이 없습니다 / no song title or artist contains {query!r}.")
    choices = catalog.choices(found)
    more = f" (처음 {len(choices)}곡 / the first {len(choices)} listed)" if len(found) > len(choices) else ""
    # one hit is shown at once; from several, the visitor picks
    return (gr.update(choices=choices, value=choices[0][1] if len(choices) == 1 else None),
            ok(f"{len(found)}곡 찾음 / {len(found)} song(s) found{more}"
               + ("" if len(choices) == 1 else ": 곡 목록에서 고르세요 / pick one in the song list")))


# --- the page's charts -------------------------------------------------------------------------------

# Gradio fixes a chart's colour scale to the colours of the first table it draws (and a chart whose settings
# change between answers is left stale), so a group missing from the first song read would have no line in
# any later one. The arc's table therefore names every emotion group on the page, those not drawn without
# points, and the top-10 bars are one colour (each bar's group is in its tooltip and the table).
ARC_GROUPS = [plots.group_label(KOTE, g) for g in KOTE.shared_groups]
COLORS = plots.group_color_map(KOTE, AIHUB, GOEMOTIONS)


def arc_legend(names) -> str:
    """The arc's lines in their colours, as a line of the page under the chart (:func:`color_legend`): the chart's
    own legend was cut off on a phone, and it named the groups not drawn, which the arc's table carries for their
    colours."""
    return color_legend("선 / lines", {name: COLORS.get(name, "currentColor") for name in names}, "━", "arc-legend")


# An arc needs two points to be a line: a reading with fewer says so where the arc would be, not an empty chart.
ONE_STANZA = ("연이 하나뿐이라 흐름은 그리지 않았어요 / One stanza: no arc to draw. 흐름은 연에서 연으로 감정이 어떻게 "
              "움직이는지 보여 줍니다; 연은 빈 줄로 나눕니다 / The arc follows the emotion from stanza to stanza: "
              "separate the stanzas with blank lines (lyrics without them are read four lines at a time).")
NO_STORED_ARC = ("이 곡은 연별 기록이 없어 흐름은 그리지 않았어요 / No arc to draw: the catalog keeps no stanza-by-stanza "
                 "reading of this song.")
# Vega's hover boxes follow a mouse; a tap on a phone raises none, so a phone is pointed to the table instead
TOP10_HELP = ("마우스를 막대에 올리면 영어 이름과 그룹이 보입니다; 휴대폰에서는 위 표를 보세요 / hover a bar for its "
              "English name and group; on a phone, see the table above")
ARC_POINT_HELP = "마우스를 점에 올리면 그 연과 읽은 언어가 보입니다 / hover a point with a mouse for its stanzas and languages"


def drawn(bars, mix, arc):
    """The three charts as the page draws them, the note that stands in for the arc and the arc's legend: the
    arc padded with the groups it does not draw, hidden (with the note saying why) where a reading has fewer
    than two points to draw it through. Without a reading (a message in the status) the charts are left empty."""
    legend = "" if arc is None else arc_legend(arc[plots.GROUP].unique())
    if arc is not None and set(arc[plots.GROUP]) <= set(ARC_GROUPS):
        first = arc[arc[plots.GROUP] == arc[plots.GROUP].iloc[0]]
        missing = [first.assign(**{plots.GROUP: g, plots.PERCENT: np.nan})
                   for g in ARC_GROUPS if g not in set(arc[plots.GROUP])]
        arc = pd.concat([arc, *missing], ignore_index=True)
    points = 0 if arc is None else arc[plots.PART].nunique()
    if bars is None or points >= 2:
        return (bars, mix, gr.update(value=arc, visible=True), gr.update(value="", visible=False),
                gr.update(value=legend, visible=bool(legend)))
    note = ONE_STANZA if points else NO_STORED_ARC
    return (bars, mix, gr.update(value=None, visible=False),
            gr.update(value=f"**감정 흐름 / Emotion arc** · {note}", visible=True), gr.update(value="", visible=False))


def stored_lyrics(state: State, song_id: str) -> str:
    """The lyric text the catalog stores for a song ("" when none, or when the catalog cannot be loaded)."""
    try:
        return state.catalog.get().lyrics.get(song_id, "")
    except AppError:
        return ""


def analyze_on_page(state: State, lyrics: str, choice: str, song_id: str | None = None, progress=gr.Progress()):
    """:func:`analyze` as the page shows it (:func:`drawn`); with the lyrics box empty and a catalog song picked,
    that song's stored reading again when the catalog keeps no lyrics for it: pressing 분석 / Analyze after picking
    such a song must not wipe its reading (a song with stored lyrics fills the box; emptied, the box is empty)."""
    if not (lyrics or "").strip() and song_id and not stored_lyrics(state, song_id):
        return catalog_song_on_page(state, song_id, choice, progress)[1:]
    *shown, bars, mix, arc = analyze(state, lyrics, choice, progress)
    return (*shown, *drawn(bars, mix, arc))


def catalog_song_on_page(state: State, song_id: str, choice: str = MODEL_AUTO, progress=gr.Progress()):
    """:func:`catalog_song` as the page shows it (:func:`drawn`)."""
    *shown, bars, mix, arc = catalog_song(state, song_id, choice, progress)
    if isinstance(arc, (pd.DataFrame, type(None))):
        return (*shown, *drawn(bars, mix, arc))
    return (*shown, bars, mix, arc, gr.update(), gr.update())  # no song picked: all left as it was


def model_choices(config) -> list[tuple[str, str]]:
    choices = [("자동 / Auto (each line by the model of its language)", MODEL_AUTO),
               (f"한국어 / Korean: {config.korean_model}", MODEL_KOREAN)]
    if config.english_model:
        choices.append((f"English: {config.english_model}", MODEL_ENGLISH))
    return choices


def tab(page: gr.Blocks, state: State) -> None:
    with gr.Tab("가사 분석 / Lyric analysis", id="analysis"):
        with gr.Row():
            with gr.Column(scale=1):
                lyrics = gr.Textbox(label="가사 / Lyrics", lines=12, elem_id="lyrics",
                                    placeholder="가사를 붙여 넣으세요 (연은 빈 줄로 나눕니다) / Paste lyrics "
                                                "(blank lines separate stanzas)")
                songs = examples()
                shown_examples = gr.Examples(
                    [[song["lyrics"]] for song in songs], inputs=[lyrics],
                    example_labels=[f"{song['title']} · {song['style']}" for song in songs],
                    label="예시 가사 (gasa를 위해 새로 쓴 가사) / Example lyrics (written for gasa, not real songs)",
                    elem_id="analysis-examples", api_visibility="private")
                model = gr.Radio(model_choices(state.config), value=MODEL_AUTO, label="모델 / Model",
                                 elem_id="analysis-model")
                button = gr.Button("분석 / Analyze", variant="primary", elem_id="analyze-btn")
                with gr.Row():
                    query = gr.Textbox(label="또는 카탈로그 곡 검색 / or search the catalog (title or artist)",
                                       max_lines=1, elem_id="analysis-search", scale=3)
                    search = gr.Button("검색 / Search", elem_id="analysis-search-btn", scale=1)
                pick = gr.Dropdown(label="곡 / Song", choices=[], value=None, allow_custom_value=True,
                                   elem_id="analysis-song")
            with gr.Column(scale=1):
                status = gr.Markdown(elem_id="analysis-status")
                table = gr.Dataframe(empty_table(COLUMNS), label="상위 10개 감정 / Top-10 emotions",
                                     interactive=False, elem_id="analysis-table", wrap=True,
                                     column_widths=COLUMN_WIDTHS)
        with gr.Row():
            bars = gr.BarPlot(x=plots.NAME, y=plots.PERCENT,  # one colour: see drawn()
                              label="상위 10개 감정 / Top-10 emotions", elem_id="top10-plot",
                              # steep enough that ten slanted labels stay apart in a phone's 30 px per bar
                              x_label_angle=-60, y_lim=[0, None], tooltip=[plots.EMOTION, plots.GROUP], sort="-y",
                              caption=TOP10_HELP)
            mix = gr.BarPlot(x=plots.GROUP_NAME, y=plots.PERCENT, color=plots.GROUP, color_map=COLORS,
                             colors_in_legend=[],
                             label="감정 그룹 / Emotion groups", elem_id="group-plot", y_lim=[0, 100],
                             sort="-y", x_label_angle=-35,
                             caption="기타(other) 그룹은 뺐습니다: 거의 모든 노래에서 80-95%라 노래를 구별해 주지 "
                                     "않습니다 / the catch-all group 기타 (other) is left out: it is at 80-95% in "
                                     "nearly every song, so it says little about this one")
        arc_note = gr.Markdown(visible=False, elem_id="arc-note")
        arc = gr.LinePlot(x=plots.PART, y=plots.PERCENT, color=plots.GROUP, color_map=COLORS,
                          colors_in_legend=[],  # the legend below wraps on a phone
                          label="감정 흐름 / Emotion arc", elem_id="arc-plot", y_lim=[0, 100],
                          x_title="노래 속 위치 (연) / where in the song (stanzas)",
                          tooltip=[plots.COVERS, plots.LANGUAGES],
                          caption="가장 강한 그룹과 가장 크게 움직이는 그룹들만 그립니다; 긴 노래는 이웃한 연을 평균해 "
                                  f"최대 {plots.MAX_ARC_POINTS}개 점으로 보여 줍니다 / shows the song's top group and "
                                  "the groups that move most; a long song's neighbouring stanzas are averaged into at "
                                  f"most {plots.MAX_ARC_POINTS} points. {ARC_POINT_HELP}")
        lines = gr.HTML(elem_id="arc-legend")

    outputs = [status, table, bars, mix, arc, arc_note, lines]
    read = bind(analyze_on_page, state)
    button.click(read, [lyrics, model, pick], outputs, api_name="analyze")
    # an example is read as soon as it is clicked: a first visit sees what the tab does in one click
    shown_examples.load_input_event.then(read, [lyrics, model], outputs, api_visibility="private")
    search.click(bind(find_songs, state), [query], [pick, status], api_visibility="private")
    query.submit(bind(find_songs, state), [query], [pick, status], api_visibility="private")
    pick.change(bind(catalog_song_on_page, state), [pick, model], [lyrics, *outputs], api_name="catalog_lyrics")
    page.load(bind(song_choices, state), None, [pick], api_visibility="private")
