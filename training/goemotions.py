"""GoEmotions TSV files: reading, checking, and a seeded label-aware sample.

A row is ``text<TAB>comma-separated label ids<TAB>comment id`` (no header). Some texts hold
CSV-style escaped quotes, so rows are read with :func:`csv.reader`, not by splitting lines.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hub.labels import GOEMOTIONS

NUM_LABELS = len(GOEMOTIONS)


class GoEmotionsDataError(ValueError):
    """A GoEmotions file or request that cannot be used; the message names the file and row."""


@dataclass
class GoEmotionsSplit:
    """Texts with 0/1 targets over the 28 GoEmotions labels."""

    texts: list[str]
    targets: np.ndarray  # (n, 28) float32 0/1
    ids: list[str]
    path: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index) -> "GoEmotionsSplit":
        index = np.asarray(index, dtype=int)
        return GoEmotionsSplit([self.texts[i] for i in index], self.targets[index],
                               [self.ids[i] for i in index], self.path)


def read_goemotions_tsv(path) -> GoEmotionsSplit:
    """Read a GoEmotions TSV; raise :class:`GoEmotionsDataError` naming the row on bad input."""
    path = Path(path)
    if not path.is_file():
        raise GoEmotionsDataError(f"{path}: no such file (expected a GoEmotions TSV such as train.tsv).")
    texts, rows, ids = [], [], []
    with path.open(encoding="utf-8", newline="") as f:
        for line_no, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != 3:
                raise GoEmotionsDataError(
                    f"{path}, row {line_no}: {len(row)} tab-separated columns, expected 3 "
                    "(text, comma-separated label ids, comment id)."
                )
            text, label_field, comment_id = row
            if not text.strip():
                raise GoEmotionsDataError(f"{path}, row {line_no}: the text is empty.")
            try:
                labels = [int(x) for x in label_field.split(",") if x.strip()]
            except ValueError:
                raise GoEmotionsDataError(
                    f"{path}, row {line_no}: labels {label_field!r} are not comma-separated integer ids."
                ) from None
            if not labels:
                raise GoEmotionsDataError(f"{path}, row {line_no}: no label ids.")
            bad = [x for x in labels if not 0 <= x < NUM_LABELS]
            if bad:
                raise GoEmotionsDataError(
                    f"{path}, row {line_no}: label id(s) {bad} outside 0-{NUM_LABELS - 1} "
                    f"(GoEmotions has {NUM_LABELS} labels)."
                )
            texts.append(text)
            rows.append(labels)
            ids.append(comment_id)
    if not texts:
        raise GoEmotionsDataError(f"{path}: the file holds no rows.")
    targets = np.zeros((len(texts), NUM_LABELS), dtype=np.float32)
    for i, labels in enumerate(rows):
        targets[i, labels] = 1.0
    return GoEmotionsSplit(texts, targets, ids, str(path))


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
