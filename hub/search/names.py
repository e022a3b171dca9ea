"""Finding catalog songs by name the way fans type them: spacing, case and punctuation ignored ("소녀 시대",
"girls generation"), romanised Korean ("sonyeosidae", "aiyu"), initials of romanised syllables ("bts" and
"btsnd" for 방탄소년단, "snsd" for 소녀시대), Latin letters read by their Korean names ("iu" for 아이유), the
parts of a field (the English name in "소녀시대 (GIRLS' GENERATION)", each credited artist) and any other
names a dataset records for a song (its optional ``aliases`` column).

Every name becomes *keys*: its compact form (:func:`compact`: NFKC, case-folded, without spaces or
punctuation) is a direct key; so is each of its words (:func:`words`, for names of more than one word); its
Revised Romanization, written syllable by syllable (:func:`romanise`; no sound-change rules: fans spell names
out syllable by syllable), the initials of a name of three Hangul syllables or more and the Korean reading of
a short Latin name are transliterated keys. A query matches a song when its compact form equals, begins or
is contained in one of the song's keys (a word: equals it); songs are ranked by how they matched
(:data:`TIERS`, best first: whole names, then the start of a name, then words and the rest), then in
catalog order.

A short Latin query (:data:`SHORT_LATIN`, e.g. "iu", "bts") says little: it matches whole names, whole
words, aliases and the start of a name (of a romanisation, from three letters on), never letters inside a
word, so "iu" finds 아이유 (read as letter names) and not "Genius", "bts" finds 방탄소년단 and not
"Subtsy". A Hangul query keeps substring matching at any length: Korean words run together without spaces
(사랑 in 첫사랑), and one syllable already says more than a Latin letter.

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
# how a song matched a query, best first: a whole name (as written, read as Latin letters ("iu": 아이유 ahead of
# 이우), romanised) before a name's start, a name's start before a whole word inside a longer name ("bts": the
# songs of 방탄소년단 before the many titles "(feat. SUGA of BTS)"; "다시 만난 봄" for 봄), then the rest
TIERS = ("direct exact", "letter names", "transliterated exact", "direct prefix", "transliterated prefix", "word",
         "direct substring", "transliterated substring")
SHORT_LATIN = 3  # a Latin query this short matches whole names and words and name starts only, not inside words
MIN_TRANSLITERATED_PREFIX = 3  # "bts" starts 방탄소년단's initials; two letters start too many ("iu": 이웃 is iut)
MIN_INITIALS = 3  # fans abbreviate long names ("snsd"); a two-syllable name's initials ("iu" for 이웃) mislead
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
_ALL_SYLLABLES = re.compile(rf"[\uac00-\ud7a3]{{{MIN_INITIALS},}}")


def romanise(text: str) -> str:
    """``text`` with each Hangul syllable in Revised Romanization, syllable by syllable (방탄소년단 is
    bangtansonyeondan, 아이유 aiyu); other characters are kept."""
    return text.translate(_ROMAN)


def initials(text: str) -> str:
    """The first romanised letter of each Hangul syllable (방탄소년단 is btsnd, 아이유 aiy), or "" when
    ``text`` is not all Hangul syllables, at least :data:`MIN_INITIALS` of them."""
    return text.translate(_INITIAL) if _ALL_SYLLABLES.fullmatch(text) else ""


def words(text) -> list[str]:
    """The compact words of a name of more than one word ("Dear IU" is dear, iu; a one-word name: none)."""
    found = [w for w in _NOT_WORD.split(unicodedata.normalize("NFKC", str(text or "")).casefold()) if w]
    return found if len(found) > 1 else []


def is_short_latin(query: str) -> bool:
    """A compact query of :data:`SHORT_LATIN` Latin letters or digits or fewer ("iu", "bts", "21")."""
    return len(query) <= SHORT_LATIN and query.isascii()


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


def keys(names) -> tuple[list[str], list[str], list[str]]:
    """The direct keys, the words and the transliterated keys of ``names``."""
    direct = list(dict.fromkeys(k for k in map(compact, names) if k))
    transliterated = []
    for key in direct:
        transliterated += [romanise(key), initials(key), letter_names(key)]
    return (direct, list(dict.fromkeys(w for name in names for w in words(name))),
            [k for k in dict.fromkeys(transliterated) if k and k not in direct])


def _joined(values: list[str]) -> str:
    return _SEP + _SEP.join(values) + _SEP if values else ""


class _Field:
    """One name field of the catalog (titles, artists or aliases), as the joined keys of its distinct values."""

    def __init__(self, values, names_of):
        # names are worked out once per distinct value: artists (and aliases) repeat across a catalog
        hashable = [tuple(alias_names(v)) for v in values] if names_of is alias_names else [str(v or "") for v in values]
        self.codes, uniques = pd.factorize(pd.Series(hashable, dtype=object))
        every = [keys(u if names_of is alias_names else names_of(u)) for u in uniques]
        self.direct, self.words, self.transliterated = (
            pd.Series([_joined(k[i]) for k in every], dtype="string[pyarrow]") for i in range(3))

    def tiers(self, query: str) -> np.ndarray:
        """Per song, the best tier (index into TIERS) at which it matches compact ``query``, len(TIERS) if none."""
        best = np.full(len(self.direct), len(TIERS), dtype=np.int8)

        def mark(column, tests):
            for tier, text in tests:
                hit = column.str.contains(text, regex=False).to_numpy(dtype=bool, na_value=False)
                best[hit] = np.minimum(best[hit], TIERS.index(tier))

        exact, start = _SEP + query + _SEP, _SEP + query
        short = is_short_latin(query)
        mark(self.direct, [("direct exact", exact), ("direct prefix", start)] +
             ([] if short else [("direct substring", query)]))
        mark(self.words, [("word", exact)])
        mark(self.transliterated, [("transliterated exact", exact)] +
             ([("transliterated prefix", start)] if len(query) >= MIN_TRANSLITERATED_PREFIX else []) +
             ([] if short else [("transliterated substring", query)]))
        spoken = letter_names(query)
        if spoken:  # "iu" read as 아이유, matched against the names as written: a transliteration
            mark(self.direct, [("letter names", _SEP + spoken + _SEP), ("transliterated prefix", _SEP + spoken)])
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
