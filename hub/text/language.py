"""Which part of a song a model reads, by the model's language.

A Korean model (``language == "ko"``) reads the lines that hold Hangul and leaves the others out
(an English stanza, a Japanese line); a model without a language reads everything. The share of
the song's letters that a model read is reported beside its reading (the page, the song dataset).
"""
from __future__ import annotations

import re

from hub.korean_text import HANGUL_SYLLABLE

LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
LATIN_LETTER = re.compile(r"[A-Za-z]")


def readable_part(text: str, language: str | None) -> tuple[str, float]:
    """The part of cleaned lyrics a model for ``language`` reads, and its share of the song's letters.

    ``"ko"``: the lines that hold a Hangul syllable (blank lines between them kept as stanza
    breaks); any other language (or ``None``): the whole text.
    """
    if language != "ko":
        return text, 1.0
    kept = [line if HANGUL_SYLLABLE.search(line) or not line.strip() else "" for line in text.split("\n")]
    part = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    total = len(LETTER.findall(text))
    return part, (len(LETTER.findall(part)) / total if total else 0.0)


def mostly_latin(text: str) -> bool:
    """True when Latin letters clearly outnumber Hangul (a syllable counts as two letters)."""
    return len(LATIN_LETTER.findall(text)) > 2 * len(HANGUL_SYLLABLE.findall(text))
