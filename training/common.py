"""What the two fine-tuning commands share, for multi-label training: ``python -m training.train_qlora``
(GoEmotions) and ``python -m training.train_classifier --labels kote`` both weight each label's positives
in the BCE with :func:`pos_weights` and score the validation rows with :func:`evaluate` (at 0.5 and at
per-label thresholds tuned there, whose values the saved model keeps)."""
from __future__ import annotations

import numpy as np

from hub.metrics import multilabel_scores, tune_thresholds


def pos_weights(targets: np.ndarray, power: float, cap: float) -> np.ndarray:
    """(negatives/positives)^power per label, between 1 and ``cap``."""
    pos = targets.sum(axis=0)
    neg = len(targets) - pos
    return np.clip((neg / np.maximum(pos, 1)) ** power, 1.0, cap).astype(np.float32)


def evaluate(probs: np.ndarray, targets: np.ndarray, seed: int = 0) -> tuple[dict, np.ndarray]:
    """Scores at 0.5 and at per-label thresholds tuned on these rows, plus an honest estimate.

    ``*_tuned`` tunes and scores on the same rows (what the saved thresholds achieve on the
    validation file); ``macro_f1_tuned_heldout`` tunes on one half and scores the other (both
    ways, averaged), which is what to expect on unseen rows.
    """
    thresholds = tune_thresholds(probs, targets)
    at_half = multilabel_scores(probs, targets, 0.5)
    tuned = multilabel_scores(probs, targets, thresholds)
    half = np.random.default_rng(seed).permutation(len(probs))
    a, b = half[: len(half) // 2], half[len(half) // 2:]
    heldout = np.mean([
        multilabel_scores(probs[y], targets[y], tune_thresholds(probs[x], targets[x]))["macro_f1"]
        for x, y in ((a, b), (b, a))
    ])
    scores = {
        "macro_f1@0.5": at_half["macro_f1"], "micro_f1@0.5": at_half["micro_f1"],
        "macro_f1_tuned": tuned["macro_f1"], "micro_f1_tuned": tuned["micro_f1"],
        "macro_f1_tuned_heldout": float(heldout),
    }
    return scores, thresholds
