"""The interface shared by every emotion model (see :mod:`hub.models`)."""
from __future__ import annotations

import numpy as np

from hub import reading
from hub.text.clean import LyricsError, check_lyrics
from hub.text.language import readable_part
from hub.text.segment import LINES_PER_BLOCK, split_stanzas


# what a model that found no line in its language(s) says, by its ``language``
NOTHING_TO_READ = {
    "ko": "these lyrics have no Korean line (Hangul), and {} reads Korean only.",
    "en": "these lyrics have no English line (Latin letters without Hangul), and {} reads English only.",
    "ko+en": "these lyrics have no line in Korean or English (Hangul or Latin letters) for {} to read.",
}


class ModelLoadError(RuntimeError):
    """A model folder or id that cannot be loaded; the message names it and the problem."""


class EmotionPredictor:
    """Interface shared by all emotion models: distributions over ``labels`` for texts.

    A model implements :meth:`predict_texts` (and may estimate group scores itself in
    :meth:`predict_with_groups`, or judge evidence in :meth:`has_evidence`); reading whole songs —
    cleaning, the part a model reads, stanzas, statuses — is the same for every model and lives in
    :mod:`hub.reading` (:meth:`read_songs`, :meth:`analyze`).

    Attributes:
        labels: label names, in output order.
        multi_label: independent sigmoids (True) or one distribution (False).
        language: ``"ko"`` for a model that reads Korean only (it is given the Korean lines), or
            None for one that reads any text.
        thresholds: per-label decision thresholds of a multi-label model (None: 0.5 each).
        name: what to call it in messages and reports.
        label_set: the name of the label set (:data:`hub.labels.TAXONOMIES`) every model of this class
            has, known before one is loaded; None where it depends on the model (a transformer).
        uses_kiwi: the model tokenizes Korean with Kiwi (:func:`hub.korean_text.get_kiwi`), which the
            app starts, with its own progress steps, before loading the model.
    """

    labels: list[str]
    multi_label: bool = False
    language: str | None = None
    thresholds: np.ndarray | None = None
    name: str = ""
    label_set: str | None = None
    uses_kiwi: bool = False

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """One distribution per (already cleaned) text, shape (len(texts), len(labels))."""
        raise NotImplementedError

    def predict_with_groups(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Label probabilities and, when the labels have groups, one score per group (columns in the
        order of :meth:`group_names`): by default the taxonomy's rule over the labels
        (:meth:`hub.labels.Taxonomy.group_score_matrix`); a model may estimate them itself."""
        probs = self.predict_texts(texts, progress=progress)
        taxonomy = self.taxonomy()
        return probs, None if taxonomy is None else taxonomy.group_score_matrix(probs)

    def predict_with_stanzas(self, texts: list[str], progress: bool = False
                             ) -> tuple[np.ndarray, np.ndarray | None, list[np.ndarray]]:
        """:meth:`predict_with_groups` plus, per (already cleaned, readable) text, the distributions of its
        stanzas (:func:`hub.text.segment.split_stanzas`), ``(n_stanzas, n_labels)``. Here the stanzas are
        scored in one more batch; a model that reads texts stanza by stanza anyway returns the ones it scored."""
        probs, groups = self.predict_with_groups(texts, progress=progress)
        pieces, starts = [], [0]
        for text in texts:
            pieces += split_stanzas(text)
            starts.append(len(pieces))
        scores = self.predict_texts(pieces) if pieces else np.zeros((0, len(self.labels)), np.float32)
        return probs, groups, [scores[a:b] for a, b in zip(starts, starts[1:])]

    def taxonomy(self):
        from hub.labels import taxonomy_for_labels

        return taxonomy_for_labels(self.labels)

    def group_names(self) -> list[str] | None:
        taxonomy = self.taxonomy()
        return None if taxonomy is None else taxonomy.group_order

    def has_evidence(self, probs: np.ndarray) -> np.ndarray:
        """Per row of ``probs``: did the model find emotional evidence? A single-label model always
        commits to a label; a multi-label one needs a label other than "no emotion" at or above
        its threshold."""
        probs = np.atleast_2d(probs)
        if not self.multi_label:
            return np.ones(len(probs), dtype=bool)
        passed = probs >= (0.5 if self.thresholds is None else np.asarray(self.thresholds))
        taxonomy = self.taxonomy()
        if taxonomy is not None and taxonomy.no_emotion is not None:
            passed[:, taxonomy.index(taxonomy.no_emotion)] = False
        return passed.any(axis=1)

    def to(self, device) -> str:
        """Run on ``device`` where this model can; returns where it scores, in words. Only transformer
        models run on a GPU (:meth:`hub.models.transformer.TransformerEmotionPredictor.to`)."""
        return "cpu" if str(device) == "cpu" else "cpu (this model does not run on a GPU)"

    def readable(self, lyrics: str) -> tuple[str, float]:
        """Clean and check ``lyrics``; the part this model reads and its share (see
        :func:`hub.text.language.readable_part`). Raises :class:`LyricsError` when nothing is left to read."""
        return self.readable_text(check_lyrics(lyrics))

    def readable_text(self, text: str) -> tuple[str, float]:
        """:meth:`readable` for text already cleaned."""
        part, share = readable_part(text, self.language)
        if not part:
            raise LyricsError(NOTHING_TO_READ.get(self.language, NOTHING_TO_READ["ko"]).format(self.name or "this model"))
        return part, share

    def predict(self, lyrics: list[str], progress: bool = False) -> np.ndarray:
        """Song-level distributions for raw lyrics (cleaned, checked and cut to what the model reads)."""
        return self.predict_texts([self.readable(t)[0] for t in lyrics], progress=progress)

    def read_songs(self, lyrics: list[str], progress: bool = False, stanzas: bool = False) -> list[reading.SongReading]:
        """One :class:`hub.reading.SongReading` per song (see :func:`hub.reading.read_songs`)."""
        return reading.read_songs(self, lyrics, progress=progress, stanzas=stanzas)

    def analyze(self, lyrics: str, lines_per_block: int = LINES_PER_BLOCK) -> reading.LyricsAnalysis:
        """The song's distribution and its emotion arc (see :func:`hub.reading.analyze`)."""
        return reading.analyze(self, lyrics, lines_per_block=lines_per_block)
