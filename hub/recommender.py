"""Songs whose lyrics feel alike: top-k neighbours of emotion vectors.

Similarity (one place for it: :meth:`Recommender._scores`, and the bound in
:meth:`Recommender._bounded` that decides which songs need scoring):

* ``cosine``: cosine similarity of the two emotion distributions.
* ``weighted``: the query's most likely emotion ``j`` counts ``top1_weight`` times (default 2) in
  *both* vectors before the cosine: ``cos(q * w_j, x * w_j)`` with ``w_j = top1_weight`` at ``j`` and 1
  elsewhere. Songs that share the query's dominant emotion rise.

Both are one formula: with ``c = top1_weight**2 - 1`` (``0`` for cosine), ``(q * w_j) . (x * w_j) =
q . x + c q_j x_j`` and ``|x * w_j|**2 = |x|**2 + c x_j**2``, so scoring songs is one matrix-vector
product plus per-song arithmetic on precomputed squared norms; nothing is reweighted or copied per
query.

The query song itself is never recommended, and neither is a song whose vector holds no emotional
evidence (``recommendable`` False, from the dataset's ``status`` column): vectors without evidence
sit close to each other and to the catalog's average, and would otherwise crowd the top of many
lists. Filters for "digging": ``exclude_same_artist`` and ``min_year_gap`` (only songs released at
least that many years before or after the query).

Search, by how many songs the filters allow (counted first, one vectorized mask):

* none: an empty result at once;
* few (at most ``GATHER_MAX`` songs): exactly, over those songs only;
* more, ``cosine`` with an index: the Faiss HNSW graph over the unit vectors, searched with the filter
  as an ID selector, proposes candidates (exact search if it finds too few);
* otherwise exactly (:meth:`Recommender._scan`): from ``PRUNE_MIN`` songs only those that an upper
  bound leaves in reach of the top (a few thousand of 1,000,000 classifier-like vectors) are scored;
  where the bound prunes too little (flat vectors), every song is, in one pass (~15 ms at 1,000,000).

Every path scores its final candidates with the same formula and breaks ties by catalog order, so
the paths differ only where the graph misses a neighbour. ``weighted`` never uses the graph (it is
built for plain cosine). ``index="auto"`` builds the index from ``INDEX_THRESHOLD`` songs up.
"""
from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd

from hub.song_dataset import TOP_LABELS

SONG_COLUMNS = ["song_id", "title", "artist", "year"]
RESULT_COLUMNS = SONG_COLUMNS + ["similarity", "top_labels"]
METHODS = ("cosine", "weighted")
INDEX_THRESHOLD = 50_000
# Filters that allow at most this many songs are answered exactly over the allowed songs only:
# gathering and scoring 50,000 rows costs ~2 ms, while the HNSW graph, searched with a selective
# filter, walks ever more disallowed nodes (and loses recall) before it finds k allowed ones.
GATHER_MAX = 50_000
# From this many songs, exact search over the catalog skips the songs a bound proves cannot reach the
# top (see Recommender._bounded); it keeps, per emotion, the songs sorted by that coordinate of their
# unit vector (8 bytes per song and emotion: 480 MB and ~8 s to build for 1,000,000 x 60).
PRUNE_MIN = 100_000
# The bound is not used when it leaves more than this share of the catalog to score (flat vectors,
# e.g. i.i.d. uniform coordinates): one pass over every song is cheaper then.
PRUNE_MAX_SHARE = 0.125
# Scores within this of the k-th are kept as candidates and re-scored, so float32 rounding in a bound
# or a scan never decides which of two (near-)tied songs is returned.
SCORE_SLACK = 1e-4
# The same for a song's stored unit-vector coordinate (float32) in the bound.
COORD_SLACK = 1e-5


class RecommenderError(ValueError):
    """A request the recommender cannot answer; the message says why."""


class EmptyCatalogError(RecommenderError):
    """The catalog holds no songs."""


class UnknownSongError(RecommenderError):
    """A song id that is not in the catalog."""


class VectorShapeError(RecommenderError):
    """A vector (or catalog) whose length does not match the labels."""


def _one_blas_thread():
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


def _songs_frame(songs, n: int) -> pd.DataFrame:
    frame = songs.copy() if isinstance(songs, pd.DataFrame) else pd.DataFrame(list(songs))
    if len(frame) != n:
        raise VectorShapeError(f"{n} vectors but {len(frame)} songs: give one vector per song")
    if n == 0:
        frame = pd.DataFrame(columns=SONG_COLUMNS)
    missing = [c for c in ("song_id", "title", "artist") if c not in frame.columns]
    if missing:
        raise RecommenderError(f"the song table lacks column(s) {', '.join(missing)}; it needs {', '.join(SONG_COLUMNS)}")
    if "year" not in frame.columns:
        frame["year"] = None
    frame = frame[SONG_COLUMNS].reset_index(drop=True)
    frame["song_id"] = frame["song_id"].astype(str)
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    dupes = frame["song_id"][frame["song_id"].duplicated()].unique()
    if len(dupes):
        raise RecommenderError(f"duplicate song ids in the catalog: {', '.join(dupes[:5])}")
    return frame


class Recommender:
    """Top-k similar songs over a catalog of emotion vectors.

    Args:
        vectors: ``(n_songs, n_labels)`` emotion distributions.
        songs: the songs in vector order, as dicts or a DataFrame with ``song_id, title, artist, year``.
        labels: label names, in vector order.
        index: ``"exact"``, ``"faiss"`` (HNSW) or ``"auto"`` (Faiss from ``INDEX_THRESHOLD`` songs).
        hnsw_m, ef_search: HNSW graph degree and search breadth (higher = closer to exact, slower).
        recommendable: per song, whether it may appear in other songs' results (default all).
    """

    def __init__(self, vectors, songs, labels, index: str = "auto", hnsw_m: int = 32, ef_search: int = 128,
                 recommendable=None):
        self.labels = list(labels)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or (vectors.size and vectors.shape[1] != len(self.labels)):
            raise VectorShapeError(f"vectors have shape {vectors.shape}; expected (n_songs, {len(self.labels)}) "
                                   f"for {len(self.labels)} labels")
        vectors = vectors.reshape(len(vectors), len(self.labels))
        if not np.isfinite(vectors).all():
            raise VectorShapeError(f"row {int(np.argwhere(~np.isfinite(vectors))[0, 0])} of the vectors holds NaN or inf")
        self.songs = _songs_frame(songs, len(vectors))
        self.vectors = np.ascontiguousarray(vectors)
        self._sq_norms = np.einsum("ij,ij->i", self.vectors, self.vectors)
        self._norms = np.maximum(np.sqrt(self._sq_norms), np.float32(1e-12))
        self._order, self._coord = self._sort_by_emotion() if len(vectors) >= PRUNE_MIN else (None, None)
        self._row = {sid: i for i, sid in enumerate(self.songs["song_id"])}
        self.recommendable = np.ones(len(vectors), dtype=bool) if recommendable is None else \
            np.asarray(recommendable, dtype=bool).reshape(-1)
        if self.recommendable.shape != (len(vectors),):
            raise VectorShapeError(f"recommendable has {self.recommendable.shape[0]} values for {len(vectors)} songs")
        # Artists as integer codes (case and surrounding spaces ignored): comparing 1,000,000 strings per
        # query took tens of ms; comparing int32 codes takes well under one.
        artists = self.songs["artist"].astype(str).str.strip().str.casefold().to_numpy()
        codes, uniques = pd.factorize(artists)
        self._artist_codes = codes.astype(np.int32)
        self._artist_code = {a: i for i, a in enumerate(uniques)}
        self._years = self.songs["year"].to_numpy(dtype=float, na_value=np.nan)
        self._columns = {c: self.songs[c].to_numpy(dtype=object) for c in ("song_id", "title", "artist")}
        self._columns["year"] = self.songs["year"].to_numpy(dtype=object, na_value=None)
        if index not in ("exact", "faiss", "auto"):
            raise ValueError(f"unknown index {index!r}: use 'exact', 'faiss' or 'auto'")
        self.index_kind = ("faiss" if len(vectors) >= INDEX_THRESHOLD else "exact") if index == "auto" else index
        self.ef_search = ef_search
        self._index = None
        if self.index_kind == "faiss" and len(vectors):
            self.build_index(hnsw_m)

    @classmethod
    def from_dataset(cls, ds, **kwargs) -> "Recommender":
        """A recommender over a song-vector dataset (see :mod:`hub.song_dataset`)."""
        from hub.song_dataset import song_labels, song_statuses, song_vectors

        songs = ds.select_columns(SONG_COLUMNS).to_pandas() if len(ds) else pd.DataFrame(columns=SONG_COLUMNS)
        kwargs.setdefault("recommendable", [s == "ok" for s in song_statuses(ds)])
        return cls(song_vectors(ds), songs, song_labels(ds), **kwargs)

    def __len__(self) -> int:
        return len(self.vectors)

    def build_index(self, hnsw_m: int = 32, ef_construction: int = 40) -> None:
        """Build the Faiss HNSW index over the unit vectors and search with it from now on."""
        import faiss

        index = faiss.IndexHNSWFlat(self.vectors.shape[1], hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(self.vectors / self._norms[:, None])  # the unit vectors live in the index only
        self._index, self.index_kind = index, "faiss"

    # --- scoring ------------------------------------------------------------------------------

    def _check_vector(self, vector) -> np.ndarray:
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != len(self.labels):
            raise VectorShapeError(f"the query vector has {q.shape[0]} values but the catalog's model has "
                                   f"{len(self.labels)} labels: use a vector from the same model")
        if not np.isfinite(q).all() or not q.any():
            raise VectorShapeError("the query vector is all zeros or holds NaN/inf")
        return q

    @staticmethod
    def _extra(method: str, top1_weight: float) -> float:
        """``c`` in the one formula: how much more the query's top emotion counts (0 for cosine)."""
        return float(top1_weight) ** 2 - 1.0 if method == "weighted" else 0.0

    def scores(self, q: np.ndarray, rows=None, method: str = "cosine", top1_weight: float = 2.0) -> np.ndarray:
        """Similarity of query vector ``q`` to the catalog songs ``rows`` (all songs if None)."""
        with _one_blas_thread():
            return self._scores(np.asarray(q, dtype=np.float32).reshape(-1), rows, self._extra(method, top1_weight))

    def _scores(self, q, rows, c):
        """The similarity, for both methods: ``(q.x + c q_j x_j) / (|x'| |q'|)`` with ``|x'|**2 = |x|**2 + c x_j**2``
        (``j`` the query's top emotion, ``c = top1_weight**2 - 1``, or 0 for cosine): ``cos(q * w_j, x * w_j)``
        without building the reweighted vectors. ``rows``: index array, or None for the whole catalog."""
        j = int(np.argmax(q))
        q_norm = np.sqrt(max(float(q @ q) + c * float(q[j]) ** 2, 1e-24))
        if rows is None:
            # one pass over the catalog gives both q'.x and x_j (a column of the row-major matrix alone
            # would touch every cache line of it: 8 ms at 1,000,000 songs)
            query = np.zeros((len(q), 2), dtype=np.float32)
            query[:, 0], query[j, 1] = q, 1.0
            query[j, 0] += np.float32(c * q[j])
            both = self.vectors @ query
            dot, xj, sq, norms = both[:, 0], both[:, 1], self._sq_norms, self._norms
        else:
            x = np.take(self.vectors, rows, axis=0)  # 2-3x faster than self.vectors[rows]
            dot, xj, sq, norms = x @ q, x[:, j], self._sq_norms[rows], self._norms[rows]
            if c:
                dot += np.float32(c * q[j]) * xj
        if c:
            norms = np.sqrt(np.maximum(sq + np.float32(c) * (xj * xj), np.float32(1e-24)))
        sims = dot / norms
        sims *= np.float32(1.0 / q_norm)
        return sims

    def _sort_by_emotion(self):
        """Per emotion, the songs in order of that coordinate of their unit vector, and those coordinates."""
        n, d = self.vectors.shape
        order, coord = np.empty((d, n), dtype=np.int32), np.empty((d, n), dtype=np.float32)
        norms = np.maximum(np.sqrt(self._sq_norms.astype(np.float64)), 1e-12)
        for j in range(d):
            u = (self.vectors[:, j] / norms).astype(np.float32)
            order[j] = np.argsort(u)
            coord[j] = u[order[j]]
        return order, coord

    def _bounded(self, q, k, c, mask):
        """The allowed songs that can be in the top ``k``, without reading the others, or None if that would
        be too many. Write ``u = x_j / |x|`` for a song's unit vector on the query's top emotion ``j``. By
        Cauchy-Schwarz the other coordinates add at most ``|q_rest| |x| sqrt(1 - u**2)`` to the dot product, so
        ``score <= (sqrt(1 + c) q_j u, sqrt(1 - u**2)) / sqrt(1 + c u**2) . (sqrt(1 + c) q_j, |q_rest|) / |q'|``:
        a unit vector turning with ``u`` dotted with a fixed one, ``|g| cos(phi(u) - phi_g)``. Songs whose
        bound reaches a floor (a k-th best score already found) thus have ``u`` in one interval: one range
        of the songs sorted by ``u``, found by binary search."""
        n = len(self)
        q64 = q.astype(np.float64)
        j = int(np.argmax(q64))
        total = float(q64 @ q64)
        q_norm = np.sqrt(max(total + c * q64[j] ** 2, 1e-24))
        a, b = np.sqrt(1.0 + c) * q64[j] / q_norm, np.sqrt(max(total - q64[j] ** 2, 0.0)) / q_norm
        g, phi_g = np.hypot(a, b), np.arctan2(b, a)  # phi(u) falls from pi (u = -1) to 0 (u = 1)
        order, coord = self._order[j], self._coord[j]

        def u_at(phi):
            phi = min(max(phi, 0.0), np.pi)
            return np.cos(phi) / np.sqrt(np.cos(phi) ** 2 + (1.0 + c) * np.sin(phi) ** 2)

        def span(floor):  # positions in `order` of the songs whose bound reaches `floor`
            ratio = (floor - SCORE_SLACK) / max(g, 1e-300)
            if ratio <= -1.0:
                return 0, n
            theta = np.arccos(min(ratio, 1.0))
            return (int(np.searchsorted(coord, np.float32(u_at(phi_g + theta) - COORD_SLACK), "left")),
                    int(np.searchsorted(coord, np.float32(u_at(phi_g - theta) + COORD_SLACK), "right")))

        def kth_score(rows):
            rows = rows[mask[rows]]
            return np.partition(self._scores(q, rows, c), len(rows) - k)[len(rows) - k] if len(rows) >= k else -np.inf

        # a first floor from the songs of highest bound (u nearest the peak), then a higher one from a
        # sample of the range that floor leaves: both are k-th best scores of some allowed songs
        # (float32 keys: a float64 one makes searchsorted convert all n coordinates first, 0.5 ms)
        centre, width = int(np.searchsorted(coord, np.float32(u_at(phi_g)))), 32 * k
        floor = -np.inf
        while floor == -np.inf and width < 4 * n:
            floor = kth_score(order[max(0, centre - width):centre + width])
            width *= 4
        lo, hi = span(floor)
        if hi - lo > 100 * k:
            lo, hi = span(max(floor, kth_score(order[lo:hi:(hi - lo) // (100 * k)])))
        if hi - lo > PRUNE_MAX_SHARE * n:
            return None
        rows = order[lo:hi]
        return rows[mask[rows]]

    @staticmethod
    def _near_top(s, k):
        """Rows of ``s`` (disallowed songs at -inf, at least ``k`` finite) scoring within ``SCORE_SLACK`` of
        its k-th largest: a superset of the top k. The k-th largest of every 64th score is at most the
        k-th largest of all, so the threshold costs a partition of n/64 scores, not n (~7 ms at 1,000,000)."""
        n = len(s)
        stride = min(64, n // (4 * k))
        kth = -np.inf
        if stride >= 2:
            sample = s[::stride]
            kth = np.partition(sample, len(sample) - k)[len(sample) - k]
        if not np.isfinite(kth):  # too few allowed songs in the sample
            kth = np.partition(s, n - k)[n - k]
        return np.flatnonzero(s >= kth - SCORE_SLACK)

    def _scan(self, q, k, c, mask):
        """Candidate rows holding the exact top ``k`` among the allowed songs (``mask``, at least ``k``): from
        ``PRUNE_MIN`` songs those the bound leaves (a few thousand of 1,000,000 classifier-like vectors),
        else every song, scored in one pass."""
        if self._order is not None:
            rows = self._bounded(q, k, c, mask)
            if rows is not None:
                return rows
        sims = self._scores(q, None, c)
        sims[~mask] = -np.inf
        return self._near_top(sims, k)

    def _graph(self, q, k, mask, allowed: int, filtered: bool):
        """Candidate rows from the HNSW graph (plain cosine), or None if it found fewer than ``k`` allowed
        songs. A filter goes in as an ID selector: the graph still walks disallowed songs, so it keeps its
        recall, but never returns them (fetching more and dropping them afterwards needed the whole catalog
        when no song passed: 17 s at 1,000,000). The search is widened by up to 4x as the filter passes
        fewer songs: with a 10 % filter, recall@10 went from 0.988 to 1.000 (1,000,000 songs, 200 queries)."""
        import faiss

        fetch = min(len(self), max(4 * k, 64))
        params = faiss.SearchParametersHNSW()  # per search: the shared index is never changed
        params.efSearch = int(max(self.ef_search, fetch) * (min(4.0, len(self) / allowed) if filtered else 1.0))
        if filtered:
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))  # both kept alive to the search
            params.sel = selector
        _, found = self._index.search((q / np.linalg.norm(q))[None, :], fetch, params=params)
        rows = found[0][found[0] >= 0]
        rows = rows[mask[rows]]  # the query song itself, when no selector ran
        return rows if len(rows) >= k else None

    def _allowed(self, exclude: int | None, artist, year, exclude_same_artist, min_year_gap):
        """Which songs may be recommended, as a mask over the catalog, and how many (~1 ms at 1,000,000)."""
        ok = self.recommendable.copy()
        if exclude is not None:
            ok[exclude] = False
        if exclude_same_artist:
            code = self._artist_code.get(artist, -1)  # an artist not in the catalog excludes no one
            if code >= 0:
                ok &= self._artist_codes != code
        if min_year_gap > 0:  # two comparisons, not |years - year|: a third of the passes over the catalog
            ok &= (self._years <= year - min_year_gap) | (self._years >= year + min_year_gap)  # NaN (unknown) fails both
        return ok, int(np.count_nonzero(ok))

    def _top(self, q, k, method, top1_weight, filters) -> tuple[np.ndarray, np.ndarray]:
        c = self._extra(method, top1_weight)
        mask, allowed = self._allowed(*filters)
        if allowed == 0:  # nothing passes the filters: no search at all
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, allowed)
        exclude = filters[0]
        with _one_blas_thread():
            if allowed <= GATHER_MAX:
                return self._rank(q, np.flatnonzero(mask), k, c)
            if c == 0 and self._index is not None:
                filtered = allowed < len(self) - (exclude is not None)
                rows = self._graph(q, k, mask, allowed, filtered)
                if rows is not None:
                    return self._rank(q, rows, k, c)
            return self._rank(q, self._scan(q, k, c, mask), k, c)

    def _rank(self, q, rows, k, c):
        """The top ``k`` of candidate ``rows``, scored with the one formula; ties broken by catalog order, the
        same on every path."""
        sims = self._scores(q, rows, c)
        if len(rows) > 4 * k:
            kth = np.partition(sims, len(sims) - k)[len(sims) - k]
            keep = sims >= kth  # every tie at the boundary, so the ranking below is deterministic
            rows, sims = rows[keep], sims[keep]
        order = np.lexsort((rows, -sims))[:k]
        return rows[order], sims[order]

    # --- public API ---------------------------------------------------------------------------

    def top_labels(self, row: int, n: int = TOP_LABELS) -> list[str]:
        return [self.labels[j] for j in np.argsort(-self.vectors[row], kind="stable")[:n]]

    def row_of(self, song_id) -> int:
        if len(self) == 0:
            raise EmptyCatalogError("the catalog is empty: build song vectors first (python -m training.build_song_vectors)")
        try:
            return self._row[str(song_id)]
        except KeyError:
            raise UnknownSongError(f"song id {song_id!r} is not in the catalog of {len(self)} songs; "
                                   "use search() to find a song's id") from None

    def recommend(self, song_id=None, vector=None, k: int = 10, method: str = "cosine", top1_weight: float = 2.0,
                  exclude_same_artist: bool = False, min_year_gap: int = 0, query_artist: str | None = None,
                  query_year: int | None = None) -> pd.DataFrame:
        """The ``k`` most similar songs to a catalog song (``song_id``) or to a new ``vector``.

        For a ``vector`` query, the artist/year filters compare against ``query_artist`` /
        ``query_year``. Returns columns ``song_id, title, artist, year, similarity, top_labels``.
        """
        if len(self) == 0:
            raise EmptyCatalogError("the catalog is empty: build song vectors first (python -m training.build_song_vectors)")
        if (song_id is None) == (vector is None):
            raise RecommenderError("give exactly one of song_id (a catalog song) or vector (e.g. new lyrics)")
        if method not in METHODS:
            raise RecommenderError(f"unknown method {method!r}: use 'cosine' or 'weighted'")
        if not top1_weight > 0:
            raise RecommenderError(f"top1_weight must be positive, got {top1_weight}")
        if int(k) < 1:
            raise RecommenderError(f"k must be at least 1, got {k}")
        exclude = None
        if song_id is not None:
            exclude = self.row_of(song_id)
            q = self.vectors[exclude]
            query_artist, query_year = self.songs.at[exclude, "artist"], self.songs.at[exclude, "year"]
        else:
            q = self._check_vector(vector)
        if exclude_same_artist and query_artist is None:
            raise RecommenderError("exclude_same_artist needs the query's artist: pass query_artist with a vector")
        if min_year_gap > 0 and (query_year is None or pd.isna(query_year)):
            raise RecommenderError("min_year_gap needs the query's release year (unknown for this song / vector)")
        artist = str(query_artist).strip().casefold() if query_artist is not None else None
        year = float(query_year) if min_year_gap > 0 else None
        rows, sims = self._top(q, int(k), method, top1_weight,
                               (exclude, artist, year, exclude_same_artist, min_year_gap))
        out = {c: self._columns[c][rows] for c in SONG_COLUMNS}  # plain arrays: pandas indexing is slow
        out["year"] = pd.array(out["year"], dtype="Int64")
        out["similarity"] = sims.astype(float)
        out["top_labels"] = [self.top_labels(r) for r in rows]
        return pd.DataFrame(out, columns=RESULT_COLUMNS)

    def recommend_lyrics(self, lyrics: str, predictor, **kwargs) -> pd.DataFrame:
        """Songs similar to new lyrics, scored by ``predictor`` (which must use the catalog's labels)."""
        if list(predictor.labels) != self.labels:
            raise VectorShapeError(f"the model {getattr(predictor, 'name', '')!r} has {len(predictor.labels)} labels "
                                   f"that differ from the catalog's {len(self.labels)}: use the model that built it")
        return self.recommend(vector=predictor.predict([lyrics])[0], **kwargs)

    def search(self, text: str, limit: int | None = None) -> pd.DataFrame:
        """Catalog songs whose title or artist contains ``text`` (case-insensitive)."""
        needle = str(text or "").strip().casefold()
        if not needle:
            return self.songs.iloc[:0].copy()
        hit = (self.songs["title"].astype(str).str.casefold().str.contains(needle, regex=False)
               | self.songs["artist"].astype(str).str.casefold().str.contains(needle, regex=False))
        found = self.songs[hit]
        return (found if limit is None else found.head(limit)).reset_index(drop=True)

    def similarity_matrix(self, song_ids, method: str = "cosine", top1_weight: float = 2.0) -> np.ndarray:
        """Pairwise similarity of the given songs (row = query song; ``weighted`` is not symmetric)."""
        rows = np.array([self.row_of(s) for s in song_ids], dtype=int)
        return np.stack([self.scores(self.vectors[r], rows, method, top1_weight) for r in rows]) if len(rows) \
            else np.zeros((0, 0))

    def neighbours(self, k: int = 10, method: str = "cosine", top1_weight: float = 2.0,
                   progress: bool = False) -> np.ndarray:
        """Row indices of every song's top-``k`` (itself excluded), shape ``(n_songs, min(k, n_songs-1))``."""
        from tqdm.auto import tqdm

        if len(self) == 0:
            raise EmptyCatalogError("the catalog is empty")
        k = min(int(k), len(self) - 1)
        out = np.zeros((len(self), k), dtype=np.int64)
        for r in tqdm(range(len(self)), desc="neighbours", unit="song", disable=not progress):
            out[r] = self._top(self.vectors[r], k, method, top1_weight, (r, None, None, False, 0))[0]
        return out
