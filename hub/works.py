"""What a song's title and artist field say about it: which catalog songs are versions of one song (a
"work"), and which artists a song credits. :class:`hub.recommender.Recommender` computes both once per
catalog and filters with them.

**Versions.** Two songs are versions of one work (covers, remixes, live or acoustic versions,
re-releases, a "(Feat. X)" edition) when their titles are equal once normalised
(:func:`normalise_title`: brackets and what they hold, "Feat./Prod. X" and "... Ver./Remix/Live/Inst."
suffixes, case, spacing, punctuation and full-width forms dropped) **and** one of:

* their main artist is the same (:func:`main_artist`);
* their emotion vectors are near-identical: raw cosine at least ``VERSION_COSINE``;
* their lyrics are near-identical: cosine of hashed character 3-gram counts at least ``VERSION_LYRICS``,
  from the lyrics when the catalog stores them, else estimated from each song's lyric fingerprint
  (:func:`lyric_fingerprint`: 256 bits that a build stores for every song, lyrics or not).

The relation is closed transitively (connected components). It is computed per group of equal
normalised titles, so the work is the pairs inside those groups, not all pairs of the catalog
(:func:`work_ids`).

**Credits.** A song credits the artists of its artist field ("A & B", "A, B", "A (alias or members)",
"A (feat. B)") and those its title features ("(Feat. X, Y)", "(With X)"); names are compared
normalised (:func:`normalise_name`: full-width forms, case and spaces ignored). :class:`Credits` finds
the songs sharing any credited artist with a query without comparing strings per query.
"""
from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

# Chosen on 3,895 real chart songs, over the 599 pairs with equal normalised titles (README, "Similar
# songs"): of 66 pairs whose lyrics are one song (3-gram cosine >= 0.8), a vector cosine >= 0.98 (or the
# same main artist) links 56, and 12 of the 533 other pairs (0.995: 39 and 2; 0.975: 61 and 17).
# Versions missed are those far apart in vectors, so they rarely reach a top-10: 7 entries remain there
# of 102. The cosine is the raw one of the model's vectors: a model with another spread needs another.
# Lyrics: different songs sharing a title reach 0.66-0.77 (the title repeated in a chorus); versions
# with a changed verse 0.77-0.9.
VERSION_COSINE = 0.98
VERSION_LYRICS = 0.8
# The fingerprint is a SimHash of those 3-gram counts: the signs of FINGERPRINT_BITS fixed random projections,
# whose agreement estimates the angle between two songs' counts. On the 632 same-title pairs of 4,018 real
# chart songs, 256 bits decide "cosine >= 0.8" as the counts themselves do for 625 (3 of 68 versions missed,
# 4 different songs linked; median error of the cosine 0.05); 1,024 bits for all 632, at four times the bytes
# and a third of the speed.
FINGERPRINT_BITS = 256

_OPEN, _CLOSE = "([{<（［｛〈《【「『", ")]}>）］｝〉》】」』"
_FEATURING = re.compile(r"^\s*(?:feat(?:uring)?|ft|with|duet)\b\.?\s*(?:by\b\.?)?\s*", re.IGNORECASE)
# unbracketed suffixes of a version: "Title feat. X", "Title - Remix", "Title Acoustic Ver.", "Title (Inst.)"
_SUFFIX = re.compile(r"(?:\s+-\s+.*|\s+(?:feat(?:uring)?|ft|prod)\b\.?\s.*|\s+\S*\s*ver(?:sion)?\.?"
                     r"|\s+(?:remix|live|inst(?:rumental)?\.?|mr))$", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,|&|＆|、|×|\s+x\s+|\s+and\s+)\s*", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")


def _split_brackets(text: str) -> tuple[str, list[str]]:
    """``text`` without its bracketed parts (nested ones included), and the parts' contents, outermost."""
    outside, parts, depth, current = [], [], 0, []
    for ch in text:
        if ch in _OPEN:
            if depth:
                current.append(ch)
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth:
                current.append(ch)
            else:
                parts.append("".join(current))
                current = []
        elif depth:
            current.append(ch)
        else:
            outside.append(ch)
    if current:  # an unclosed bracket: its text counts as bracketed
        parts.append("".join(current))
    return "".join(outside), parts


def name_parts(text) -> list[str]:
    """A name and the names inside it (NFKC): the whole, the part outside brackets and each bracketed part
    ("소녀시대 (GIRLS' GENERATION)": the whole, 소녀시대 and GIRLS' GENERATION), each stripped, without empties."""
    whole = unicodedata.normalize("NFKC", str(text or "")).strip()
    outside, parts = _split_brackets(whole)
    return [n for n in dict.fromkeys([whole, outside.strip(), *(p.strip() for p in parts)]) if n]


def normalise_title(title) -> str:
    """The title that versions of a song share: no brackets, featuring/producer credits or version
    suffixes; NFKC (full-width forms), case, spaces and punctuation ignored. A title that is all
    brackets or suffix keeps its words (e.g. "[Intro]" is "intro")."""
    text = unicodedata.normalize("NFKC", str(title or ""))
    outside, parts = _split_brackets(text)
    stem = outside.strip()
    while True:
        shorter = _SUFFIX.sub("", stem).strip()
        if shorter == stem or not _NOT_WORD.sub("", shorter):
            break
        stem = shorter
    key = _NOT_WORD.sub("", stem.casefold())
    return key or _NOT_WORD.sub("", " ".join(parts or [text]).casefold())


def normalise_name(name) -> str:
    """An artist name as compared: NFKC (full-width forms), case and all spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name or "")).casefold())


def _names(text: str) -> list[str]:
    """The names in a credit: its parts ("A & B", "A, B") and, unless it is a list (commas), the whole ("D&E" may
    be one name); a one-letter Latin part ("D&E") is no name."""
    parts = [normalise_name(p) for p in _NAME_SPLIT.split(text)]
    whole = [] if re.search(r"[,、]", text) else [normalise_name(text)]
    return [n for n in dict.fromkeys(whole + parts) if n and not (len(n) == 1 and n.isascii())]


def main_artist(artist) -> str:
    """The artist field's main credit, normalised: without what it holds in brackets (aliases, members,
    featured artists)."""
    outside, _ = _split_brackets(unicodedata.normalize("NFKC", str(artist or "")))
    outside = re.split(r"\s(?:feat(?:uring)?|ft)\b\.?", outside, maxsplit=1, flags=re.IGNORECASE)[0]
    return normalise_name(outside)


def credited_artists(artist, title="") -> list[str]:
    """Every artist a song credits, normalised: the artist field's names ("A & B", "A, B"; aliases,
    members and "feat." inside its brackets) and the artists its title features ("(Feat. X, Y)")."""
    return list(dict.fromkeys(_field_credits(artist) + _title_features(title)))


def _field_credits(artist) -> list[str]:
    outside, parts = _split_brackets(unicodedata.normalize("NFKC", str(artist or "")))
    found = _names(re.sub(r"\s(?:feat(?:uring)?|ft)\b\.?\s", ",", outside, flags=re.IGNORECASE))
    for part in parts:  # "(feat. B)", "(alias)", "(member & member)"
        found += _names(_FEATURING.sub("", part))
    return found


def _title_features(title) -> list[str]:
    found = []
    for part in _split_brackets(unicodedata.normalize("NFKC", str(title or "")))[1]:
        if _FEATURING.match(part):  # "(Feat. X)" names artists; "(Prod. X)", "(Remix)", "(English title)" do not
            found += _names(_split_brackets(_FEATURING.sub("", part))[0])
    return found


def _per_value(values, function) -> list:
    """``function`` of each value, computed once per distinct value (artists repeat across a catalog)."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object))
    results = [function(u) for u in uniques]
    return [results[c] for c in codes]


class Credits:
    """Each song's credited artists as integer codes, and the songs of each code (both CSR-like), so a
    query finds the songs sharing an artist with it in time proportional to those songs."""

    def __init__(self, artists, titles):
        featured = _per_value(titles, lambda t: _title_features(t) if re.search(r"[^\w\s]", t) else [])
        per_song = [list(dict.fromkeys(a + f)) if f else a for a, f in zip(_per_value(artists, _field_credits), featured)]
        counts = np.fromiter((len(c) for c in per_song), dtype=np.int64, count=len(per_song))
        flat = [name for names in per_song for name in names]
        codes, uniques = pd.factorize(pd.Series(flat, dtype=object)) if flat else (np.zeros(0, np.int64), [])
        self.code = {name: i for i, name in enumerate(uniques)}
        self.song_codes = codes.astype(np.int32)
        self.song_starts = np.concatenate([[0], np.cumsum(counts)])
        songs = np.repeat(np.arange(len(per_song), dtype=np.int32), counts)
        order = np.argsort(self.song_codes, kind="stable")
        self.code_songs = songs[order]
        self.code_starts = np.searchsorted(self.song_codes[order], np.arange(len(uniques) + 1))

    def of_song(self, row: int) -> np.ndarray:
        return self.song_codes[self.song_starts[row]:self.song_starts[row + 1]]

    def of_names(self, artist, title="") -> np.ndarray:
        """Codes of the artists an artist field (and title) credit; names not in the catalog are left out."""
        return np.array([self.code[n] for n in credited_artists(artist, title) if n in self.code], dtype=np.int32)

    def songs_of(self, codes) -> np.ndarray:
        """Rows of the songs crediting any of ``codes``."""
        if len(codes) == 0:
            return np.zeros(0, dtype=np.int32)
        return np.concatenate([self.code_songs[self.code_starts[c]:self.code_starts[c + 1]] for c in codes])


LYRIC_BUCKETS = 2 ** 12  # hashed 3-gram buckets: two different songs rarely share more than chance


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over uint64 arrays: a fixed integer hash, the same on every machine."""
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(31)
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(29))


def _gram_buckets(text) -> np.ndarray:
    """The hashed bucket of each character 3-gram of a lyric (spaces and case ignored), counted with numpy
    over code points: a 1,500-character song in tens of microseconds, since every song of a build is
    fingerprinted."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text or "")).casefold())
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < 3:
        return np.zeros(0, dtype=np.int64)
    grams = (points[:-2] << np.uint64(42)) | (points[1:-1] << np.uint64(21)) | points[2:]
    return (_mix(grams) >> np.uint64(64 - 12)).astype(np.int64)


def _lyric_counts(lyrics) -> np.ndarray:
    """Hashed character 3-gram counts of lyrics, L2-normalised, ``(n, LYRIC_BUCKETS)`` float32."""
    out = np.zeros((len(lyrics), LYRIC_BUCKETS), dtype=np.float32)
    for i, text in enumerate(lyrics):
        out[i] = np.bincount(_gram_buckets(text), minlength=LYRIC_BUCKETS)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def lyric_embedding(lyrics) -> np.ndarray:
    """Unit vectors of hashed character 3-gram counts of lyrics (spaces and case ignored): near-identical
    lyrics score a cosine near 1, different songs well below."""
    return _lyric_counts(list(lyrics))


@functools.cache
def _fingerprint_planes() -> np.ndarray:
    """The fixed random hyperplanes of :func:`lyric_fingerprint`, ``(4096, FINGERPRINT_BITS)`` of +-1, drawn
    by a fixed integer hash of each entry's index: every machine and numpy version draws the same ones (a
    fingerprint stored by one build is compared with those of another)."""
    bits = _mix(np.arange(LYRIC_BUCKETS * FINGERPRINT_BITS, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(63)
    return np.where(bits == 1, 1.0, -1.0).astype(np.float32).reshape(LYRIC_BUCKETS, FINGERPRINT_BITS)


def lyric_fingerprint(lyrics) -> list[bytes | None]:
    """Per song, 256 bits (32 bytes) that tell near-identical lyrics apart from different ones without
    keeping the text (None for a song without lyrics): the signs of its :func:`lyric_embedding` along
    fixed random directions (SimHash). :func:`work_ids` compares them when a catalog stores no lyrics."""
    planes = _fingerprint_planes()
    out: list[bytes | None] = []
    for text in lyrics:
        buckets = _gram_buckets(text) if isinstance(text, str) and text.strip() else np.zeros(0, np.int64)
        if not len(buckets):
            out.append(None)
            continue
        present, counts = np.unique(buckets, return_counts=True)  # a few hundred of the 4,096 buckets
        out.append(np.packbits(counts.astype(np.float32) @ planes[present] > 0).tobytes())
    return out


def _fingerprint_vectors(fingerprints) -> np.ndarray:
    """Fingerprints (bytes or hex) as unit +-1 vectors whose inner product is 1 - 2 * (share of bits that differ); a song
    without one is a zero vector (it matches nothing)."""
    n_bytes = FINGERPRINT_BITS // 8
    packed = np.zeros((len(fingerprints), n_bytes), dtype=np.uint8)
    has = np.zeros(len(fingerprints), dtype=bool)
    for i, fp in enumerate(fingerprints):
        fp = bytes.fromhex(fp) if isinstance(fp, str) else fp  # a dataset stores them as hex
        if fp is not None and len(fp) == n_bytes:
            packed[i], has[i] = np.frombuffer(bytes(fp), dtype=np.uint8), True
    signs = np.unpackbits(packed, axis=1).astype(np.float32) * 2 - 1
    return signs * has[:, None] / np.sqrt(FINGERPRINT_BITS)


def _close_pairs(groups: list[np.ndarray], embed, threshold: float):
    """Pairs of rows inside each group whose embeddings' cosine reaches ``threshold``. Groups of one size
    are scored together, in one batched product (most groups have two or three songs); large groups in
    blocks of rows."""
    found = []
    by_size: dict[int, list[np.ndarray]] = {}
    for g in groups:
        by_size.setdefault(len(g), []).append(g)
    for size, members in by_size.items():
        if size <= 256:
            stacked = np.stack(members)
            step = max(1, 8192 // size)
            upper = np.triu(np.ones((size, size), dtype=bool), 1)
            for start in range(0, len(stacked), step):
                rows = stacked[start:start + step]
                e = embed(rows.ravel()).reshape(len(rows), size, -1)
                hit = (np.einsum("gid,gjd->gij", e, e) >= threshold) & upper
                g, i, j = np.nonzero(hit)
                found.append(np.stack([rows[g, i], rows[g, j]], 1))
            continue
        block = max(1, 2 ** 24 // size)  # rows of a group's similarity matrix at once (64 MB)
        for rows in members:
            e = embed(rows)
            for start in range(0, size, block):
                i, j = np.nonzero(e[start:start + block] @ e.T >= threshold)
                keep = j > i + start
                found.append(np.stack([rows[i[keep] + start], rows[j[keep]]], 1))
    return found


def work_ids(titles, artists, vectors=None, lyrics=None, vector_threshold: float | None = None,
             lyrics_threshold: float | None = None, fingerprints=None) -> np.ndarray:
    """Per song, the id (``int64``, the lowest row of its work) of the work it is a version of (see the
    module docstring). ``vectors``, ``lyrics`` and ``fingerprints`` (:func:`lyric_fingerprint`, used when
    ``lyrics`` is None) are optional (a test left out when None); the thresholds default to
    ``VERSION_COSINE`` and ``VERSION_LYRICS``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(titles)
    title_key = pd.Series(_per_value(titles, normalise_title), dtype=object)
    artist_key = pd.Series(_per_value(artists, main_artist), dtype=object)
    title_code, _ = pd.factorize(title_key)
    sizes = np.bincount(title_code, minlength=title_code.max() + 1 if n else 0)
    shared = sizes[title_code] > 1
    if not shared.any():
        return np.arange(n, dtype=np.int64)
    rows = np.flatnonzero(shared)
    order = rows[np.argsort(title_code[rows], kind="stable")]
    groups = np.split(order, np.flatnonzero(np.diff(title_code[order])) + 1)

    # same title and main artist: chain each (title, artist) group's songs
    artist_code = pd.factorize(artist_key)[0].astype(np.int64)
    pair_code = pd.factorize(title_code[rows].astype(np.int64) * (artist_code.max() + 1) + artist_code[rows])[0]
    by_pair = rows[np.argsort(pair_code, kind="stable")]
    same = np.diff(np.sort(pair_code)) == 0
    edges = [np.stack([by_pair[:-1][same], by_pair[1:][same]], 1)]
    if vectors is not None:
        v = np.asarray(vectors, dtype=np.float32)
        unit = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        edges += _close_pairs(groups, lambda r: unit[r], VERSION_COSINE if vector_threshold is None else vector_threshold)
    lyrics_threshold = VERSION_LYRICS if lyrics_threshold is None else lyrics_threshold
    if lyrics is not None:
        lyrics = np.asarray(lyrics, dtype=object)
        edges += _close_pairs(groups, lambda r: lyric_embedding(lyrics[r]), lyrics_threshold)
    elif fingerprints is not None:
        # bits that agree estimate the angle between the 3-gram counts: cos(pi * differing share) >= t
        fingerprints = list(fingerprints)
        edges += _close_pairs(groups, lambda r: _fingerprint_vectors([fingerprints[i] for i in r]),
                              1 - 2 * np.arccos(lyrics_threshold) / np.pi)
    edges = np.concatenate(edges) if edges else np.zeros((0, 2), dtype=np.int64)
    graph = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    first = np.full(component.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))
    return first[component]
