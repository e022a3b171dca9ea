"""Tokenized GoEmotions rows for the ``transformers.Trainer`` (reading and the seeded sample live in
:mod:`training.goemotions`)."""
from __future__ import annotations

import numpy as np

from training.goemotions import GoEmotionsSplit

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def encode(tokenizer, texts: list[str], max_length: int) -> list[dict]:
    """One dict of unpadded model inputs per text (truncated to ``max_length`` tokens)."""
    enc = tokenizer(texts, truncation=True, max_length=max_length, padding=False)
    keys = [k for k in MODEL_INPUTS if k in enc]
    return [{k: enc[k][i] for k in keys} for i in range(len(texts))]


class EncodedRows:
    """A map-style data set of tokenized rows with their 28 0/1 ``labels`` (floats, for BCE).

    Rows are unpadded: ``DataCollatorWithPadding`` pads each batch, and the Trainer's length-grouped
    sampler reads each row's ``input_ids`` length to put rows of similar length together.
    """

    def __init__(self, rows: list[dict], targets: np.ndarray):
        if len(rows) != len(targets):
            raise ValueError(f"{len(rows)} rows but {len(targets)} target rows")
        self.rows = rows
        self.targets = np.asarray(targets, dtype=np.float32)

    @classmethod
    def from_split(cls, tokenizer, split: GoEmotionsSplit, max_length: int) -> "EncodedRows":
        return cls(encode(tokenizer, split.texts, max_length), split.targets)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict:
        return {**self.rows[i], "labels": self.targets[i].tolist()}
