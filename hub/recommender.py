"""Songs whose lyrics feel alike: top-k neighbours of emotion vectors, with filters for "digging".

:class:`Recommender` holds the catalog (songs, their vectors and stanza vectors, the catalog statistics),
decides which songs a query may get and builds the results table, with why each song was recommended
(:meth:`Recommender.explain`); how alike two songs are is a measure of :mod:`hub.search.similarity`
(``method=``: by default ``emotion_story`` where the catalog has story vectors, else ``centred``; ``cosine``,
``weighted``, ``arc``, ``story``), and how the top k is found under it is :mod:`hub.search.index`.

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

import re
from pathlib import Path

import numpy as np
import pandas as pd

# the search's constants, importable from here as before; they are read in hub.search.index (set them there)
from hub.reading import SongStatus
from hub.search.index import (COORD_SLACK, GATHER_MAX, INDEX_THRESHOLD, PRUNE_MAX_SHARE,  # noqa: F401
                              PRUNE_MIN, SCORE_SLACK, Search)
from hub.search.similarity import DEFAULT, FALLBACK, SIMILARITIES, Similarity
from hub.search.vectors import CatalogStats, SpaceUnavailable, Spaces, Stanzas, one_blas_thread
from hub.song_dataset import TOP_LABELS
from hub.works import Credits, work_ids

SONG_COLUMNS = ["song_id", "title", "artist", "year"]
RESULT_COLUMNS = SONG_COLUMNS + ["similarity", "top_labels", "why", "stanza_match"]
WHY_LABELS = 3  # the shared emotions an explanation names
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


class NoStoryError(RecommenderError):
    """A story measure asked for a query without a story; ``reason`` says why: ``"catalog"`` (the catalog has no
    story vectors), ``"lyrics"`` (no lyrics given), ``"view"`` (the catalog was loaded without its story view) or
    ``"overlap"`` (the lyrics share no n-gram with the catalog's story view)."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


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
        index: ``"exact"``, ``"faiss"`` (HNSW) or ``"auto"`` (Faiss from ``INDEX_THRESHOLD`` songs). A graph is
            built on a thread, queries answered exactly until it is ready; :meth:`build_index` waits for it.
        hnsw_m, ef_search: HNSW graph degree and search breadth (higher = closer to exact, slower).
        recommendable: per song, whether it may appear in other songs' results (default all).
        stats: the catalog statistics of the similarity scale (:class:`hub.search.vectors.CatalogStats`;
            default: computed from these vectors, the recommendable songs defining the typical song).
        stanzas: per song, its stanza vectors (a :class:`~hub.search.vectors.Stanzas`, or one array per
            song); without them, no arc similarity and no stanza match in explanations.
        lyrics: per song, its lyric text (or None): explanations then quote the matching stanzas' lines,
            and near-identical lyrics also make two songs with one normalised title versions of one work
            (see :mod:`hub.works`).
        lyric_fingerprints: per song, its :func:`hub.works.lyric_fingerprint` (or None), which stands for the
            lyrics in recognising versions when the catalog does not store them.
        story: ``(n_songs, d)`` the songs' story vectors (:mod:`hub.search.story`); without them the story
            measures are unavailable and the default measure is ``centred``.
        story_view: the fitted :class:`hub.search.story.StoryView` that made them, which puts a new query's
            lyrics into the same space (``recommend(vector=..., lyrics=...)``).
    """

    def __init__(self, vectors, songs, labels, index: str = "auto", hnsw_m: int = 32, ef_search: int = 128,
                 recommendable=None, stats: CatalogStats | None = None, stanzas=None, lyrics=None,
                 lyric_fingerprints=None, story=None, story_view=None):
        self.labels = list(labels)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or (vectors.size and vectors.shape[1] != len(self.labels)):
            raise VectorShapeError(f"vectors have shape {vectors.shape}; expected (n_songs, {len(self.labels)}) "
                                   f"for {len(self.labels)} labels")
        vectors = vectors.reshape(len(vectors), len(self.labels))
        if not np.isfinite(vectors).all():
            raise VectorShapeError(f"row {int(np.argwhere(~np.isfinite(vectors))[0, 0])} of the vectors holds NaN or inf")
        self.songs = _songs_frame(songs, len(vectors))
        self._row = {sid: i for i, sid in enumerate(self.songs["song_id"])}
        self.recommendable = np.ones(len(vectors), dtype=bool) if recommendable is None else \
            np.asarray(recommendable, dtype=bool).reshape(-1)
        if self.recommendable.shape != (len(vectors),):
            raise VectorShapeError(f"recommendable has {self.recommendable.shape[0]} values for {len(vectors)} songs")
        # Credited artists as integer codes, and each song's work, computed once: comparing 1,000,000
        # strings per query took tens of ms; comparing integer codes takes well under one.
        titles, artists = self.songs["title"].astype(str), self.songs["artist"].astype(str)
        self._credits = Credits(artists, titles)
        self._works = work_ids(titles, artists, vectors, lyrics, fingerprints=lyric_fingerprints)
        self._years = self.songs["year"].to_numpy(dtype=float, na_value=np.nan)
        self._columns = {c: self.songs[c].to_numpy(dtype=object) for c in ("song_id", "title", "artist")}
        self._columns["year"] = self.songs["year"].to_numpy(dtype=object, na_value=None)
        if stanzas is not None and not isinstance(stanzas, Stanzas):
            stanzas = Stanzas.from_lists(stanzas, len(self.labels))
        if stanzas is not None and len(stanzas) != len(vectors):
            raise VectorShapeError(f"stanza vectors for {len(stanzas)} songs, but {len(vectors)} songs")
        if stats is None:
            stats = CatalogStats.compute(vectors, stanzas, use=self.recommendable)
        elif len(stats.mean) != len(self.labels):
            raise VectorShapeError(f"catalog statistics for {len(stats.mean)} labels, but {len(self.labels)} labels")
        self.stats = stats
        self.lyrics = None if lyrics is None else list(lyrics)
        try:
            self._spaces = Spaces(vectors, stats, stanzas, story)
        except ValueError as e:
            raise VectorShapeError(str(e)) from None
        if story_view is not None and story is not None and story_view.dimensions != self._spaces.get("story").vectors.shape[1]:
            raise VectorShapeError(f"the story view gives {story_view.dimensions} numbers per song, the story vectors "
                                   f"have {self._spaces.get('story').vectors.shape[1]}: use the view that made them")
        self.story_view = story_view
        self.vectors = self._spaces.probs.vectors
        self.stanzas = stanzas
        self._search = Search(self._spaces, index, hnsw_m, ef_search,
                              default_space=SIMILARITIES[self.default_method].space)

    @classmethod
    def from_dataset(cls, ds, source=None, **kwargs) -> "Recommender":
        """A recommender over a song-vector dataset (see :mod:`hub.song_dataset`): a folder or Hub repo id, loaded
        with the statistics and the story view stored beside it (computed, with a warning, for a dataset built
        before they were stored; see :func:`hub.song_dataset.load_stories`), or a loaded ``datasets.Dataset``
        with the ``source`` it was loaded from (without one, its statistics are computed from it, and new lyrics
        cannot be compared by story)."""
        from hub.song_dataset import (FINGERPRINT_COLUMN, load_catalog_stats, load_song_vectors, load_stories,
                                      song_labels, song_stanzas, song_statuses, song_vectors)

        if isinstance(ds, (str, Path)):
            source, ds = ds, load_song_vectors(ds)
        if source is not None:
            kwargs.setdefault("stats", load_catalog_stats(source, ds))
        if "story" not in kwargs:
            kwargs["story"], view = load_stories(source, ds)
            kwargs.setdefault("story_view", view)
        songs = ds.select_columns(SONG_COLUMNS).to_pandas() if len(ds) else pd.DataFrame(columns=SONG_COLUMNS)
        kwargs.setdefault("recommendable", [s == SongStatus.OK for s in song_statuses(ds)])
        kwargs.setdefault("stanzas", song_stanzas(ds))
        if "lyrics" in ds.column_names:
            kwargs.setdefault("lyrics", ds["lyrics"])
        if FINGERPRINT_COLUMN in ds.column_names:
            kwargs.setdefault("lyric_fingerprints", ds.with_format("arrow")[FINGERPRINT_COLUMN].to_pylist())
        return cls(song_vectors(ds), songs, song_labels(ds), **kwargs)

    def __len__(self) -> int:
        return len(self.vectors)

    @property
    def default_method(self) -> str:
        """The measure ``method=None`` means for a catalog song: ``emotion_story`` where the catalog has story
        vectors, else ``centred`` (a catalog built before them)."""
        return DEFAULT if self._spaces.has_stories else FALLBACK

    @property
    def stories(self) -> np.ndarray | None:
        """``(n_songs, d)`` the songs' story vectors (zeros: no story), or None for a catalog without them."""
        return self._spaces.get("story").vectors if self._spaces.has_stories else None

    def resolve_method(self, method: str | None = None, song_id=None, lyrics: str | None = None) -> str:
        """The measure ``recommend`` uses for this query: ``method`` itself, or for None the default for a catalog
        song ``song_id`` or new ``lyrics`` (``emotion_story`` where both sides have stories, else ``centred``)."""
        if song_id is not None:
            return self._method(method, row=self.row_of(song_id))
        return self._method(method, story=self.story_of(lyrics))

    def story_of(self, lyrics: str | None) -> np.ndarray | None:
        """New lyrics' story vector in this catalog's story space (None without lyrics or a story view). The last
        lyrics' vector is kept, read-only (copy it to change it): one query asks it of ``resolve_method``,
        ``recommend`` and ``explain`` in turn."""
        if not lyrics or self.story_view is None or not self._spaces.has_stories:
            return None
        last = getattr(self, "_last_story", None)
        if last is None or last[0] != lyrics:
            story = self.story_view.transform([lyrics])[0]
            story.flags.writeable = False  # shared by the calls of one query
            last = self._last_story = (lyrics, story if story.any() else None)
        return last[1]

    def _no_story(self, lyrics: str | None) -> NoStoryError:
        """Why new ``lyrics`` have no story here, and what to do."""
        if not self._spaces.has_stories:
            return NoStoryError(self._spaces.story_problem(), "catalog")
        if not lyrics:
            return NoStoryError("the story measures need the query's lyrics: pass lyrics=..., or query with a catalog "
                                "song; without lyrics, use method='centred'", "lyrics")
        if self.story_view is None:
            return NoStoryError("this catalog was loaded without its story view (story_view.safetensors), so new lyrics "
                                "cannot be put into its story space: load it from its folder or Hub id, or rebuild it",
                                "view")
        return NoStoryError("these lyrics share no character n-gram with the catalog's story view: there is nothing to "
                            "compare by story; use method='centred'", "overlap")

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

    def build_index(self, hnsw_m: int = 32, ef_construction: int = 40, method: str | None = None) -> None:
        """Build the Faiss HNSW index over the unit vectors of ``method``'s space (default: the catalog's default
        measure) and search with it from now on (the other inner-product measures' graphs are built when first
        searched)."""
        self._search.build_graph(hnsw_m, ef_construction, space=self._measure(method or self.default_method, 2.0).space)

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

    def _method(self, method: str | None, row: int | None = None, story=None) -> str:
        """``method``, or for None the default measure for this query: :attr:`default_method`, except ``centred``
        for a query without a story (a vector without lyrics, a song with no story n-gram)."""
        if method is not None:
            return method
        if self.default_method == DEFAULT:
            has = self._spaces.has_story()[row] if row is not None else story is not None
            if not has:
                return FALLBACK
        return self.default_method

    def _query(self, measure: Similarity, row: int | None = None, vector=None, stanzas=None, story=None,
               lyrics: str | None = None) -> np.ndarray:
        """The query in ``measure``'s space: catalog song ``row``'s vector there, or ``vector`` (an emotion
        distribution, with its ``stanzas`` for the arc and its ``story`` vector, from ``lyrics``, for the story
        measures) put there."""
        if row is None and measure.space in Spaces.STORY_SPACES and story is None:
            raise self._no_story(lyrics)
        try:
            if row is not None:
                space = self._spaces.get(measure.space)  # first: a catalog without the space says so
                scorable = measure.allowed(self._spaces)
                if scorable is not None and not scorable[row]:
                    what = "a single stanza: it has no arc" if measure.space == "arc" else "no story n-gram: it has no story"
                    raise SpaceUnavailable(f"song {self._columns['song_id'][row]!r} has {what} to compare; use another "
                                           "measure")
                return space.vectors[row]
            return self._spaces.embed(measure.space, np.asarray(vector, dtype=np.float32).reshape(-1), stanzas, story)
        except SpaceUnavailable as e:
            raise RecommenderError(str(e)) from None

    def scores(self, q: np.ndarray, rows=None, method: str | None = None, top1_weight: float = 2.0,
               lyrics: str | None = None) -> np.ndarray:
        """Similarity of query vector ``q`` (an emotion distribution, with its ``lyrics`` for the story measures)
        to the catalog songs ``rows`` (all songs if None)."""
        story = self.story_of(lyrics)
        measure = self._measure(self._method(method, story=story), top1_weight)
        q = self._query(measure, vector=q, story=story, lyrics=lyrics)
        with one_blas_thread():
            return measure.score(self._spaces.get(measure.space), q, rows)

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
        scorable = measure.allowed(self._spaces)
        if scorable is not None:
            mask &= scorable
            allowed = int(np.count_nonzero(mask))
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

    def recommend(self, song_id=None, vector=None, k: int = 10, method: str | None = None, top1_weight: float = 2.0,
                  exclude_same_artist: bool = False, min_year_gap: int = 0, query_artist: str | None = None,
                  query_year: int | None = None, stanzas=None, explain: bool = True, one_per_artist: bool = False,
                  collapse_versions: bool = True, lyrics: str | None = None) -> pd.DataFrame:
        """The ``k`` most similar songs to a catalog song (``song_id``) or to a new ``vector``.

        ``method``: a measure of :data:`hub.search.similarity.SIMILARITIES`; None, the default for this query
        (``emotion_story`` where the catalog and the query have stories, else ``centred``).
        For a ``vector`` query, the artist/year filters compare against ``query_artist`` (an artist
        field: "A (feat. B)" credits both) / ``query_year``, ``stanzas`` (its per-stanza
        distributions, e.g. ``analyze(...).segment_probs``) give it an arc and stanza matches, and ``lyrics``
        (its text) a story.
        ``one_per_artist``: at most one song per credited artist; ``collapse_versions``: no version of the
        query song, one version of each song. Returns columns ``song_id, title, artist, year, similarity,
        top_labels, why, stanza_match``: ``why`` and ``stanza_match`` are :meth:`explain`'s, in words
        (empty strings with ``explain=False``).
        """
        if len(self) == 0:
            raise EmptyCatalogError("the catalog is empty: build song vectors first (python -m training.build_song_vectors)")
        if (song_id is None) == (vector is None):
            raise RecommenderError("give exactly one of song_id (a catalog song) or vector (e.g. new lyrics)")
        story = self.story_of(lyrics) if vector is not None else None
        method = (self._method(method, row=self.row_of(song_id)) if song_id is not None
                  else self._method(method, story=story))
        measure = self._measure(method, top1_weight)
        if not top1_weight > 0:
            raise RecommenderError(f"top1_weight must be positive, got {top1_weight}")
        if int(k) < 1:
            raise RecommenderError(f"k must be at least 1, got {k}")
        exclude = None
        if song_id is not None:
            exclude = self.row_of(song_id)
            query_artist, query_year = self.songs.at[exclude, "artist"], self.songs.at[exclude, "year"]
            q = self._query(measure, row=exclude)
            artists = self._credits.of_song(exclude)  # its title's "(Feat. X)" too
        else:
            vector = self._check_vector(vector)
            stanzas = self._check_stanzas(stanzas)
            q = self._query(measure, vector=vector, stanzas=stanzas, story=story, lyrics=lyrics)
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
        why, match = [], []
        for r in rows:
            reason = self._explain(exclude, vector, stanzas, int(r), story) if explain else None
            why.append(describe_why(reason) if reason else "")
            match.append(describe_stanza_match(reason) if reason else "")
        out["why"], out["stanza_match"] = why, match
        return pd.DataFrame(out, columns=RESULT_COLUMNS)

    # --- why a song was recommended -----------------------------------------------------------

    def _check_stanzas(self, stanzas):
        if stanzas is None:
            return None
        stanzas = np.asarray(stanzas, dtype=np.float32)
        if stanzas.ndim != 2 or stanzas.shape[1] != len(self.labels):
            raise VectorShapeError(f"the query's stanza vectors have shape {stanzas.shape}; expected (n, {len(self.labels)})")
        return stanzas[np.isfinite(stanzas).all(axis=1)]  # stanzas the model did not read are NaN rows

    def _stanzas_of(self, row: int | None, stanzas) -> np.ndarray | None:
        if row is None:
            return stanzas
        return self._spaces.stanzas.of(row) if self._spaces.stanzas is not None else None

    def _stanza_lines(self, row: int | None, count: int) -> list[str] | None:
        """The stanzas of a catalog song's stored lyrics as its model read them (None without lyrics, or
        when they cannot be cut into the ``count`` stanzas of its vectors)."""
        if row is None or self.lyrics is None or not self.lyrics[row]:
            return None
        from hub.reading import stanza_texts
        from hub.text.clean import LyricsError

        for language in ("ko", None):  # the model's language is not stored: the cut that matches
            try:
                texts = stanza_texts(self.lyrics[row], language)
            except LyricsError:
                return None
            if len(texts) == count:
                return texts
        return None

    def _explain(self, query_row: int | None, vector, stanzas, row: int, story=None) -> dict:
        mean = self._spaces.mean32
        cq = (self.vectors[query_row] if query_row is not None else vector) - mean
        cx = self.vectors[row] - mean
        terms = cq * cx / max(float(np.linalg.norm(cq) * np.linalg.norm(cx)), 1e-12)
        shared = terms[terms > 0].sum()
        order = [j for j in np.argsort(-terms, kind="stable")[:WHY_LABELS] if terms[j] > 0]
        reason = {"centred_similarity": float(terms.sum()),
                  "shared": [(self.labels[j], float(terms[j] / shared)) for j in order], "stanza_match": None,
                  "story_similarity": None}
        if self._spaces.has_stories:
            stories = self._spaces.get("story").vectors
            qs = stories[query_row] if query_row is not None else story
            if qs is not None and np.any(qs) and np.any(stories[row]):
                reason["story_similarity"] = float(np.dot(qs, stories[row]))
        qs, xs = self._stanzas_of(query_row, stanzas), self._stanzas_of(row, None)
        if qs is not None and xs is not None and len(qs) and len(xs):
            a, b = qs - mean, xs - mean
            a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
            b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
            cos = a @ b.T
            i, j = np.unravel_index(int(np.argmax(cos)), cos.shape)
            pair = a[i] * b[j]
            top = [self.labels[t] for t in np.argsort(-pair, kind="stable")[:2] if pair[t] > 0]
            query_lines, song_lines = self._stanza_lines(query_row, len(qs)), self._stanza_lines(row, len(xs))
            reason["stanza_match"] = {
                "query_stanza": int(i) + 1, "song_stanza": int(j) + 1, "similarity": float(cos[i, j]), "emotions": top,
                "query_lines": query_lines[i] if query_lines else None, "song_lines": song_lines[j] if song_lines else None}
        return reason

    def explain(self, query, song_id, lyrics: str | None = None) -> dict:
        """Why catalog song ``song_id`` is similar to ``query`` (a catalog song id, or an emotion
        distribution): ``shared``, the emotions the two share most distinctively with their share of the
        agreement (the positive per-label terms of the centred cosine, the dot product of the two unit
        vectors after subtracting the catalog's mean profile; each term over their sum), best first, at most
        3; ``centred_similarity``, the terms' sum; ``stanza_match``, the best-matching pair of stanzas
        (1-based positions, their centred cosine, the two emotions they share most, and their text when the
        catalog stores lyrics), or None without stanza vectors; ``story_similarity``, the cosine of the two songs'
        stories (:mod:`hub.search.story`), or None where either has none. For an emotion-distribution ``query``,
        ``lyrics`` give it a story."""
        row = self.row_of(song_id)
        if isinstance(query, (str, int, np.integer)) and not isinstance(query, bool):
            return self._explain(self.row_of(query), None, None, row)
        return self._explain(None, self._check_vector(query), None, row, self.story_of(lyrics))

    def recommend_lyrics(self, lyrics: str, predictor, **kwargs) -> pd.DataFrame:
        """Songs similar to new lyrics, scored by ``predictor`` (which must use the catalog's labels); the
        lyrics also give the query its story."""
        if list(predictor.labels) != self.labels:
            raise VectorShapeError(f"the model {getattr(predictor, 'name', '')!r} has {len(predictor.labels)} labels "
                                   f"that differ from the catalog's {len(self.labels)}: use the model that built it")
        return self.recommend(vector=predictor.predict([lyrics])[0], lyrics=lyrics, **kwargs)

    def search(self, text: str, limit: int | None = None, aliases=None) -> pd.DataFrame:
        """Catalog songs whose title or artist matches ``text`` the way fans type names (spacing, case and
        punctuation ignored, romanised Korean, initials such as "bts", "iu" read as 아이유; see
        :mod:`hub.search.names`), exact and prefix matches first, then in catalog order. ``aliases``: per song,
        other names it goes by (a dataset's optional ``aliases`` column: a list of names, one name or None)."""
        from hub.search.names import SongNames

        names = getattr(self, "_names", None)  # worked out on the first search, again for other aliases
        if names is None or names.aliases is not aliases:
            names = self._names = SongNames(self._columns["title"], self._columns["artist"], aliases)
        rows, _ = names.find(text)
        found = self.songs.iloc[rows if limit is None else rows[:limit]]
        return found.reset_index(drop=True)

    def search_lyrics(self, text: str, limit: int | None = None) -> pd.DataFrame:
        """Catalog songs whose stored lyrics hold ``text`` (case, punctuation and runs of spaces or line breaks
        ignored), in catalog order: how a listener finds "the song that goes ..." when the name is not what they
        remember. Empty for a catalog that stores no lyrics (built without ``--include-lyrics``), blank text, or
        a Latin query of three letters or fewer: that is a name's initials (``bts``, ``iu``), not a line, and
        would match inside any word ("genius")."""
        from hub.search.names import is_short_latin

        wanted = _lyric_words(text)
        if self.lyrics is None or not wanted or is_short_latin(wanted.replace(" ", "")):
            return self.songs.iloc[:0].reset_index(drop=True)
        searchable = getattr(self, "_searchable_lyrics", None)  # worked out on the first lyric search
        if searchable is None:
            searchable = self._searchable_lyrics = [_lyric_words(lyrics) for lyrics in self.lyrics]
        rows = [i for i, lyrics in enumerate(searchable) if wanted in lyrics]
        return self.songs.iloc[rows if limit is None else rows[:limit]].reset_index(drop=True)

    def similarity_matrix(self, song_ids, method: str | None = None, top1_weight: float = 2.0) -> np.ndarray:
        """Pairwise similarity of the given songs (row = query song; ``weighted`` is not symmetric; under
        ``arc``, a song without an arc scores 0 with every song, and under ``story`` one without a story).
        ``method`` None: each song's default, as :meth:`recommend` (``centred`` for a song without a story)."""
        rows = np.array([self.row_of(s) for s in song_ids], dtype=int)
        if not len(rows):
            return np.zeros((0, 0))
        measures = self._measures_for(method, rows, top1_weight)
        with one_blas_thread():
            return np.stack([measure.score(space, space.vectors[r], rows) for r, (measure, space) in zip(rows, measures)])

    def _measures_for(self, method: str | None, rows, top1_weight: float) -> list[tuple[Similarity, object]]:
        """Per catalog row, the measure a query from it uses (``method``, or its default) and that measure's space."""
        built: dict[str, tuple[Similarity, object]] = {}
        out = []
        for r in rows:
            name = self._method(method, row=int(r))
            if name not in built:
                measure = self._measure(name, top1_weight)
                try:
                    built[name] = (measure, self._spaces.get(measure.space))
                except SpaceUnavailable as e:
                    raise RecommenderError(str(e)) from None
            out.append(built[name])
        return out

    def neighbours(self, k: int = 10, method: str | None = None, top1_weight: float = 2.0,
                   progress: bool = False, exclude_same_artist: bool = False, one_per_artist: bool = False,
                   collapse_versions: bool = True) -> np.ndarray:
        """Row indices of every song's top-``k`` (itself excluded), shape ``(n_songs, min(k, n_songs-1))``;
        the filters are :meth:`recommend`'s. A row with fewer songs passing is padded with -1 (also under
        ``arc`` and ``story``, for songs with fewer than k others that have one; a song without one gets none);
        ``method`` None: each song's default, as :meth:`recommend`."""
        from tqdm.auto import tqdm

        if len(self) == 0:
            raise EmptyCatalogError("the catalog is empty")
        k = min(int(k), len(self) - 1)
        measures = self._measures_for(method, range(len(self)), top1_weight)
        scorable = {id(m): m.allowed(self._spaces) for m, _ in measures}
        out = np.full((len(self), k), -1, dtype=np.int64)
        for r in tqdm(range(len(self)), desc="neighbours", unit="song", disable=not progress):
            measure, space = measures[r]
            if scorable[id(measure)] is not None and not scorable[id(measure)][r]:
                continue  # no arc or story to compare: recommend() refuses this song too
            found = self._top(space.vectors[r], k, measure, (r, self._credits.of_song(r), None, exclude_same_artist, 0,
                                                             collapse_versions), one_per_artist)[0]
            out[r, :len(found)] = found
        return out


def describe_why(reason: dict) -> str:
    """:meth:`Recommender.explain`'s shared emotions in words, and the two songs' story similarity where both have
    stories: ``"그리움 41% · 슬픔 22% · story 0.62"``."""
    text = " · ".join(f"{label} {share:.0%}" for label, share in reason["shared"]) or \
        "(no emotion shared beyond the typical song)"
    story = reason.get("story_similarity")
    return text if story is None else f"{text} · story {story:.2f}"


def describe_stanza_match(reason: dict) -> str:
    """:meth:`Recommender.explain`'s best stanza pair in words: positions, similarity, shared emotions, and the
    first line of each stanza when the catalog stores lyrics."""
    match = reason.get("stanza_match")
    if not match:
        return ""
    text = f"{match['query_stanza']} ↔ {match['song_stanza']} ({match['similarity']:.2f})"
    if match["emotions"]:
        text += ": " + ", ".join(match["emotions"])
    lines = [(match[k] or "").split("\n")[0] for k in ("query_lines", "song_lines")]
    if any(lines):
        text += " — " + " / ".join(f"\u201c{line}\u201d" for line in lines if line)
    return text


def _lyric_words(text) -> str:
    """Lyrics as :meth:`Recommender.search_lyrics` compares them: words in lower case, one space apart."""
    return " ".join(re.sub(r"[^\w\s]", " ", str(text or "")).split()).casefold()
