"""Candidate search: which catalog songs a measure must score to find a query's top k, apart from the measure.
Every strategy works on the vectors of the measure's space (:class:`hub.search.vectors.Spaces`).

Each strategy proposes candidate rows among the songs a ``mask`` allows; :class:`Search` picks the
strategy for a query, by how many songs the filters allow, and ranks the candidates:

* none: an empty result at once (the recommender does not search);
* few (at most ``GATHER_MAX`` songs): exactly, over those songs only;
* more, a measure that is an inner product of unit vectors (``is_inner_product``) and a graph:
  :class:`FaissHNSW`, searched with the filter as an ID selector, proposes candidates (exact search if
  it finds too few);
* otherwise exactly: from ``PRUNE_MIN`` songs :class:`BoundPruned` scores only the songs that the
  measure's upper bound leaves in reach of the top (a few thousand of 1,000,000 classifier-like
  vectors); where the bound prunes too little (flat vectors), or the measure has none,
  :class:`ExactScan` scores every song, in one pass (~15 ms at 1,000,000).

Every path scores its final candidates with the measure and breaks ties by catalog order
(:meth:`Search.rank`), so the paths differ only where the graph misses a neighbour. ``index="auto"``
builds the graph from ``INDEX_THRESHOLD`` songs up: the default measure's at once, another space's on a
thread from its first query, which is answered exactly until the graph is ready.
"""
from __future__ import annotations

import threading

import numpy as np

from hub.search.similarity import Similarity
from hub.search.vectors import CatalogVectors, one_blas_thread

INDEX_THRESHOLD = 50_000
# Filters that allow at most this many songs are answered exactly over the allowed songs only:
# gathering and scoring 50,000 rows costs ~2 ms, while the HNSW graph, searched with a selective
# filter, walks ever more disallowed nodes (and loses recall) before it finds k allowed ones.
GATHER_MAX = 50_000
# From this many songs, exact search over the catalog skips the songs a bound proves cannot reach the
# top (see BoundPruned); it keeps, per emotion, the songs sorted by that coordinate of their unit
# vector (8 bytes per song and emotion: 480 MB and ~8 s to build for 1,000,000 x 60).
PRUNE_MIN = 100_000
# The bound is not used when it leaves more than this share of the catalog to score (flat vectors,
# e.g. i.i.d. uniform coordinates): one pass over every song is cheaper then.
PRUNE_MAX_SHARE = 0.125
# Scores within this of the k-th are kept as candidates and re-scored, so float32 rounding in a bound
# or a scan never decides which of two (near-)tied songs is returned.
SCORE_SLACK = 1e-4
# The same for a song's stored unit-vector coordinate (float32) in the bound.
COORD_SLACK = 1e-5


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


class ExactScan:
    """Every song scored in one pass; any measure."""

    def __init__(self, catalog: CatalogVectors):
        self.catalog = catalog

    def candidates(self, measure: Similarity, q, k, mask):
        """Rows holding the exact top ``k`` of the allowed songs (``mask``, at least ``k``)."""
        sims = measure.score(self.catalog, q)
        sims[~mask] = -np.inf
        return _near_top(sims, k)


class BoundPruned:
    """Exact search that scores only the songs a measure's :class:`~hub.search.similarity.CoordinateBound`
    leaves in reach of the top. Keeps, per emotion, the songs in order of that coordinate of their unit
    vector, so the songs whose bound reaches a floor (a k-th best score already found) are one range of
    them, found by binary search (measured: 1,000,000 x 60 softmax vectors, p50 3.1 ms vs 18.2 ms for a
    full scan, same top-10)."""

    def __init__(self, catalog: CatalogVectors):
        self.catalog = catalog
        n, d = catalog.vectors.shape
        self.order, self.coord = np.empty((d, n), dtype=np.int32), np.empty((d, n), dtype=np.float32)
        norms = np.maximum(np.sqrt(catalog.sq_norms.astype(np.float64)), 1e-12)
        for j in range(d):
            u = (catalog.vectors[:, j] / norms).astype(np.float32)
            self.order[j] = np.argsort(u)
            self.coord[j] = u[self.order[j]]

    def candidates(self, measure: Similarity, q, k, mask):
        """The allowed songs that can be in the top ``k``, without reading the others, or None if the measure
        has no bound or it would leave too many."""
        bound = measure.upper_bound(self.catalog, q)
        if bound is None:
            return None
        n = len(self.catalog)
        order, coord = self.order[bound.axis], self.coord[bound.axis]

        def span(floor):  # positions in `order` of the songs whose bound reaches `floor`
            lo, hi = bound.interval(floor - SCORE_SLACK)
            return (int(np.searchsorted(coord, np.float32(lo - COORD_SLACK), "left")),
                    int(np.searchsorted(coord, np.float32(hi + COORD_SLACK), "right")))

        def kth_score(rows):
            rows = rows[mask[rows]]
            if len(rows) < k:
                return -np.inf
            return np.partition(measure.score(self.catalog, q, rows), len(rows) - k)[len(rows) - k]

        # a first floor from the songs of highest bound (u nearest the peak), then a higher one from a
        # sample of the range that floor leaves: both are k-th best scores of some allowed songs
        # (float32 keys: a float64 one makes searchsorted convert all n coordinates first, 0.5 ms)
        centre, width = int(np.searchsorted(coord, np.float32(bound.peak))), 32 * k
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


class FaissHNSW:
    """A Faiss HNSW graph over the catalog's unit vectors: approximate top k for inner-product measures."""

    def __init__(self, catalog: CatalogVectors, hnsw_m: int = 32, ef_construction: int = 40):
        import faiss

        self.catalog = catalog
        self.index = faiss.IndexHNSWFlat(catalog.vectors.shape[1], hnsw_m, faiss.METRIC_INNER_PRODUCT)
        self.index.hnsw.efConstruction = ef_construction
        self.index.add(catalog.vectors / catalog.norms[:, None])  # the unit vectors live in the index only

    def candidates(self, q, k, mask, allowed: int, filtered: bool, ef_search: int):
        """Candidate rows, or None if the graph found fewer than ``k`` allowed songs. A filter goes in as an
        ID selector: the graph still walks disallowed songs, so it keeps its recall, but never returns them
        (fetching more and dropping them afterwards needed the whole catalog when no song passed: 17 s at
        1,000,000). The search is widened by up to 4x as the filter passes fewer songs: with a 10 % filter,
        recall@10 went from 0.988 to 1.000 (1,000,000 songs, 200 queries)."""
        import faiss

        n = len(self.catalog)
        fetch = min(n, max(4 * k, 64))
        params = faiss.SearchParametersHNSW()  # per search: the shared index is never changed
        params.efSearch = int(max(ef_search, fetch) * (min(4.0, n / allowed) if filtered else 1.0))
        if filtered:
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))  # both kept alive to the search
            params.sel = selector
        _, found = self.index.search((q / np.linalg.norm(q))[None, :], fetch, params=params)
        rows = found[0][found[0] >= 0]
        rows = rows[mask[rows]]  # the query song itself, when no selector ran
        return rows if len(rows) >= k else None


class Search:
    """The strategies each vector space has and the rule that picks one per query (see the module docstring).

    A measure reads one space of the catalog (:class:`hub.search.vectors.Spaces`: the distributions, the
    centred distributions, the arcs, the stories and their blend with the emotion); every strategy works on that
    space's vectors, so a measure that is an inner product there gets the graph like plain cosine, and the bound
    too except in the dense spaces (``Spaces.UNBOUNDED``: the stories), where it would prune too little.
    The structures of a space are built when it is first searched, except those of ``default_space``:
    its bound (from ``PRUNE_MIN`` songs) is built at once and, for ``"faiss"``/``"auto"``, its graph starts
    building on a thread at once. Every graph is built on a thread (:meth:`graph_for`), its space's queries
    answered by one exact pass until it is ready: a million songs' default graph (124 numbers per song) takes
    about 3 minutes, which an app would otherwise wait before its first answer. :meth:`build_graph` builds one
    and waits.

    Args:
        spaces: the catalog's vectors (a :class:`~hub.search.vectors.CatalogVectors` is taken as its
            ``probs`` space alone).
        index: ``"exact"``, ``"faiss"`` (HNSW) or ``"auto"`` (Faiss from ``INDEX_THRESHOLD`` songs).
        hnsw_m, ef_search: HNSW graph degree and search breadth (higher = closer to exact, slower).
        default_space: the space built up front.
    """

    def __init__(self, spaces, index: str = "auto", hnsw_m: int = 32, ef_search: int = 128,
                 default_space: str = "probs"):
        from hub.search.vectors import CatalogStats, Spaces

        if index not in ("exact", "faiss", "auto"):
            raise ValueError(f"unknown index {index!r}: use 'exact', 'faiss' or 'auto'")
        if isinstance(spaces, CatalogVectors):
            spaces = Spaces(spaces.vectors, CatalogStats(np.zeros(spaces.vectors.shape[1])))
        self.spaces = spaces
        n = len(spaces.probs)
        self.kind = ("faiss" if n >= INDEX_THRESHOLD else "exact") if index == "auto" else index
        self.ef_search, self.hnsw_m, self.ef_construction = ef_search, hnsw_m, 40
        self._scan, self._bound, self._graph = {}, {}, {}
        self._building, self._graph_lock = {}, threading.Lock()  # graphs being built on a thread, by space
        if n and default_space:
            self.bound_for(default_space)
            if self.kind == "faiss":
                self.graph_for(default_space, wait=False)

    @property
    def catalog(self) -> CatalogVectors:
        return self.spaces.probs

    def bound_for(self, space: str) -> BoundPruned | None:
        if space not in self._bound:
            vectors = self.spaces.get(space)
            self._bound[space] = (BoundPruned(vectors) if len(vectors) >= PRUNE_MIN and space not in self.spaces.UNBOUNDED
                                  else None)
        return self._bound[space]

    def build_graph(self, hnsw_m: int = 32, ef_construction: int = 40, space: str = "probs") -> None:
        """Build the HNSW graph over ``space`` and search its inner-product measures with it from now on
        (the graphs of other spaces are built when first searched)."""
        self._graph[space], self.kind = FaissHNSW(self.spaces.get(space), hnsw_m, ef_construction), "faiss"
        self.hnsw_m, self.ef_construction = hnsw_m, ef_construction

    def graph_for(self, space: str, wait: bool = True) -> FaissHNSW | None:
        """The graph over ``space`` (None for an exact search). Built when first asked for: ``wait=False`` (a
        query) starts it on a thread and answers None until it is ready, so the query is answered exactly
        meanwhile (a million songs' arcs took 90 s to put in a graph, and ~110 ms p99 to search exactly)."""
        if self.kind != "faiss" or not len(self.spaces.probs):
            return None
        with self._graph_lock:
            if space not in self._graph and space not in self._building:
                self._building[space] = threading.Thread(target=self._build_in_background, args=(space,),
                                                         name=f"hnsw-{space}", daemon=True)
                self._building[space].start()
            building = self._building.get(space)
        if wait and building is not None:
            building.join()
        return self._graph.get(space)

    def _build_in_background(self, space: str) -> None:
        try:
            graph = FaissHNSW(self.spaces.get(space), self.hnsw_m, self.ef_construction)
            with self._graph_lock:
                self._graph[space] = graph
        finally:
            with self._graph_lock:  # a failed build is tried again by the next query; this one stays exact
                self._building.pop(space, None)

    def top(self, measure: Similarity, q, k, mask, allowed: int, query_row: int | None = None):
        """Rows and scores of the top ``k`` (at most ``allowed``, at least 1) of the songs ``mask`` allows
        (``allowed`` of them); ``q`` is the query in the measure's space; ``query_row``: the query's own row
        when it is a catalog song."""
        vectors = self.spaces.get(measure.space)
        with one_blas_thread():
            rows, graph_pending = None, False
            if allowed <= GATHER_MAX:
                rows = np.flatnonzero(mask)
            elif measure.is_inner_product and self.kind == "faiss":
                graph = self.graph_for(measure.space, wait=False)
                # being built: one pass over every song until then (building a bound takes seconds too)
                graph_pending = graph is None
                if not graph_pending:
                    filtered = allowed < len(vectors) - (query_row is not None)
                    rows = graph.candidates(q, k, mask, allowed, filtered, self.ef_search)
            if rows is None and not graph_pending and self.bound_for(measure.space) is not None:
                rows = self.bound_for(measure.space).candidates(measure, q, k, mask)
            if rows is None:
                rows = self._scan.setdefault(measure.space, ExactScan(vectors)).candidates(measure, q, k, mask)
            return self.rank(measure, q, rows, k)

    def rank(self, measure: Similarity, q, rows, k):
        """The top ``k`` of candidate ``rows``, scored by the measure; ties broken by catalog order, the same
        on every path."""
        sims = measure.score(self.spaces.get(measure.space), q, rows)
        if len(rows) > 4 * k:
            kth = np.partition(sims, len(sims) - k)[len(sims) - k]
            keep = sims >= kth  # every tie at the boundary, so the ranking below is deterministic
            rows, sims = rows[keep], sims[keep]
        order = np.lexsort((rows, -sims))[:k]
        return rows[order], sims[order]
