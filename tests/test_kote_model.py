"""gasa-korean-kote: it learns from people's labels, round-trips through its files in a fresh process,
reads the Korean part of mixed songs, and ships as the built-in offline default."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone

from hub.kote_model import DATA_DIR, KoteClassifier, KoteEmotionModel, KoteModelConfig, fit_heads, kiwi_readings
from hub.labelled_data import load_kote
from hub.labels import KOTE
from hub.predictor import ENGINE_CONFIG, ModelLoadError, load_predictor
from training.train_korean_kote import fit_with_thresholds, frequency_baseline, measure, to_model

ROOT = Path(__file__).resolve().parent.parent
KOTE_DIR = ROOT.parent / "shared" / "data" / "kote"  # human-labelled KOTE comments (MIT), beside the project

# Lyrics written for these tests (not real songs).
MIXED_SONG = ("비 오는 밤이면 네가 생각나\n창문에 맺힌 눈물 같은 빗방울\n\n"
              "I still remember the rain\nevery night you walked away\n\n"
              "다시 돌아오지 않을 걸 알면서\n오늘도 문을 열어 두고 기다려")
SONGS = [MIXED_SONG, "햇살 가득한 아침 너와 걷는 길\n웃음이 멈추지 않아 행복해\n\n신나는 노래에 맞춰 춤을 춰",
         "왜 또 거짓말이야 이제 지긋지긋해\n다시는 믿지 않을 거야"]


@pytest.fixture(scope="module")
def people():
    return load_kote(KOTE_DIR, "validation")


@pytest.fixture(scope="module")
def small_model(people):
    """Fitted on 2,000 comments, thresholds out-of-fold; the next 600 are held out."""
    fit, held = people.subset(range(2000)), people.subset(range(2000, 2600))
    morphs = kiwi_readings(fit.texts + held.texts)
    fitted = fit_with_thresholds(KoteClassifier(), morphs[:2000], fit.labels, folds=3, seed=0)
    return fitted, fit, held, morphs[2000:]


def test_it_learns_from_people(small_model):
    fitted, fit, held, held_morphs = small_model
    probs, groups = fitted.predict_proba_with_groups(held_morphs)
    got = measure(probs, held.labels, fitted.thresholds, groups)
    base = frequency_baseline(fit.labels, held.labels)
    # held-out comments it never saw: well above answering every label at its training frequency
    assert got["macro_f1"] > base["macro_f1"] + 0.08, (got, base)
    assert got["micro_f1"] > base["micro_f1"] + 0.05, (got, base)
    assert got["top_group_agreement"] > base["top_group_agreement"] + 0.1, (got, base)
    # the tuned thresholds are what makes multi-label F1 work with ~8 labels per comment
    assert got["macro_f1"] > got["macro_f1@0.5"] + 0.1
    # a scikit-learn classifier: predict is the labels at its thresholds; a clone has its settings, unfitted
    np.testing.assert_array_equal(fitted.predict(held_morphs), probs >= fitted.thresholds)
    assert clone(fitted).get_params()["C"] == fitted.C and not hasattr(clone(fitted), "weight_")


def test_a_label_absent_from_the_rows_gets_its_prior_not_a_certainty():
    x = sparse.random(40, 12, density=0.3, format="csr", random_state=0, dtype=np.float32)
    targets = np.zeros((40, 3), dtype=np.int64)
    targets[::2, 0] = 1  # label 0 varies; label 1 is never given, label 2 always
    targets[:, 2] = 1
    weight, bias = fit_heads(x, targets, C=1.0, n_jobs=2)
    assert weight.shape == (12, 3) and np.abs(weight[:, 0]).sum() > 0
    assert not weight[:, 1:].any()
    np.testing.assert_allclose(bias[1:], [np.log(1e-3 / 1.001), np.log(1.001 / 1e-3)])


def test_reload_in_a_fresh_process_gives_identical_outputs(small_model, tmp_path):
    fitted, *_ = small_model
    model = to_model(fitted, KoteModelConfig())
    folder = model.save_pretrained(tmp_path / "kote-model")
    assert sorted(p.name for p in folder.iterdir()) == [ENGINE_CONFIG, "model.safetensors", "vocabulary.json"]
    expected = model.predict(SONGS)
    probe = ("import json, sys; from hub.predictor import load_predictor; m = load_predictor(sys.argv[1]); "
             "print(json.dumps({'probs': m.predict(json.loads(sys.argv[2])).tolist(), 'labels': m.labels, "
             "'thresholds': m.thresholds.tolist()}))")
    done = subprocess.run([sys.executable, "-c", probe, str(folder), json.dumps(SONGS)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(np.array(loaded["probs"], dtype=np.float32), expected)
    assert loaded["labels"] == list(KOTE.labels)
    assert loaded["thresholds"] == pytest.approx(list(model.thresholds))

    # a config from another version is refused by name, not silently half-read
    config = json.loads((folder / ENGINE_CONFIG).read_text(encoding="utf-8"))
    (folder / ENGINE_CONFIG).write_text(json.dumps({**config, "attention": 1}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="unknown setting.*attention"):
        load_predictor(str(folder))
    with pytest.raises(ModelLoadError, match="missing"):
        KoteEmotionModel.from_pretrained(tmp_path)


def test_the_built_in_model_is_small_pickle_free_and_licensed():
    model = load_predictor("gasa-korean-kote")
    assert model.labels == list(KOTE.labels) and model.multi_label and model.language == "ko"
    files = {p.name: p.stat().st_size for p in DATA_DIR.iterdir()}
    assert sum(files.values()) < 20_000_000
    assert set(files) <= {ENGINE_CONFIG, "model.safetensors", "vocabulary.json", "README.md", "LICENSE", "ablation.json"}
    assert "Copyright (c) 2022 Jeon Duyoung" in (DATA_DIR / "LICENSE").read_text(encoding="utf-8")
    card = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    macro = model.config.metrics["model"]["macro_f1"]
    assert "license: mit" in card and "model-index:" in card and f"{macro:.3f}" in card
    # its own held-out figures beat the frequency baseline and the dictionary engine (no hard-coded numbers)
    figures = model.config.metrics
    assert figures["model"]["macro_f1"] > figures["frequency_baseline"]["macro_f1"]
    assert figures["model"]["top_group_agreement"] > figures["dictionary_engine"]["top_group_agreement"]


def test_a_mixed_song_is_read_from_its_korean_lines():
    model = load_predictor("gasa-korean-kote")
    analysis = model.analyze(MIXED_SONG)
    assert 0.4 < analysis.read_share < 0.8
    assert len(analysis.segments) == 3 and np.isnan(analysis.segment_probs[1]).all()
    assert not np.isnan(analysis.segment_probs[[0, 2]]).any()
    assert analysis.groups == KOTE.group_order and analysis.group_scores.shape == (7,)
    korean = "\n\n".join(MIXED_SONG.split("\n\n")[::2])
    np.testing.assert_allclose(analysis.probs, model.predict_texts([korean])[0], atol=1e-6)
    with pytest.raises(Exception, match="no Korean line"):
        model.analyze("I still remember the rain\nevery night you walked away")


def test_no_evidence_is_reported_not_guessed():
    model = load_predictor("gasa-korean-kote")
    usual = np.asarray(model.config.label_frequencies)  # what people give on average: no signal
    none = usual.copy()
    none[KOTE.index("없음")] = 0.9  # "no emotion" raised far above its frequency
    sad = none.copy()
    sad[KOTE.index("슬픔")] = 0.95  # ... but sadness raised more
    assert model.has_evidence(np.stack([usual, none, sad])).tolist() == [False, False, True]
    # counting is no evidence; an emotional line is. ("랄랄라" is no longer a no-evidence example: the lyric
    # stanzas taught the model that a la-la refrain belongs to cheerful songs, where a listener hears it so too.)
    assert model.has_evidence(model.predict(["하나 둘 셋 넷", "너무 슬퍼서 눈물이 멈추지 않아"])).tolist() == [False, True]
    readings = model.read_songs(SONGS + ["Only English here", "★ ♪"])
    assert [r.status for r in readings[3:]] == ["no_korean", "unusable_lyrics"]
    assert readings[0].scored and 0 < readings[0].read_share < 1


def test_the_training_command_keeps_the_previous_model_when_it_fails(tmp_path):
    out = tmp_path / "model"
    cmd = [sys.executable, "-m", "training.train_korean_kote", "--limit", "300", "--folds", "2", "--output", str(out)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "character + morpheme n-grams" in done.stdout and (out / "LICENSE").is_file()
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "model-index:" in card and "300 human-labelled comments" in card
    before = (out / "model.safetensors").read_bytes()
    bad = tmp_path / "bad.tsv"
    bad.write_text("1\t라벨이 틀렸어\t5,99\n", encoding="utf-8")
    failed = subprocess.run(cmd[:3] + ["--data", str(bad), "--output", str(out)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert failed.returncode == 2 and "row 1: label id 99 is outside 0-43" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert (out / "model.safetensors").read_bytes() == before


def test_the_fast_reading_paths_give_the_plain_pipeline_s_numbers():
    """Counting character n-grams word by word (with the words' columns remembered) and reading the next batch's
    morphemes on a thread are speed-ups only: the same matrix as scikit-learn's, the same probabilities."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from hub.kote_model import WordwiseCharTfidf

    model = load_predictor("gasa-korean-kote")
    char_view = model.classifier.features_.named_steps["views"].named_transformers["char"][-1]
    assert isinstance(char_view, WordwiseCharTfidf)
    plain = TfidfVectorizer(**char_view.get_params())
    plain.vocabulary_, plain.idf_ = char_view.vocabulary_, char_view.idf_
    # lines written for this test: repeated words, capitals, runs of spaces and tabs, emoji, an empty text
    texts = SONGS + ["사랑 사랑 사랑해  LOVE\tyou ♡ 사랑해", "", "ㅠㅠ   비가 와   비가 와", "Zzyzx 없는말쓰기"]
    for cached_words in (300_000, 4):  # 4: the memory of words is cleared again and again on the way
        char_view.cached_words = cached_words
        for _ in range(2):  # the second time from memory
            got, want = char_view.transform(texts), plain.transform(texts)
            assert got.shape == want.shape and got.dtype == want.dtype and got.has_sorted_indices
            for part in ("indptr", "indices", "data"):
                np.testing.assert_array_equal(getattr(got, part), getattr(want, part))
        char_view.forget_words()
    char_view.cached_words = WordwiseCharTfidf.cached_words

    stanzas = [f"{line} {n}번째 밤" for n in range(9) for song in SONGS for line in song.split("\n") if line]
    batches = list(model.classifier.read_ahead(stanzas, 7))
    assert [len(b) for b in batches] == [7] * (len(stanzas) // 7) + ([len(stanzas) % 7] if len(stanzas) % 7 else [])
    assert [r for batch in batches for r in batch] == kiwi_readings(stanzas)
    ahead = np.vstack([np.hstack(model.classifier.predict_proba_with_groups(b)) for b in batches])
    np.testing.assert_array_equal(ahead, np.hstack(model.classifier.predict_proba_with_groups(stanzas)))


def test_the_build_speed_benchmark_runs_and_its_variants_read_alike():
    done = subprocess.run([sys.executable, "benchmarks/build_speed.py", "--synthetic", "40", "--rounds", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "whole build of 40 songs (40 written)" in done.stdout
    assert "every variant's vectors identical: True" in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith(("shipped", "without"))]
    assert len(rows) == 3 and all(float(row.split()[-3]) > 0 for row in rows), done.stdout
