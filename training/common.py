"""What the trainers share.

* Multi-label training: ``python -m training.train_qlora`` (GoEmotions) and ``python -m training.train_classifier
  --labels kote`` both weight each label's positives in the BCE with :func:`pos_weights` and score the validation
  rows with :func:`evaluate` (at 0.5 and at per-label thresholds tuned there, whose values the saved model keeps).
* The lyric stanzas written for gasa (:data:`LYRIC_STANZAS`): the Korean trainers (``train_korean_kote``, and
  ``train_classifier --labels kote``) fit them beside KOTE's comments (:func:`load_stanzas`, :func:`with_stanzas`)
  and report how often the top group of held-out stanzas is the one they were written with
  (:func:`stanza_agreement`); ``train_english_goemotions`` splits their English translations the same way.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from hub.labelled_data import LabelledTexts, LyricStanzas, read_lyric_stanzas
from hub.labels import KOTE
from hub.metrics import multilabel_scores, tune_thresholds

LYRIC_STANZAS = Path(__file__).resolve().parent / "data" / "gasa_lyric_stanzas.jsonl"
# Each stanza is fitted this many times beside the comments: twice lifted the top group's agreement with
# blind raters on real chart lyrics as much as four times did (README "Reading lyrics"), at half the cost.
STANZA_REPEATS = 2


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


def load_stanzas(source: str, holdout: float, seed: int, limit: int = 0):
    """``(fitted stanzas, held-out stanzas, all stanzas, a sentence for the card)``; all None without stanzas."""
    if str(source).lower() in ("", "none"):
        return None, None, None, ""
    stanzas = read_lyric_stanzas(source)
    if limit:
        stanzas = stanzas.subset(range(min(limit, len(stanzas))))
    order = np.random.default_rng(seed).permutation(len(stanzas))
    n_held = int(round(holdout * len(stanzas)))
    fit, held = stanzas.subset(np.sort(order[n_held:])), stanzas.subset(np.sort(order[:n_held]))
    return fit, held, stanzas, (f"; and {len(stanzas):,} lyric stanzas written for gasa (`{Path(source).name}`), "
                                f"{len(held):,} held out the same way")


def with_stanzas(rows: LabelledTexts, stanzas: LyricStanzas | None, repeats: int) -> LabelledTexts:
    """Comments and stanzas in one fitting set, each stanza ``repeats`` times."""
    if stanzas is None or not len(stanzas) or repeats < 1:
        return rows
    return LabelledTexts(rows.texts + stanzas.rows.texts * repeats,
                         np.vstack([rows.labels] + [stanzas.rows.labels] * repeats), KOTE, rows.source)


def stanza_agreement(group_scores, stanzas: LyricStanzas, group_names=KOTE.group_order) -> dict:
    """How often the top group (among the emotion groups, not 기타) is a held-out stanza's group by design."""
    shared = [group_names.index(g) for g in KOTE.shared_groups]
    top = np.asarray(group_scores)[:, shared].argmax(axis=1)
    return {"stanza_group_agreement": float(np.mean([KOTE.shared_groups[t] == g for t, g in zip(top, stanzas.groups)])),
            "stanza_rows": len(stanzas)}
