"""Songs whose lyrics feel alike: top-k neighbours of emotion vectors.

Similarity (one place for it):

* ``cosine``: cosine similarity of the two emotion distributions.
* ``weighted``: the query's most likely emotion ``j`` counts ``top1_weight`` times (default 2) in
  *both* vectors before the cosine: ``cos(q * w_j, x * w_j)`` with ``w_j = top1_weight`` at ``j`` and 1
  elsewhere. Songs that share the query's dominant emotion rise.

The query song itself is never recommended, and neither is a song whose vector holds no emotional
evidence (``recommendable`` False, from the dataset's ``status`` column): vectors without evidence
sit close to each other and to the catalog's average, and would otherwise crowd the top of many
lists. Filters for "digging": ``exclude_same_artist`` and ``min_year_gap`` (only songs released at
least that many years before or after the query).

Search: exact (NumPy, all songs scored) for small catalogs; for large ones a Faiss HNSW index over
the unit vectors proposes candidates for ``cosine``, which are then scored exactly, so both paths rank
with the same formula. ``weighted`` is always searched exactly (the index is built for plain cosine).
``index="auto"`` picks the index from ``INDEX_THRESHOLD`` songs up.
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
        self._sq_norms = np.einsum("ij,ij->i", vectors, vectors)
        self._units = self.vectors / np.maximum(np.sqrt(self._sq_norms), 1e-12)[:, None]
        self._row = {sid: i for i, sid in enumerate(self.songs["song_id"])}
        self.recommendable = np.ones(len(vectors), dtype=bool) if recommendable is None else \
            np.asarray(recommendable, dtype=bool).reshape(-1)
        if self.recommendable.shape != (len(vectors),):
            raise VectorShapeError(f"recommendable has {self.recommendable.shape[0]} values for {len(vectors)} songs")
        self._artists = self.songs["artist"].astype(str).str.strip().str.casefold().to_numpy()
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

        index = faiss.IndexHNSWFlat(self._units.shape[1], hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(self._units)
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

    def scores(self, q: np.ndarray, rows=None, method: str = "cosine", top1_weight: float = 2.0) -> np.ndarray:
        """Similarity of query vector ``q`` to the catalog songs ``rows`` (all songs if None)."""
        with _one_blas_thread():
            return self._scores(q, slice(None) if rows is None else rows, method, top1_weight)

    def _scores(self, q, rows, method, top1_weight):
        if method == "cosine":
            return self._units[rows] @ (q / np.linalg.norm(q))
        # weighted: (x * w_j) . (q * w_j) = x.q + (w^2 - 1) x_j q_j, and likewise for the norms
        j, extra = int(np.argmax(q)), top1_weight ** 2 - 1.0
        x = self.vectors[rows]
        dot = x @ q + extra * x[:, j] * q[j]
        norms = np.sqrt(np.maximum(self._sq_norms[rows] + extra * x[:, j] ** 2, 1e-24))
        return dot / (norms * np.sqrt(q @ q + extra * q[j] ** 2))

    def _allowed(self, rows: np.ndarray, exclude: int | None, artist, year, exclude_same_artist, min_year_gap):
        ok = self.recommendable[rows].copy()
        if exclude is not None:
            ok &= rows != exclude
        if exclude_same_artist:
            ok &= self._artists[rows] != artist
        if min_year_gap > 0:
            with np.errstate(invalid="ignore"):
                ok &= np.abs(self._years[rows] - year) >= min_year_gap  # unknown years (NaN) drop out
        return ok

    def _top(self, q, k, method, top1_weight, filters) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        fetch = min(n, max(4 * k, 64))
        # Weighted cosine is always exact: the graph over plain unit vectors proposed the wrong
        # candidates for it (recall@10 0.37 over 1M songs), and exact costs ~35 ms there.
        while self._index is not None and method == "cosine" and fetch < n:
            self._index.hnsw.efSearch = max(self.ef_search, fetch)
            _, found = self._index.search((q / np.linalg.norm(q))[None, :], fetch)
            rows = found[0][found[0] >= 0]
            rows = rows[self._allowed(rows, *filters)]
            if len(rows) >= k:
                return self._rank(q, rows, k, method, top1_weight)
            fetch *= 4  # the filters removed too much: widen the candidate pool
        return self._exact_top(q, k, method, top1_weight, filters)

    def _exact_top(self, q, k, method, top1_weight, filters):
        sims = self.scores(q, None, method, top1_weight)
        sims[~self._allowed(np.arange(len(self)), *filters)] = -np.inf
        allowed = int(np.isfinite(sims).sum())
        if allowed == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, allowed)
        kth = np.partition(sims, len(sims) - k)[len(sims) - k]
        rows = np.flatnonzero(sims >= kth)  # every tie at the boundary, so ranking is deterministic
        order = np.lexsort((rows, -sims[rows]))[:k]
        return rows[order], sims[rows[order]]

    def _rank(self, q, rows, k, method, top1_weight):
        sims = self.scores(q, rows, method, top1_weight)
        order = np.lexsort((rows, -sims))[:k]  # ties broken by catalog order, same on both paths
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
