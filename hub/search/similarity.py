"""Similarity measures: how alike a query's emotion vector and a catalog song's are, one class per measure.

A measure is a small value (its options, e.g. ``top1_weight``) that reads one of the catalog's vector
spaces (``space``: ``probs``, ``centred``, ``arc``, ``story`` or ``emotion_story``, built by :class:`hub.search.vectors.Spaces`) and scores
catalog songs in it, ``score(vectors, q, rows)``, as float32 (higher = more alike; ``q`` is the query in
the same space). It also says what the indexes of :mod:`hub.search.index` may do for it:

* ``is_inner_product``: the score is the inner product of the query's and the song's unit vectors in its
  space, so an HNSW graph built over that space's unit vectors serves it;
* ``upper_bound(vectors, q)``: optionally, a :class:`CoordinateBound` that lets exact search skip the
  songs that cannot reach the top (``None``: every song is scored).

Adding a measure is one class here decorated with :func:`register`: ``Recommender.recommend(method=name)``,
``hub.recommender.METHODS``, the Space's similarity choices (:func:`choices`, with the class's ``label``)
and ``python -m hub.catalog_views --method`` read :data:`SIMILARITIES`; :data:`DEFAULT` is the default
of all of them. A measure is built with the recommender's measure options as keywords (``top1_weight``
today) and takes those it reads.

The measures:

* ``emotion_story`` (the default where the catalog and the query have stories): ``0.5 x centred + 0.5 x story``
  (:mod:`hub.search.story`), what the songs feel and what they are about. On 4,016 real chart songs blind
  raters (language models) judged its first recommendation emotionally closer to the query than a character
  TF-IDF neighbour's in 158 of 260 judgements, than centred's in 47 of 81 and than a random song's in 230 of 269;
  the top-10's same-genre share rose from 0.33 (centred) to 0.37 (README, "Similarity").
* ``story``: what the lyrics are about alone: the cosine of the two songs' story vectors.
* ``centred`` (:data:`FALLBACK`, the default for a catalog built before story vectors and for a query given
  as an emotion vector without lyrics): the cosine of the two emotion distributions after subtracting the catalog's
  mean profile (:class:`hub.search.vectors.CatalogStats`). Raw distributions all share the profile every
  song has (a classifier's base rates), so raw cosines crowd near 1 (on 3,895 real chart songs: random
  pairs median 0.88, a song's nearest neighbour 0.98); centred, two typical songs score about 0, songs that
  depart from the typical song the same way near 1, opposite ways below 0 (random pairs 0.00, nearest
  neighbour 0.85).
* ``cosine``: cosine similarity of the two emotion distributions.
* ``weighted``: the query's most likely emotion ``j`` counts ``top1_weight`` times (default 2) in
  *both* vectors before the cosine: ``cos(q * w_j, x * w_j)`` with ``w_j = top1_weight`` at ``j`` and 1
  elsewhere. Songs that share the query's dominant emotion rise.
* ``arc``: songs whose emotion *moves* alike through the song, whatever its level: the cosine of the two
  songs' arcs (:func:`hub.search.vectors.arc_vectors`: each stanza's deviation from its song's mean
  stanza, along the catalog's main directions of movement, read at 8 evenly spaced points of the song).
  Resampling to fixed points, rather than aligning stanzas (DTW), compares the songs' shapes position by
  position (opening, middle, ending), keeps the measure an inner product (the same indexes serve it) and
  costs one pass over 64 numbers per song. Songs of one stanza have no arc and are not returned.

Cosine and weighted are one formula (:class:`TopEmotionCosine`): with ``c = top1_weight**2 - 1`` (``0``
for cosine), ``(q * w_j) . (x * w_j) = q . x + c q_j x_j`` and ``|x * w_j|**2 = |x|**2 + c x_j**2``, so
scoring songs is one matrix-vector product plus per-song arithmetic on precomputed squared norms;
nothing is reweighted or copied per query. Centred, arc, story and emotion_story are plain cosines over their space (emotion_story's rows are unit
length, so the cosine is the blend itself).
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from hub.search.vectors import CatalogVectors, Spaces


class CoordinateBound:
    """An upper bound on a query's scores that depends on one coordinate ``u`` of a song's unit vector, the
    one on emotion ``axis``: every song scoring at least ``floor`` has ``u`` within ``interval(floor)``, and
    the bound is highest at ``u = peak`` (where the best songs are looked for first)."""

    axis: int
    peak: float

    def interval(self, floor: float) -> tuple[float, float]:
        raise NotImplementedError


class Similarity:
    """A similarity measure; subclasses set ``name`` (the registry key), ``label`` (the UI's, Korean /
    English) and implement :meth:`score`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    space: ClassVar[str] = "probs"  # which of hub.search.vectors.Spaces it reads
    is_inner_product: ClassVar[bool] = False

    def __init__(self, **options):
        """Built with the recommender's measure options as keywords (``top1_weight``); a measure takes the
        ones it reads and ignores the others."""

    def score(self, catalog: CatalogVectors, q: np.ndarray, rows=None) -> np.ndarray:
        """float32 similarity of query vector ``q`` to the songs ``rows`` (an index array; None: every song)."""
        raise NotImplementedError

    def upper_bound(self, catalog: CatalogVectors, q: np.ndarray) -> CoordinateBound | None:
        return None

    def allowed(self, spaces: Spaces) -> np.ndarray | None:
        """Which songs this measure can score at all (None: every song)."""
        return None


SIMILARITIES: dict[str, type[Similarity]] = {}


def register(cls: type[Similarity]) -> type[Similarity]:
    """Class decorator: make the measure available under ``cls.name`` (in registration order)."""
    if not cls.name or cls.name in SIMILARITIES:
        raise ValueError(f"a similarity needs a name not yet taken, got {cls.name!r}")
    SIMILARITIES[cls.name] = cls
    return cls


def choices() -> list[tuple[str, str]]:
    """``(label, name)`` of every registered measure, for a UI's radio or dropdown."""
    return [(cls.label, name) for name, cls in SIMILARITIES.items()]


class _TurningBound(CoordinateBound):
    """:class:`TopEmotionCosine`'s bound. Write ``u = x_j / |x|`` for a song's unit vector on the query's top
    emotion ``j``. By Cauchy-Schwarz the other coordinates add at most ``|q_rest| |x| sqrt(1 - u**2)`` to the
    dot product, so ``score <= (sqrt(1 + c) q_j u, sqrt(1 - u**2)) / sqrt(1 + c u**2) . (sqrt(1 + c) q_j,
    |q_rest|) / |q'|``: a unit vector turning with ``u`` dotted with a fixed one ``g``, ``|g| cos(phi(u) -
    phi_g)``. The songs whose bound reaches a floor thus have ``u`` in one interval."""

    def __init__(self, q: np.ndarray, c: float):
        q64 = q.astype(np.float64)
        # weighted cosine: the weighted emotion; plain cosine: any axis is valid, and the query's largest
        # coordinate in size (a centred vector's may be negative) leaves the narrowest interval
        self.axis = j = int(np.argmax(q64)) if c else int(np.argmax(np.abs(q64)))
        total = float(q64 @ q64)
        q_norm = np.sqrt(max(total + c * q64[j] ** 2, 1e-24))
        a, b = np.sqrt(1.0 + c) * q64[j] / q_norm, np.sqrt(max(total - q64[j] ** 2, 0.0)) / q_norm
        self.c = c
        self.g, self.phi_g = np.hypot(a, b), np.arctan2(b, a)  # phi(u) falls from pi (u = -1) to 0 (u = 1)
        self.peak = self._u_at(self.phi_g)

    def _u_at(self, phi):
        phi = min(max(phi, 0.0), np.pi)
        return np.cos(phi) / np.sqrt(np.cos(phi) ** 2 + (1.0 + self.c) * np.sin(phi) ** 2)

    def interval(self, floor):
        ratio = floor / max(self.g, 1e-300)
        if ratio <= -1.0:
            return -np.inf, np.inf
        theta = np.arccos(min(ratio, 1.0))
        return self._u_at(self.phi_g + theta), self._u_at(self.phi_g - theta)


class TopEmotionCosine(Similarity):
    """``cos(q * w_j, x * w_j)``, the query's top emotion ``j`` weighted by ``sqrt(1 + extra)``; see the module
    docstring. Not registered itself: :class:`Cosine` (``extra`` 0) and :class:`WeightedCosine` are."""

    def __init__(self, extra: float):
        self.extra = float(extra)  # ``c``: how much more the query's top emotion counts (0 for cosine)

    def score(self, catalog, q, rows=None):
        """``(q.x + c q_j x_j) / (|x'| |q'|)`` with ``|x'|**2 = |x|**2 + c x_j**2``: ``cos(q * w_j, x * w_j)``
        without building the reweighted vectors."""
        c = self.extra
        j = int(np.argmax(q))  # unused when c == 0
        q_norm = np.sqrt(max(float(q @ q) + c * float(q[j]) ** 2, 1e-24))
        if rows is None:
            # one pass over the catalog gives both q'.x and x_j (a column of the row-major matrix alone
            # would touch every cache line of it: 8 ms at 1,000,000 songs)
            query = np.zeros((len(q), 2), dtype=np.float32)
            query[:, 0], query[j, 1] = q, 1.0
            query[j, 0] += np.float32(c * q[j])
            both = catalog.vectors @ query
            dot, xj, sq, norms = both[:, 0], both[:, 1], catalog.sq_norms, catalog.norms
        else:
            x = np.take(catalog.vectors, rows, axis=0)  # 2-3x faster than vectors[rows]
            dot, xj, sq, norms = x @ q, x[:, j], catalog.sq_norms[rows], catalog.norms[rows]
            if c:
                dot += np.float32(c * q[j]) * xj
        if c:
            norms = np.sqrt(np.maximum(sq + np.float32(c) * (xj * xj), np.float32(1e-24)))
        sims = dot / norms
        sims *= np.float32(1.0 / q_norm)
        return sims

    def upper_bound(self, catalog, q):
        return _TurningBound(q, self.extra)


@register
class Cosine(TopEmotionCosine):
    name = "cosine"
    label = "코사인 / Cosine"
    is_inner_product = True

    def __init__(self, **_options):
        super().__init__(0.0)


@register
class WeightedCosine(TopEmotionCosine):
    # not an inner product of the unit vectors, even at top1_weight 1: the graph is never used for it
    name = "weighted"
    label = "가중 코사인 / Weighted cosine"

    def __init__(self, top1_weight: float = 2.0, **_options):
        super().__init__(float(top1_weight) ** 2 - 1.0)


@register
class Centred(Cosine):
    """Cosine over the centred space: the distributions minus the catalog's mean profile."""

    name = "centred"
    label = "중심화 코사인 / Centred cosine"
    space = "centred"


@register
class Arc(Cosine):
    """Cosine of the songs' arcs (see the module docstring); songs without an arc are not scored."""

    name = "arc"
    label = "감정 흐름 / Emotional arc"
    space = "arc"

    def allowed(self, spaces):
        return spaces.has_arc()


@register
class Story(Cosine):
    """Cosine of the songs' story vectors; songs without a story are not scored."""

    name = "story"
    label = "이야기 / Story"
    space = "story"

    def allowed(self, spaces):
        return spaces.has_story()


@register
class EmotionStory(Cosine):
    """``(1 - w) x`` centred emotion cosine ``+ w x`` story cosine, one inner product (see
    :class:`hub.search.vectors.Spaces`); a song without a story scores ``sqrt(1 - w)`` x its centred cosine."""

    name = "emotion_story"
    label = "감정 + 이야기 / Emotion + story"
    space = "emotion_story"


DEFAULT = EmotionStory.name
FALLBACK = Centred.name  # the default where there is no story to compare (see the module docstring)
