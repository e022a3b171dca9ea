"""The catalog's emotion vectors as every measure and index reads them: one float32 row-major matrix with
each song's squared norm and norm computed once, and the rule that products with it run on one BLAS thread."""
from __future__ import annotations

import contextlib

import numpy as np


class CatalogVectors:
    """``(n_songs, n_labels)`` float32 vectors (rows in catalog order) with ``sq_norms`` and ``norms``."""

    def __init__(self, vectors: np.ndarray):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.sq_norms = np.einsum("ij,ij->i", self.vectors, self.vectors)
        self.norms = np.maximum(np.sqrt(self.sq_norms), np.float32(1e-12))

    def __len__(self) -> int:
        return len(self.vectors)


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
