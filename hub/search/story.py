"""The story view: what a song's lyrics are about, as a short unit vector beside its emotion.

Emotion alone finds songs that feel alike in the abstract; two songs can share a feeling and little else
(a breakup ballad and a soldier's farewell). The story view adds what the words are about: the song's
character 2-3-grams within words (``char_wb``: Korean stems and particles, English words alike, no
morpheme analyser needed), TF-IDF (sublinear; n-grams in at least 3 songs and at most 30 % of them, the
20,000 most frequent), reduced by LSA to ``STORY_DIMENSIONS`` directions fitted on the catalog's own
lyrics, centred on the catalog's mean and made unit length. Two typical songs then score about 0, two
songs about the same thing near 1, like the centred emotion measure.

The emotion + story measure (:class:`hub.search.similarity.EmotionStory`, gasa's default) scores
``(1 - STORY_WEIGHT) x centred emotion cosine + STORY_WEIGHT x story cosine``, one inner product over the
vectors ``[sqrt(1 - w) x emotion, sqrt(w) x story]``, so the same indexes serve it.

Measured on 4,016 real chart songs (``python benchmarks/story_view.py``; raters were language models, not
people): the top-10's same-genre share rose from 0.327 (emotion alone) to 0.369 (weight 0.5), and blind raters
preferred the blend's first recommendation to a character TF-IDF neighbour's (158 of 260 judgements), to emotion
alone's (47 of 81) and to a random song's (230 of 269) (README, "Similarity"). Kiwi morphemes instead of
character n-grams measured no better (same genre 0.363) and cost a second morpheme pass over every song (55 s of
CPU for 4,016 songs, against 6 s).

The fitted view travels beside the dataset (``story_view.safetensors``, :data:`STORY_FILE`): new lyrics
(the app's pasted lyrics) are put into the catalog's story space with it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# STORY_WEIGHT lives with the space it weighs (hub.search.vectors); importable from here too
from hub.search.vectors import STORY_WEIGHT, unit_rows  # noqa: F401

STORY_FILE = "story_view.safetensors"
STORY_FORMAT = "gasa-story-view/1"
STORY_DIMENSIONS = 64  # 128 measured no better (same-genre share 0.357 vs 0.361) and doubles the scan
NGRAM_RANGE = (2, 3)
MAX_FEATURES = 20_000
# the view is fitted on at most this many songs, evenly spaced through the catalog (the LSA directions of a
# large catalog settle long before a million songs; fitting stays seconds)
FIT_SONGS = 20_000
# below this many songs an n-gram in 3 songs is rare evidence: every n-gram counts (a demo catalog)
SMALL_CATALOG = 100


class StoryViewError(ValueError):
    """A story view that cannot be fitted or read; the message says why."""


class StoryView:
    """A fitted story view: lyrics in, ``(n, dimensions)`` float32 unit vectors out.

    Args:
        vocabulary: the n-grams, in column order.
        idf: ``(V,)`` their inverse document frequencies (scikit-learn's smooth idf).
        components: ``(dimensions, V)`` the LSA directions.
        mean: ``(dimensions,)`` the mean of the fitted songs' projections, subtracted before unit length.
        ngram_range: the character n-gram lengths within words.
        n_songs: the songs it was fitted on.
    """

    def __init__(self, vocabulary, idf, components, mean, ngram_range=NGRAM_RANGE, n_songs: int = 0):
        self.vocabulary = list(vocabulary)
        # C order: safetensors writes an array's buffer as it lies (LSA's components come Fortran-ordered)
        self.idf = np.ascontiguousarray(idf, dtype=np.float32)
        self.components = np.ascontiguousarray(components, dtype=np.float32)
        self.mean = np.ascontiguousarray(mean, dtype=np.float32)
        self.ngram_range = tuple(int(n) for n in ngram_range)
        self.n_songs = int(n_songs)
        if (self.idf.shape != (len(self.vocabulary),) or self.components.ndim != 2
                or self.components.shape[1] != len(self.vocabulary) or self.mean.shape != (self.components.shape[0],)):
            raise StoryViewError(f"a story view needs idf ({len(self.vocabulary)},), components (d, "
                                 f"{len(self.vocabulary)}) and mean (d,); got {self.idf.shape}, "
                                 f"{self.components.shape}, {self.mean.shape}")
        self._vectorizer = None

    def __getstate__(self):  # pickled without the vectorizer and its memory of words (rebuilt on first use)
        return {**self.__dict__, "_vectorizer": None}

    @property
    def dimensions(self) -> int:
        return self.components.shape[0]

    @staticmethod
    def _new_vectorizer(**options):
        from hub.kote_model import WordwiseCharTfidf  # counts each distinct word's n-grams once

        return WordwiseCharTfidf(analyzer="char_wb", sublinear_tf=True, dtype=np.float32, **options)

    @classmethod
    def fit(cls, lyrics: list[str], dimensions: int = STORY_DIMENSIONS, max_features: int = MAX_FEATURES,
            fit_songs: int = FIT_SONGS, seed: int = 0) -> "StoryView":
        """Fit the view on a catalog's lyrics (empty ones left out; at most ``fit_songs`` of them, see
        :func:`fit_positions`). Raises :class:`StoryViewError` when the lyrics hold too little text for any
        direction."""
        from sklearn.decomposition import TruncatedSVD

        lyrics = list(lyrics)
        texts = [t for t in (lyrics[i] for i in fit_positions(len(lyrics), fit_songs)) if t and t.strip()]
        if len(texts) < 2:
            raise StoryViewError(f"no story view from {len(texts)} song(s) with lyrics: a catalog needs at least two")
        small = len(texts) < SMALL_CATALOG
        vectorizer = cls._new_vectorizer(ngram_range=NGRAM_RANGE, max_features=max_features,
                                          min_df=1 if small else 3, max_df=1.0 if small else 0.3)
        try:
            counts = vectorizer.fit_transform(texts)
        except ValueError as e:  # no n-gram left
            raise StoryViewError(f"no story view from {len(texts)} songs' lyrics: {e}") from None
        # at most a quarter as many directions as songs: with as many as songs, each song is a direction of its
        # own and no two share a story (32 demo songs: a song's best story match 0.08 at 31 directions, 0.71 at 8)
        dims = min(dimensions, counts.shape[1] - 1, max(1, len(texts) // 4))
        if dims < 1:
            raise StoryViewError(f"no story view from {len(texts)} songs with {counts.shape[1]} n-grams: "
                                 "a catalog needs at least two songs with lyrics")
        # n_iter 3: 2 and 5 iterations gave the same same-genre share on real lyrics (0.357, 0.356); fewer is faster
        svd = TruncatedSVD(dims, n_iter=3, random_state=seed).fit(counts)
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        view = cls(vocabulary, vectorizer.idf_, svd.components_, np.zeros(dims), NGRAM_RANGE, len(texts))
        projected = counts @ view.components.T
        view.mean = np.ascontiguousarray(projected[counts.getnnz(axis=1) > 0].mean(axis=0), dtype=np.float32).reshape(-1)
        return view

    def transform(self, lyrics: list[str]) -> np.ndarray:
        """``(len(lyrics), dimensions)`` float32 unit vectors; a row of zeros for lyrics with none of the view's
        n-grams (no story to compare)."""
        if self._vectorizer is None:
            vectorizer = self._new_vectorizer(ngram_range=self.ngram_range,
                                              vocabulary={g: i for i, g in enumerate(self.vocabulary)})
            vectorizer.idf_ = self.idf.astype(np.float64)
            self._vectorizer = vectorizer
        counts = self._vectorizer.transform([t or "" for t in lyrics])
        out = np.asarray(counts @ self.components.T, dtype=np.float32).reshape(len(lyrics), self.dimensions)
        out -= self.mean
        out[counts.getnnz(axis=1) == 0] = 0.0  # no n-gram: no story, not the catalog's mean reversed
        return unit_rows(out)

    def save(self, path) -> Path:
        """One safetensors file: the arrays as tensors, the settings and vocabulary in its metadata."""
        from safetensors.numpy import save_file

        path = Path(path)
        save_file({"idf": self.idf, "components": self.components, "mean": self.mean}, str(path),
                  metadata={"format": STORY_FORMAT, "ngram_range": json.dumps(list(self.ngram_range)),
                            "n_songs": str(self.n_songs), "vocabulary": json.dumps(self.vocabulary, ensure_ascii=False)})
        return path

    @classmethod
    def load(cls, path) -> "StoryView":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="numpy") as f:
                meta = f.metadata() or {}
                if meta.get("format") != STORY_FORMAT:
                    raise StoryViewError(f"{path} is not a gasa story view (format {meta.get('format')!r}, "
                                         f"expected {STORY_FORMAT!r})")
                arrays = {k: f.get_tensor(k) for k in ("idf", "components", "mean")}
            return cls(json.loads(meta["vocabulary"]), arrays["idf"], arrays["components"], arrays["mean"],
                       json.loads(meta["ngram_range"]), int(meta.get("n_songs", 0)))
        except StoryViewError:
            raise
        except Exception as e:  # noqa: BLE001 - a damaged or foreign file: say which and what to do
            raise StoryViewError(f"{path} cannot be read as a story view ({type(e).__name__}: {e}); rebuild the "
                                 "catalog with `python -m training.build_song_vectors`") from None


def fit_positions(n_songs: int, fit_songs: int = FIT_SONGS) -> np.ndarray:
    """The positions of a catalog's songs the story view is fitted on: all of them up to ``fit_songs``, else that
    many evenly spaced (an engine that holds the songs in blocks, such as the Ray build, reads just these)."""
    if n_songs <= fit_songs:
        return np.arange(n_songs)
    return np.unique(np.linspace(0, n_songs - 1, fit_songs).round().astype(np.int64))


def story_vectors(view: StoryView | None, lyrics: list[str], batch: int = 2_000, progress: bool = False) -> np.ndarray | None:
    """Every song's story vector under ``view`` (None without a view), in batches so a large catalog's
    n-gram matrix is never whole in memory."""
    if view is None:
        return None
    from tqdm.auto import tqdm

    out = np.zeros((len(lyrics), view.dimensions), np.float32)
    for start in tqdm(range(0, len(lyrics), batch), desc="story", unit="batch", disable=not progress):
        out[start:start + batch] = view.transform(lyrics[start:start + batch])
    return out
