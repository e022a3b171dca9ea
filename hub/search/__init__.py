"""Finding a query's most similar catalog songs, in three parts kept apart:

* :mod:`hub.search.vectors`: the catalog's vectors and what is computed from them once (norms);
* :mod:`hub.search.similarity`: the similarity measures (how alike two songs are), one class each, in a
  registry of short names (``recommend(method=...)`` and the Space's choices read it);
* :mod:`hub.search.index`: the ways of finding the top k under a measure (exact scan, a bound that
  prunes, an HNSW graph) and the rule that picks one for a query.

:class:`hub.recommender.Recommender` adds the songs, the filters and the results table.
"""
