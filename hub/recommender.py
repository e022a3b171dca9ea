"""Songs whose lyrics feel alike: top-k neighbours of emotion vectors, with filters for "digging".

:class:`Recommender` holds the catalog (songs and their vectors), decides which songs a query may get
and builds the results table; how alike two songs are is a measure of
:mod:`hub.search.similarity` (``method=``: ``cosine``, ``weighted``, ...), and how the top k is found
under it is :mod:`hub.search.index`.

The query song itself is never recommended, and neither is a song whose vector holds no emotional
evidence (``recommendable`` False, from the dataset's ``status`` column): vectors without evidence
sit close to each other and to the catalog's average, and would otherwise crowd the top of many
lists. Versions of the query song (covers, remixes, re-releases: one work in :mod:`hub.works`) are never
recommended for it, and a list holds one version of a song (``collapse_versions``, on by default).
Filters for "digging": ``exclude_same_artist`` (no song crediting an artist the query credits,
featured artists included) and ``min_year_gap`` (only songs released at least that many years before
or after the query); ``one_per_artist`` keeps a list to one song per credited artist. The filters
are one vectorized mask, counted first: when no song passes, the answer is empty without any search;
one version and one artist per list are kept from a search's ranked results, searched further when
they leave fewer than k.
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
from hub.works import Credits, work_ids

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
        lyrics: per song, its lyrics when the catalog stores them (then near-identical lyrics also make
            two songs with one normalised title versions of one work; see :mod:`hub.works`).
    """

    def __init__(self, vectors, songs, labels, index: str = "auto", hnsw_m: int = 32, ef_search: int = 128,
                 recommendable=None, lyrics=None):
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
        # Credited artists as integer codes, and each song's work, computed once: comparing 1,000,000
        # strings per query took tens of ms; comparing integer codes takes well under one.
        titles, artists = self.songs["title"].astype(str), self.songs["artist"].astype(str)
        self._credits = Credits(artists, titles)
        self._works = work_ids(titles, artists, self.vectors, lyrics)
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
        if "lyrics" in ds.column_names:
            kwargs.setdefault("lyrics", ds["lyrics"])
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

    def _allowed(self, exclude: int | None, artists, year, exclude_same_artist, min_year_gap, collapse_versions):
        """Which songs may be recommended, as a mask over the catalog, and how many (~1 ms at 1,000,000).
        ``artists``: the codes of the artists the query credits."""
        ok = self.recommendable.copy()
        if exclude is not None:
            ok[exclude] = False
            if collapse_versions:
                ok &= self._works != self._works[exclude]
        if exclude_same_artist:
            ok[self._credits.songs_of(artists)] = False
        if min_year_gap > 0:  # two comparisons, not |years - year|: a third of the passes over the catalog
            ok &= (self._years <= year - min_year_gap) | (self._years >= year + min_year_gap)  # NaN (unknown) fails both
        return ok, int(np.count_nonzero(ok))

    def _one_each(self, rows, versions: bool, artists: bool) -> np.ndarray:
        """Positions in ranked ``rows`` to keep: the best of each work (``versions``) and of each credited
        artist (``artists``: a song sharing an artist with one kept before is dropped)."""
        keep = np.ones(len(rows), dtype=bool)
        if versions:
            keep[:] = False
            keep[np.unique(self._works[rows], return_index=True)[1]] = True
        if artists:
            seen: set[int] = set()
            for i in np.flatnonzero(keep):
                codes = self._credits.of_song(rows[i]).tolist()
                keep[i] = seen.isdisjoint(codes)
                seen.update(codes)
        return np.flatnonzero(keep)

    def _top(self, q, k, measure: Similarity, filters, one_per_artist: bool = False) -> tuple[np.ndarray, np.ndarray]:
        mask, allowed = self._allowed(*filters)
        if allowed == 0:  # nothing passes the filters: no search at all
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        versions = filters[-1]
        fetch = 2 * k if versions or one_per_artist else k
        while True:  # a search for more songs when keeping one of each leaves fewer than k
            rows, sims = self._search.top(measure, q, min(fetch, allowed), mask, allowed, query_row=filters[0])
            keep = self._one_each(rows, versions, one_per_artist)[:k]
            if len(keep) == k or fetch >= allowed:
                return rows[keep], sims[keep]
            fetch *= 4

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
                  query_year: int | None = None, one_per_artist: bool = False,
                  collapse_versions: bool = True) -> pd.DataFrame:
        """The ``k`` most similar songs to a catalog song (``song_id``) or to a new ``vector``.

        For a ``vector`` query, the artist/year filters compare against ``query_artist`` (an artist
        field: "A (feat. B)" credits both) / ``query_year``. ``one_per_artist``: at most one song per
        credited artist; ``collapse_versions``: no version of the query song, one version of each song.
        Returns columns ``song_id, title, artist, year, similarity, top_labels``.
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
            artists = self._credits.of_song(exclude)  # its title's "(Feat. X)" too
        else:
            q = self._check_vector(vector)
            artists = self._credits.of_names(query_artist) if query_artist is not None else None
        if exclude_same_artist and query_artist is None:
            raise RecommenderError("exclude_same_artist needs the query's artist: pass query_artist with a vector")
        if min_year_gap > 0 and (query_year is None or pd.isna(query_year)):
            raise RecommenderError("min_year_gap needs the query's release year (unknown for this song / vector)")
        year = float(query_year) if min_year_gap > 0 else None
        rows, sims = self._top(q, int(k), measure,
                               (exclude, artists, year, exclude_same_artist, min_year_gap, collapse_versions),
                               one_per_artist)
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
                   progress: bool = False, exclude_same_artist: bool = False, one_per_artist: bool = False,
                   collapse_versions: bool = True) -> np.ndarray:
        """Row indices of every song's top-``k`` (itself excluded), shape ``(n_songs, min(k, n_songs-1))``;
        the filters are :meth:`recommend`'s. A row with fewer songs passing is padded with -1."""
        from tqdm.auto import tqdm

        if len(self) == 0:
            raise EmptyCatalogError("the catalog is empty")
        k = min(int(k), len(self) - 1)
        measure = self._measure(method, top1_weight)
        out = np.full((len(self), k), -1, dtype=np.int64)
        for r in tqdm(range(len(self)), desc="neighbours", unit="song", disable=not progress):
            rows = self._top(self.vectors[r], k, measure, (r, self._credits.of_song(r), None, exclude_same_artist, 0,
                                                          collapse_versions), one_per_artist)[0]
            out[r, :len(rows)] = rows
        return out
