"""GoEmotions TSV files: reading, checking, and a seeded label-aware sample.

A row is ``text<TAB>comma-separated label ids<TAB>comment id`` (no header). Some texts hold
CSV-style escaped quotes, so rows are read with :func:`csv.reader`, not by splitting lines.
"""
from __future__ import annotations

import numpy as np

# The file format lives with the other labelled files (hub.labelled_data: the evaluation reads it too); its
# names stay importable from here.
from hub.labelled_data import GoEmotionsDataError, GoEmotionsSplit, read_goemotions_tsv  # noqa: F401
from hub.labels import GOEMOTIONS

NUM_LABELS = len(GOEMOTIONS)


def sample_rows(split: GoEmotionsSplit, n: int | None, seed: int = 0) -> GoEmotionsSplit:
    """A seeded sample of ``n`` rows that keeps every label present where the file allows.

    Rows are grouped by their rarest label; each group gets its proportional share (rounded
    up to at least one row, so rare emotions such as grief are never dropped) and the
    remainder is filled at random.
    """
    if n is None or n == len(split):
        return split
    if n <= 0:
        raise GoEmotionsDataError(f"--samples must be positive, got {n}.")
    if n > len(split):
        raise GoEmotionsDataError(
            f"--samples {n} is larger than {split.path or 'the training file'} ({len(split)} rows); "
            f"use at most {len(split)}."
        )
    rng = np.random.default_rng(seed)
    freq = split.targets.sum(axis=0)
    # the rarest label of each row decides its stratum
    rarity = np.where(split.targets > 0, freq[None, :], np.inf)
    stratum = rarity.argmin(axis=1)
    chosen = []
    for label in range(NUM_LABELS):
        members = np.flatnonzero(stratum == label)
        if members.size == 0:
            continue
        share = max(1, int(round(n * members.size / len(split))))
        chosen.extend(rng.choice(members, size=min(share, members.size), replace=False))
    chosen = rng.permutation(np.asarray(chosen))[:n]
    if len(chosen) < n:
        rest = np.setdiff1d(np.arange(len(split)), chosen)
        chosen = np.concatenate([chosen, rng.choice(rest, size=n - len(chosen), replace=False)])
    return split.subset(np.sort(chosen))
