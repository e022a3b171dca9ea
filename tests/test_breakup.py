import json
import subprocess
import sys

import numpy as np
import pytest

import breakup_fixture
from hub.breakup import BreakupClassifier, BreakupDataError, LineIndex, build_dictionary
from hub.labels import BREAKUP
from hub.predictor import LyricsError, ModelLoadError


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The real command line, once: CBOW -> dictionary -> weak labels -> LSTM -> saved folder."""
    root = tmp_path_factory.mktemp("breakup")
    songs = breakup_fixture.make_songs()
    # a crawl file: the crawler records a song page without lyrics as such, and training skips it
    no_lyrics = {"song_id": "s-none", "title": "가사 없음", "artist": "가수 0", "year": 2001,
                 "status": "no_lyrics", "lyrics": None}
    lyrics = breakup_fixture.write_jsonl(root / "lyrics.jsonl", songs + [no_lyrics])
    out = root / "model"
    run = subprocess.run([sys.executable, "-m", "training.train_breakup", "--lyrics", str(lyrics),
                          "--output", str(out), "--epochs", "6"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"{len(songs)} songs, " in run.stdout
    return songs, out, run.stdout


@pytest.mark.slow
def test_dictionary_holds_seed_neighbours(trained):
    _, out, _ = trained
    dictionary = json.loads((out / "dictionary.json").read_text(encoding="utf-8"))
    words = {e: {r["word"] for r in rows} for e, rows in dictionary["emotions"].items()}
    assert all(r["similarity"] >= 0.5 for rows in dictionary["emotions"].values() for r in rows)
    # words that only ever appear next to the seeds of one emotion join that emotion
    assert {"흐르다", "젖다"} <= words["슬픔"]
    assert "치밀다" in words["분노"]
    assert "지나치다" in words["무관심"]
    assert not words["슬픔"] & {"밉다", "거짓말", "상관없다"}
    assert (out / "dictionary.tsv").read_text(encoding="utf-8").startswith("emotion\tword\tsimilarity\tseed")


@pytest.mark.slow
def test_lstm_learns_weak_labels_on_held_out_lines(trained):
    _, out, stdout = trained
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test"] >= 40 and set(metrics["label_counts"]) == set(BREAKUP.labels)
    assert metrics["test_accuracy"] > metrics["majority_baseline_accuracy"] + 0.3
    assert np.array(metrics["confusion_matrix"]).sum() == metrics["test"]
    assert (out / "confusion_matrix.png").stat().st_size > 5000
    assert "held-out accuracy" in stdout


@pytest.mark.slow
def test_saved_classifier_reloads_in_a_fresh_process(trained):
    _, out, _ = trained
    lines = ["눈물이 흘러 잠이 들어", "네가 미워서 화가 나"]
    clf = BreakupClassifier.from_pretrained(out)
    probs = clf.predict_lines(lines)
    assert probs.shape == (2, 4) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert [BREAKUP.labels[i] for i in probs.argmax(1)] == ["슬픔", "분노"]
    code = ("import json; from hub.breakup import BreakupClassifier; "
            f"print(json.dumps(BreakupClassifier.from_pretrained({str(out)!r}).predict_lines({lines!r}).tolist()))")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert np.allclose(json.loads(fresh.strip().splitlines()[-1]), probs, atol=1e-6)
    with pytest.raises(LyricsError, match="line 1 is empty"):
        clf.predict_lines(["눈물", ""])
    with pytest.raises(LyricsError, match="no Korean content word"):
        clf.predict_lines(["oh baby baby ~~"])
    with pytest.raises(ModelLoadError, match="missing"):
        BreakupClassifier.from_pretrained(out / "nowhere")


@pytest.mark.slow
def test_line_recommendation_returns_lines_of_other_songs(trained):
    songs, out, _ = trained
    clf = BreakupClassifier.from_pretrained(out)
    index = LineIndex.build(songs, clf)
    assert len(index) > 300
    query_song = songs[0]  # a 슬픔 song
    query = query_song["lyrics"].splitlines()[0]
    hits = index.similar_lines(query, k=10, song_id=query_song["song_id"])
    assert list(hits.columns[:6]) == ["line", "song_id", "title", "artist", "year", "similarity"]
    assert len(hits) == 10 and query_song["song_id"] not in set(hits["song_id"])
    assert (np.diff(hits["similarity"].round(3)) <= 0).all()
    query_emotion = BREAKUP.labels[int(clf.predict_lines([query])[0].argmax())]
    assert (hits["emotion"] == query_emotion).all()
    # a pasted phrase that is no catalog line works too
    angry = index.similar_lines("정말 미운 너를 원망해", k=5)
    assert (angry["emotion"] == "분노").all()
    with pytest.raises(LyricsError):
        index.similar_lines("   ")


def test_too_small_corpus_names_missing_seeds(tmp_path):
    from gensim.models import Word2Vec

    lines = [["눈물", "흐르다", "울다"], ["슬프다", "울다", "눈물"]] * 5
    w2v = Word2Vec(lines, vector_size=8, min_count=1, sg=0, epochs=5, workers=1, seed=0)
    with pytest.raises(BreakupDataError, match="부정 \\(missing: 거짓말, 믿다, 꿈, 설마\\)"):
        build_dictionary(w2v.wv, {"슬픔": ["눈물"], "부정": ["거짓말", "믿다", "꿈", "설마"]})


def test_bad_lyrics_file_is_reported_with_its_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"song_id": "1", "lyrics": "눈물"}\n{not json}\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "training.train_breakup", "--lyrics", str(bad),
                          "--output", str(tmp_path / "o")], capture_output=True, text=True)
    assert run.returncode != 0 and "bad.jsonl:2: not valid JSON" in run.stderr
    assert "Traceback" not in run.stderr
