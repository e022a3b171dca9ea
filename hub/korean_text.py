"""Korean text preprocessing with kiwipiepy: the one place every Korean component tokenizes.

:func:`preprocess` turns raw text into sentences of content morphemes:

1. lines: the text is split on line breaks (a lyric line is the unit), and each line into
   sentences by Kiwi (``split_sents``), so long prose (comments, pasted paragraphs) is split too;
2. morphemes with POS tags from ``Kiwi(model_type="cong")``; irregular-conjugation tag suffixes
   (``VA-I``, ``VV-R``) are folded into the base tag so one word has one key;
3. content words only: nouns, verbs, adjectives, roots, adverbs (``CONTENT_TAGS``) plus emoticon
   jamo runs (``ㅠㅠ``, ``ㅋㅋ``), minus the ``STOPWORDS`` (light verbs, fillers);
4. each kept morpheme records whether it is negated (``안 V``, ``못 V``, ``V-지 않다/못하다/말다``)
   and whether an intensifier (``너무``, ``정말`` ...) stands right before it.

Kiwi is slow to load (about a second, more on a busy machine), so :func:`get_kiwi` builds one
instance per process and every caller shares it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
EMOTICON = re.compile(r"^[ㅠㅜㅋㅎ]{2,}$")
EMOTICON_KEYS = {"ㅠ": "ㅠㅠ", "ㅜ": "ㅠㅠ", "ㅋ": "ㅋㅋ", "ㅎ": "ㅎㅎ"}

# Content-word POS tags (Sejong tag set as Kiwi uses it).
CONTENT_TAGS = frozenset({"NNG", "NNP", "VV", "VA", "XR", "MAG"})
# Grammatical or near-empty content morphemes that carry no emotion or topic.
STOPWORDS = frozenset({
    "하/VV", "되/VV", "있/VA", "있/VV", "없/VA", "같/VA", "보/VV", "주/VV", "오/VV", "가/VV", "나/VV",
    "받/VV", "들/VV", "그렇/VA", "이렇/VA", "저렇/VA", "어떻/VA", "아니/VA", "말/VV", "알/VV",
    "좀/MAG", "그냥/MAG", "또/MAG", "더/MAG", "다/MAG", "잘/MAG", "이제/MAG", "왜/MAG", "안/MAG",
    "못/MAG", "너무/MAG", "정말/MAG", "진짜/MAG", "아주/MAG", "매우/MAG", "많이/MAG", "참/MAG",
    "제일/MAG", "가장/MAG", "꼭/MAG", "다시/MAG", "그리고/MAG", "그래서/MAG", "그런데/MAG", "근데/MAG",
    "하지만/MAG", "그래도/MAG", "또한/MAG", "이/MAG", "그/MAG", "곧/MAG", "막/MAG", "딱/MAG", "뭐/MAG",
    "거/NNG", "것/NNG", "때/NNG", "수/NNG", "중/NNG", "등/NNG", "번/NNG", "일/NNG", "말/NNG",
    "사람/NNG", "생각/NNG", "오늘/NNG", "지금/NNG", "정도/NNG",
})
NEGATORS_BEFORE = frozenset({"안/MAG", "못/MAG"})
NEGATORS_AFTER = frozenset({"않/VX", "못하/VX", "말/VX"})
INTENSIFIERS = frozenset({"너무/MAG", "정말/MAG", "진짜/MAG", "아주/MAG", "매우/MAG", "완전/MAG",
                          "엄청/MAG", "몹시/MAG", "참/MAG", "제일/MAG", "가장/MAG", "많이/MAG"})


class KoreanTextError(ValueError):
    """Text the Korean components cannot use; the message says what is wrong."""


@dataclass(frozen=True)
class Morph:
    """One content morpheme of a sentence."""

    form: str
    tag: str  # base tag: VA-I -> VA
    negated: bool = False
    intensified: bool = False

    @property
    def key(self) -> str:
        """``form/TAG``: the lexicon key."""
        return f"{self.form}/{self.tag}"

    @property
    def word(self) -> str:
        """Readable dictionary form: verb and adjective stems get 다 (슬프 -> 슬프다)."""
        return self.form + "다" if self.tag in ("VV", "VA") else self.form


@lru_cache(maxsize=1)
def get_kiwi():
    """The shared ``Kiwi(model_type="cong")`` (its morpheme embeddings power the dictionaries)."""
    from kiwipiepy import Kiwi

    return Kiwi(model_type="cong")


def base_tag(tag) -> str:
    return str(tag).split("-")[0]


def has_korean(text: str) -> bool:
    """True when the text holds at least one Hangul syllable."""
    return bool(HANGUL_SYLLABLE.search(text or ""))


def split_lines(text: str) -> list[str]:
    """Non-empty, stripped lines of a text."""
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def _content(tokens) -> list[Morph]:
    out = []
    keys = [f"{t.form}/{base_tag(t.tag)}" for t in tokens]
    for i, tok in enumerate(tokens):
        tag = base_tag(tok.tag)
        if tag == "SW" and EMOTICON.match(tok.form):
            out.append(Morph(EMOTICON_KEYS[tok.form[0]], "EMO"))  # ㅜㅜㅜ -> ㅠㅠ
            continue
        if tag not in CONTENT_TAGS or keys[i] in STOPWORDS:
            continue
        before = keys[i - 1] if i else ""
        negated = before in NEGATORS_BEFORE
        # V-지 않다: a negating auxiliary within the next few endings, before another content word
        for key in keys[i + 1:i + 5]:
            if key in NEGATORS_AFTER:
                negated = True
                break
            if key.split("/")[1] in CONTENT_TAGS:
                break
        intensified = before in INTENSIFIERS or (i > 1 and keys[i - 2] in INTENSIFIERS and before in NEGATORS_BEFORE)
        out.append(Morph(tok.form, tag, negated, intensified))
    return out


def preprocess(text: str) -> list[list[Morph]]:
    """Sentences (lines, split further into sentences) of content morphemes of one text.

    Sentences left with no content word are dropped; a text without Korean gives ``[]``.
    """
    return preprocess_many([text])[0]


def preprocess_many(texts: list[str]) -> list[list[list[Morph]]]:
    """:func:`preprocess` for many texts in one multi-threaded Kiwi pass."""
    lines, owners = [], []
    for i, text in enumerate(texts):
        for line in split_lines(text):
            if HANGUL.search(line):
                lines.append(line)
                owners.append(i)
    out: list[list[list[Morph]]] = [[] for _ in texts]
    if not lines:
        return out
    for owner, sentences in zip(owners, get_kiwi().tokenize(lines, split_sents=True)):
        for tokens in sentences:
            morphs = _content(tokens)
            if morphs:
                out[owner].append(morphs)
    return out


def content_words(text: str) -> list[str]:
    """Readable content words of a text in order (``슬프다``, ``눈물`` ...): the token stream for
    Word2Vec and the LSTM."""
    return [m.word for sentence in preprocess(text) for m in sentence]


def content_words_many(texts: list[str]) -> list[list[str]]:
    return [[m.word for sentence in doc for m in sentence] for doc in preprocess_many(texts)]


def resolve_word(word: str) -> Morph:
    """The content morpheme of a dictionary word (``외롭다`` -> ``외롭/VA``), for seed lists."""
    sentences = preprocess(word)
    morphs = [m for s in sentences for m in s]
    if not morphs:
        raise KoreanTextError(f"the seed word {word!r} has no Korean content morpheme")
    return morphs[0]
