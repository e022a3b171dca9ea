"""The one segmenter: how a song is cut into the pieces a model reads and the arc shows.

* **Stanzas**: blocks separated by blank lines. Lyrics without any blank line are cut into
  **blocks** of :data:`LINES_PER_BLOCK` lines instead, so a pasted wall of text still has an arc.
  :func:`split_stanzas` cuts, :func:`segment_unit` says which of the two a song got.
* **Token windows** (:func:`line_windows`): an encoder reads at most a fixed number of tokens, so a
  longer text is cut into windows that end at line breaks where one falls inside, every token read
  once (no overlap between neighbours).
"""
from __future__ import annotations

import bisect
import re

LINES_PER_BLOCK = 4  # lyrics without blank lines are read in blocks of this many lines
STANZA_BREAK = re.compile(r"\n\s*\n")


def stanzas_by_blank_lines(text: str) -> list[str]:
    """The blocks of ``text`` separated by blank lines (stripped, empty ones left out)."""
    return [block.strip() for block in STANZA_BREAK.split(text) if block.strip()]


def split_stanzas(text: str, lines_per_block: int = LINES_PER_BLOCK) -> list[str]:
    """Stanzas of cleaned lyrics: blocks separated by blank lines, else blocks of a few lines."""
    blocks = stanzas_by_blank_lines(text)
    if len(blocks) == 1:
        lines = [line for line in blocks[0].split("\n") if line.strip()]
        blocks = ["\n".join(lines[i:i + lines_per_block]) for i in range(0, len(lines), lines_per_block)]
    return blocks


def segment_unit(text: str, segments: int) -> str:
    """``"stanza"`` when blank lines separate the lyrics' stanzas; ``"block"`` when the lyrics have none
    and :func:`split_stanzas` cut them into ``segments`` blocks of lines."""
    return "block" if len(stanzas_by_blank_lines(text)) == 1 and segments > 1 else "stanza"


def line_windows(text: str, offsets, room: int) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` that cover a text's tokens (character ``offsets`` per token) in
    windows of at most ``room`` tokens, each ending at a line break where one falls inside it."""
    n = len(offsets)
    if n <= room:
        return [(0, n)]
    # a token opens a line when a newline lies between it and the token before it
    opens = [i for i in range(1, n) if "\n" in text[offsets[i - 1][1]:offsets[i][0]]]
    ranges, start = [], 0
    while start < n:
        end = min(start + room, n)
        if end < n:
            k = bisect.bisect_right(opens, end) - 1  # the last line start at or before ``end``
            if k >= 0 and opens[k] > start:
                end = opens[k]
        ranges.append((start, end))
        start = end
    return ranges
