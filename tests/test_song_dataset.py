"""Song-vector dataset: build with the real CLI and a locally built model, reload in a fresh process."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hub.labels import AIHUB
from hub.modeling_gasa import GasaForSequenceClassification
from hub.predictor import load_predictor
from hub.recommender import Recommender
from hub.song_dataset import (SongDatasetError, build_song_dataset, load_song_vectors, save_song_dataset,
                              song_labels, song_vectors)
from training.tiny_models import make_classifier

ROOT = Path(__file__).resolve().parent.parent

# Original made-up lines (never real lyrics).
SONGS = [
    {"song_id": "1001", "title": "종이배", "artist": "항구의 불빛", "year": 1994, "status": "ok",
     "lyrics": "네 편지를 접어 종이배를 띄웠어\n부두 아래로 가라앉는 걸 보았지\n\n"
               "이제 항구의 불도 꺼졌는데\n나는 아직 여기서 기다려"},
    {"song_id": "1002", "title": "네온 자전거", "artist": "달빛클럽", "year": 2003, "status": "ok",
     "lyrics": "네온 자전거를 타고 달려 보자\n온 동네가 춤추고 반짝여\n오늘 밤 우린 운이 좋아",
     "url": "https://music.example.org/song/1002"},  # the song's page, kept for the app's links
    {"song_id": "1003", "title": "연주곡", "artist": "항구의 불빛", "year": 1995, "status": "no_lyrics", "lyrics": None},
    {"song_id": "1004", "title": "가로등 아래", "artist": "새벽세시", "year": 2011, "status": "ok",
     "lyrics": "가로등 아래 혼자 남은 밤\n네 이름을 작게 불러 봐\n괜히 웃어 보다 눈물이 나"},
    {"song_id": "1005", "title": "Only Stars", "artist": "Glyphs", "year": 2001, "status": "ok", "lyrics": "★ ♪ ♪"},
    {"song_id": "1006", "title": "빗소리", "artist": "우산들", "year": 1998, "status": "ok",
     "lyrics": "라디오에 빗소리만 가득해\n네가 한 말이 들리지 않아\n폭풍은 내 머릿속에 있어\n" * 40},
    # an English stanza: the Korean model reads the Korean lines only, and the dataset says how much
    {"song_id": "1007", "title": "Half Moon 반달", "artist": "Glyphs", "year": 2019, "status": "ok",
     "lyrics": "반쯤 남은 달이 창문에 걸려\n너를 닮은 밤이야\n\nhalf a moon is all I have\nhalf a heart is all I gave"},
    # no Hangul at all: a Korean model cannot read it; the build records why and goes on
    {"song_id": "1008", "title": "Paper Boats", "artist": "Harbor Lights", "year": 1994, "status": "ok",
     "lyrics": "I folded your letters into paper boats\nand watched them sink below the pier"},
]
SCORED = ["1001", "1002", "1004", "1006", "1007"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model") / "tiny-gasa"
    texts = [s["lyrics"] for s in SONGS if s["lyrics"]]
    make_classifier(folder, texts, AIHUB.labels, vocab_size=300, hidden=16, layers=4, heads=2)
    # a random head gives near-uniform outputs; larger weights give songs distinct, peaked vectors
    model = GasaForSequenceClassification.from_pretrained(folder)
    with torch.no_grad():
        torch.manual_seed(1)
        model.head.classifier.weight.normal_(std=2.0)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def lyrics_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lyrics") / "lyrics.jsonl"
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in SONGS), encoding="utf-8")
    return path


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "training.build_song_vectors", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_build_and_reload_in_fresh_process(tiny_model, lyrics_file, tmp_path):
    out = tmp_path / "songs"
    result = run_cli("--model", tiny_model, "--lyrics", lyrics_file, "--output", out)
    assert result.returncode == 0, result.stderr
    assert "wrote 5 songs x 60 labels" in result.stdout and "3 skipped, see skipped.jsonl" in result.stdout
    # one line per skipped song with its reason, and a summary table of statuses
    assert "song 1008: no_korean" in result.stderr and "song 1005: unusable_lyrics" in result.stderr
    assert "song 1003: no_lyrics" in result.stderr and "| ok | 5 |" in result.stderr
    skipped = [json.loads(line) for line in (out / "skipped.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {s["song_id"]: s["status"] for s in skipped} == {"1003": "no_lyrics", "1005": "unusable_lyrics",
                                                          "1008": "no_korean"}

    # plain `datasets.load_dataset` in a new interpreter, as a researcher would
    probe = ("import json, sys, datasets; ds = datasets.load_dataset(sys.argv[1], split='train'); "
             "print(json.dumps({'rows': ds.to_list(), 'labels': ds.features['top_label'].names, "
             "'columns': ds.column_names}))")
    loaded = subprocess.run([sys.executable, "-c", probe, str(out)], capture_output=True, text=True, timeout=120,
                            env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                                 "HF_DATASETS_CACHE": str(tmp_path / "datasets-cache")})
    assert loaded.returncode == 0, loaded.stderr
    data = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert data["labels"] == list(AIHUB.labels)
    assert "lyrics" not in data["columns"]
    # the lyrics' fingerprint stays (versions are recognised by it): 32 bytes as hex, for each song with lyrics
    assert all(len(r["lyric_fingerprint"]) == 64 and int(r["lyric_fingerprint"], 16) >= 0 for r in data["rows"])
    assert {r["song_id"]: r["url"] for r in data["rows"]}["1002"] == "https://music.example.org/song/1002"
    assert {r["song_id"]: r["url"] for r in data["rows"]}["1001"] is None  # no page recorded
    rows = data["rows"]
    # no_lyrics, symbol-only and Hangul-free songs are left out; order kept
    assert [r["song_id"] for r in rows] == SCORED
    assert [(r["title"], r["artist"], r["year"]) for r in rows][2] == ("가로등 아래", "새벽세시", 2011)
    assert [r["status"] for r in rows] == ["ok"] * 5  # a single-label model always commits to a label
    shares = {r["song_id"]: r["read_share"] for r in rows}
    assert shares["1001"] == 1.0 and 0.3 < shares["1007"] < 0.6  # the English stanza was not read

    # the stored vectors are the predictor's (same model, recomputed here, reading the same lines)
    predictor = load_predictor(str(tiny_model))
    expected = predictor.predict([s["lyrics"] for s in SONGS if s["song_id"] in SCORED])
    korean_only = predictor.predict_texts(["반쯤 남은 달이 창문에 걸려\n너를 닮은 밤이야"])[0]
    np.testing.assert_allclose(expected[-1], korean_only, atol=1e-6)
    stored = np.array([r["probs"] for r in rows], dtype=np.float32)
    assert stored.shape == (5, 60)
    # songs differ by far more than the float noise between processes (thread counts differ)
    assert np.abs(expected[:, None] - expected[None]).max() > 1e-3
    np.testing.assert_allclose(stored, expected, atol=5e-5)
    for r, vec in zip(rows, stored):  # the stored vector, not a recomputed one: near-tied labels may swap
        assert r["top_labels"] == [AIHUB.labels[j] for j in np.argsort(-vec, kind="stable")[:3]]
        assert r["model"] == str(tiny_model) and r["model_revision"].startswith("sha256:")

    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "dataset_info:" in card and "length: 60" in card
    assert "not** included" in card and str(tiny_model) in card and 'load_dataset("' in card

    # the gasa loader gives the same, validated
    ds = load_song_vectors(out)
    assert song_labels(ds) == list(AIHUB.labels)
    np.testing.assert_array_equal(song_vectors(ds), stored)

    # new lyrics against the catalog, through the same model
    rec = Recommender.from_dataset(ds)
    new = "종이 편지가 부두 아래로 가라앉아\n나는 기다려"
    found = rec.recommend_lyrics(new, predictor, k=5, method="cosine")
    q = predictor.predict([new])[0]
    cosines = stored @ q / np.linalg.norm(stored, axis=1) / np.linalg.norm(q)
    # a random tiny model puts the songs' cosines within float noise of each other, so the order of
    # near-ties is not asserted: each song's score must be its cosine, and the list sorted by score
    cosine_of = {r["song_id"]: c for r, c in zip(rows, cosines)}
    assert sorted(found["song_id"]) == sorted(cosine_of)
    np.testing.assert_allclose(found["similarity"], [cosine_of[s] for s in found["song_id"]], atol=1e-5)
    assert np.all(np.diff(found["similarity"]) <= 1e-6)


def test_include_lyrics_and_rebuild_replaces(tiny_model, lyrics_file, tmp_path):
    out = tmp_path / "songs"
    assert run_cli("--model", tiny_model, "--lyrics", lyrics_file, "--output", out, "--include-lyrics").returncode == 0
    ds = load_song_vectors(out)
    assert ds[0]["lyrics"].startswith("네 편지를 접어") and "lyrics | string" in (out / "README.md").read_text()
    assert len(list((out / "data").glob("*.parquet"))) == 1


def test_onnx_and_int8_scoring_options(tiny_model, lyrics_file, tmp_path):
    """--backend onnx gives the default build's vectors; --quantize int8 gives close ones and says so in the
    card; an engine refuses the options with a clear message (with --engine ray too)."""
    builds = {}
    options_of = {"plain": (), "onnx": ("--backend", "onnx"), "int8": ("--quantize", "int8"),
                  # a margin no song's top two labels exceed: every song is scored again in fp32
                  "verified": ("--quantize", "int8", "--verify-margin", "0.99")}
    for name, options in options_of.items():
        result = run_cli("--model", tiny_model, "--lyrics", lyrics_file, "--output", tmp_path / name, *options)
        assert result.returncode == 0, result.stderr
        builds[name] = song_vectors(load_song_vectors(tmp_path / name))
    np.testing.assert_allclose(builds["onnx"], builds["plain"], atol=1e-5)
    assert np.abs(builds["int8"] - builds["plain"]).max() < 0.05
    assert "in int8" in (tmp_path / "int8" / "README.md").read_text(encoding="utf-8")
    assert "int8" not in (tmp_path / "plain" / "README.md").read_text(encoding="utf-8")
    np.testing.assert_allclose(builds["verified"], builds["plain"], atol=1e-5)
    assert "scored again in fp32" in (tmp_path / "verified" / "README.md").read_text(encoding="utf-8")

    result = run_cli("--model", "gasa-korean-engine", "--lyrics", lyrics_file, "--output", tmp_path / "x",
                     "--backend", "onnx")
    assert result.returncode == 2 and "--backend applies only to transformer models" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x").exists()
    result = run_cli("--model", "gasa-korean-engine", "--lyrics", lyrics_file, "--output", tmp_path / "x",
                     "--engine", "ray", "--quantize", "int8")  # refused before any Ray cluster starts
    assert result.returncode == 2 and "--quantize applies only to transformer models" in result.stderr
    result = run_cli("--model", tiny_model, "--lyrics", lyrics_file, "--output", tmp_path / "x", "--verify-margin", "0.01")
    assert result.returncode == 2 and "needs --quantize int8" in result.stderr


def test_bad_lyrics_files_and_models(tiny_model, tmp_path):
    dupes = tmp_path / "dupes.jsonl"
    dupes.write_text(json.dumps(SONGS[0]) + "\n" + json.dumps(SONGS[0]) + "\n", encoding="utf-8")
    result = run_cli("--model", tiny_model, "--lyrics", dupes, "--output", tmp_path / "x")
    assert result.returncode == 2 and "dupes.jsonl:2: song_id '1001' already appears on line 1" in result.stderr
    assert "Traceback" not in result.stderr

    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(SONGS[0]) + "\n{oops\n", encoding="utf-8")
    result = run_cli("--model", tiny_model, "--lyrics", broken, "--output", tmp_path / "x")
    assert result.returncode == 2 and "broken.jsonl:2: not valid JSON" in result.stderr

    empty = tmp_path / "none.jsonl"
    empty.write_text(json.dumps(SONGS[2]) + "\n" + json.dumps(SONGS[7]) + "\n", encoding="utf-8")
    result = run_cli("--model", tiny_model, "--lyrics", empty, "--output", tmp_path / "x")
    assert result.returncode == 2 and "none of its 2 records could be scored (no_lyrics: 1, no_korean: 1)" in result.stderr
    assert not (tmp_path / "x").exists()

    result = run_cli("--model", tmp_path / "nowhere", "--lyrics", broken.parent / "dupes.jsonl", "--output", tmp_path / "x")
    assert result.returncode == 2


def test_schema_checks(tmp_path):
    songs = [{"song_id": "a", "title": "A", "artist": "X", "year": "1999.01.02"},
             {"song_id": "b", "title": "B", "artist": "Y", "year": None}]
    labels = ["joy", "sadness", "anger"]
    vectors = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=np.float32)
    ds = build_song_dataset(songs, vectors, labels, "m", None)
    assert ds["year"] == [1999, None] and ds["top_labels"][1] == ["anger", "joy", "sadness"]
    with pytest.raises(SongDatasetError, match=r"shape \(2, 2\), expected \(2 songs, 3 labels\)"):
        build_song_dataset(songs, vectors[:, :2], labels, "m", None)
    with pytest.raises(SongDatasetError, match="duplicate song ids: a"):
        build_song_dataset([songs[0], songs[0]], vectors, labels, "m", None)
    with pytest.raises(SongDatasetError, match="NaN"):
        build_song_dataset(songs, vectors * np.nan, labels, "m", None)

    save_song_dataset(ds, tmp_path / "ok")
    assert load_song_vectors(tmp_path / "ok")["song_id"] == ["a", "b"]
    with pytest.raises(SongDatasetError, match="neither an existing folder nor a Hub dataset id"):
        load_song_vectors(tmp_path / "missing")
    with pytest.raises(SongDatasetError, match="is a file"):
        load_song_vectors(tmp_path / "ok" / "README.md")
    other = tmp_path / "other"
    other.mkdir()
    (other / "rows.jsonl").write_text('{"text": "hello", "label": 1}\n')
    with pytest.raises(SongDatasetError, match="missing column"):
        load_song_vectors(other)


def test_load_returns_the_folders_current_content(tmp_path):
    """Two folders with the same name, and a folder rebuilt in place: each load gives what is there now."""
    labels = ["joy", "sadness", "anger"]
    rng = np.random.default_rng(0)

    def build(folder, n, tag):
        songs = [{"song_id": f"{tag}{i}", "title": "T", "artist": "A", "year": 2000} for i in range(n)]
        save_song_dataset(build_song_dataset(songs, rng.dirichlet(np.ones(3), n), labels, "m", None), folder)

    build(tmp_path / "a" / "songs", 4, "a")
    build(tmp_path / "b" / "songs", 7, "b")
    assert load_song_vectors(tmp_path / "a" / "songs")["song_id"][0] == "a0"
    assert len(load_song_vectors(tmp_path / "b" / "songs")) == 7
    build(tmp_path / "a" / "songs", 5, "c")
    assert load_song_vectors(tmp_path / "a" / "songs")["song_id"] == [f"c{i}" for i in range(5)]
    # the card's numpy snippet gives the (n, d) array in one call
    ds = load_song_vectors(tmp_path / "a" / "songs")
    card = (tmp_path / "a" / "songs" / "README.md").read_text(encoding="utf-8")
    snippet = 'ds.select_columns("probs").with_format("numpy")[:]["probs"]'
    assert snippet in card
    np.testing.assert_array_equal(eval(snippet), song_vectors(ds))


def gasa_catalog(n=60, labels=("joy", "sadness", "anger", "calm"), seed=1):
    """Made-up songs with stanza vectors (2-6 stanzas each) and song vectors their mean."""
    rng = np.random.default_rng(seed)
    songs = [{"song_id": f"g{i}", "title": f"Title {i}", "artist": f"Artist {i % 9}", "year": 1990 + i % 25}
             for i in range(n)]
    stanzas = [rng.dirichlet(np.ones(len(labels)), int(rng.integers(2, 7))).astype(np.float32) for _ in range(n)]
    vectors = np.array([s.mean(axis=0) for s in stanzas], np.float32)
    return songs, vectors, stanzas, list(labels)


def test_stanza_vectors_and_catalog_statistics_are_stored(tmp_path):
    import warnings

    from hub.song_dataset import STATS_FILE, catalog_stats, song_stanzas

    from hub.search.story import StoryView
    from tests.story_fixture import subject_songs

    songs, vectors, stanzas, labels = gasa_catalog()
    view = StoryView.fit([s["lyrics"] for s in subject_songs()])
    story = view.transform([s["lyrics"] for s in subject_songs()])
    ds = build_song_dataset(songs, vectors, labels, "m", None, stanza_vectors=stanzas, story_vectors=story)
    save_song_dataset(ds, tmp_path / "new", story_view=view)
    stored = json.loads((tmp_path / "new" / STATS_FILE).read_text())
    assert np.allclose(stored["mean"], vectors.astype(np.float64).mean(axis=0)) and len(stored["arc_basis"]) == 4
    card = (tmp_path / "new" / "README.md").read_text()
    assert "stanza_probs" in card and STATS_FILE in card and "arc_basis" in card
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a dataset with its statistics and stories loads without a note
        rec = Recommender.from_dataset(tmp_path / "new")
    back = song_stanzas(load_song_vectors(tmp_path / "new"))
    assert [len(s) for s in stanzas] == back.counts.tolist()
    np.testing.assert_allclose(back.of(3), stanzas[3], atol=1e-7)
    np.testing.assert_allclose(rec.stats.mean, catalog_stats(ds).mean)
    assert rec.recommend("g0", k=3, method="arc")["similarity"].is_monotonic_decreasing
    with pytest.raises(SongDatasetError, match="stanza vectors have shape"):
        build_song_dataset(songs, vectors, labels, "m", None, stanza_vectors=[s[:, :2] for s in stanzas])


def test_a_dataset_saved_before_the_statistics_loads_with_a_note(tmp_path):
    """A dataset in the earlier format (no stanza_probs column, no catalog_stats.json) loads: the statistics are
    computed on load, with a warning, and it recommends exactly what a fresh build of the same vectors does."""
    from hub.recommender import RecommenderError
    from hub.song_dataset import STATS_FILE

    songs, vectors, stanzas, labels = gasa_catalog()
    save_song_dataset(build_song_dataset(songs, vectors, labels, "m", None), tmp_path / "old")
    (tmp_path / "old" / STATS_FILE).unlink()
    save_song_dataset(build_song_dataset(songs, vectors, labels, "m", None, stanza_vectors=stanzas), tmp_path / "fresh")
    assert "stanza_probs" not in load_song_vectors(tmp_path / "old").column_names
    with pytest.warns(UserWarning, match="computed the mean profile from its 60 songs.*arc similarity is unavailable"):
        old = Recommender.from_dataset(tmp_path / "old")
    fresh = Recommender.from_dataset(tmp_path / "fresh")
    for song in ("g0", "g17", "g42"):
        for method in ("centred", "cosine", "weighted"):
            a, b = old.recommend(song, k=5, method=method), fresh.recommend(song, k=5, method=method)
            assert list(a["song_id"]) == list(b["song_id"]) and list(a["why"]) == list(b["why"])
            np.testing.assert_allclose(a["similarity"], b["similarity"], atol=1e-6)
    with pytest.raises(RecommenderError, match="arc similarity is unavailable for this catalog"):
        old.recommend("g0", method="arc")
