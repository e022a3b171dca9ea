"""Evaluation metrics: accuracy, F1, cross-entropy and the similarity-weighted score.

The similarity-weighted score of the source project:

    L = (1/N) * sum_i sum_j S[y_i, j] * P[i, j]

P holds one predicted distribution per row, y the true label ids and S a label-similarity matrix
(:mod:`hub.labels`). With S = identity, L is the mean probability given to the true label; with a
taxonomy S, probability put on a neighbouring emotion earns partial credit.

Multi-label sets (KOTE, GoEmotions) are scored with macro/micro F1 at per-label thresholds and the
mean binary cross-entropy. Top-group agreement compares models across label sets: the model's
top emotion group (:meth:`hub.labels.Taxonomy.group_score_matrix`) must be one of the groups of the
people's labels. When groups tie for the top (a text with no evidence gets equal scores everywhere)
the row earns the share of tied groups that are right, which is what a random pick among them
would score on average: a flat vector is scored at chance, never as a confident first group.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, average_precision_score, f1_score

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


def macro_average_precision(probs, targets) -> float:
    """Mean over labels with at least one positive row of the area under the precision-recall
    curve: how well each label's scores rank its rows, whatever the thresholds. Early in training
    no probability reaches 0.5 and F1 at 0.5 is 0 for every epoch; this still tells epochs apart."""
    probs = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(targets).astype(int)
    present = targets.sum(axis=0) > 0
    if not present.any():
        return 0.0
    return float(average_precision_score(targets[:, present], probs[:, present], average="macro"))


def binary_cross_entropy(probs, targets) -> float:
    """Mean binary cross-entropy over rows and labels (multi-label)."""
    probs = np.clip(np.asarray(probs, dtype=np.float64), EPS, 1 - EPS)
    targets = np.asarray(targets, dtype=np.float64)
    return float(-np.mean(targets * np.log(probs) + (1 - targets) * np.log(1 - probs)))


def top_group_agreement(group_scores, group_names, gold_groups) -> dict:
    """How often the top-scoring group is among the people's groups, ties scored at chance.

    Args:
        group_scores: ``(n, g)`` scores of the groups ``group_names`` per text.
        gold_groups: per text, the set of groups of its true labels; texts with none are skipped.
    Returns ``agreement``, the number of ``rows`` scored, and the ``majority_baseline`` of always
    answering the group that is most often gold (``majority_group``).
    """
    scores = np.asarray(group_scores, dtype=np.float64)
    names = list(group_names)
    rows = [i for i, gold in enumerate(gold_groups) if set(gold) & set(names)]
    if not rows:
        return {"agreement": float("nan"), "rows": 0, "majority_baseline": float("nan"), "majority_group": None}
    credit = []
    for i in rows:
        tied = np.flatnonzero(np.isclose(scores[i], scores[i].max(), rtol=0, atol=1e-9))
        credit.append(np.mean([names[j] in gold_groups[i] for j in tied]))
    counts = {g: sum(g in gold_groups[i] for i in rows) for g in names}
    majority = max(counts, key=counts.get)
    return {"agreement": float(np.mean(credit)), "rows": len(rows),
            "majority_baseline": counts[majority] / len(rows), "majority_group": majority}


def shared_group_agreement(group_scores, group_names, labels, taxonomy) -> dict:
    """:func:`top_group_agreement` over the groups of ``group_names`` that ``taxonomy`` shares with the
    other label sets (a group such as KOTE's ``기타`` is not a meaning two label sets share), against
    the groups of the true ``labels``; keys as the evaluation reports name them."""
    shared = [i for i, g in enumerate(group_names) if g in taxonomy.shared_groups]
    agreement = top_group_agreement(np.asarray(group_scores)[:, shared], [group_names[i] for i in shared],
                                    gold_groups(labels, taxonomy))
    return {"top_group_agreement": agreement["agreement"], "top_group_rows": agreement["rows"],
            "majority_group_baseline": agreement["majority_baseline"]}


def gold_groups(labels, taxonomy) -> list[set[str]]:
    """The shared groups (see :attr:`hub.labels.Taxonomy.shared_groups`) of each row's true labels:
    ``labels`` holds label ids ``(n,)`` or 0/1 rows ``(n, n_labels)``."""
    labels = np.asarray(labels)
    shared = set(taxonomy.shared_groups)
    rows = labels[:, None] if labels.ndim == 1 else [np.flatnonzero(row) for row in labels]
    return [{taxonomy.groups[j] for j in row} & shared for row in rows]


def tune_thresholds(probs, targets, grid=np.linspace(0.05, 0.95, 19)) -> np.ndarray:
    """Per-label decision thresholds that maximize each label's F1 on a validation set (0.5 for a
    label without positive rows there, where every threshold scores 0)."""
    probs = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(targets).astype(bool)
    best = np.full(probs.shape[1], 0.5)
    for j in range(probs.shape[1]):
        if not targets[:, j].any():  # nothing to learn a threshold from: keep the neutral 0.5
            continue
        pred = probs[:, j][None, :] >= grid[:, None]
        tp = (pred & targets[:, j]).sum(axis=1)
        f1 = 2 * tp / np.clip(pred.sum(axis=1) + targets[:, j].sum(), 1, None)
        best[j] = grid[int(np.argmax(f1))]
    return best
