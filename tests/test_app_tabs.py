"""The catalog and evaluation tabs on the demo catalog (fictional songs written for gasa): the catalog tab
draws its views when the page loads, the emotions through the years (one share per shared group and period,
summing to 1, no catch-all 기타, songs without a year counted), and the plain-words help of both tabs."""
from __future__ import annotations

import os
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from hub.catalog_views import emotion_groups_by_year, emotion_map_points  # noqa: E402
from hub.labels import KOTE  # noqa: E402
from hub.plots import group_label  # noqa: E402
from hub.recommender import Recommender  # noqa: E402
from hub.space import catalog, evaluation  # noqa: E402
from hub.space.config import parse_config  # noqa: E402
from hub.space.state import State  # noqa: E402
from hub.space.ui import OK_MARK  # noqa: E402

SHARED = [group_label(KOTE, g) for g in KOTE.shared_groups]  # 분노 슬픔 불안 상처 당황 기쁨, with English names


@pytest.fixture(scope="module")
def page():
    import app

    return app.build_app(parse_config([], environ={}))


@pytest.fixture(scope="module")
def demo_catalog():
    return State(parse_config([], environ={})).catalog.get().recommender


def without_years(recommender, song_ids) -> Recommender:
    """The demo catalog with the years of ``song_ids`` unknown."""
    songs = recommender.songs.copy()
    songs["year"] = songs["year"].astype("Int64")
    songs.loc[songs["song_id"].isin(song_ids), "year"] = pd.NA
    return Recommender(recommender.vectors, songs, recommender.labels, recommendable=recommender.recommendable)


def load_events(page) -> dict[str, object]:
    """What the page runs when it loads, by the elem_id of each output: the page's own handlers, called
    with the inputs' starting values."""
    blocks, results = page.blocks, {}
    for fn in page.fns.values():
        if not any(t[1] == "load" for t in fn.targets):
            continue
        outputs = [blocks[o._id if hasattr(o, "_id") else o].elem_id for o in fn.outputs]
        if not any(str(e).startswith("catalog-") for e in outputs):
            continue
        values = fn.fn(*[i.value for i in fn.inputs])
        values = values if isinstance(values, tuple) else (values,)
        results.update(zip(outputs, values))
    return results


def test_the_catalog_tab_draws_its_views_when_the_page_loads(page):
    shown = load_events(page)
    assert "32곡 / 32 songs" in shown["catalog-summary"] and "Demo data" in shown["catalog-summary"]
    assert shown["catalog-status"].startswith(OK_MARK) and "coverage" in shown["catalog-status"]
    assert re.search(r"Gini \*\*0\.\d{3}\*\* \(.+ / (fairly even|somewhat uneven|a few songs take most turns)\)",
                     shown["catalog-status"])
    histogram = shown["catalog-hist"]["value"]
    assert histogram["songs"].sum() == 32  # every song counted once
    assert list(histogram["times_recommended"])[:2] == ["0", "1–2"]  # bars in order: never recommended first
    points = shown["catalog-map"]["value"]
    assert len(points) == 32 and set(points["group"]) <= set(SHARED)
    assert {"title", "artist", "year"} <= set(points.columns) and "빈 의자" in set(points["title"])  # the hover box
    assert all(re.match(r"PC[12] \(\d+% of variance\): from .+ to .+", t)
               for t in (shown["catalog-map"]["x_title"], shown["catalog-map"]["y_title"]))
    years = shown["catalog-years"]["value"]
    assert set(years["감정 그룹 / group"]) == set(SHARED) and len(years) == 6 * 6  # 1991–2014 in six periods
    assert shown["catalog-years-note"] == ("32곡, 점마다 5곡 이상 (곡이 적은 해는 이웃한 해와 묶음) / 32 songs, at least 5 "
                                           "a point (years with fewer are joined with their neighbours).")


def test_emotions_through_the_years_share_per_group_and_period(demo_catalog):
    blank = ["demo-001", "demo-010", "demo-020"]
    years = emotion_groups_by_year(without_years(demo_catalog, blank))
    shares = years.shares
    assert years.without_year == 3 and years.without_emotion == 0 and years.min_songs == 5 and not years.yearly
    assert not any("기타" in g for g in shares["group"])
    for period, rows in shares.groupby("period"):
        assert sorted(rows["group"]) == sorted(SHARED), period  # one share per group, zeros included
        assert rows["share"].sum() == pytest.approx(1.0)
        assert (rows["songs"].sum() == rows["period_songs"]).all()
    assert shares.drop_duplicates("period")["period_songs"].sum() == 29
    # 29 songs, a year or two each: joined oldest first into periods of at least 5, the newest into the one before
    assert list(shares["period"].unique()) == ["1992–1995", "1996–1998", "1999–2003", "2004–2008", "2009–2014"]
    # each song in the group its emotion map colours it with
    by_title = emotion_map_points(demo_catalog).points.set_index("title")["group"]
    assert by_title["빈 의자"] == group_label(KOTE, "슬픔") and by_title["골목길 아침"] == group_label(KOTE, "기쁨")
    # a catalog with enough songs a year gets a point per year
    yearly = emotion_groups_by_year(demo_catalog, min_songs=1)
    assert yearly.yearly and "1991" in set(yearly.shares["period"])


def test_years_with_few_songs_are_joined_until_each_point_holds_enough(demo_catalog):
    """A catalog like the real one: 1-5 songs a year before 1999, 30 to 60 a year after. Every point of the chart
    holds at least 20 songs, the early years are joined, the full years stand alone, and no song is lost."""
    rng = np.random.default_rng(0)
    per_year = {year: int(rng.integers(1, 6)) for year in range(1984, 1999)}
    per_year |= {year: int(rng.integers(30, 61)) for year in range(1999, 2011)}
    per_year[2011] = 7  # the newest year, short: joins 2010
    years = [year for year, n in per_year.items() for _ in range(n)]
    rows = rng.integers(0, len(demo_catalog), len(years))
    songs = pd.DataFrame({"song_id": [f"song-{i}" for i in range(len(years))], "title": [f"t{i}" for i in rows],
                          "artist": [f"a{i}" for i in range(len(years))], "year": years})
    catalog_ = Recommender(demo_catalog.vectors[rows], songs, demo_catalog.labels)
    shown = emotion_groups_by_year(catalog_)
    periods = shown.shares.drop_duplicates("period")
    assert shown.min_songs == 20 and not shown.yearly and not shown.too_few
    assert (periods["period_songs"] >= 20).all() and periods["period_songs"].sum() == len(years)
    assert periods["period"].iloc[0].startswith("1984–") and periods["period"].iloc[-1] == "2010–2011"
    assert {str(year) for year in range(2000, 2010)} <= set(periods["period"])  # a full year is its own point
    # what the page says under the chart
    state = SimpleNamespace(catalog=SimpleNamespace(get=lambda: SimpleNamespace(recommender=catalog_)))
    _, lines, note = catalog.emotion_views(state)
    assert (lines["value"].groupby("시기 / period")["그 시기 전체 / songs in period"].first() >= 20).all()
    assert note == (f"{len(years):,}곡, 점마다 20곡 이상 (곡이 적은 해는 이웃한 해와 묶음) / {len(years):,} songs, at least "
                    "20 a point (years with fewer are joined with their neighbours).")
    # too few songs for one point: nothing drawn, and the page says why
    few = Recommender(demo_catalog.vectors[:4], demo_catalog.songs.iloc[:4], demo_catalog.labels)
    state = SimpleNamespace(catalog=SimpleNamespace(get=lambda: SimpleNamespace(recommender=few)))
    _, lines, note = catalog.emotion_views(state)
    assert lines is None and "Only 4 songs have a year and an emotion, fewer than the 5 a point needs" in note


def test_the_tab_bar_holds_tabs_only(page):
    """Gradio 6 places a tab on the bar by its place among all of gr.Tabs' children: any other component there
    (a gr.State made outside its tab) shifts the tabs after it, and the browser draws the shifted one twice."""
    import gradio as gr

    (tabs,) = [block for block in page.blocks.values() if isinstance(block, gr.Tabs)]
    assert [type(child) for child in tabs.children] == [gr.Tab] * 4
    assert [child.label for child in tabs.children][-1] == "카탈로그 / Catalog"


def test_a_song_whose_top_label_is_in_the_catch_all_group_counts_in_a_shared_group(demo_catalog):
    vectors = demo_catalog.vectors.copy()
    other = [j for j, label in enumerate(demo_catalog.labels) if KOTE.group_of(label) == "기타"]
    sad = demo_catalog.labels.index("슬픔")
    vectors[0] = 0.0
    vectors[0, other[0]], vectors[0, sad] = 0.9, 0.3  # the catch-all leads, sadness follows
    before = emotion_groups_by_year(demo_catalog).shares.set_index(["period", "group"])["songs"]
    after = emotion_groups_by_year(Recommender(vectors, demo_catalog.songs, demo_catalog.labels)).shares
    after = after.set_index(["period", "group"])["songs"]
    sadness, joy = ("1991–1994", group_label(KOTE, "슬픔")), ("1991–1994", group_label(KOTE, "기쁨"))  # 골목길 아침, 1991
    assert after[sadness] == before[sadness] + 1 and after[joy] == before[joy] - 1


def test_the_years_chart_says_how_many_songs_it_leaves_out(demo_catalog):
    state = SimpleNamespace(catalog=SimpleNamespace(get=lambda: SimpleNamespace(
        recommender=without_years(demo_catalog, ["demo-002", "demo-003"]))))
    scatter, bars, note = catalog.emotion_views(state)
    assert "2곡" in note and "2 songs without a year are left out" in note and "30 songs" in note
    assert bars["value"]["비율 / share"].between(0, 1).all() and len(scatter["value"]) == 32
    assert scatter["value"]["year"].tolist().count("") == 2  # the hover box shows no year, not "nan"


def texts_of(page, tab_id: str) -> str:
    """Every text a visitor reads in a tab: its Markdown, labels and button captions."""
    config = page.get_config_file()
    by_id = {c["id"]: c for c in config["components"]}
    tab = next(c for c in config["components"] if c["type"] == "tabitem" and c["props"].get("id") == tab_id)

    def under(node):
        yield node["id"]
        for child in node.get("children", []):
            yield from under(child)

    layout = next(n for n in _walk(config["layout"]) if n["id"] == tab["id"])
    texts = []
    for i in under(layout):
        props = by_id[i]["props"]
        texts += [str(props.get(k)) for k in ("value", "label", "info") if isinstance(props.get(k), str)]
    return "\n".join(texts)


def _walk(node):
    yield node
    for child in node.get("children", []):
        yield from _walk(child)


def test_the_tabs_explain_their_figures_in_korean_and_english(page):
    text = texts_of(page, "catalog")
    for words in ["커버리지 / Coverage", "지니 계수 / Gini coefficient", "0 = every song recommended equally often",
                  "1 = a few songs take all", "감정 지도 / Emotion map", "PCA", "colour", "Hover",
                  "시대별 감정 흐름 / Emotions through the years", "기쁨·슬픔·분노·불안·상처·당황"]:
        assert words in text, words
    text = texts_of(page, "evaluation")
    for words in ["macro-F1", "micro-F1", "top-group agreement", "accuracy", "cross-entropy", "BCE",
                  "유사도 가중 점수 / similarity-weighted score", "partial credit", "'우울한'", "S = identity",
                  "S = taxonomy", "half credit", "S = embedding", "label-name embeddings", "higher is better",
                  "lower is better"]:
        assert words in text, words
    assert not re.search(r"(?<![\w-])--[a-z]", texts_of(page, "catalog") + text)  # no command-line flags


def test_evaluation_messages_are_for_visitors(tmp_path):
    a = State(parse_config(["--korean-model", "nobody/not-a-model"], environ={}))
    status, *_ = evaluation.evaluate(a, ["korean"], "demo", None, "aihub", "taxonomy")
    assert "nobody/not-a-model" in status and "untick it" in status and "--" not in status
    english = tmp_path / "english.csv"
    english.write_text("text,label\nthank you so much,gratitude\n", encoding="utf-8")
    demo = State(parse_config([], environ={}))
    status, *_ = evaluation.evaluate(demo, ["korean"], "upload", str(english), "goemotions", "identity")
    assert "44 labels" in status and "레이블 체계 / Label set" in status and "--" not in status
    status, *_ = evaluation.evaluate(demo, [], "demo", None, "kote", "identity")
    assert "모델을 하나 이상 고르세요 / tick at least one model" in status
