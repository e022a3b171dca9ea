"""Finding catalog songs by name the way fans type them: spacing, case and punctuation ignored ("소녀 시대",
"girls generation"), romanised Korean ("sonyeosidae", "aiyu"), initials of romanised syllables ("bts" and
"btsnd" for 방탄소년단, "snsd" for 소녀시대), Latin letters read by their Korean names ("iu" for 아이유), the
parts of a field (the English name in "소녀시대 (GIRLS' GENERATION)", each credited artist) and any other
names a dataset records for a song (its optional ``aliases`` column).

Every name becomes *keys*: its compact form (:func:`compact`: NFKC, case-folded, without spaces or
punctuation) is a direct key; its Revised Romanization, written syllable by syllable (:func:`romanise`; no
sound-change rules: fans spell names out syllable by syllable), the initials of its Hangul syllables and the
Korean reading of a short Latin name are transliterated keys. A query matches a song when its compact form
equals, begins or is contained in one of the song's keys; songs are ranked by how they matched
(:data:`TIERS`, best first), then in catalog order. A romanised query of three letters or fewer matches
transliterated keys only from their start, so "iu" does not find every romanised name holding "iu".

The keys are computed once per distinct title, artist field and alias list, and matched as Arrow strings
(each value's keys joined by a separator, so one substring test finds an exact match, a prefix or a
substring), so a query over 1,000,000 songs is a few vectorized passes.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from hub.works import credited_artists, name_parts

_NOT_WORD = re.compile(r"[\W_]+")
_SEP = "\x1f"
# how a song matched a query, best first
TIERS = ("direct exact", "direct prefix", "transliterated exact", "transliterated prefix", "direct substring",
         "transliterated substring")
MIN_TRANSLITERATED_SUBSTRING = 4  # a shorter romanised query matches romanised names only from their start
MAX_LETTER_NAME = 6  # Latin names up to this long are also read as Korean letter names ("IU" is 아이유)

# Revised Romanization of the jamo, in Unicode's syllable order
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
           "yu", "eu", "ui", "i"]
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
           "ng", "t", "t", "k", "t", "p", "t"]
# how Koreans read the Latin letters (아이유 is "IU", 비티에스 is "BTS")
_LETTER_NAMES = dict(zip("abcdefghijklmnopqrstuvwxyz",
                         ["에이", "비", "씨", "디", "이", "에프", "지", "에이치", "아이", "제이", "케이", "엘", "엠", "엔",
                          "오", "피", "큐", "알", "에스", "티", "유", "브이", "더블유", "엑스", "와이", "지"]))


def compact(text) -> str:
    """A name as matched: NFKC (full-width forms), case-folded, without spaces, punctuation or symbols."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


def _syllables(spell) -> dict[int, str]:
    """A str.translate table: each Hangul syllable spelt by ``spell(initial, vowel, final)``."""
    return {0xAC00 + code: spell(code // 588, code % 588 // 28, code % 28) for code in range(11172)}


# tables, not per-character arithmetic: a catalog's names are romanised in one pass of str.translate each
_ROMAN = _syllables(lambda i, v, f: _INITIALS[i] + _VOWELS[v] + _FINALS[f])
_INITIAL = _syllables(lambda i, v, f: (_INITIALS[i] or _VOWELS[v])[0])
_ALL_SYLLABLES = re.compile(r"[\uac00-\ud7a3]{2,}")


def romanise(text: str) -> str:
    """``text`` with each Hangul syllable in Revised Romanization, syllable by syllable (방탄소년단 is
    bangtansonyeondan, 아이유 aiyu); other characters are kept."""
    return text.translate(_ROMAN)


def initials(text: str) -> str:
    """The first romanised letter of each Hangul syllable (방탄소년단 is btsnd, 아이유 aiy), or "" when
    ``text`` is not all Hangul syllables (at least two)."""
    return text.translate(_INITIAL) if _ALL_SYLLABLES.fullmatch(text) else ""


def letter_names(text: str) -> str:
    """A short all-Latin name read by the Korean names of its letters ("iu" is 아이유), or ""."""
    if not (0 < len(text) <= MAX_LETTER_NAME and text.isascii() and text.isalpha()):
        return ""
    return "".join(_LETTER_NAMES[ch] for ch in text)


def title_names(title) -> list[str]:
    """The names a title goes by: the whole, the part outside brackets, each bracketed part ("봄날 (Spring Day)")."""
    return name_parts(title)


def artist_names(artist) -> list[str]:
    """The names an artist field goes by: the whole, its parts ("소녀시대 (GIRLS' GENERATION)": both names) and each
    credited artist ("A & B", "A (feat. B)")."""
    return name_parts(artist) + credited_artists(artist)


def alias_names(aliases) -> list[str]:
    """A song's aliases (the dataset's ``aliases`` column): a list of names, one name, or nothing."""
    if aliases is None or (isinstance(aliases, float) and np.isnan(aliases)):
        return []
    if isinstance(aliases, str):
        return [aliases]
    return [str(a) for a in aliases if a is not None]


def keys(names) -> tuple[list[str], list[str]]:
    """The direct and the transliterated keys of ``names``."""
    direct = list(dict.fromkeys(k for k in map(compact, names) if k))
    transliterated = []
    for key in direct:
        transliterated += [romanise(key), initials(key), letter_names(key)]
    return direct, [k for k in dict.fromkeys(transliterated) if k and k not in direct]


def _joined(values: list[str]) -> str:
    return _SEP + _SEP.join(values) + _SEP if values else ""


class _Field:
    """One name field of the catalog (titles, artists or aliases), as the joined keys of its distinct values."""

    def __init__(self, values, names_of):
        # names are worked out once per distinct value: artists (and aliases) repeat across a catalog
        hashable = [tuple(alias_names(v)) for v in values] if names_of is alias_names else [str(v or "") for v in values]
        self.codes, uniques = pd.factorize(pd.Series(hashable, dtype=object))
        both = [keys(u if names_of is alias_names else names_of(u)) for u in uniques]
        self.direct = pd.Series([_joined(d) for d, _ in both], dtype="string[pyarrow]")
        self.transliterated = pd.Series([_joined(t) for _, t in both], dtype="string[pyarrow]")

    def tiers(self, query: str) -> np.ndarray:
        """Per song, the best tier (index into TIERS) at which it matches compact ``query``, len(TIERS) if none."""
        best = np.full(len(self.direct), len(TIERS), dtype=np.int8)

        def mark(column, needle: str, exact: int, prefix: int, substring: int | None = None):
            tests = [(exact, _SEP + needle + _SEP), (prefix, _SEP + needle)] + \
                ([(substring, needle)] if substring is not None else [])
            for tier, text in tests:
                hit = column.str.contains(text, regex=False).to_numpy(dtype=bool, na_value=False)
                best[hit] = np.minimum(best[hit], tier)

        mark(self.direct, query, 0, 1, 4)
        mark(self.transliterated, query, 2, 3, 5 if len(query) >= MIN_TRANSLITERATED_SUBSTRING else None)
        spoken = letter_names(query)
        if spoken:  # "iu" read as 아이유, matched against the names as written: a transliteration
            mark(self.direct, spoken, 2, 3)
        return best[self.codes] if len(self.codes) else best[:0]


class SongNames:
    """The names of a catalog's songs, to find songs by what a fan types.

    Args:
        titles, artists: per song, its title and artist field.
        aliases: per song, other names it or its artist go by (a list of names, one name, or None), e.g. a
            dataset's ``aliases`` column recorded by a crawler; None for a catalog without them.
    """

    def __init__(self, titles, artists, aliases=None):
        self.aliases = aliases
        self._fields = [_Field(titles, title_names), _Field(artists, artist_names)]
        if aliases is not None:
            self._fields.append(_Field(aliases, alias_names))

    def find(self, text) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the songs matching ``text``, best match first (then catalog order), and their tiers."""
        query = compact(text)
        if not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8)
        best = np.minimum.reduce([field.tiers(query) for field in self._fields])
        rows = np.flatnonzero(best < len(TIERS))
        order = np.lexsort((rows, best[rows]))
        return rows[order], best[rows][order]
