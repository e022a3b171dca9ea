"""Close calls scored twice: a fast model's answers where it hesitates, checked by an exact one.

int8's rounding moves probabilities by up to a few hundredths, so it can only flip the top label of a
text whose two highest probabilities are about that close; scoring just those texts again in fp32
keeps fp32's answer at a small share of fp32's cost (README "Benchmarks" measures it per margin).
"""
from __future__ import annotations

import numpy as np


def top_two_gap(probs: np.ndarray) -> np.ndarray:
    """Per row, how far its highest probability is above the second: how decided the model is."""
    top_two = np.sort(probs, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def verify_close_calls(probs: np.ndarray, texts: list[str], exact, margin: float,
                       progress: bool = False) -> tuple[np.ndarray, int]:
    """``probs`` (a fast model's, one row per text) with the rows whose two highest probabilities are
    closer than ``margin`` replaced by ``exact.predict_texts`` of those texts; and how many that was."""
    close = np.flatnonzero(top_two_gap(probs) < margin)
    if len(close):
        probs[close] = exact.predict_texts([texts[i] for i in close], progress=progress)
    return probs, len(close)
