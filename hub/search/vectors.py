"""The catalog's vectors as every measure and index reads them.

* :class:`CatalogVectors`: one float32 row-major matrix with each row's squared norm and norm computed
  once (any vectors: the songs' emotion distributions, or a measure's transform of them);
* :class:`Stanzas`: each song's per-stanza emotion vectors, flat, with offsets;
* :class:`CatalogStats`: what the similarity scale knows about the catalog as a whole (its mean profile,
  the directions its stanzas move along), computed from the vectors and stored with the dataset
  (:mod:`hub.song_dataset`);
* :class:`Spaces`: the vectors each measure is an inner product over (``probs``, ``centred``, ``arc``,
  ``story``, ``emotion_story``), built once per catalog on first use, and how a new query is put into them;
* :func:`one_blas_thread`: the rule that products with them run on one BLAS thread.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

# An arc is read at this many evenly spaced points of the song (a typical song has 6-12 stanzas).
ARC_POINTS = 8
# ... along this many directions (the catalog's main directions of stanza-to-stanza movement): 8 x 8 = 64
# numbers per song, so a scan of 1,000,000 arcs reads 256 MB (~20 ms), where all 44-60 labels at 8 points
# would read 1.4-1.9 GB (over 100 ms).
ARC_COMPONENTS = 8
# The story's share of the emotion + story space (hub.search.story): chosen by blind raters among 0.3, 0.5 and 1
# (README, "Similarity"; the figures of other weights: benchmarks/story_view.py).
STORY_WEIGHT = 0.5


class CatalogVectors:
    """``(n_songs, dim)`` float32 vectors (rows in catalog order) with ``sq_norms`` and ``norms``."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.sq_norms = np.einsum("ij,ij->i", self.vectors, self.vectors)
        self.norms = np.maximum(np.sqrt(self.sq_norms), np.float32(1e-12))

    def __len__(self) -> int:
        return len(self.vectors)


class Stanzas:
    """Every song's per-stanza vectors in one float32 array: song ``i``'s are
    ``vectors[offsets[i]:offsets[i + 1]]`` (in song order; a song may have none)."""

    def __init__(self, vectors: np.ndarray, offsets: np.ndarray):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        if self.offsets[0] != 0 or self.offsets[-1] != len(self.vectors) or np.any(np.diff(self.offsets) < 0):
            raise ValueError("stanza offsets must rise from 0 to the number of stanza vectors")

    @classmethod
    def from_lists(cls, per_song, n_labels: int) -> "Stanzas":
        """From one ``(n_stanzas, n_labels)`` array (or None: no stanzas) per song."""
        arrays = [np.zeros((0, n_labels), np.float32) if a is None else np.asarray(a, np.float32).reshape(-1, n_labels)
                  for a in per_song]
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])])
        return cls(np.concatenate(arrays) if arrays else np.zeros((0, n_labels), np.float32), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def of(self, song: int) -> np.ndarray:
        return self.vectors[self.offsets[song]:self.offsets[song + 1]]

    def select(self, rows) -> "Stanzas":
        """The stanzas of songs ``rows``, in that order."""
        return Stanzas.from_lists([self.of(int(r)) for r in rows], self.vectors.shape[1])

    def deviations_projected(self, basis: np.ndarray) -> np.ndarray:
        """Each stanza's deviation from its song's mean stanza, on the rows of ``basis`` (``(r, L)``):
        ``(n_stanzas, r)``. The projection is linear, so it is taken first and the means over r numbers."""
        proj = self.vectors @ basis.T.astype(np.float32)
        counts = self.counts
        song = np.repeat(np.arange(len(self)), counts)
        sums = np.zeros((len(self), proj.shape[1]), np.float64)
        for c in range(proj.shape[1]):  # per column: np.add.at is slow on millions of rows
            sums[:, c] = np.bincount(song, weights=proj[:, c], minlength=len(self))
        means = (sums / np.maximum(counts, 1)[:, None]).astype(np.float32)
        return proj - means[song]


@dataclass
class CatalogStats:
    """What the similarity scale knows about the catalog as a whole.

    Attributes:
        mean: ``(L,)`` the mean emotion profile of the catalog's songs (those with emotional evidence):
            a typical song. Centred measures subtract it, so two typical songs score about 0.
        arc_basis: ``(r, L)`` the directions along which the catalog's stanzas move most within a song
            (principal axes of each stanza's deviation from its song's mean stanza); the arc measure
            reads a song's arc along them. None when the catalog has no stanza vectors.
        n_songs: the songs the statistics were computed from.
    """

    mean: np.ndarray
    arc_basis: np.ndarray | None = None
    n_songs: int = 0

    @classmethod
    def compute(cls, vectors: np.ndarray, stanzas: Stanzas | None = None, use=None,
                components: int = ARC_COMPONENTS) -> "CatalogStats":
        """From the songs' vectors (the rows ``use`` allows, a boolean mask; all if None or none allowed) and,
        when given, their stanzas. Means in float64, so the result does not depend on the row order's rounding."""
        vectors = np.asarray(vectors, dtype=np.float32)
        use = np.ones(len(vectors), bool) if use is None or not np.any(use) else np.asarray(use, bool)
        mean = vectors[use].astype(np.float64).mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1])
        basis = None
        if stanzas is not None and len(stanzas.vectors) and np.any(stanzas.counts[use] > 1):
            # covariance of the within-song deviations, accumulated by blocks of songs (bounded memory)
            dim = vectors.shape[1]
            cov = np.zeros((dim, dim))
            off, keep = stanzas.offsets, np.repeat(use & (stanzas.counts > 1), stanzas.counts)
            for start in range(0, len(stanzas), 100_000):
                end = min(start + 100_000, len(stanzas))
                part = Stanzas(stanzas.vectors[off[start]:off[end]], off[start:end + 1] - off[start])
                dev = part.deviations_projected(np.eye(dim, dtype=np.float32))[keep[off[start]:off[end]]]
                dev = dev.astype(np.float64)
                cov += dev.T @ dev
            values, axes = np.linalg.eigh(cov)  # ascending
            axes = axes[:, ::-1][:, :min(components, dim)].T
            # a fixed sign per axis (its largest coordinate positive), so the same catalog gives the same basis
            axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])[:, None]
            basis = axes
        return cls(mean=mean, arc_basis=basis, n_songs=int(use.sum()))

    def to_dict(self) -> dict:
        return {"mean": [float(x) for x in self.mean], "n_songs": self.n_songs,
                "arc_basis": None if self.arc_basis is None else [[float(x) for x in row] for row in self.arc_basis]}

    @classmethod
    def from_dict(cls, data: dict, n_labels: int) -> "CatalogStats":
        mean = np.asarray(data["mean"], dtype=np.float64)
        basis = None if data.get("arc_basis") is None else np.asarray(data["arc_basis"], dtype=np.float64)
        if mean.shape != (n_labels,) or (basis is not None and (basis.ndim != 2 or basis.shape[1] != n_labels)):
            raise ValueError(f"catalog statistics for {len(mean)} labels, but the vectors have {n_labels}")
        return cls(mean=mean, arc_basis=basis, n_songs=int(data.get("n_songs", 0)))


def arc_vectors(stanzas: Stanzas, basis: np.ndarray, points: int = ARC_POINTS) -> np.ndarray:
    """Each song's arc, ``(n_songs, points * r)``: its stanzas' deviations from the song's mean stanza, along
    ``basis``, read at ``points`` evenly spaced positions of the song (linear interpolation between
    neighbouring stanzas; the first and last stanza are the ends). A song with fewer than two stanzas
    has no movement: a row of zeros."""
    dev = stanzas.deviations_projected(basis)
    counts = stanzas.counts
    r = dev.shape[1]
    pos = np.linspace(0.0, 1.0, points)[None, :] * np.maximum(counts - 1, 0)[:, None]
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0)[:, None])
    frac = (pos - lo).astype(np.float32)[..., None]
    has = counts > 1
    first = stanzas.offsets[:-1][:, None]
    out = np.zeros((len(counts), points, r), np.float32)
    if len(dev):
        lo_rows, hi_rows = np.where(has[:, None], first + lo, 0), np.where(has[:, None], first + hi, 0)
        out = dev[lo_rows] * (1 - frac) + dev[hi_rows] * frac
        out[~has] = 0.0
    return out.reshape(len(counts), points * r)


class SpaceUnavailable(ValueError):
    """A measure's space was asked for where it does not exist; the message says why and what to do."""


class ArcUnavailable(SpaceUnavailable):
    """The arc measure was asked for where no arc exists (no stanza vectors, or a one-stanza song)."""


class StoryUnavailable(SpaceUnavailable):
    """A story measure was asked for where no story exists (a catalog without story vectors, a query without
    lyrics or a view to read them with)."""


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (rows of zeros stay zeros)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 1e-12)


class Spaces:
    """The vectors each measure is an inner product (or a function) over, built once on first use:

    * ``probs``: the songs' emotion distributions;
    * ``centred``: the distributions minus the catalog's mean profile (``stats.mean``);
    * ``arc``: each song's arc (:func:`arc_vectors`), from its stanzas along ``stats.arc_basis``;
    * ``story``: each song's story vector (:mod:`hub.search.story`: unit length, zeros for no story);
    * ``emotion_story``: ``[sqrt(1 - w) x unit centred emotion, sqrt(w) x story]`` with ``w = STORY_WEIGHT``:
      the inner product of two songs' rows is ``(1 - w) x`` their centred cosine ``+ w x`` their story cosine.
    """

    NAMES = ("probs", "centred", "arc", "story", "emotion_story")
    # dense spaces, no coordinate of which dominates a song: a bound on one coordinate
    # (:class:`hub.search.index.BoundPruned`) would leave most songs to score, so none is built or used for them
    UNBOUNDED = ("story", "emotion_story")
    STORY_SPACES = ("story", "emotion_story")  # a query needs a story vector in these

    def __init__(self, probs: np.ndarray, stats: CatalogStats, stanzas: Stanzas | None = None,
                 story: np.ndarray | None = None):
        self.stats, self.stanzas = stats, stanzas
        self._built = {"probs": CatalogVectors(probs)}
        self.mean32 = np.asarray(stats.mean, dtype=np.float32)
        self._has_story = np.zeros(len(probs), bool)
        if story is not None:
            story = np.asarray(story, dtype=np.float32)
            if story.ndim != 2 or len(story) != len(probs):
                raise ValueError(f"story vectors of shape {story.shape} for {len(probs)} songs")
            self._built["story"] = CatalogVectors(story)
            self._has_story = self._built["story"].sq_norms > 0
        self._has_story.setflags(write=False)

    @property
    def has_stories(self) -> bool:
        return "story" in self._built

    @staticmethod
    def story_problem() -> str:
        """Why this catalog has no stories."""
        return ("story similarity is unavailable for this catalog: it holds no story vectors (built before they were "
                "stored, and without lyrics to compute them from). Rebuild it with `python -m "
                "training.build_song_vectors`.")

    def has_story(self) -> np.ndarray:
        """Per song, whether it has a story vector (lyrics with the view's n-grams); computed once, as the default
        measure asks it of every query (and of every song, in ``neighbours``). Read-only."""
        return self._has_story

    @property
    def probs(self) -> CatalogVectors:
        return self._built["probs"]

    @property
    def has_arcs(self) -> bool:
        return self.stanzas is not None and self.stats.arc_basis is not None

    def arc_problem(self) -> str | None:
        """Why this catalog has no arcs (None when it has)."""
        if self.stanzas is None:
            return ("arc similarity is unavailable for this catalog: it holds no per-stanza vectors (built before "
                    "they were stored). Rebuild it with `python -m training.build_song_vectors`.")
        if self.stats.arc_basis is None:
            return "arc similarity is unavailable for this catalog: no song has two or more stanzas."
        return None

    def get(self, name: str) -> CatalogVectors:
        """The catalog's vectors in space ``name``."""
        if name not in self._built:
            if name == "centred":
                self._built[name] = CatalogVectors(self.probs.vectors - self.mean32)
            elif name == "arc":
                if not self.has_arcs:
                    raise ArcUnavailable(self.arc_problem())
                self._built[name] = CatalogVectors(arc_vectors(self.stanzas, self.stats.arc_basis))
            elif name == "emotion_story":
                self._built[name] = CatalogVectors(self.blend(self.get("centred").vectors, self.get("story").vectors))
            elif name == "story":
                raise StoryUnavailable(self.story_problem())
            else:
                raise ValueError(f"unknown vector space {name!r}: one of {', '.join(self.NAMES)}")
        return self._built[name]

    def has_arc(self) -> np.ndarray:
        """Per song, whether it has an arc (two or more stanzas)."""
        return self.stanzas.counts > 1 if self.has_arcs else np.zeros(len(self.probs), bool)

    @staticmethod
    def blend(centred: np.ndarray, story: np.ndarray) -> np.ndarray:
        """Rows of the ``emotion_story`` space from centred emotion vectors and unit story vectors."""
        return np.hstack([np.float32(np.sqrt(1.0 - STORY_WEIGHT)) * unit_rows(centred),
                          np.float32(np.sqrt(STORY_WEIGHT)) * np.asarray(story, np.float32)])

    def embed(self, name: str, q: np.ndarray, stanzas: np.ndarray | None = None,
              story: np.ndarray | None = None) -> np.ndarray:
        """A query given as an emotion distribution ``q`` (and, for ``arc``, its stanza vectors; for ``story`` and
        ``emotion_story``, its story vector) in space ``name``."""
        if name in self.STORY_SPACES:
            if not self.has_stories:
                raise StoryUnavailable(self.story_problem())
            if story is None or not np.any(story):
                raise StoryUnavailable("the story measures need the query's story vector (from its lyrics)")
            story = np.asarray(story, np.float32).reshape(1, -1)
            if name == "story":
                return story[0]
            return self.blend((q - self.mean32).reshape(1, -1), story)[0]
        if name == "probs":
            return q
        if name == "centred":
            return q - self.mean32
        if name == "arc":
            if not self.has_arcs:
                raise ArcUnavailable(self.arc_problem())
            if stanzas is None or len(stanzas) < 2:
                raise ArcUnavailable("arc similarity needs the query's stanzas (two or more): query with a catalog "
                                     "song, or lyrics of several stanzas")
            one = Stanzas.from_lists([stanzas], len(q))
            return arc_vectors(one, self.stats.arc_basis)[0]
        raise ValueError(f"unknown vector space {name!r}: one of {', '.join(self.NAMES)}")


def one_blas_thread():
    """One BLAS thread for a query: a matrix-vector product is memory-bound, and on a busy machine
    OpenBLAS threads waiting on each other made a 20,000-song query 100x slower (33 ms vs 0.3 ms)."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        except ImportError:
            _BLAS = False
    return _BLAS.limit(limits=1, user_api="blas") if _BLAS else contextlib.nullcontext()


_BLAS = None
