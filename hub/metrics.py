"""Evaluation metrics: accuracy, F1, cross-entropy and the similarity-weighted score.

The similarity-weighted score of the source project:

    L = (1/N) * sum_i sum_j S[y_i, j] * P[i, j]

P holds one predicted distribution per row, y the true label ids and S a label-similarity matrix
(:mod:`hub.labels`). With S = identity, L is the mean probability given to the true label; with a
taxonomy S, probability put on a neighbouring emotion earns partial credit.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

EPS = 1e-12


def _check(probs, y, num_labels: int | None = None):
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y)
    if probs.ndim != 2:
        raise ValueError(f"P must be 2-d (rows x labels), got shape {probs.shape}")
    if y.shape != (probs.shape[0],):
        raise ValueError(f"y must hold one label id per row of P: {y.shape} vs {probs.shape[0]} rows")
    n = num_labels or probs.shape[1]
    if y.size and (y.min() < 0 or y.max() >= n):
        raise ValueError(f"label ids must be in 0-{n - 1}; found {y.min()}-{y.max()}")
    return probs, y.astype(int)


def similarity_weighted_score(probs, y, similarity) -> float:
    """``mean_i sum_j S[y_i, j] * P[i, j]``."""
    probs, y = _check(probs, y)
    s = np.asarray(similarity, dtype=np.float64)
    if s.shape != (probs.shape[1], probs.shape[1]):
        raise ValueError(f"S must be {probs.shape[1]}x{probs.shape[1]} to match P, got {s.shape}")
    return float(np.mean(np.sum(s[y] * probs, axis=1)))


def cross_entropy(probs, y) -> float:
    """Mean negative log-probability of the true label (probabilities renormalized per row)."""
    probs, y = _check(probs, y)
    probs = probs / np.clip(probs.sum(axis=1, keepdims=True), EPS, None)
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], EPS, 1.0))))


def classification_scores(probs, y, similarity=None) -> dict[str, float]:
    """Accuracy, macro/micro F1 (over the labels present in y or predicted), cross-entropy, and
    the similarity-weighted score when ``similarity`` is given."""
    probs, y = _check(probs, y)
    pred = probs.argmax(axis=1)
    scores = {
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
        "micro_f1": float(f1_score(y, pred, average="micro", zero_division=0)),
        "cross_entropy": cross_entropy(probs, y),
    }
    if similarity is not None:
        scores["similarity_weighted"] = similarity_weighted_score(probs, y, similarity)
    return scores


def multilabel_scores(probs, targets, thresholds=0.5) -> dict[str, float]:
    """Macro and micro F1 of multi-label predictions ``probs >= thresholds`` against 0/1 targets."""
    probs = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(targets).astype(int)
    pred = (probs >= np.asarray(thresholds)).astype(int)
    return {
        "macro_f1": float(f1_score(targets, pred, average="macro", zero_division=0)),
        "micro_f1": float(f1_score(targets, pred, average="micro", zero_division=0)),
    }


def tune_thresholds(probs, targets, grid=np.linspace(0.05, 0.95, 19)) -> np.ndarray:
    """Per-label decision thresholds that maximize each label's F1 on a validation set."""
    probs = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(targets).astype(bool)
    best = np.full(probs.shape[1], 0.5)
    for j in range(probs.shape[1]):
        pred = probs[:, j][None, :] >= grid[:, None]
        tp = (pred & targets[:, j]).sum(axis=1)
        f1 = 2 * tp / np.clip(pred.sum(axis=1) + targets[:, j].sum(), 1, None)
        best[j] = grid[int(np.argmax(f1))]
    return best
