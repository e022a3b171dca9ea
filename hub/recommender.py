"""Songs whose lyrics feel alike: top-k neighbours of emotion vectors, with filters for "digging".

:class:`Recommender` holds the catalog (songs and their vectors), decides which songs a query may get
and builds the results table; how alike two songs are is a measure of
:mod:`hub.search.similarity` (``method=``: ``cosine``, ``weighted``, ...), and how the top k is found
under it is :mod:`hub.search.index`.

The query song itself is never recommended, and neither is a song whose vector holds no emotional
evidence (``recommendable`` False, from the dataset's ``status`` column): vectors without evidence
sit close to each other and to the catalog's average, and would otherwise crowd the top of many
lists. Filters for "digging": ``exclude_same_artist`` and ``min_year_gap`` (only songs released at
least that many years before or after the query). The filters are one vectorized mask, counted
first: when no song passes, the answer is empty without any search.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# the search's constants, importable from here as before; they are read in hub.search.index (set them there)
from hub.reading import SongStatus
from hub.search.index import (COORD_SLACK, GATHER_MAX, INDEX_THRESHOLD, PRUNE_MAX_SHARE,  # noqa: F401
                              PRUNE_MIN, SCORE_SLACK, Search)
from hub.search.similarity import SIMILARITIES, Similarity
from hub.search.vectors import CatalogVectors, one_blas_thread
from hub.song_dataset import TOP_LABELS

SONG_COLUMNS = ["song_id", "title", "artist", "year"]
RESULT_COLUMNS = SONG_COLUMNS + ["similarity", "top_labels"]
# the measures registered in hub.search.similarity when this module was imported; recommend() looks names up
# in SIMILARITIES itself, so a measure registered later is served as well
METHODS = tuple(SIMILARITIES)


class RecommenderError(ValueError):
    """A request the recommender cannot answer; the message says why."""


class EmptyCatalogError(RecommenderError):
    """The catalog holds no songs."""


class UnknownSongError(RecommenderError):
    """A song id that is not in the catalog."""


class VectorShapeError(RecommenderError):
    """A vector (or catalog) whose length does not match the labels."""


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
        self._catalog = CatalogVectors(vectors)
        self.vectors = self._catalog.vectors
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
        self._search = Search(self._catalog, index, hnsw_m, ef_search)

    @classmethod
    def from_dataset(cls, ds, **kwargs) -> "Recommender":
        """A recommender over a song-vector dataset (see :mod:`hub.song_dataset`)."""
        from hub.song_dataset import song_labels, song_statuses, song_vectors

        songs = ds.select_columns(SONG_COLUMNS).to_pandas() if len(ds) else pd.DataFrame(columns=SONG_COLUMNS)
        kwargs.setdefault("recommendable", [s == SongStatus.OK for s in song_statuses(ds)])
        return cls(song_vectors(ds), songs, song_labels(ds), **kwargs)

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def index_kind(self) -> str:
        """``"faiss"`` when queries may use the HNSW graph, else ``"exact"``."""
        return self._search.kind

    @property
    def ef_search(self) -> int:
        return self._search.ef_search

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        self._search.ef_search = value

    def build_index(self, hnsw_m: int = 32, ef_construction: int = 40) -> None:
        """Build the Faiss HNSW index over the unit vectors and search with it from now on."""
        self._search.build_graph(hnsw_m, ef_construction)

    # --- measure, filters -----------------------------------------------------------------------

    def _check_vector(self, vector) -> np.ndarray:
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != len(self.labels):
            raise VectorShapeError(f"the query vector has {q.shape[0]} values but the catalog's model has "
                                   f"{len(self.labels)} labels: use a vector from the same model")
        if not np.isfinite(q).all() or not q.any():
            raise VectorShapeError("the query vector is all zeros or holds NaN/inf")
        return q

    @staticmethod
    def _measure(method: str, top1_weight: float) -> Similarity:
        """The registered measure ``method``, with the measure options."""
        measure = SIMILARITIES.get(method) if isinstance(method, str) else None
        if measure is None:
            raise RecommenderError(f"unknown method {method!r}: use {' or '.join(map(repr, SIMILARITIES))}")
        return measure(top1_weight=top1_weight)

    def scores(self, q: np.ndarray, rows=None, method: str = "cosine", top1_weight: float = 2.0) -> np.ndarray:
        """Similarity of query vector ``q`` to the catalog songs ``rows`` (all songs if None)."""
        measure = self._measure(method, top1_weight)
        with one_blas_thread():
            return measure.score(self._catalog, np.asarray(q, dtype=np.float32).reshape(-1), rows)

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

    def _top(self, q, k, measure: Similarity, filters) -> tuple[np.ndarray, np.ndarray]:
        mask, allowed = self._allowed(*filters)
        if allowed == 0:  # nothing passes the filters: no search at all
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self._search.top(measure, q, min(k, allowed), mask, allowed, query_row=filters[0])

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
        measure = self._measure(method, top1_weight)
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
        rows, sims = self._top(q, int(k), measure,
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
        measure = self._measure(method, top1_weight)
        out = np.zeros((len(self), k), dtype=np.int64)
        for r in tqdm(range(len(self)), desc="neighbours", unit="song", disable=not progress):
            out[r] = self._top(self.vectors[r], k, measure, (r, None, None, False, 0))[0]
        return out
