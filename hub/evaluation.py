"""The scorer that compares emotion models on a labelled set: the Space's evaluation tab and
``python -m training.evaluate`` both call :func:`evaluate`. Figures per model:

* single-label sets: accuracy, macro/micro F1, cross-entropy and the similarity-weighted score
  ``L = mean_i sum_j S[y_i, j] P[i, j]``;
* multi-label sets: macro/micro F1 at the model's own per-label thresholds (0.5 where it has none)
  and at 0.5, and the mean binary cross-entropy;
* both: top-group agreement, how often the model's top emotion group is among the groups of the
  true labels (groups tied for the top score at chance; see :mod:`hub.metrics`).

A model over another label set whose groups are the data's (the 60-label AI-Hub models on KOTE
data, which share the six groups) is compared on top-group agreement only. Rows a model cannot
read (a Korean model given a text without Hangul) count as "no answer": probabilities 0 (multi-label)
or uniform (single-label); the report says how many there were.
"""
from __future__ import annotations

import numpy as np

from hub.labelled_data import read_labelled
from hub.labels import AIHUB, Taxonomy, similarity_matrix
from hub.metrics import binary_cross_entropy, classification_scores, multilabel_scores, shared_group_agreement
from hub.models.base import EmotionPredictor
from hub.models.registry import load_predictor


class LabelMismatchError(ValueError):
    pass


def same_labels(predictor: EmotionPredictor, taxonomy: Taxonomy) -> bool:
    """The model scores exactly the data's labels, in order (``LABEL_i`` / E-code names accepted)."""
    if len(predictor.labels) != len(taxonomy):
        return False
    return all(a == b or str(a).upper() in (f"LABEL_{i}", taxonomy.codes[i] if taxonomy.codes else "")
               for i, (a, b) in enumerate(zip(predictor.labels, taxonomy.labels)))


def check_labels(predictor: EmotionPredictor, taxonomy: Taxonomy, data_source: str) -> bool:
    """True when the model scores the data's labels; False when it can only be compared by group
    (its taxonomy's groups are the data's shared groups); otherwise a clear error."""
    if same_labels(predictor, taxonomy):
        return True
    own = predictor.taxonomy()
    if own is not None and taxonomy.shared_groups and set(own.shared_groups) == set(taxonomy.shared_groups):
        return False
    if len(predictor.labels) != len(taxonomy):
        raise LabelMismatchError(
            f"model {predictor.name} has {len(predictor.labels)} labels but {data_source} uses the "
            f"{len(taxonomy)} {taxonomy.name} labels; evaluate it on data with its own label set (--labels)."
        )
    i, a, b = next((i, a, b) for i, (a, b) in enumerate(zip(predictor.labels, taxonomy.labels)) if a != b)
    raise LabelMismatchError(
        f"model {predictor.name} names label {i} {a!r} where {taxonomy.name} has {b!r}: the label order differs.")


def score_model(predictor: EmotionPredictor, texts: list[str], labels: np.ndarray, taxonomy: Taxonomy,
                s: np.ndarray | None, comparable: bool) -> dict:
    """The figures of one model on the rows (see the module docstring)."""
    readings = predictor.read_songs(texts, progress=True)
    unread = [r for r in readings if not r.scored]
    n_labels = len(predictor.labels)
    no_answer = np.zeros(n_labels) if predictor.multi_label else np.full(n_labels, 1 / n_labels)
    probs = np.stack([r.probs if r.scored else no_answer for r in readings])
    names = predictor.group_names() or []
    row = {"model": predictor.name, "rows": len(texts), "unread_rows": len(unread)}
    if comparable:
        if taxonomy.multi_label:
            at_own = multilabel_scores(probs, labels, predictor.thresholds if predictor.thresholds is not None else 0.5)
            at_half = multilabel_scores(probs, labels, 0.5)
            row.update(macro_f1=at_own["macro_f1"], micro_f1=at_own["micro_f1"], **{"macro_f1@0.5": at_half["macro_f1"]},
                       bce=binary_cross_entropy(probs, labels))
        else:
            row.update(classification_scores(probs, labels, s))
    if any(g in taxonomy.shared_groups for g in names):
        flat = np.zeros(len(names))  # an unread row: every group tied, scored at chance
        groups = np.stack([r.group_scores if r.scored else flat for r in readings])
        row.update(shared_group_agreement(groups, names, labels, taxonomy))
    return row


def evaluate(model_names, data_path, similarity: str = "taxonomy", similarity_model: str | None = None,
             taxonomy: Taxonomy = AIHUB, predictors: dict | None = None):
    """Scores per model (list of dicts) and the S matrix used."""
    data = read_labelled(data_path, taxonomy)
    predictors = predictors or {}
    comparable = {}
    for name in model_names:
        if name not in predictors:
            predictors[name] = load_predictor(name)
        comparable[name] = check_labels(predictors[name], taxonomy, data.source)
    model, tokenizer = None, None
    if similarity == "embedding":
        if similarity_model:
            source = predictors.get(similarity_model) or load_predictor(similarity_model)
        else:  # the first transformer model being evaluated
            source = next((p for p in predictors.values() if hasattr(p, "tokenizer")), None)
        if source is None or not hasattr(source, "tokenizer"):
            raise ValueError("the embedding similarity needs a transformer model: pass --similarity-model")
        model, tokenizer = source.model, source.tokenizer
    s = similarity_matrix(similarity, taxonomy, model=model, tokenizer=tokenizer)
    rows = [score_model(predictors[name], data.texts, data.labels, taxonomy, s, comparable[name]) | {"model": name}
            for name in model_names]
    return rows, s
