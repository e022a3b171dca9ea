"""The 가사 분석 / Lyric analysis tab for a visitor: interactive charts (tables for Gradio's own plots) where
the catch-all group 기타 never dominates, an arc that stays readable for a very long song, catalog songs
that show their stored reading when the catalog keeps no lyrics (found by search in the whole catalog),
the example songs written for gasa, and messages in Korean and English without operator flags; and the
평가 / Evaluation tab's first view (a worked example) and its table laid out a row per figure."""
from __future__ import annotations

import re
import time

import gradio as gr
import numpy as np
import pandas as pd
import pytest

import app
from hub import plots
from hub.labels import KOTE
from hub.space import analysis, evaluation
from hub.space.config import parse_config
from hub.space.state import MAX_DROPDOWN_SONGS, State
from hub.space.ui import CAUTION_MARK, OK_MARK, PROBLEM_MARK
from hub.song_dataset import load_song_vectors, save_song_dataset

HANGUL = re.compile(r"[가-힣]")
OTHER = plots.group_label(KOTE, KOTE.other_group)
# a long song written for this test: 133 stanzas, sad at the start and joyful at the end
SAD_STANZA = "비가 내리는 밤 혼자 남아 눈물이 흘러\n슬픈 노래만 들려"
JOY_STANZA = "햇살 가득한 아침이 오면\n행복하게 웃으며 달려가"
LONG_SONG = "\n\n".join([SAD_STANZA] * 70 + [JOY_STANZA] * 63)


def quiet(*args, **kwargs):
    """A stand-in for gr.Progress outside a request."""


@pytest.fixture(scope="module")
def demo():
    return State(parse_config([], environ={}))


@pytest.fixture(scope="module")
def catalog_without_lyrics(tmp_path_factory):
    """The demo catalog's songs 20 times over (640 songs, more than the song list shows), without their lyrics:
    what a real catalog built without --include-lyrics holds. Songs 32 and up have no stanza vectors."""
    import datasets

    demo = load_song_vectors("hub/data/demo/gasa_demo_catalog").remove_columns("lyrics")
    copies = []
    for k in range(20):
        copy = demo.map(lambda row, i: {"song_id": f"copy{k:02d}-{row['song_id']}", "title": f"{row['title']} {k * 32 + i}",
                                        "stanza_probs": row["stanza_probs"] if k == 0 else []}, with_indices=True)
        copies.append(copy)
    folder = save_song_dataset(datasets.concatenate_datasets(copies), tmp_path_factory.mktemp("catalog") / "songs")
    return State(parse_config(["--songs", str(folder)], environ={}))


def test_charts_are_tables_where_the_top_group_leads_and_other_is_left_out(demo):
    for song in analysis.examples():
        status, top, bars, mix, arc = analysis.analyze(demo, song["lyrics"], "auto", progress=quiet)
        assert status.startswith(OK_MARK), (song["title"], status)
        assert isinstance(bars, pd.DataFrame)
        assert list(bars.columns) == [plots.NAME, plots.EMOTION, plots.GROUP, plots.PERCENT]
        assert len(bars) == 10 and bars[plots.EMOTION][0] == top["감정 / Emotion"][0]
        assert all(re.fullmatch(r".+ \(.+\)", e) for e in bars[plots.EMOTION])  # KOTE label (English name)
        # the axis names a bar by its Korean label alone, which stays short; the hover box adds the English
        assert all(full == f"{name} ({KOTE.label_en(name)})" for name, full in zip(bars[plots.NAME], bars[plots.EMOTION]))
        assert not any(re.search("[A-Za-z]", name) for name in bars[plots.NAME])
        assert list(mix[plots.GROUP]) == [plots.group_label(KOTE, g) for g in mix[plots.GROUP_NAME]]
        # the table in percentages, one decimal, as the headline rounds them
        percents = top["확률 % / Probability %"]
        assert list(percents) == list(bars[plots.PERCENT]) and percents[0] > percents[9] > 0
        assert abs(percents[0] - int(re.search(r"\*\* (\d+)%", status).group(1))) <= 0.5
        assert OTHER not in set(mix[plots.GROUP]) and len(mix) == len(KOTE.shared_groups)
        top_group = re.search(r"top group \*\*(.+?)\*\*", status).group(1)
        assert mix[plots.GROUP][0] == top_group and mix[plots.PERCENT][0] == mix[plots.PERCENT].max()
        assert arc[plots.GROUP].nunique() == analysis.ARC_LINES and OTHER not in set(arc[plots.GROUP])
        assert arc[plots.GROUP][0] == top_group  # the arc starts with the song's top group
        # the page's own plots take these tables as they are
        for frame, plot in [(bars, gr.BarPlot(x=plots.NAME, y=plots.PERCENT, tooltip=[plots.EMOTION, plots.GROUP])),
                            (mix, gr.BarPlot(x=plots.GROUP_NAME, y=plots.PERCENT, color=plots.GROUP)),
                            (arc, gr.LinePlot(x=plots.PART, y=plots.PERCENT, color=plots.GROUP))]:
            assert plot.postprocess(frame).columns == list(frame.columns)


def test_a_133_stanza_song_gives_a_bounded_arc_that_still_shows_its_turn(demo):
    status, top, bars, mix, arc = analysis.analyze(demo, LONG_SONG, "auto", progress=quiet)
    assert "133 stanza(s)" in status
    points = [p.strip() for p in dict.fromkeys(arc[plots.PART])]
    assert len(points) == plots.MAX_ARC_POINTS and len(arc) == plots.MAX_ARC_POINTS * analysis.ARC_LINES
    assert points[0] == "1–6" and points[-1] == "129–133"  # neighbouring stanzas averaged, labelled by range
    assert arc[plots.COVERS][0] == "연 1–6 / stanza(s) 1–6" and set(arc[plots.LANGUAGES]) == {"한국어"}
    lines = {g: rows[plots.PERCENT].to_numpy() for g, rows in arc.groupby(plots.GROUP, sort=False)}
    sadness, joy = lines[plots.group_label(KOTE, "슬픔")], lines[plots.group_label(KOTE, "기쁨")]
    assert sadness[0] > joy[0] and joy[-1] > sadness[-1]  # the turn from sad to joyful is still there


def test_the_examples_are_written_for_gasa_and_on_the_page(demo):
    songs = analysis.examples()
    assert 3 <= len(songs) <= 4 and all("written for gasa" in song["note"] for song in songs)
    config = app.demo.get_config_file()
    shown = next(c for c in config["components"] if c["props"].get("elem_id") == "analysis-examples")
    assert [sample[0] for sample in shown["props"]["samples"]] == [song["lyrics"] for song in songs]
    assert "written for gasa" in shown["props"]["label"]
    mixed = next(song for song in songs if "mixed" in song["style"])
    status, *_ = analysis.analyze(demo, mixed["lyrics"], "auto", progress=quiet)
    assert "Korean lines" in status and "English lines" in status  # both models read the mixed example
    by_id = {c["props"].get("elem_id"): c["type"] for c in config["components"]}
    assert {by_id[p] for p in ("top10-plot", "group-plot", "arc-plot")} == {"nativeplot"}  # interactive charts


def test_search_reaches_the_whole_catalog_and_a_song_without_lyrics_shows_its_stored_reading(catalog_without_lyrics):
    state = catalog_without_lyrics
    rec = state.catalog.get().recommender
    assert len(rec.songs) == 640 and len(state.catalog.choices()) == MAX_DROPDOWN_SONGS < 640
    update, status = analysis.find_songs(state, "빈 의자 609")  # past the song list's first 500
    assert status.startswith(OK_MARK) and "1 song(s) found" in status
    assert update["value"] == "copy19-demo-002"
    update, status = analysis.find_songs(state, "빈 의자")  # several: listed, the visitor picks
    assert "20 song(s) found" in status and len(update["choices"]) == 20 and update["value"] is None

    lyrics, status, top, bars, mix, arc = analysis.catalog_song(state, "copy00-demo-002", progress=quiet)
    assert lyrics == gr.update()  # the visitor's lyrics box is left alone
    assert status.startswith(OK_MARK) and "does not store the lyrics" in status and "빈 의자" in status
    row = rec.row_of("copy00-demo-002")
    assert top["감정 / Emotion"][0].split(" (")[0] == rec.labels[int(np.argmax(rec.vectors[row]))]
    assert OTHER not in set(mix[plots.GROUP]) and len(bars) == 10
    assert len(dict.fromkeys(arc[plots.PART])) == len(rec.stanzas.of(row)) > 0  # the arc from stored stanzas

    lyrics, status, top, bars, mix, arc = analysis.catalog_song(state, "copy19-demo-002", progress=quiet)
    assert "no arc" in status and arc is None and len(top) == 10  # no stanza vectors stored: no arc, no dead end


@pytest.mark.parametrize("text, expected", [
    ("", "empty"),
    ("가" * 40_000, "40,000 characters"),
    ("あめのよる\nきみをまつ", "no line in Korean or English"),
], ids=["empty", "too-long", "nothing-readable"])
def test_messages_are_for_visitors_in_korean_and_english(demo, text, expected):
    status, top, bars, mix, arc = analysis.analyze(demo, text, "auto", progress=quiet)
    assert status.startswith(PROBLEM_MARK) and expected in status and HANGUL.search(status)
    assert "--" not in status and "GASA_" not in status  # no operator flags
    assert top.empty and bars is None and mix is None and arc is None


def test_no_evidence_and_a_mostly_unread_song_are_cautions(demo):
    status, *_ = analysis.analyze(demo, "하나 둘 셋 넷\n다섯 여섯 일곱 여덟", "auto", progress=quiet)
    assert status.startswith(CAUTION_MARK) and "no emotional evidence found" in status and "근거" in status
    status, *_ = analysis.analyze(demo, "I walk alone tonight\n\n" + "あめのよる きみをまつ\n" * 40, "auto",
                                  progress=quiet)
    assert status.startswith(CAUTION_MARK) and "**only** read" in status and "만 읽었습니다" in status


def test_an_unloadable_model_is_told_without_flags(tmp_path):
    state = State(parse_config(["--korean-model", str(tmp_path / "no-model")], environ={}))
    status, *_ = analysis.analyze(state, "비가 내리는 밤", "korean", progress=quiet)
    assert status.startswith(PROBLEM_MARK) and "could not be loaded" in status and "불러오지 못해" in status
    assert "--" not in status and "HF_HUB_OFFLINE" not in status


def test_the_emotions_that_stand_out_are_named_beside_the_raw_top(demo):
    """Raw probabilities rank what every song has; the page also names what this song holds far above a typical
    song of the catalog (its mean profile), with both percentages."""
    angry = "너 없이 지친 하루\n모두 다 지겨워\n\n화가 나 미칠 것 같아\n다 부숴버리고 싶어"  # written for this test
    status = analysis.analyze(demo, angry, "auto", progress=quiet)[0]
    line = next(part for part in status.split("\n") if "stands out" in part)
    named = re.findall(r"\*\*([^*]+)\*\* (\d+)% \(보통 / typical (\d+)%\)", line)
    assert named and all(int(p) > int(t) for _, p, t in named)
    assert any(KOTE.group_of(label.split(" (")[0]) == "분노" for label, _, _ in named)


def test_laughing_and_crying_jamo_are_read_as_korean(demo):
    status = analysis.analyze(demo, "ㅋㅋㅋㅋ ㅠㅠ", "auto", progress=quiet)[0]
    assert status.startswith(OK_MARK) and "Korean lines" in status and "no line" not in status


def test_analyze_after_picking_a_song_without_lyrics_keeps_its_reading(catalog_without_lyrics):
    """The lyrics box stays empty for a song whose lyrics the catalog does not store; pressing 분석 / Analyze
    then shows the song's stored reading again instead of 'the lyrics box is empty'."""
    status, top, *_ = analysis.analyze_on_page(catalog_without_lyrics, "", "auto", "copy00-demo-002", progress=quiet)
    assert "does not store the lyrics" in status and len(top) == 10
    status, *_ = analysis.analyze_on_page(catalog_without_lyrics, "", "auto", None, progress=quiet)
    assert status.startswith(PROBLEM_MARK) and "empty" in status


def test_the_page_s_arc_names_every_emotion_group(demo):
    """Gradio keeps a chart's colour scale from the first table it draws: the page's arc names all six groups
    (those not drawn without points), so a group absent from the first song still gets its line later. Its
    legend, a line of the page, names the lines drawn in their colours."""
    *_, arc, note, legend = analysis.analyze_on_page(demo, SAD_STANZA + "\n\n" + JOY_STANZA, "auto", progress=quiet)
    assert arc["visible"] is True and note["visible"] is False
    arc = arc["value"]
    groups = [plots.group_label(KOTE, g) for g in KOTE.shared_groups]
    assert set(arc[plots.GROUP]) == set(groups)
    drawn = arc.dropna(subset=[plots.PERCENT])[plots.GROUP].unique()
    assert len(drawn) == analysis.ARC_LINES
    assert legend["visible"] is True
    named = re.findall(r'color: (#[0-9a-f]{6})">━</span> ([^<]+)</span>', legend["value"])
    assert named == [(analysis.COLORS[g], g) for g in drawn]  # the top group first, as the arc draws it


def test_a_one_stanza_text_says_it_has_no_arc_instead_of_an_empty_chart(demo, catalog_without_lyrics):
    """An arc needs two points: for one stanza (or a song whose stanzas the catalog does not keep) the page
    hides the arc and says why in its place; two stanzas draw it again; a message leaves the charts empty."""
    status, top, bars, mix, arc, note, legend = analysis.analyze_on_page(demo, SAD_STANZA, "auto", progress=quiet)
    assert status.startswith(OK_MARK) and "1 stanza(s)" in status and len(bars) == 10 and len(mix)
    assert arc["visible"] is False and arc["value"] is None and legend["visible"] is False
    assert note["visible"] is True and "One stanza: no arc to draw" in note["value"] and "연이 하나뿐" in note["value"]

    *_, arc, note, legend = analysis.analyze_on_page(demo, SAD_STANZA + "\n\n" + JOY_STANZA, "auto", progress=quiet)
    assert arc["visible"] is True and arc["value"][plots.PART].nunique() == 2 and note["visible"] is False
    assert legend["visible"] is True

    lyrics, status, top, bars, mix, arc, note, legend = analysis.catalog_song_on_page(
        catalog_without_lyrics, "copy19-demo-002", progress=quiet)
    assert arc["visible"] is False and note["visible"] is True and "stanza-by-stanza" in note["value"]
    assert legend["visible"] is False

    status, top, bars, mix, arc, note, legend = analysis.analyze_on_page(demo, "", "auto", progress=quiet)
    assert status.startswith(PROBLEM_MARK) and arc["visible"] is True and note["visible"] is False
    assert legend["visible"] is False


# English lines written for this test (not from a song)
ENGLISH_VERSE = ("I am so angry I could scream tonight\nyou lied to me again and again\n\n"
                 "I hate the way you walked away\nI will never forgive what you have done")


@pytest.mark.parametrize("lyrics, choice", [(ENGLISH_VERSE, "auto"), (SAD_STANZA + "\n\n" + ENGLISH_VERSE, "auto"),
                                            (ENGLISH_VERSE, "english")], ids=["english", "mixed", "english-model"])
def test_english_and_mixed_lyrics_name_what_stands_out_like_korean_ones(demo, lyrics, choice):
    """Read by the English model alone, a reading is in GoEmotions' 28 labels, not the catalog's: it is compared
    through the map both models share when they read a song together."""
    status = analysis.analyze(demo, lyrics, choice, progress=quiet)[0]
    assert status.startswith(OK_MARK) and "English" in status, status
    line = next((part for part in status.split("\n") if "stands out" in part), "")
    named = re.findall(r"\*\*([^*]+)\*\* (\d+)% \(보통 / typical (\d+)%\)", line)
    assert named and all(int(p) > int(t) for _, p, t in named), status
    assert any(KOTE.group_of(label.split(" (")[0]) == "분노" for label, _, _ in named), named
    assert ("put into KOTE's emotions" in line) == (choice == "english")


def test_a_reading_close_to_a_typical_song_says_nothing_stands_out(demo):
    """No emotion far above a typical song is said as such, not left out: the visitor learns the page looked."""
    faint = "I still remember your smile\nshining brighter than the sun"  # written for this test
    status = analysis.analyze(demo, faint, "auto", progress=quiet)[0]
    line = next(part for part in status.split("\n") if "stands out" in part)
    assert "nothing" in line and "없음" in line and "typical" in line and "**" not in line.split("catalog)")[1]


def test_the_charts_legends_are_page_text_and_a_phone_is_not_told_to_hover():
    """The arc's Vega legend kept to one line and was cut at a phone's edge: the page writes it instead (the
    group chart names its groups on its axis). Hover boxes follow a mouse, so the help says what a phone does."""
    config = app.demo.get_config_file()
    props = {c["props"].get("elem_id"): c["props"] for c in config["components"]}
    assert props["arc-plot"]["colors_in_legend"] == [] and props["group-plot"]["colors_in_legend"] == []
    assert "arc-legend" in props
    for chart in ("top10-plot", "arc-plot"):
        caption = props[chart]["caption"]
        assert "hover" in caption and ("mouse" in caption or "phone" in caption), caption
        assert "마우스" in caption


def test_the_analysis_table_fits_a_phone_by_its_column_widths():
    config = app.demo.get_config_file()
    table = next(c for c in config["components"] if c["props"].get("elem_id") == "analysis-table")
    assert table["props"]["wrap"] is True and table["props"]["column_widths"] == analysis.COLUMN_WIDTHS
    assert len(analysis.COLUMN_WIDTHS) == len(analysis.COLUMNS)
    assert sum(float(w.rstrip("%")) for w in analysis.COLUMN_WIDTHS) == 100


# --- the evaluation tab ------------------------------------------------------------------------------

def test_the_evaluation_tab_opens_on_a_labelled_example_and_says_what_to_upload(demo):
    status, table, heatmap = evaluation.example(demo, "kote", progress=quiet)
    assert status.startswith(OK_MARK) and "예시 / Example" in status and "32 rows" in status
    assert "fictional" in status and "upload" in status and "`text`" in status and "평가 / Evaluate" in status
    assert list(table.columns) == [evaluation.FIGURE, "gasa-korean-kote"]  # a row per figure: fits a phone
    figures = dict(zip(table[evaluation.FIGURE], table["gasa-korean-kote"]))
    assert figures["rows"] == 32 and 0.3 < figures["macro-F1"] <= 1 and 0.5 < figures["top-group agreement"] <= 1
    assert heatmap.type == "matplotlib" and heatmap.plot.startswith("data:image/png")  # the S heatmap, drawn once
    started = time.perf_counter()
    assert evaluation.example(demo, "kote", progress=quiet)[0] == status
    assert time.perf_counter() - started < 0.5  # every later visitor: the same example, at once
    # drawn when the tab is first opened; opened again, the tab keeps what it shows (the visitor's own results)
    assert evaluation.first_opening(demo, False, "kote", progress=quiet)[0] == status
    assert evaluation.first_opening(demo, True, "kote", progress=quiet) == (gr.update(),) * 3 + (True,)
    # before that (and where the example cannot be drawn) the tab says what to upload
    config = app.demo.get_config_file()
    status_box = next(c for c in config["components"] if c["props"].get("elem_id") == "eval-status")
    assert status_box["props"]["value"] == evaluation.FIRST_VISIT and "upload" in evaluation.FIRST_VISIT


def test_without_a_model_the_evaluation_tab_opens_on_the_hint_alone(tmp_path):
    state = State(parse_config(["--korean-model", str(tmp_path / "no-model")], environ={}))
    status, table, heatmap, shown = evaluation.first_opening(state, False, "kote", progress=quiet)
    assert status == evaluation.FIRST_VISIT and table.empty and heatmap is None and not shown  # tried again next time
    assert PROBLEM_MARK not in status  # nothing went wrong for the visitor: they have not asked yet


def test_the_page_shows_a_row_per_figure_and_a_column_per_model():
    rows = pd.DataFrame([{evaluation.MODEL: "a", "rows": 32, "macro-F1": 0.5},
                         {evaluation.MODEL: "b", "rows": 32, "macro-F1": 0.25}])
    shown = evaluation.by_figure(rows)
    assert list(shown.columns) == [evaluation.FIGURE, "a", "b"]
    assert shown.values.tolist() == [["rows", 32, 32], ["macro-F1", 0.5, 0.25]]
    assert list(evaluation.by_figure(evaluation.empty_table(evaluation.COLUMNS)).columns) == evaluation.COLUMNS
