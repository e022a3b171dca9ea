"""Cleaning and checking lyrics: the first step of every reading (the app, the catalog build, training)."""
from __future__ import annotations

import re
import unicodedata

MAX_LYRICS_CHARS = 30_000  # about ten times a long song; beyond this the input is not lyrics


class LyricsError(ValueError):
    """Lyrics the predictor cannot use; the message says what to do."""


_SECTION_TAG = re.compile(r"^\s*[\[(](?:verse|chorus|hook|bridge|intro|outro|pre-chorus|rap|x\d+|\d+x)[^\])]*[\])]\s*$",
                          re.IGNORECASE)
# Letters (any script), digits, whitespace and ordinary sentence punctuation survive; emoji,
# decorative symbols and control characters do not.
_KEEP = re.compile(r"[^\w\s.,!?'\"~\-:;()…]", re.UNICODE)


def clean_lyrics(text: str) -> str:
    """Normalize lyrics: NFC, drop section tags ([Chorus]) and special symbols, one blank line max."""
    if not isinstance(text, str):
        raise LyricsError(f"lyrics must be text, got {type(text).__name__}")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        if _SECTION_TAG.match(line):
            continue
        line = _KEEP.sub(" ", line.replace("_", " "))
        lines.append(re.sub(r"[ \t\u3000]+", " ", line).strip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def check_lyrics(text: str, max_chars: int = MAX_LYRICS_CHARS) -> str:
    """Clean ``text`` and reject what cannot be analyzed, with a message saying why."""
    if isinstance(text, str) and len(text) > max_chars:
        raise LyricsError(
            f"the lyrics are {len(text):,} characters long; the limit is {max_chars:,} "
            "(about ten long songs). Paste one song at a time."
        )
    cleaned = clean_lyrics(text)
    if not re.search(r"\w", cleaned):
        raise LyricsError("the lyrics are empty (or only symbols) after cleaning: paste the song's text.")
    return cleaned
