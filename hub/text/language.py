"""Which part of a song a model reads, by the model's language.

Every line of a song is in one language for gasa (:func:`line_language`): a line with Hangul (syllables
or bare jamo such as ㅋㅋ, ㅠㅠ) is Korean, even when it mixes in English words; a line with Latin
letters and no Hangul is English; anything else (a Japanese line, numbers) is read by no model.

A model reads the lines of its ``language``: ``"ko"`` (a Korean model), ``"en"`` (an English model),
``"ko+en"`` (:class:`hub.models.bilingual.BilingualModel`, each line by the model of its language), or
``None`` (a model that reads the whole text). The share of the song's letters that a model read is
reported beside its reading (the page, the song dataset).
"""
from __future__ import annotations

import re

from hub.korean_text import HANGUL_SYLLABLE

LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
LATIN_LETTER = re.compile(r"[A-Za-z]")
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3131-\u318e]")  # syllables, and jamo (ㅋㅋ, ㅠㅠ)


def line_language(line: str) -> str | None:
    """``"ko"`` for a line with Hangul, ``"en"`` for one with Latin letters and no Hangul, else ``None``."""
    if HANGUL.search(line):
        return "ko"
    return "en" if LATIN_LETTER.search(line) else None


def _languages(language: str | None) -> set[str] | None:
    return None if language is None else set(language.split("+"))


def lines_in(text: str, language: str | None) -> str:
    """The lines of ``text`` a model of ``language`` reads, blank lines between them kept as stanza breaks."""
    wanted = _languages(language)
    if wanted is None:
        return text.strip()
    kept = [line if not line.strip() or line_language(line) in wanted else "" for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def readable_part(text: str, language: str | None) -> tuple[str, float]:
    """The part of cleaned lyrics a model for ``language`` reads (:func:`lines_in`), and its share of the
    song's letters (``None``: the whole text, share 1)."""
    if language is None:
        return text, 1.0
    part = lines_in(text, language)
    total = len(LETTER.findall(text))
    return part, (len(LETTER.findall(part)) / total if total else 0.0)


def split_by_language(stanza: str) -> dict[str, str]:
    """``{"ko": its Korean lines, "en": its English lines}`` of one stanza, each in order and single-spaced
    (one stanza each; empty when none)."""
    lines = [line for line in stanza.split("\n") if line.strip()]
    return {language: "\n".join(line for line in lines if line_language(line) == language) for language in ("ko", "en")}


def languages_read(stanza: str, language: str | None = None) -> str:
    """Which of a stanza's languages a model of ``language`` reads: ``"ko"``, ``"en"``, ``"ko+en"`` or ``""``
    (a model without a language reads every line, whichever it is)."""
    wanted = _languages(language)
    return "+".join(lang for lang, part in split_by_language(stanza).items()
                    if part and (wanted is None or lang in wanted))


def mostly_latin(text: str) -> bool:
    """True when Latin letters clearly outnumber Hangul (a syllable counts as two letters)."""
    return len(LATIN_LETTER.findall(text)) > 2 * len(HANGUL_SYLLABLE.findall(text))
