"""A song's reading: segments → model → weighted mean.

Every emotion model (:mod:`hub.models`) only turns texts into label probabilities (and group
scores). This module is what makes a *song* of that:

* :func:`read_songs` — a catalog's songs, each cleaned, cut to what the model reads (see
  :mod:`hub.text.language`) and scored in one batch (with ``stanzas=True``, each song's stanza
  distributions too, from the same pass where the model reads stanza by stanza); a song that cannot be
  read gets a :class:`SongStatus` and a message instead of a vector, never an exception that stops a build;
* :func:`stanza_texts` — the stanzas of a song as a catalog build reads them;
* :func:`analyze` — one song for the page: the song's distribution plus one distribution per stanza
  (the emotion arc, stanzas from :mod:`hub.text.segment`), with NaN rows for the stanzas the model
  does not read;
* :func:`mean_per_text` — how a text's pieces (token windows, stanzas) combine into one
  distribution: the mean weighted by each piece's length, so a short tail counts less than a full one.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from hub.text.clean import LyricsError, check_lyrics
from hub.text.language import languages_read, readable_part
from hub.text.segment import LINES_PER_BLOCK, split_stanzas


STANDS_OUT = 0.5  # log-odds above the typical song (about 1.6 times the odds) for an emotion to stand out


class SongStatus(enum.StrEnum):
    """What became of one song in a catalog build (a ``str``: it is stored as its value).

    Scored songs are ``ok`` or ``no_evidence`` (:data:`SCORED_STATUSES`); the others are left out of
    the vectors with their reason."""

    OK = "ok"
    NO_EVIDENCE = "no_evidence"   # read, but the model found no emotional evidence
    NO_LYRICS = "no_lyrics"       # the record has no lyric text
    ERROR = "error"               # the crawler recorded an error for it
    UNUSABLE_LYRICS = "unusable_lyrics"  # empty after cleaning, or too long to be one song
    NO_KOREAN = "no_korean"       # a Korean-only model found no line with Hangul
    NO_READABLE_LINES = "no_readable_lines"  # no line in a language the model reads (Korean or English)
    FAILED = "failed"             # the model raised on this song alone


SCORED_STATUSES = (SongStatus.OK, SongStatus.NO_EVIDENCE)


@dataclass
class SongReading:
    """What a model made of one song: its vector (None when skipped), status, read share and why."""

    probs: np.ndarray | None
    status: str
    read_share: float = 0.0
    message: str = ""
    group_scores: np.ndarray | None = None  # per group of the model's ``group_names()``
    stanza_probs: np.ndarray | None = None  # (n_stanzas, n_labels), the stanzas of :func:`stanza_texts`

    @property
    def scored(self) -> bool:
        return self.status in SCORED_STATUSES


@dataclass
class LyricsAnalysis:
    """Emotion of one song: the song-level distribution and the per-stanza arc.

    ``segment_probs`` has one row per stanza; a stanza the model does not read (no Korean for a
    Korean model) is a row of NaN, and ``segment_languages`` says which of each stanza's languages it read. ``groups`` names the emotion groups of ``group_scores`` (song)
    and ``segment_group_scores`` (stanzas), when the labels have groups. ``read_share`` is the share
    of the song's letters the model read; ``evidence`` is False when it found no emotional evidence.
    """

    labels: list[str]
    probs: np.ndarray
    segments: list[str] = field(default_factory=list)
    segment_probs: np.ndarray | None = None
    groups: list[str] | None = None
    group_scores: np.ndarray | None = None
    segment_group_scores: np.ndarray | None = None
    read_share: float = 1.0
    evidence: bool = True
    other_group: str | None = None  # a catch-all group (KOTE's 기타) that is never "the" emotion
    segment_languages: list[str] = field(default_factory=list)  # per stanza, the languages read: "ko", "en", "ko+en", ""

    def top_group(self) -> str | None:
        """The emotion group with the highest score, among the groups that name an emotion."""
        if self.groups is None:
            return None
        ranked = [g for _, g in sorted(zip(-np.asarray(self.group_scores), self.groups), key=lambda t: t[0])]
        return next(g for g in ranked if g != self.other_group)

    def top(self, k: int = 10) -> list[tuple[str, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(self.labels[i], float(self.probs[i])) for i in order]

    def standing_out(self, typical: np.ndarray, k: int = 3, min_lift: float = STANDS_OUT) -> list[tuple[str, float, float]]:
        """The emotions this song holds most above a typical song: ``(label, probability, lift)``, the lift in
        log-odds over ``typical`` (the catalog's mean profile, :class:`hub.search.vectors.CatalogStats`), largest
        first, at most ``k``, each at least ``min_lift``. Raw probabilities rank the emotions every song has
        (안타까움/실망 tops a third of all chart songs); this ranks what makes this one different."""
        lift = _log_odds(self.probs) - _log_odds(np.asarray(typical, dtype=np.float64))
        order = [i for i in np.argsort(-lift, kind="stable")[:k] if lift[i] >= min_lift]
        return [(self.labels[i], float(self.probs[i]), float(lift[i])) for i in order]


def _log_odds(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def mean_per_text(scores: np.ndarray, weights, starts) -> np.ndarray:
    """Per text, the ``weights``-weighted mean of its rows of ``scores``, where the rows are laid out
    text by text: text ``i``'s are ``scores[starts[i]:starts[i + 1]]``. One pass over all rows
    (``np.add.reduceat``): a catalog has hundreds of thousands of stanzas, and a call per text costs
    seconds (a mask over all rows per text, minutes)."""
    weights = np.asarray(weights, dtype=np.float64)
    starts = np.asarray(starts, dtype=np.int64)
    out = np.zeros((len(starts) - 1, scores.shape[1]), dtype=np.float32)
    if not len(out):
        return out
    if np.any(starts[1:] <= starts[:-1]):
        raise ValueError("every text needs at least one scored piece to average")
    sums = np.add.reduceat(np.asarray(scores, dtype=np.float64) * weights[:, None], starts[:-1], axis=0)
    out[:] = sums / np.add.reduceat(weights, starts[:-1])[:, None]
    return out


def stanza_texts(lyrics: str, language: str | None) -> list[str]:
    """The stanzas of a song as a catalog build reads them (:func:`read_songs` with ``stanzas=True``): the
    part a model of ``language`` reads, cut by :func:`hub.text.segment.split_stanzas`."""
    part, _ = readable_part(check_lyrics(lyrics), language)
    return split_stanzas(part) if part else []


def read_songs(model, lyrics: list[str], progress: bool = False, stanzas: bool = False) -> list[SongReading]:
    """One :class:`SongReading` per song: the songs ``model`` can read are scored in one batch, the
    others get a status (``unusable_lyrics``, ``no_korean``, ``no_readable_lines``) and a message; nothing raises. With
    ``stanzas``, each reading also holds its stanzas' distributions (``model.predict_with_stanzas``)."""
    readings: list[SongReading | None] = []
    parts, owners = [], []
    for i, text in enumerate(lyrics):
        try:
            cleaned = check_lyrics(text if isinstance(text, str) else "")
        except LyricsError as e:
            readings.append(SongReading(None, SongStatus.UNUSABLE_LYRICS, 0.0, str(e)))
            continue
        part, share = readable_part(cleaned, model.language)
        if not part:
            readings.append(SongReading(None, SongStatus.NO_KOREAN, 0.0, "no line with Korean (Hangul) to read")
                            if model.language == "ko" else
                            SongReading(None, SongStatus.NO_READABLE_LINES, 0.0,
                                        f"no line in a language the model reads ({model.language}): "
                                        "Korean (Hangul) or English (Latin letters)"))
            continue
        readings.append(None)
        parts.append(part)
        owners.append((i, share))
    if parts:
        if stanzas:
            probs, groups, per_stanza = model.predict_with_stanzas(parts, progress=progress)
        else:
            (probs, groups), per_stanza = model.predict_with_groups(parts, progress=progress), [None] * len(parts)
        evidence = model.has_evidence(probs)
        for k, ((i, share), found) in enumerate(zip(owners, evidence)):
            readings[i] = SongReading(probs[k], SongStatus.OK if found else SongStatus.NO_EVIDENCE, share,
                                      "" if found else "the model found no emotional evidence in the lyrics",
                                      None if groups is None else groups[k], per_stanza[k])
    return readings


def analyze(model, lyrics: str, lines_per_block: int = LINES_PER_BLOCK) -> LyricsAnalysis:
    """Song distribution plus one distribution per stanza (the emotion arc), read as
    ``model.readable`` says; stanzas the model does not read get NaN rows."""
    text = check_lyrics(lyrics)
    part, share = model.readable_text(text)
    segments = split_stanzas(text, lines_per_block)
    read = [readable_part(seg, model.language)[0] for seg in segments]
    probs, groups = model.predict_with_groups([part] + [r for r in read if r])
    rows = [i for i, r in enumerate(read) if r]

    def per_stanza(scores):  # NaN rows for the stanzas the model does not read
        out = np.full((len(segments), scores.shape[1]), np.nan, dtype=np.float32)
        out[rows] = scores[1:]
        return out

    return LyricsAnalysis(labels=list(model.labels), probs=probs[0], segments=segments,
                          segment_probs=per_stanza(probs), groups=model.group_names(),
                          group_scores=None if groups is None else groups[0],
                          segment_group_scores=None if groups is None else per_stanza(groups),
                          read_share=share, evidence=bool(model.has_evidence(probs[:1])[0]),
                          other_group=getattr(model.taxonomy(), "other_group", None),
                          segment_languages=[languages_read(seg, model.language) for seg in segments])

