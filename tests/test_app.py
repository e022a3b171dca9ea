"""The app's handlers in process (through an explicit :class:`hub.space.state.State`): configuration,
analysis, similar songs, evaluation, catalog, bad input, an unreachable model; the page ``app.py`` exposes;
its rough edges (table headers, the year, blocks, readable figures, one-sentence messages in the page and
the CLI); the Space requirements and the staged Space (run from its own folder)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import app
from hub import plots
from hub.labels import AIHUB, GOEMOTIONS, KOTE
from hub.space import analysis, catalog, evaluation, similar
from hub.space.config import parse_config
from hub.space.state import State
from hub.space.ui import CAUTION_MARK, OK_MARK, PROBLEM_MARK
from training.tiny_models import make_classifier

ROOT = Path(__file__).resolve().parent.parent
SAD = "비가 내리는 밤 혼자 남아 눈물이 흘러\n슬픈 노래만 들려\n\n다시 아침이 오면\n행복하게 웃을 수 있을까"
# a Korean song with an English stanza (written for these tests)
MIXED = "비가 내리는 밤 혼자 남아 눈물이 흘러\n슬픈 노래만 들려\n\nI walk alone tonight\nthe rain keeps falling down"
ENGLISH = "I walk alone tonight\nthe rain keeps falling down\n\nbut tomorrow I will smile again"
JAPANESE = "あめのよる\nきみをまつ"  # neither Korean nor English


def table(df) -> pd.DataFrame:
    assert isinstance(df, pd.DataFrame)
    return df


def state_for(*flags) -> State:
    """The handlers' shared state for these flags (no environment): what a page built with them uses."""
    return State(parse_config(list(flags), environ={}))


@pytest.fixture(scope="module")
def demo_app():
    return state_for()


@pytest.fixture(scope="module")
def engine_app():
    """The 60-label dictionary engine, still selectable."""
    return state_for("--korean-model", "gasa-korean-engine")


@pytest.fixture(scope="module")
def english_model(tmp_path_factory):
    texts = [ENGLISH, "so happy and grateful today", "angry and annoyed", "what a surprise", "I am scared"]
    return make_classifier(tmp_path_factory.mktemp("en") / "tiny-goemotions", texts, GOEMOTIONS.labels,
                           head="baseline", multi_label=True, vocab_size=200, hidden=16, layers=2, heads=2)


@pytest.fixture(scope="module")
def korean_transformer(tmp_path_factory):
    texts = [line for line in (ROOT / "hub/data/demo/labelled_demo.csv").read_text(encoding="utf-8").splitlines()]
    return make_classifier(tmp_path_factory.mktemp("ko") / "tiny-aihub", texts, AIHUB.labels, head="arch2",
                           vocab_size=300, hidden=16, layers=4, heads=2)


def test_config_flags_win_over_env_and_defaults_are_offline():
    default = parse_config([], environ={})
    assert default.korean_model == "gasa-korean-kote" and default.english_model == "gasa-english-goemotions"
    assert parse_config(["--english-model", "none"], environ={}).english_model is None  # Korean lines only
    assert default.demo_catalog and default.eval_models == []
    env = {"GASA_KOREAN_MODEL": "org/ko", "GASA_ENGLISH_MODEL": "org/en", "GASA_SONGS": "org/songs",
           "GASA_EVAL_MODELS": "a/b, c/d", "GASA_PORT": "8123", "GASA_HOST": "0.0.0.0"}
    from_env = parse_config([], environ=env)
    assert (from_env.korean_model, from_env.english_model, from_env.songs) == ("org/ko", "org/en", "org/songs")
    assert from_env.eval_models == ["a/b", "c/d"] and from_env.port == 8123 and from_env.host == "0.0.0.0"
    assert not from_env.demo_catalog
    flags = parse_config(["--korean-model", "x/y", "--port", "9000", "--eval-model", "e/1"], environ=env)
    assert flags.korean_model == "x/y" and flags.port == 9000 and flags.eval_models == ["e/1"]


def test_analysis_shows_kote_emotions_with_groups(demo_app):
    status, top, bars, mix, arc = analysis.analyze(demo_app, SAD, "auto")
    assert status.startswith(OK_MARK) and "gasa-korean-kote" in status and "top group" in status
    top = table(top)
    names = [e.split(" (")[0] for e in top["감정 / Emotion"]]
    assert len(top) == 10 and set(names) <= set(KOTE.labels)
    assert top["감정 / Emotion"][0] == f"{names[0]} ({KOTE.label_en(names[0])})"  # English name alongside
    assert top["그룹 / Group"][0].split(" (")[0] == KOTE.group_of(names[0])
    percents = top["확률 % / Probability %"].to_numpy()  # as the headline: 91.0, not 0.9096
    assert np.all(np.diff(percents) <= 0) and 1 < percents[0] <= 100 and percents[0] > percents[-1]
    assert list(table(bars)[plots.EMOTION]) == list(top["감정 / Emotion"])  # the chart draws the table
    assert sorted(table(mix)[plots.GROUP]) == sorted(plots.group_label(KOTE, g) for g in KOTE.shared_groups)
    assert np.all(np.diff(mix[plots.PERCENT].to_numpy()) <= 0)  # six shared groups, highest first, 기타 left out
    assert mix[plots.GROUP][0] == plots.group_label(KOTE, KOTE.group_of(names[0]))  # the headline's group leads
    assert len(table(arc)) == 3 * 2 and arc[plots.GROUP].nunique() == 3  # three groups over two stanzas
    assert "read " not in status  # all of it is Korean


def test_a_mixed_song_is_read_whole_and_says_which_model_read_what(demo_app):
    status, top, bars, mix, arc = analysis.analyze(demo_app, MIXED, "auto")
    assert status.startswith(OK_MARK) and "한국어 + English" in status, status
    assert "Korean lines: `gasa-korean-kote` (1 stanza(s))" in status
    assert "English lines: `gasa-english-goemotions` (1 stanza(s))" in status and "read " not in status
    assert np.isfinite(arc[plots.PERCENT]).all()  # the English stanza is in the arc
    assert list(arc[plots.LANGUAGES][:2]) == ["한국어", "English"]  # and the hover says who read what
    assert {e.split(" (")[0] for e in table(top)["감정 / Emotion"]} <= set(KOTE.labels)  # one label space
    # the Korean model alone, chosen in the menu, reads the Korean lines and says how much that was
    status, top, bars, mix, arc = analysis.analyze(demo_app, MIXED, "korean")
    assert re.search(r"read \d+% of the song \(its lines with Hangul; 1 stanza\(s\) not read\)", status), status
    assert np.isnan(arc[plots.PERCENT][1]) and arc[plots.LANGUAGES][1] == "읽지 않음 / not read"  # a gap
    status, *_ = analysis.analyze(demo_app, ENGLISH, "korean")  # the Korean model asked for English only
    assert status.startswith(PROBLEM_MARK) and "no Korean line" in status
    status, *_ = analysis.analyze(demo_app, ENGLISH + "\n\n" + JAPANESE * 8, "auto")  # mostly unread: a caution
    assert status.startswith(CAUTION_MARK) and "**only** read" in status, status


def test_engine_analysis_gives_top10_groups_and_arc(engine_app):
    demo_app = engine_app
    status, top, bars, mix, arc = analysis.analyze(demo_app, SAD, "auto")
    assert status.startswith(OK_MARK) and "gasa-korean-engine" in status
    top = table(top)
    assert len(top) == 10 and set(top["감정 / Emotion"]) <= set(AIHUB.labels)
    percents = top["확률 % / Probability %"].to_numpy()
    assert np.all(np.diff(percents) <= 0) and percents[0] > 100 / 60
    assert AIHUB.group_of(top["감정 / Emotion"][0]) == "슬픔"  # 눈물, 슬프다 dominate these lines
    assert top["그룹 / Group"][0] == "슬픔 (sadness)"
    assert len(arc) == 3 * 2  # 3 of the 6 groups x 2 stanzas
    assert len(bars) == 10 and len(mix) == 6 and mix[plots.GROUP][0] == "슬픔 (sadness)"


@pytest.mark.parametrize("text, expected", [
    ("", "empty"),
    ("   \n\n  ", "empty"),
    ("가" * 100_000, "100,000 characters"),
    (JAPANESE, "no line in Korean or English"),
], ids=["empty", "blank", "100KB", "neither-korean-nor-english"])
def test_bad_lyrics_get_a_message(demo_app, text, expected):
    status, top, bars, mix, arc = analysis.analyze(demo_app, text, "auto")
    assert status.startswith(PROBLEM_MARK) and expected in status
    assert top.empty and bars is None and arc is None


def test_a_configured_english_model_replaces_the_built_in_one(english_model):
    a = State(parse_config(["--english-model", str(english_model)], environ={}))
    status, top, *_ = analysis.analyze(a, ENGLISH, "auto")  # read into KOTE's labels through the map
    assert status.startswith(OK_MARK) and f"English lines: `{english_model}`" in status, status
    assert {e.split(" (")[0] for e in table(top)["감정 / Emotion"]} <= set(KOTE.labels)
    status, top, *_ = analysis.analyze(a, ENGLISH, "english")  # alone, in its own labels
    assert status.startswith(OK_MARK) and set(table(top)["감정 / Emotion"]) <= set(GOEMOTIONS.labels), status
    status, top, *_ = analysis.analyze(a, SAD, "auto")  # Korean lines still go to the Korean model
    assert "gasa-korean-kote" in status and {e.split(" (")[0] for e in top["감정 / Emotion"]} <= set(KOTE.labels)
    assert analysis.mostly_latin(ENGLISH) and not analysis.mostly_latin(SAD + "\nyeah yeah")


def test_unreachable_model_is_reported_and_other_tabs_keep_working(tmp_path, caplog):
    a = State(parse_config(["--korean-model", "nobody/not-a-model", "--english-model", str(tmp_path / "nope")],
                                 environ={}))
    status, *_ = analysis.analyze(a, SAD, "korean")
    assert status.startswith(PROBLEM_MARK) and "nobody/not-a-model" in status and "other tabs still work" in status
    status, *_ = analysis.analyze(a, ENGLISH, "english")
    assert status.startswith(PROBLEM_MARK) and "nope" in status
    # the fix (a flag) is the operator's: it goes to the log, never to the visitor
    assert "--korean-model" not in status and "--english-model" not in status
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "--korean-model" in logged and "--english-model" in logged
    status, results, heatmap = similar.similar(a, "song", "demo-002", "", None, "cosine", 2, False, 0)
    assert status.startswith(OK_MARK) and len(results) == 10 and heatmap is not None
    status, histogram = catalog.distribution(a, 10, "cosine")
    emotion_map, years, _ = catalog.emotion_views(a)
    assert status.startswith(OK_MARK) and len(histogram["value"]) and len(emotion_map["value"]) and len(years["value"])
    status, *_ = evaluation.evaluate(a, ["korean"], "demo", None, "aihub", "taxonomy")
    assert status.startswith(PROBLEM_MARK) and "nobody/not-a-model" in status


def test_similar_songs_respect_filters(demo_app):
    rec = demo_app.catalog.get().recommender
    songs = rec.songs.set_index("title")
    status, results, heatmap = similar.similar(demo_app, "song", "demo-002", "", None, "weighted", 2, True, 10)
    assert status.startswith(OK_MARK) and "빈 의자" in status
    results = table(results)
    assert 0 < len(results) <= 10 and "빈 의자" not in set(results["제목 / Title"])
    assert "새벽정류장" not in set(results["가수 / Artist"])  # other artists only
    assert all(abs(int(y) - 1993) >= 10 for y in results["연도 / Year"])
    assert list(results["유사도 / Similarity"]) == sorted(results["유사도 / Similarity"], reverse=True)
    assert heatmap.axes[0].images[0].get_array().shape == (len(results) + 1,) * 2
    # the best match is one of the demo's other songs of loss and loneliness (written so), never a happy one
    assert results["제목 / Title"][0] in {"이별 후에", "파티는 끝났어", "떠나간 사람"}
    assert songs.loc[results["제목 / Title"][0], "year"] >= 2003
    # one song per artist (가수당 한 곡)
    _, every, _ = similar.similar(demo_app, "song", "demo-002", "", None, "cosine", 2, False, 0)
    _, one, _ = similar.similar(demo_app, "song", "demo-002", "", None, "cosine", 2, False, 0, True)
    every, one = table(every), table(one)
    assert one["가수 / Artist"].is_unique and len(one) == min(10, rec.songs["artist"].nunique())
    assert every["가수 / Artist"].iloc[0] == one["가수 / Artist"].iloc[0]

    tears = "혼자 남은 밤 눈물이 흘러\n슬픈 노래만 들려"
    status, results, _ = similar.similar(demo_app, "lyrics", None, tears, 2000, "cosine", 2, False, 5)
    assert status.startswith(OK_MARK) and len(results) == 10
    # "둘 다 슬픔·외로움 / both: ...", or "둘 다 슬픔, 비슷한 이야기 / both: ..., a similar story"
    shared = results["이유 / Why"][0].split(" / ")[0].removeprefix("둘 다 ").split(",")[0].split("·")
    assert "슬픔" in {KOTE.group_of(label) for label in shared}
    status, *_ = similar.similar(demo_app, "lyrics", None, SAD, None, "cosine", 2, False, 5)
    assert status.startswith(PROBLEM_MARK) and "year" in status
    status, *_ = similar.similar(demo_app, "song", None, "", None, "cosine", 2, False, 0)
    assert status.startswith(PROBLEM_MARK) and "pick a song" in status
    status, *_ = similar.similar(demo_app, "song", "no-such-id", "", None, "cosine", 2, False, 0)
    assert status.startswith(PROBLEM_MARK) and "no-such-id" in status
    status, *_ = similar.similar(demo_app, "song", "demo-002", "", None, "cosine", 2, False, 30)
    assert status.startswith(PROBLEM_MARK) and "filters" in status  # the demo spans 1991-2014


def test_search_and_catalog_lyrics(demo_app):
    update, status = similar.search(demo_app, "새벽")
    assert status.startswith(OK_MARK) and "4 song(s) found" in status and [v for _, v in update["choices"]] == \
        ["demo-001", "demo-002", "demo-023", "demo-030"]
    update, status = similar.search(demo_app, "새벽 정류장")  # as a fan may space it
    assert [v for _, v in update["choices"]] == ["demo-001", "demo-002", "demo-023", "demo-030"]
    update, status = similar.search(demo_app, "zzz")
    assert status.startswith(PROBLEM_MARK) and update["choices"] == []
    # nothing found: said in Korean and English, with what to try and what the demo catalog holds; no flags
    assert "맞는 제목·가수가 없습니다" in status and "no title or artist matches ‘zzz’" in status
    assert "32 fictional songs" in status and "--" not in status and "nor was it found in the stored lyrics" in status
    update, status = similar.search(demo_app, "사랑")  # in no title or artist: a line remembered from the lyrics
    assert status.startswith(OK_MARK) and "the lyrics of 1 song(s) hold ‘사랑’" in status and "가사에" in status
    assert [v for _, v in update["choices"]] == ["demo-018"] and update["value"] == "demo-018"
    lyrics, status, top, *_ = analysis.catalog_song(demo_app, "demo-005")  # filled in and read at once
    assert "화가 나" in lyrics and "demo song" in status and table(top)["그룹 / Group"][0] == "분노 (anger)"
    _, status, *_ = analysis.catalog_song(demo_app, "bogus")
    assert status.startswith(PROBLEM_MARK) and "bogus" in status


def test_the_query_mode_says_which_input_counts(demo_app):
    """Pasted lyrics are never ignored silently: in catalog-song mode the status says they were left aside; in
    pasted-lyrics mode they are what the songs are found for."""
    tears = "혼자 남은 밤 눈물이 흘러\n슬픈 노래만 들려"  # written for gasa
    status, by_song, _ = similar.similar(demo_app, "song", "demo-002", tears, None, "cosine", 2, False, 0)
    assert status.startswith(OK_MARK) and "빈 의자" in status
    assert "붙여 넣은 가사는 쓰지 않았습니다" in status and "your pasted lyrics were not used" in status
    status, by_lyrics, _ = similar.similar(demo_app, "lyrics", "demo-002", tears, None, "cosine", 2, False, 0)
    assert status.startswith(OK_MARK) and "your pasted lyrics" in status and "빈 의자" not in status
    assert "not used" not in status and list(by_lyrics["제목 / Title"]) != list(by_song["제목 / Title"])
    status, *_ = similar.similar(demo_app, "song", "demo-002", "", None, "cosine", 2, False, 0)
    assert "not used" not in status


@pytest.fixture(scope="module")
def linked_app(tmp_path_factory):
    """The demo catalog with the optional url and aliases columns, and two songs its build skipped."""
    from hub.song_dataset import SKIPPED_FILE, load_song_vectors, save_song_dataset

    ds = load_song_vectors(str(ROOT / "hub/data/demo/gasa_demo_catalog"))
    ds = ds.add_column("url", [f"https://songs.example/{i}" if i != "demo-001" else "" for i in ds["song_id"]])
    ds = ds.add_column("aliases", [["Empty Chair", "빈의자 (demo)"] if i == "demo-002" else [] for i in ds["song_id"]])
    folder = tmp_path_factory.mktemp("linked") / "catalog"
    save_song_dataset(ds, folder, skipped=[{"song_id": "x1", "status": "no_lyrics", "reason": "none"},
                                           {"song_id": "x2", "status": "error", "reason": "timeout"}])
    assert (folder / SKIPPED_FILE).exists()
    return state_for("--songs", str(folder))


def test_titles_link_to_song_pages_and_aliases_are_searched(linked_app):
    status, results, _ = similar.similar(linked_app, "song", "demo-002", "", None, "cosine", 2, False, 0)
    assert status.startswith(OK_MARK) and "demo catalog" not in status
    titles = list(results["제목 / Title"])
    assert all(re.fullmatch(r"\[[^\]]+\]\(https://songs\.example/demo-0\d\d\)", t) or t == "골목길 아침" for t in titles)
    assert any(t.startswith("[") for t in titles)
    update, status = similar.search(linked_app, "empty chair")  # an alias, as the crawler recorded it
    assert [v for _, v in update["choices"]][0] == "demo-002" and status.startswith(OK_MARK)
    _, status = similar.search(linked_app, "no such band")
    assert status.startswith(PROBLEM_MARK) and "2 songs could not be read when this catalog was built" in status
    assert "읽지 못한 2곡" in status and "fictional" not in status


def test_title_links_are_safe_markdown():
    assert similar.title_link("별*빛 [Remix]", "https://songs.example/1") == r"[별\*빛 \[Remix\]](https://songs.example/1)"
    assert similar.title_link("별빛", None) == "별빛" and similar.title_link("별빛", "") == "별빛"
    assert similar.title_link("별빛", "javascript:alert(1)") == "별빛"  # only web pages are linked


def test_visitors_see_no_operator_hints(tmp_path):
    """A catalog that cannot be loaded, or a model that cannot read pasted lyrics: the page says what a visitor
    can do; the flags to fix it go to the log."""
    broken = state_for("--songs", str(tmp_path / "missing"))
    _, status = similar.search(broken, "bts")
    assert status.startswith(PROBLEM_MARK) and "could not be loaded" in status and "--" not in status
    status, *_ = similar.similar(broken, "song", "demo-002", "", None, "cosine", 2, False, 0)
    assert status.startswith(PROBLEM_MARK) and "--" not in status and "GASA_" not in status
    no_model = state_for("--korean-model", "nobody/not-a-model")
    status, *_ = similar.similar(no_model, "lyrics", None, SAD, None, "cosine", 2, False, 0)
    assert status.startswith(PROBLEM_MARK) and "pick a catalog song instead" in status and "--" not in status
    assert one_sentence(status)


def test_evaluation_of_the_default_model_on_the_kote_demo_set(demo_app):
    status, results, heatmap = evaluation.evaluate(demo_app, ["korean"], "demo", None, "kote", "taxonomy")
    assert status.startswith(OK_MARK) and "32 rows" in status
    row = table(results).iloc[0]
    assert row["모델 / Model"] == "gasa-korean-kote" and 0.3 < row["macro-F1"] <= 1 and 0.5 < row["top-group agreement"] <= 1
    assert {"micro-F1", "BCE"} <= set(results.columns) and "accuracy" not in results.columns
    assert heatmap.axes[0].images[0].get_array().shape == (44, 44)
    # on the AI-Hub-labelled set the 44-label model is compared by group only
    status, results, _ = evaluation.evaluate(demo_app, ["korean"], "demo", None, "aihub", "taxonomy")
    assert status.startswith(OK_MARK) and "48 rows" in status
    assert "macro-F1" not in results.columns and 0 < results["top-group agreement"][0] <= 1


def test_evaluation_on_demo_set_and_two_models(korean_transformer):
    a = State(parse_config(["--korean-model", "gasa-korean-engine", "--eval-model", str(korean_transformer)],
                                 environ={}))
    status, results, heatmap = evaluation.evaluate(a, ["korean", "eval:0"], "demo", None, "aihub", "taxonomy")
    assert status.startswith(OK_MARK) and "48 rows" in status
    results = table(results).set_index("모델 / Model")
    engine = results.loc["gasa-korean-engine"]
    assert 0.5 < engine["accuracy"] <= 1 and 0 < engine["L (S=taxonomy)"] < 1
    tiny = results.loc[str(korean_transformer)]
    assert tiny["accuracy"] < engine["accuracy"]  # a random tiny model is no match for the dictionary
    assert heatmap.axes[0].images[0].get_array().shape == (60, 60)
    status, results, _ = evaluation.evaluate(a, ["korean", "eval:0"], "demo", None, "aihub", "embedding")
    assert status.startswith(OK_MARK) and "L (S=embedding)" in results.columns
    status, *_ = evaluation.evaluate(a, ["korean"], "demo", None, "aihub", "embedding")
    assert status.startswith(PROBLEM_MARK) and "transformer" in status
    status, *_ = evaluation.evaluate(a, [], "demo", None, "aihub", "identity")
    assert status.startswith(PROBLEM_MARK) and "tick at least one model" in status
    status, *_ = evaluation.evaluate(a, ["korean"], "demo", None, "goemotions", "identity")
    assert status.startswith(PROBLEM_MARK) and "AI-Hub" in status


def test_model_and_data_label_sets_must_match(demo_app, tmp_path):
    english = tmp_path / "english.csv"
    english.write_text("text,label\nthank you so much,gratitude\nthis is scary,fear\n", encoding="utf-8")
    status, results, _ = evaluation.evaluate(demo_app, ["korean"], "upload", str(english), "goemotions", "identity")
    assert status.startswith(PROBLEM_MARK) and "44 labels" in status and "28" in status and results.empty


def test_uploaded_evaluation_files(demo_app, tmp_path):
    good = tmp_path / "mine.jsonl"
    good.write_text("\n".join(json.dumps({"text": t, "label": l}, ensure_ascii=False) for t, l in
                              [("너무 슬퍼서 눈물이 나", "슬픔"), ("정말 신나고 즐거워", "E68")]), encoding="utf-8")
    status, results, _ = evaluation.evaluate(demo_app, ["korean"], "upload", str(good), "aihub", "identity")
    assert status.startswith(OK_MARK) and "mine.jsonl" in status and results["rows"][0] == 2

    unknown = tmp_path / "unknown.csv"
    unknown.write_text("text,label\n슬퍼,슬픔\n화나,행복함\n", encoding="utf-8")
    missing = tmp_path / "missing.tsv"
    missing.write_text("sentence\tfeeling\n슬퍼\t슬픔\n", encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    cases = [(unknown, ["unknown.csv", "row 2", "행복함"]), (missing, ["missing.tsv", "label column", "feeling"]),
             (binary, ["binary.csv", "binary"])]
    for path, expected in cases:
        status, results, heatmap = evaluation.evaluate(demo_app, ["korean"], "upload", str(path), "aihub", "taxonomy")
        assert status.startswith(PROBLEM_MARK) and results.empty and heatmap is None
        for text in expected:
            assert text in status, (text, status)
        assert str(tmp_path) not in status  # the user's file name, not the server's path
    status, *_ = evaluation.evaluate(demo_app, ["korean"], "upload", None, "aihub", "taxonomy")
    assert status.startswith(PROBLEM_MARK) and "upload a labelled file" in status


def test_catalog_views_and_summary(demo_app):
    summary = catalog.summary(demo_app)
    assert "32 songs" in summary and "1991–2014" in summary and "Demo data" in summary
    status, histogram = catalog.distribution(demo_app, 10, "cosine")
    coverage = float(re.search(r"coverage \*\*([\d.]+)%", status).group(1))
    assert 0 < coverage <= 100 and "Gini" in status
    assert histogram["value"]["songs"].sum() == 32  # every song counted once
    emotion_map, years, note = catalog.emotion_views(demo_app)
    assert len(emotion_map["value"]) == 32 and "32 songs" in note


def test_bad_catalog_is_reported_and_analysis_keeps_working(tmp_path):
    a = State(parse_config(["--songs", str(tmp_path / "no-such-catalog")], environ={}))
    assert "could not be loaded" in catalog.summary(a)
    status, *_ = similar.similar(a, "song", "demo-002", "", None, "cosine", 2, False, 0)
    assert status.startswith(PROBLEM_MARK) and "catalog could not be loaded" in status and "--songs" not in status
    assert analysis.analyze(a, SAD, "auto")[0].startswith(OK_MARK)


# --- the page itself, and its rough edges ------------------------------------------------------------

def test_app_py_exposes_the_page_built_from_the_environment():
    """``gradio app.py`` and Spaces look for a module-level ``demo``; it starts with real table headers
    (not "1 2 3") and an empty year (not 0)."""
    import os

    import gradio as gr

    assert isinstance(app.demo, gr.Blocks) and app.config == parse_config([], environ=os.environ)
    config = app.demo.get_config_file()
    by_id = {c["props"].get("elem_id"): c for c in config["components"]}
    for elem_id, columns in [("analysis-table", analysis.COLUMNS), ("similar-table", similar.COLUMNS),
                             ("eval-table", evaluation.COLUMNS)]:
        assert by_id[elem_id]["props"]["value"]["headers"] == columns, elem_id
    year = by_id["similar-year"]
    assert year["type"] == "textbox" and year["props"]["value"] == "" and "1995" in year["props"]["placeholder"]
    assert [c["props"]["label"] for c in config["components"] if c["type"] == "tabitem"] == [
        "가사 분석 / Lyric analysis", "유사곡 찾기 / Similar songs", "평가 / Evaluation", "카탈로그 / Catalog"]
    public = {d["api_name"] for d in config["dependencies"] if d.get("api_visibility") == "public"}
    assert public == {"analyze", "catalog_lyrics", "search", "similar", "evaluate", "catalog"}


def test_a_first_load_reports_progress_steps():
    from hub.space.state import load_model

    seen = []
    load_model("gasa-korean-kote", progress=lambda fraction, desc=None: seen.append((fraction, desc)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and len(set(fractions)) >= 4 and max(fractions) >= 0.8
    descriptions = " | ".join(dict.fromkeys(d for _, d in seen))
    assert "Kiwi" in descriptions and "loading gasa-korean-kote" in descriptions and "first run" in descriptions


BLANK_LINE_FREE = "\n".join(["비가 내리는 밤 혼자 남아 눈물이 흘러", "슬픈 노래만 들려", "너를 보내고 나는 울었다",
                             "텅 빈 방에 혼자 남아", "햇살 가득한 아침이 오면", "다시 행복하게 웃을 수 있을까",
                             "설레는 마음으로 달려가", "기쁜 하루가 시작돼", "오늘은 신나는 날"])


def test_lyrics_without_blank_lines_are_read_in_blocks_and_called_blocks(demo_app):
    status, _, _, _, arc = analysis.analyze(demo_app, BLANK_LINE_FREE, "auto")
    assert status.startswith(OK_MARK) and "3 blocks of 4 lines" in status and "stanza(s)" not in status
    assert arc[plots.COVERS][0] == "1번째 4줄 / block(s) 1 of 4 lines"
    status, _, _, _, arc = analysis.analyze(demo_app, SAD, "auto")  # blank lines: stanzas
    assert "2 stanza(s)" in status and "block" not in status and arc[plots.COVERS][1] == "연 2 / stanza(s) 2"


def drawn(fig):
    """Draw ``fig`` (the app closes its figures, which leaves them without a drawing canvas) and return
    its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def shown_tick_labels(ax, axis="x") -> list[str]:
    """The tick labels drawn: visible and inside the view limits."""
    drawn(ax.figure)
    lo, hi = sorted(ax.get_xlim() if axis == "x" else ax.get_ylim())
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    position = (lambda t: t.get_position()[0]) if axis == "x" else (lambda t: t.get_position()[1])
    return [t.get_text() for t in labels if t.get_visible() and lo <= position(t) <= hi and t.get_text()]


def assert_readable(fig, min_points: float = 8.5) -> None:
    """Every text at least ``min_points`` (the page shows these figures at about their own size) and
    nothing reaching past the figure's edge."""
    from matplotlib.text import Text

    renderer = drawn(fig)
    small = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_fontsize() < min_points}
    assert not small, small
    box, (w, h) = fig.get_tightbbox(renderer), fig.get_size_inches()
    assert box.x0 >= -0.01 and box.y0 >= -0.01 and box.x1 <= w + 0.01 and box.y1 <= h + 0.01, (box, w, h)


def test_a_long_song_keeps_a_readable_arc(demo_app):
    lines = [line for line in BLANK_LINE_FREE.split("\n")] * 80  # 720 lines, about 12,000 characters
    lyrics = "\n".join(f"{line} {'라' * 20}" for line in lines)  # about 29,000 characters
    assert 25_000 < len(lyrics) < 30_000
    status, top, bars, mix, arc = analysis.analyze(demo_app, lyrics, "auto")
    assert "180 blocks of 4 lines" in status
    points = [p.strip() for p in dict.fromkeys(arc[plots.PART])]  # blocks averaged, labelled by range
    assert len(points) == plots.MAX_ARC_POINTS and points[0] == "1–8" and points[-1] == "174–180", points


@pytest.mark.parametrize("taxonomy", [KOTE, AIHUB], ids=["kote-44", "aihub-60"])
def test_s_heatmap_labels_are_readable(taxonomy):
    from hub.labels import similarity_matrix
    from hub.plots import plot_similarity_matrix

    fig = plot_similarity_matrix(similarity_matrix("taxonomy", taxonomy), list(taxonomy.labels), "S")
    ax = fig.axes[0]
    assert fig.get_size_inches()[0] <= 12  # the page shows it about this wide: no shrinking
    for axis in ("x", "y"):
        shown = [t for t in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()) if t.get_visible()]
        assert len(shown) >= len(taxonomy) // 2 and min(t.get_fontsize() for t in shown) >= 8.5
        boxes = [t.get_window_extent() for t in shown]
        assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:])), axis
    assert len(shown_tick_labels(ax, "y")) == len(taxonomy)  # 44 and 60 labels all fit
    assert_readable(fig)


def test_emotion_map_names_songs_without_overlap_or_clipping(demo_app):
    """The command line's figures (the page draws its own interactive plots)."""
    from hub.catalog_views import plot_emotion_map, plot_recommendation_histogram, recommendation_distribution

    recommender = demo_app.catalog.get().recommender
    hist = plot_recommendation_histogram(recommendation_distribution(recommender, 10, "cosine"))
    emotion_map = plot_emotion_map(recommender)
    ax = emotion_map.axes[0]
    renderer = drawn(emotion_map)
    frame = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert 3 <= len(boxes) <= 8
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    titles = set(demo_app.catalog.get().recommender.songs["title"])
    assert {t.get_text() for t in ax.texts} <= titles
    for fig in (hist, emotion_map):
        assert_readable(fig)
    _, _, heatmap = similar.similar(demo_app, "song", "demo-002", "", "", "cosine", 2, False, 0)
    assert_readable(heatmap)


def test_the_year_is_optional_and_checked(demo_app):
    assert similar.parse_year("") is None and similar.parse_year(None) is None and similar.parse_year(" 1995 ") == 1995
    assert similar.parse_year(2000) == 2000 and similar.parse_year("0") is None
    tears = "혼자 남은 밤 눈물이 흘러\n슬픈 노래만 들려"
    status, results, _ = similar.similar(demo_app, "lyrics", None, tears, "", "cosine", 2, False, 0)
    assert status.startswith(OK_MARK) and len(results) == 10
    status, results, _ = similar.similar(demo_app, "lyrics", None, tears, "nineteen", "cosine", 2, False, 0)
    assert status.startswith(PROBLEM_MARK) and "not a number" in status and list(results.columns) == similar.COLUMNS
    assert one_sentence(status)


def one_sentence(message: str) -> bool:
    """One sentence that ends in a full stop (file names and the like carry dots without a space after)."""
    text = message.replace(PROBLEM_MARK, "").replace("**", "").strip()
    return text.endswith(".") and not re.search(r"[.!?]\s+\S", text) and " at at " not in text


BROKEN_JSONL = '{"text": "너무 슬퍼서 눈물이 나", "label": "슬픔"}\n{"text": "정말 좋아", "label": \n'
CUT_JSON = json.dumps([{"profile": {"emotion": {"type": "E18"}}, "talk": {"content": {"HS01": "너무 슬퍼"}}}],
                      ensure_ascii=False).encode()


@pytest.mark.parametrize("name, content, expected", [
    ("random.xlsx", bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)),
     ["random.xlsx", "is not an Excel .xlsx file"]),
    ("broken.jsonl", BROKEN_JSONL.encode(), ["broken.jsonl", "line 2: not valid JSON", "column"]),
    ("cut.csv", "text,label\n너무 슬퍼,슬픔\n".encode() + "슬".encode()[:2], ["cut.csv", "cut short", "byte 32"]),
    ("cut.json", CUT_JSON[:CUT_JSON.index("슬".encode()) + 2], ["cut.json", "cut short", "byte"]),
], ids=["random-bytes-as-xlsx", "broken-jsonl", "truncated-utf8-csv", "truncated-utf8-json"])
def test_bad_files_get_one_sentence_in_the_page_and_the_cli(demo_app, tmp_path, name, content, expected):
    from training.evaluate import main as evaluate_cli

    path = tmp_path / name
    path.write_bytes(content)
    status, results, heatmap = evaluation.evaluate(demo_app, ["korean"], "upload", str(path), "aihub", "taxonomy")
    assert status.startswith(PROBLEM_MARK) and heatmap is None and list(results.columns) == evaluation.COLUMNS
    for text in expected:
        assert text in status, (text, status)
    assert one_sentence(status), status
    assert "engine manually" not in status and "UTF-8 JSON file" not in status and str(tmp_path) not in status
    with pytest.raises(SystemExit) as stopped:
        evaluate_cli(["--model", "gasa-korean-engine", "--data", str(path)])
    cli = str(stopped.value.code)
    assert cli.startswith(f"error: {path}") and one_sentence(cli.removeprefix("error: ")), cli
    for text in expected:
        assert text in cli, (text, cli)


def test_staged_default_space_names_no_hub_model(tmp_path):
    from huggingface_hub import RepoCard

    from training.push_space import stage_space

    card = RepoCard.load(stage_space(tmp_path / "space") / "README.md", repo_type="space").data
    assert card.models == [] and card.datasets == [] and not hasattr(card, "preload_from_hub")
    assert (tmp_path / "space" / "hub" / "space" / "analysis.py").is_file()  # the tabs travel with hub/
    assert not (tmp_path / "space" / "training").exists()  # the Space runs on hub/ alone


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, _, ver = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = ver.strip()
    return pins


def test_space_requirements_are_pinned_like_the_project_and_installed():
    space = _pins(ROOT / "space_requirements.txt")
    project = _pins(ROOT / "requirements.txt")
    assert all(space.values()), "every Space requirement is pinned with =="
    for name, ver in space.items():
        if project.get(name):
            assert project[name] == ver, f"{name}: {ver} in the Space, {project[name]} in requirements.txt"
        assert version(name).split("+")[0] == ver, f"{name} {ver} is pinned but {version(name)} is installed"
    for needed in ("gradio", "torch", "transformers", "datasets", "kiwipiepy", "kiwipiepy-model", "matplotlib",
                   "scikit-learn", "pandas", "huggingface-hub", "peft"):
        assert needed in space
    assert space["gradio"] == _front_matter()["sdk_version"]


def _front_matter() -> dict:
    from huggingface_hub import RepoCard

    return RepoCard.load(ROOT / "README.md", repo_type="space").data.to_dict()


def test_readme_front_matter_makes_the_repo_a_gradio_space():
    data = _front_matter()
    assert data["sdk"] == "gradio" and data["app_file"] == "app.py"
    assert "models" in data and "datasets" in data
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bash scripts/setup.sh && python app.py" in readme and "## The app" in readme


def test_staged_space_runs_from_its_own_folder(tmp_path):
    from huggingface_hub import RepoCard

    out = tmp_path / "space"
    done = subprocess.run([sys.executable, "-m", "training.push_space", "--repo", "org/gasa", "--dry-run",
                           "--output", str(out), "--english-model", "SamLowe/roberta-base-go_emotions",
                           "--songs", "org/songs"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (out / "requirements.txt").read_text() == (ROOT / "space_requirements.txt").read_text()
    assert "fonts-nanum" in (out / "packages.txt").read_text()
    card = RepoCard.load(out / "README.md", repo_type="space").data
    assert card.sdk == "gradio" and card.models == ["SamLowe/roberta-base-go_emotions"] and card.datasets == ["org/songs"]
    assert card.preload_from_hub == ["SamLowe/roberta-base-go_emotions"]  # downloaded at build time, not on first use
    assert not list(out.rglob("__pycache__")) and not (out / "tests").exists() and not (out / "training").exists()
    # the staged folder alone (no repo on the path) builds the app and answers an analysis
    probe = ("import app; from hub.space import analysis, evaluation; from hub.space.state import State; "
             "assert app.demo.fns; a = State(app.config); "
             f"print(analysis.analyze(a, {SAD!r}, 'auto')[0].replace(chr(10), ' ')); "  # one line per status
             "print(evaluation.evaluate(a, ['korean'], 'demo', None, 'aihub', 'identity')[0].replace(chr(10), ' '))")
    ran = subprocess.run([sys.executable, "-c", probe], cwd=out, capture_output=True, text=True, timeout=120,
                         env={"HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PATH": "/usr/bin:/bin",
                              "HOME": str(Path.home())})
    assert ran.returncode == 0, ran.stderr[-2000:]
    lines = ran.stdout.strip().splitlines()
    assert lines[-2].startswith(OK_MARK) and lines[-1].startswith(OK_MARK) and "1 model(s) · 48 rows" in lines[-1]


def test_push_space_refuses_local_paths(tmp_path):
    done = subprocess.run([sys.executable, "-m", "training.push_space", "--repo", "org/gasa", "--dry-run",
                           "--korean-model", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "local path" in done.stderr


def test_space_variables_check_each_eval_model(tmp_path):
    from training.push_space import SpaceError, space_variables

    assert space_variables(eval_models=["org/a", "org/b"], korean_model="gasa-korean-engine") == {
        "GASA_KOREAN_MODEL": "gasa-korean-engine", "GASA_EVAL_MODELS": "org/a,org/b"}
    with pytest.raises(SpaceError, match="GASA_EVAL_MODELS=.* is a local path"):
        space_variables(eval_models=["org/a", str(tmp_path)])


def test_pasted_lyrics_that_cannot_be_read_are_explained_in_both_languages(demo_app):
    for text, korean, english in (("", "가사 칸이 비어 있습니다", "the lyrics box is empty"),
                                  (JAPANESE, "한국어나 영어로 된 줄이 없습니다", "no line in Korean or English")):
        status, results, heatmap = similar.similar(demo_app, "lyrics", None, text, None, "cosine", 2, False, 0)
        assert status.startswith(PROBLEM_MARK) and korean in status and english in status and heatmap is None
