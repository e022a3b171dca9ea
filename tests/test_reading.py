"""A song's reading: the emotions that stand out against a typical song, and the per-text weighted mean."""
import numpy as np
import pytest

from hub.labels import KOTE
from hub.reading import LyricsAnalysis, mean_per_text


def analysis_of(probs) -> LyricsAnalysis:
    return LyricsAnalysis(labels=list(KOTE.labels), probs=np.asarray(probs, dtype=np.float32))


def test_the_emotions_that_stand_out_are_the_ones_above_a_typical_song():
    typical = np.full(len(KOTE), 0.2)
    typical[KOTE.index("안타까움/실망")] = 0.5  # what every chart song has
    song = typical.copy()
    song[KOTE.index("안타까움/실망")] = 0.55  # the highest probability, but ordinary
    song[KOTE.index("화남/분노")] = 0.45      # lower, and far above the typical song
    song[KOTE.index("짜증")] = 0.3
    reading = analysis_of(song)
    assert reading.top(1)[0][0] == "안타까움/실망"
    out = reading.standing_out(typical)
    assert [label for label, _, _ in out] == ["화남/분노", "짜증"]
    assert out[0][2] == pytest.approx(np.log(0.45 / 0.55) - np.log(0.2 / 0.8))
    assert analysis_of(typical).standing_out(typical) == []  # a typical song has nothing that stands out


def test_mean_per_text_weighs_each_text_s_pieces_by_length():
    scores = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], dtype=np.float32)
    out = mean_per_text(scores, [3, 1, 2], [0, 2, 3])
    np.testing.assert_allclose(out, [[0.75, 0.25], [0.5, 0.5]])
    with pytest.raises(ValueError):
        mean_per_text(scores, [1, 1, 1], [0, 0, 3])  # a text without pieces has no mean
