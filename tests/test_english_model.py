"""gasa-english-goemotions and bilingual reading: the English model learns from GoEmotions, round-trips in a fresh
process, and reads a song's English lines into the Korean model's labels, so a K-pop song gets one vector
whatever language each line is in (English-only, Korean-only and mixed songs written for these tests)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hub.kote_model import ENGLISH_DATA_DIR, EnglishEmotionModel
from hub.labels import GOEMOTIONS, GOEMOTIONS_TO_KOTE, KOTE, goemotions_in_kote, kote_group_targets, kote_sources
from hub.models.bilingual import BilingualModel, KoteSpace, load_reader
from hub.models.registry import load_predictor
from hub.reading import SongStatus
from hub.text.language import line_language, readable_part, split_by_language
from training.goemotions import read_goemotions_tsv
from training.train_english_goemotions import frequency_baseline, measure

ROOT = Path(__file__).resolve().parent.parent
GOEMOTIONS_DIR = ROOT.parent / "shared" / "data" / "goemotions"

# Lyrics written for these tests (not real songs).
KOREAN_SONG = "비 오는 밤이면 네가 생각나\n창문에 맺힌 눈물 같은 빗방울\n\n다시 돌아오지 않을 걸 알면서\n오늘도 문을 열어 두고 기다려"
ENGLISH_SONG = ("I still remember the rain\nevery night you walked away\n\n"
                "tears on my window, I'm alone again\nwaiting for a call that never comes")
HAPPY_ENGLISH = "we're dancing all night, so happy together\nlaughing in the summer sun\n\nI love you, you make me smile"
MIXED_SONG = KOREAN_SONG.split("\n\n")[0] + "\n\n" + ENGLISH_SONG.split("\n\n")[0] + "\n\n" + KOREAN_SONG.split("\n\n")[1]
JAPANESE_ONLY = "あめのよる\nきみをまつ\n\nひとりで"


@pytest.fixture(scope="module")
def english():
    return load_predictor("gasa-english-goemotions")


@pytest.fixture(scope="module")
def bilingual(english):
    return BilingualModel(load_predictor("gasa-korean-kote"), english)


def test_the_map_covers_every_goemotions_label_and_only_kote_labels():
    assert set(GOEMOTIONS_TO_KOTE) == set(GOEMOTIONS.labels)
    assert all(targets and set(targets) <= set(KOTE.labels) for targets in GOEMOTIONS_TO_KOTE.values())
    sources = kote_sources()
    assert sources.shape == (28, 44) and (sources.sum(axis=1) >= 1).all()
    # each KOTE label takes its strongest source; labels without one are left for the group estimate
    probs = np.zeros((1, 28), np.float32)
    probs[0, GOEMOTIONS.index("sadness")], probs[0, GOEMOTIONS.index("grief")] = 0.3, 0.7
    kote = goemotions_in_kote(probs)[0]
    assert kote[KOTE.index("슬픔")] == pytest.approx(0.7) and kote[KOTE.index("절망")] == pytest.approx(0.7)
    assert np.isnan(kote[KOTE.index("힘듦/지침")])
    groups = kote_group_targets(np.eye(28, dtype=np.float32), "goemotions")
    assert groups[GOEMOTIONS.index("joy"), KOTE.group_order.index("기쁨")] == 1
    assert groups[GOEMOTIONS.index("fear"), KOTE.group_order.index("불안")] == 1
    assert groups[GOEMOTIONS.index("neutral")].sum() == 1  # 없음 is in 기타


def test_lines_are_read_by_the_model_of_their_language():
    assert line_language("네가 보고 싶어 baby") == "ko"  # Hangul makes a line Korean
    assert line_language("ㅠㅠ ㅋㅋ") == "ko"  # bare jamo too
    assert line_language("I miss you") == "en" and line_language("あめ 123") is None
    parts = split_by_language("너를 기다려\nI wait for you at the station\n오늘도")
    assert parts == {"ko": "너를 기다려\n오늘도", "en": "I wait for you at the station"}
    part, share = readable_part(MIXED_SONG + "\n\n" + JAPANESE_ONLY, "ko+en")
    assert "あめ" not in part and "I still remember" in part and "비 오는" in part and 0.5 < share < 1


def test_it_learns_from_goemotions():
    """Fitted on 4,000 training rows, measured on 1,500 dev rows it never saw."""
    from hub.kote_model import KoteClassifier
    from training.train_english_goemotions import SETTINGS
    from training.train_korean_kote import fit_with_thresholds

    train = read_goemotions_tsv(GOEMOTIONS_DIR / "train.tsv").subset(range(4000))
    held = read_goemotions_tsv(GOEMOTIONS_DIR / "dev.tsv").subset(range(1500))
    fitted = fit_with_thresholds(KoteClassifier(**SETTINGS), train.texts, train.targets, folds=3, seed=0)
    probs, groups = fitted.predict_proba_with_groups(held.texts)
    got, base = measure(probs, held.targets, fitted.thresholds, groups), frequency_baseline(train, held)
    assert got["macro_f1"] > base["macro_f1"] + 0.15, (got, base)
    assert got["top_group_agreement"] > base["top_group_agreement"] + 0.1, (got, base)


def test_the_built_in_model_is_as_good_as_its_card_says(english):
    assert isinstance(english, EnglishEmotionModel) and english.labels == list(GOEMOTIONS.labels)
    assert english.group_names() == KOTE.group_order and not english.uses_kiwi
    config = json.loads((ENGLISH_DATA_DIR / "gasa_engine.json").read_text(encoding="utf-8"))
    assert config["model_type"] == "english-linear" and config["metrics"]["model"]["macro_f1"] >= 0.45
    assert len(config["kote_calibration"]["shift"]) == len(KOTE) + len(KOTE.group_order)
    # shipped: least squares; the spread-keeping calibration and the others stay beside it for the benchmarks
    calibrations = json.loads((ENGLISH_DATA_DIR / "calibrations.json").read_text(encoding="utf-8"))
    assert {"stanzas", "stanzas-spread", "comments", "none"} <= set(calibrations)
    assert config["kote_calibration"] == calibrations["stanzas"]
    assert np.median(calibrations["stanzas-spread"]["scale"]) > np.median(calibrations["stanzas"]["scale"])
    assert (ENGLISH_DATA_DIR / "LICENSE").read_text().startswith("GoEmotions")
    card = (ENGLISH_DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "apache-2.0" in card and "GOEMOTIONS_TO_KOTE" in card
    sad, happy = english.predict([ENGLISH_SONG, HAPPY_ENGLISH])
    assert sad[GOEMOTIONS.index("sadness")] > happy[GOEMOTIONS.index("sadness")]
    assert happy[GOEMOTIONS.index("joy")] > sad[GOEMOTIONS.index("joy")]


def test_it_reloads_in_a_fresh_process_with_identical_outputs(english, tmp_path):
    saved = english.save_pretrained(tmp_path / "copy")
    expected = english.predict_with_groups([ENGLISH_SONG, HAPPY_ENGLISH])
    code = ("import json, sys; from hub.models.registry import load_predictor; m = load_predictor(sys.argv[1]); "
            "p, g = m.predict_with_groups(json.loads(sys.argv[2])); print(json.dumps([p.tolist(), g.tolist()]))")
    out = subprocess.run([sys.executable, "-c", code, str(saved), json.dumps([ENGLISH_SONG, HAPPY_ENGLISH])],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    probs, groups = json.loads(out.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(np.asarray(probs, np.float32), expected[0])
    np.testing.assert_array_equal(np.asarray(groups, np.float32), expected[1])


def test_a_song_gets_one_vector_whatever_its_languages(bilingual):
    korean = bilingual.korean
    readings = bilingual.read_songs([KOREAN_SONG, ENGLISH_SONG, MIXED_SONG, JAPANESE_ONLY, HAPPY_ENGLISH], stanzas=True)
    ko, en, mixed, japanese, happy = readings
    # a Korean-only song reads exactly as the Korean model alone reads it
    alone = korean.read_songs([KOREAN_SONG], stanzas=True)[0]
    np.testing.assert_array_equal(ko.probs, alone.probs)
    np.testing.assert_array_equal(ko.group_scores, alone.group_scores)
    np.testing.assert_array_equal(ko.stanza_probs, alone.stanza_probs)
    # English-only and mixed songs are read whole, in KOTE's labels, stanza by stanza
    assert en.status == SongStatus.OK and en.read_share == 1.0 and en.probs.shape == (44,)
    assert en.stanza_probs.shape == (2, 44) and mixed.stanza_probs.shape == (3, 44) and mixed.read_share == 1.0
    assert korean.read_songs([ENGLISH_SONG])[0].status == SongStatus.NO_KOREAN  # what the Korean model alone did
    # a sad English song reads sad in KOTE's groups, a happy one happy
    groups = KOTE.group_order
    assert en.group_scores[groups.index("슬픔")] > happy.group_scores[groups.index("슬픔")]
    assert happy.group_scores[groups.index("기쁨")] > en.group_scores[groups.index("기쁨")]
    # the mixed song's vector lies between its parts: its English stanza counts by its length
    np.testing.assert_allclose(mixed.stanza_probs[1], bilingual.predict_texts([ENGLISH_SONG.split("\n\n")[0]])[0],
                               rtol=1e-5)
    # nothing in either language: a status and a reason, not an exception
    assert japanese.status == SongStatus.NO_READABLE_LINES and "Korean" in japanese.message


def test_the_analysis_says_which_model_read_which_stanza(bilingual):
    analysis = bilingual.analyze(MIXED_SONG + "\n\n" + JAPANESE_ONLY)
    assert analysis.segment_languages == ["ko", "en", "ko", "", ""]  # JAPANESE_ONLY has two stanzas
    assert np.isnan(analysis.segment_probs[3:]).all() and np.isfinite(analysis.segment_probs[:3]).all()
    assert analysis.read_share < 1 and analysis.labels == list(KOTE.labels)


def test_the_english_model_joins_only_a_kote_model_and_can_be_left_out(english):
    assert isinstance(load_reader("gasa-korean-kote"), BilingualModel)
    assert not isinstance(load_reader("gasa-korean-kote", "none"), BilingualModel)
    # the 60-label dictionary has no place for KOTE readings: it reads alone
    assert not isinstance(load_reader("gasa-korean-engine"), BilingualModel)
    space = KoteSpace(english)
    assert space.calibrated and space.own_groups
    labels, groups = space(*english.predict_with_groups([ENGLISH_SONG]))
    assert labels.shape == (1, 44) and groups.shape == (1, 7) and np.isfinite(labels).all()


def test_the_spread_keeping_calibration_keeps_the_korean_spread_where_least_squares_shrinks_it():
    """Synthetic stanza pairs in log-odds: the English reading follows the Korean one loosely (r about 0.45), in
    one column against it. Least squares shrinks the calibrated English readings' spread to r times the Korean
    one's; the spread-keeping line gives them the Korean mean and standard deviation, and the floor slope where
    the readings disagree."""
    from scipy.special import expit, logit

    from training.train_english_goemotions import (CALIBRATIONS, calibration_from_stanzas,
                                                   calibration_from_stanzas_spread)

    rng = np.random.default_rng(0)
    korean = rng.normal(-2.0, 1.5, size=(2000, 3))
    english = 0.3 * korean + rng.normal(0.5, 0.8, size=korean.shape)
    english[:, 2] = -english[:, 2]  # a column where the English model reads the opposite
    pairs = expit(english), expit(korean)
    least, spread = calibration_from_stanzas(*pairs), calibration_from_stanzas_spread(*pairs)
    assert spread["kind"] == "stanzas-spread" and "stanzas-spread" in CALIBRATIONS

    def calibrated(calibration):
        return logit(pairs[0]) * np.asarray(calibration["scale"]) + np.asarray(calibration["shift"])

    sd_korean = korean.std(0)
    np.testing.assert_allclose(calibrated(spread)[:, :2].std(0), sd_korean[:2], rtol=1e-3)
    np.testing.assert_allclose(calibrated(spread)[:, :2].mean(0), korean[:, :2].mean(0), atol=1e-3)
    assert (calibrated(least)[:, :2].std(0) < 0.6 * sd_korean[:2]).all()  # shrunk by r
    assert spread["scale"][2] == least["scale"][2] == 0.1  # no positive relation: the floor


def test_the_trainer_writes_every_calibration_and_ships_the_one_asked_for(tmp_path):
    """A quick run (300 rows of each file): ``--calibration stanzas-spread`` goes into the config and the card,
    and calibrations.json holds it beside least squares, the comments' shift and none."""
    from training.train_english_goemotions import main

    assert main(["--limit", "300", "--calibration", "stanzas-spread", "--output", str(tmp_path / "model")]) == 0
    config = json.loads((tmp_path / "model" / "gasa_engine.json").read_text(encoding="utf-8"))
    calibrations = json.loads((tmp_path / "model" / "calibrations.json").read_text(encoding="utf-8"))
    assert set(calibrations) == {"none", "stanzas", "stanzas-spread", "comments"}
    assert config["kote_calibration"] == calibrations["stanzas-spread"]
    assert calibrations["stanzas"]["kind"] == "stanzas" and calibrations["stanzas"] != calibrations["stanzas-spread"]
    assert "Calibration (`stanzas-spread`)" in (tmp_path / "model" / "README.md").read_text(encoding="utf-8")


def test_evaluate_reads_goemotions_tsv(tmp_path):
    dev = read_goemotions_tsv(GOEMOTIONS_DIR / "dev.tsv")
    rows = dev.subset([i for i, t in enumerate(dev.texts) if '"' not in t][:300])  # no CSV quoting to write
    data = tmp_path / "sample.tsv"
    # the GoEmotions shape: text, comma-separated label ids, comment id; no header
    data.write_text("".join(f"{t.replace(chr(9), ' ')}\t{','.join(str(i) for i in np.flatnonzero(y))}\tid{k}\n"
                            for k, (t, y) in enumerate(zip(rows.texts, rows.targets))), encoding="utf-8")
    report = tmp_path / "report.json"
    out = subprocess.run([sys.executable, "-m", "training.evaluate", "--model", "gasa-english-goemotions",
                          "--data", str(data), "--labels", "goemotions", "--output", str(report)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    result = json.loads(report.read_text())["results"][0]
    assert result["rows"] == 300 and result["macro_f1"] > 0.3
