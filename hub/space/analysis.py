"""가사 분석 / Lyric analysis: paste lyrics (or pick a catalog song) and read their emotion — the top-10
emotions with their groups, the group scores and the emotion arc through the song."""
from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd

from hub import plots
from hub.labels import taxonomy_for_labels
from hub.text.clean import LyricsError, check_lyrics
from hub.text.language import mostly_latin
from hub.text.segment import LINES_PER_BLOCK, segment_unit
from hub.space.state import AppError, State
from hub.space.ui import bind, caution, emotion_name, empty_table, figure, group_name, ok, problem, song_choices

TOP_K = 10
MODEL_AUTO, MODEL_KOREAN, MODEL_ENGLISH = "auto", "korean", "english"
COLUMNS = ["순위 / Rank", "감정 / Emotion", "그룹 / Group", "확률 / Probability"]


def model_for(state: State, choice: str, progress=None):
    """The model the chosen reading uses: by default the Korean and English models together (each line by the
    model of its language), else the one model chosen."""
    if choice == MODEL_AUTO:
        return state.models.reader(progress)
    return state.models.get(choice, progress)


def top_table(top, taxonomy) -> pd.DataFrame:
    """The ranked ``(label, probability)`` pairs as the analysis table."""
    return pd.DataFrame(dict(zip(COLUMNS, [
        range(1, len(top) + 1), [emotion_name(taxonomy, label) for label, _ in top],
        [group_name(taxonomy, label) for label, _ in top], [round(p, 4) for _, p in top]])))


def figures(analysis, top, taxonomy, unit: str):
    """Top-10 bars, group scores and emotion arc of an analysis (arc only with segments)."""
    bars = figure(plots.plot_top_emotions(top, taxonomy, "Top-10 emotions / 상위 10개 감정"))
    mix = arc = None
    if taxonomy is not None and analysis.groups is not None:
        title = ("Emotion groups / 감정 그룹\n(the probability people would name one)" if taxonomy.multi_label
                 else "Emotion group mix / 감정 그룹 비율")
        mix = figure(plots.plot_group_mix(dict(zip(analysis.groups, analysis.group_scores.tolist())), taxonomy, title))
    if analysis.segment_probs is not None and len(analysis.segment_probs):
        title = ("Emotion arc, stanza by stanza / 연별 감정 흐름" if unit == "stanza" else
                 f"Emotion arc, block by block ({LINES_PER_BLOCK} lines each) / "
                 f"{LINES_PER_BLOCK}줄 단위 감정 흐름")
        xlabel = "stanza" if unit == "stanza" else f"block of {LINES_PER_BLOCK} lines"
        arc = figure(plots.plot_emotion_arc(analysis.segment_probs, taxonomy, analysis.labels, title=title,
                                            group_scores=analysis.segment_group_scores, groups=analysis.groups,
                                            xlabel=xlabel))
    return bars, mix, arc


def segments_note(analysis, unit: str) -> str:
    n = len(analysis.segments)
    if unit == "stanza":
        return f"{n} stanza(s) / 연"
    return f"{n} blocks of {LINES_PER_BLOCK} lines / {LINES_PER_BLOCK}줄 단위 (no blank lines separate its stanzas)"


READ_LINES = {"ko": "its lines with Hangul", "en": "its English lines", "ko+en": "its Korean and English lines"}
LOW_READ_SHARE = 0.5  # below this share of a song read, the headline is a caution, not a check mark


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
    """What the model read and found, for the status line."""
    notes = []
    if analysis.read_share < 0.999:
        unread = int(np.isnan(analysis.segment_probs[:, 0]).sum()) if analysis.segment_probs is not None else 0
        caution = "**only** " if analysis.read_share < LOW_READ_SHARE else ""
        notes.append(f"{caution}read {analysis.read_share:.0%} of the song ({READ_LINES.get(language, 'the lines it reads')}"
                     + (f"; {unread} {unit}(s) not read)" if unread else ")"))
    if not analysis.evidence:
        notes.append("**no emotional evidence found**: none of its emotions reaches the model's threshold, so the "
                     "ranking below is a weak guess")
    return "".join(f" · {n}" for n in notes)


def analyze(state: State, lyrics: str, choice: str, progress=gr.Progress()):
    """status, top-10 table, top-10 plot, group-mix plot, arc plot."""
    try:
        text = check_lyrics(lyrics or "")
        predictor = model_for(state, choice or MODEL_AUTO, progress)
        progress(0.9, desc="analyzing")
        analysis = predictor.analyze(text, lines_per_block=LINES_PER_BLOCK)
    except (LyricsError, AppError) as e:
        return problem(str(e)), empty_table(COLUMNS), None, None, None
    top, taxonomy = analysis.top(TOP_K), taxonomy_for_labels(analysis.labels)
    unit = segment_unit(text, len(analysis.segments))
    bars, mix, arc = figures(analysis, top, taxonomy, unit)
    best, p = top[0]
    lang = {"ko": "한국어", "en": "English", "ko+en": "한국어 + English"}.get(predictor.language, "")
    group = analysis.top_group()
    group = f" · top group {plots.group_label(taxonomy, group)}" if group and taxonomy is not None else ""
    mark = ok if analysis.read_share >= LOW_READ_SHARE else caution
    status = mark(f"**{emotion_name(taxonomy, best)}** ({p:.1%}){group} · model `{predictor.name}` ({lang}) · "
                  f"{segments_note(analysis, unit)}{readers_note(analysis, predictor, unit)}"
                  f"{reading_note(analysis, unit, predictor.language)}")
    return status, top_table(top, taxonomy), bars, mix, arc


def catalog_song_lyrics(state: State, song_id: str):
    """Fill the lyrics box with a catalog song (the demo catalog carries its fictional lyrics)."""
    if not song_id:
        return gr.update(), ""
    try:
        catalog = state.catalog.get()
    except AppError as e:
        return gr.update(), problem(str(e))
    from hub.recommender import RecommenderError

    try:
        catalog.recommender.row_of(song_id)
    except RecommenderError as e:
        return gr.update(), problem(str(e))
    text = catalog.lyrics.get(song_id, "")
    if not text:
        return gr.update(), problem("this catalog stores no lyric text (lyrics are copyrighted): paste the lyrics, "
                                    "or use 유사곡 찾기 / Similar songs with the stored emotion vector.")
    return text, ok("catalog lyrics loaded" + (" (demo data: fictional lines)" if catalog.demo else "")
                    + " — press 분석 / Analyze")


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
                pick = gr.Dropdown(label="또는 카탈로그 곡 / or a catalog song", choices=[], value=None,
                                   allow_custom_value=True, elem_id="analysis-song")
                model = gr.Radio(model_choices(state.config), value=MODEL_AUTO, label="모델 / Model",
                                 elem_id="analysis-model")
                button = gr.Button("분석 / Analyze", variant="primary", elem_id="analyze-btn")
            with gr.Column(scale=1):
                status = gr.Markdown(elem_id="analysis-status")
                table = gr.Dataframe(empty_table(COLUMNS), label="상위 10개 감정 / Top-10 emotions",
                                     interactive=False, elem_id="analysis-table", wrap=True)
        with gr.Row():
            bars = gr.Plot(show_label=False, label="상위 10개 감정 / Top-10 emotions", elem_id="top10-plot",
                           format="png")
            mix = gr.Plot(show_label=False, label="감정 그룹 / Group mix", elem_id="group-plot", format="png")
        arc = gr.Plot(show_label=False, label="감정 흐름 / Emotion arc", elem_id="arc-plot", format="png")

    button.click(bind(analyze, state), [lyrics, model], [status, table, bars, mix, arc], api_name="analyze")
    pick.change(bind(catalog_song_lyrics, state), [pick], [lyrics, status], api_name="catalog_lyrics")
    page.load(bind(song_choices, state), None, [pick], api_visibility="private")
