import numpy as np
import pytest

from hub.labels import AIHUB, BREAKUP, GOEMOTIONS, taxonomy_similarity, similarity_matrix
from hub.metrics import classification_scores, cross_entropy, multilabel_scores, similarity_weighted_score, tune_thresholds


def test_aihub_table_follows_e_code_order():
    assert len(AIHUB) == 60 and AIHUB.group_order == ["분노", "슬픔", "불안", "상처", "당황", "기쁨"]
    assert AIHUB.index("E10") == 0 and AIHUB.labels[AIHUB.index("E18")] == "노여워하는"
    assert AIHUB.labels[AIHUB.index("E45")] == "가난한, 불우한"
    assert AIHUB.group_of("E51") == "당황" and AIHUB.labels[41] == "고립된(당황한)"
    assert len(GOEMOTIONS) == 28 and GOEMOTIONS.labels[27] == "neutral"
    assert BREAKUP.labels == ("슬픔", "부정", "분노", "무관심")


def test_unknown_labels_are_named():
    with pytest.raises(KeyError, match="E99"):
        AIHUB.index("E99")
    with pytest.raises(KeyError, match="outside 0-27"):
        GOEMOTIONS.index(28)


def test_identity_score_is_mean_true_label_probability():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]])
    y = np.array([0, 2, 0])
    assert similarity_weighted_score(p, y, np.eye(3)) == pytest.approx((0.7 + 0.6 + 0.25) / 3)


def test_similarity_weighted_score_by_hand():
    p = np.array([[0.5, 0.5, 0.0], [0.0, 0.2, 0.8]])
    y = np.array([0, 1])
    s = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 1.0]])
    # row 0: 1*0.5 + 0.5*0.5 = 0.75; row 1: 1*0.2 + 0.25*0.8 = 0.4
    assert similarity_weighted_score(p, y, s) == pytest.approx((0.75 + 0.4) / 2)


def test_taxonomy_similarity_gives_partial_credit_within_group():
    s = taxonomy_similarity(AIHUB)
    assert s[0, 0] == 1 and s[0, 9] == 0.5 and s[0, 10] == 0 and np.allclose(s, s.T)
    p = np.zeros((1, 60)); p[0, 3] = 1.0  # all mass on 짜증내는, truth 분노
    assert similarity_weighted_score(p, [0], s) == 0.5
    assert similarity_weighted_score(p, [0], similarity_matrix("identity", AIHUB)) == 0.0


def test_classification_scores_and_cross_entropy():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    y = np.array([0, 1, 1])
    scores = classification_scores(p, y, np.eye(2))
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert cross_entropy(p, y) == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4])))
    with pytest.raises(ValueError, match="label ids"):
        classification_scores(p, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="S must be"):
        similarity_weighted_score(p, y, np.eye(3))


def test_tuned_thresholds_separate_labels():
    probs = np.array([[0.3, 0.9], [0.25, 0.8], [0.1, 0.2], [0.05, 0.7]])
    targets = np.array([[1, 1], [1, 1], [0, 0], [0, 1]])
    t = tune_thresholds(probs, targets)
    assert 0.1 < t[0] <= 0.25 and 0.2 < t[1] <= 0.7


def test_macro_average_precision_tells_epochs_apart_when_f1_at_half_cannot():
    from hub.metrics import macro_average_precision

    targets = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]])
    ranked = np.array([[0.3, 0.1, 0.2], [0.1, 0.4, 0.2], [0.2, 0.1, 0.3], [0.1, 0.1, 0.1]])
    shuffled = ranked[::-1]
    # no probability reaches 0.5: F1 at 0.5 is 0 for both, average precision is not
    assert multilabel_scores(ranked, targets)["macro_f1"] == multilabel_scores(shuffled, targets)["macro_f1"] == 0
    assert macro_average_precision(ranked, targets) == pytest.approx(1.0)  # label 2 has no positives: left out
    assert macro_average_precision(shuffled, targets) < 0.7
