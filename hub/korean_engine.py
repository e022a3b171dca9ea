"""Offline Korean emotion engine over the 60 AI-Hub labels: a morpheme dictionary, no GPU, no network.

The dictionary
    ``hub/data/aihub_seeds.json`` lists a few seed words per label (written for gasa).
    :func:`build_lexicon` (run by ``python -m training.build_korean_lexicon``) turns them into
    morpheme keys (``슬프/VA``) and expands them with the pretrained morpheme embeddings of
    ``Kiwi(model_type="cong")``: each seed's ``most_similar_morphemes`` neighbours (nouns, verbs,
    adjectives and roots with cosine >= ``min_similarity``) are candidates; a candidate joins the
    label whose seeds it is closest to, and only if that label's group wins over every other group by ``margin`` (the
    embeddings put antonyms such as 기쁘/슬프 close together, so a neighbour equally close to two
    groups says nothing). Seeds weigh 1, an expansion weighs ``expansion_weight * cosine``. Seeds
    with a poorly trained embedding (far from the other seeds of their group) are not expanded.
    The result is committed as ``hub/data/aihub_lexicon.json`` so that loading takes no search.

How a text becomes a 60-d distribution
    1. :func:`hub.korean_text.preprocess` splits it into lines and sentences of content morphemes
       and marks negation (``안 V``, ``V-지 않다``) and intensifiers (``너무 V``).
    2. Each morpheme found in the dictionary (``X하/VA`` also matches ``X/XR`` and ``X/NNG`` and
       back) adds evidence: for every (label, weight) entry, ``0.6 * weight`` to the label itself and
       ``0.4 * weight`` spread evenly over the ten labels of its group, so group-level meaning is
       robust while the fine label still stands out. An intensified morpheme counts 1.5 times.
       A negated joy word (행복하지 않다) gives ``0.5 * weight`` spread over the 슬픔 group; other
       negated emotion words (슬프지 않다) give nothing.
    3. Evidence is summed over all sentences of the text, and the distribution is
       ``p = (evidence + alpha / 60) / (sum(evidence) + alpha)`` with ``alpha = 1``: one seed word
       puts about two thirds of the mass on its label's group, more words sharpen it, and a
       Korean text with no dictionary word gets the uniform distribution (1/60 each).

No evidence: a Korean text with no dictionary word gets the uniform distribution, which
:meth:`KoreanEmotionEngine.has_evidence` reports as "no evidence" (it is not 분노, the first label).

Bad input: an empty text raises :class:`hub.text.clean.LyricsError`; so does a text with no Hangul
at all (English or symbols only) — the engine reads Korean (``language = "ko"``: songs reach it as
their Korean lines); use an English model for English lyrics.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from hub.korean_text import STOPWORDS, base_tag, get_kiwi, has_korean, preprocess_many, resolve_word
from hub.labels import AIHUB
from hub.models.base import EmotionPredictor, ModelLoadError
from hub.models.registry import ENGINE_CONFIG, kind_stamp
from hub.text.clean import LyricsError

DATA_DIR = Path(__file__).parent / "data"
SEEDS_FILE = DATA_DIR / "aihub_seeds.json"
LEXICON_FILE = DATA_DIR / "aihub_lexicon.json"
ENGINE_NAME = "gasa-korean-engine"

LABEL_SHARE, GROUP_SHARE = 0.6, 0.4
INTENSIFIER_FACTOR = 1.5
NEGATED_JOY_FACTOR = 0.5
ALPHA = 1.0
EXPANSION_TAGS = frozenset({"NNG", "VV", "VA", "XR"})


# --- building the dictionary ----------------------------------------------------------------

def read_seeds(path: Path | str = SEEDS_FILE) -> dict[str, list[str]]:
    seeds = {k: v for k, v in json.loads(Path(path).read_text(encoding="utf-8")).items() if not k.startswith("_")}
    unknown = [k for k in seeds if k not in AIHUB.label2id]
    missing = [k for k in AIHUB.labels if k not in seeds]
    if unknown or missing:
        raise ValueError(f"{path}: seed labels must be the 60 AI-Hub labels; unknown {unknown}, missing {missing}")
    return seeds


def key_variants(key: str) -> list[str]:
    """Spellings of one word across Kiwi's analyses: 서운하/VA <-> 서운/XR, 서운/NNG."""
    form, tag = key.rsplit("/", 1)
    if tag in ("VA", "VV") and form.endswith("하") and len(form) > 1:
        return [key, f"{form[:-1]}/XR", f"{form[:-1]}/NNG"]
    if tag in ("XR", "NNG"):
        return [key, f"{form}하/VA", f"{form}/XR" if tag == "NNG" else f"{form}/NNG"]
    return [key]


def _similar(kiwi, key: str, top_n: int):
    form, tag = key.rsplit("/", 1)
    try:
        return kiwi.most_similar_morphemes((form, tag), top_n=top_n)
    except (ValueError, KeyError, RuntimeError):
        return None  # not in the embedding vocabulary


def _similarity(kiwi, a: str, b: str) -> float:
    try:
        return float(kiwi.morpheme_similarity(tuple(a.rsplit("/", 1)), tuple(b.rsplit("/", 1))))
    except (ValueError, KeyError, RuntimeError):
        return float("nan")


def build_lexicon(seeds: dict[str, list[str]] | None = None, top_n: int = 40, min_similarity: float = 0.6,
                  margin: float = 0.03, expansion_weight: float = 0.5, min_seed_quality: float = 0.35,
                  progress: bool = True) -> dict:
    """Seed words per label -> {morpheme key: [[label, weight], ...]} with the expansion rule above."""
    kiwi = get_kiwi()
    seeds = seeds or read_seeds()
    entries: dict[str, dict[str, float]] = {}
    seed_keys: dict[str, list[str]] = {}  # label -> seed morpheme keys
    for label, words in seeds.items():
        for word in words:
            key = resolve_word(word).key
            seed_keys.setdefault(label, []).append(key)
            entries.setdefault(key, {})[label] = 1.0
    group_seeds = {g: sorted({k for lab, ks in seed_keys.items() if AIHUB.group_of(lab) == g for k in ks})
                   for g in AIHUB.group_order}
    embedded = {k for ks in group_seeds.values() for k in ks if _similar(kiwi, k, 1) is not None}

    # Expand only from seeds (in any spelling) whose embedding sits near their own group.
    candidates: dict[str, float] = {}
    skipped = []
    for label, keys in tqdm(seed_keys.items(), desc="expanding seeds", disable=not progress):
        group = AIHUB.group_of(label)
        for key in keys:
            others = [s for s in group_seeds[group] if s != key and s in embedded]
            for variant in key_variants(key):
                neighbours = _similar(kiwi, variant, top_n)
                if neighbours is None:
                    continue
                quality = np.nanmean(sorted((_similarity(kiwi, variant, s) for s in others), reverse=True)[:3])
                if quality < min_seed_quality:
                    skipped.append(variant)
                    continue
                for n in neighbours:
                    tag = base_tag(n.tag)
                    neighbour = f"{n.form}/{tag}"
                    # adverbs and names drift (mimetic words, places): nouns, verbs, adjectives, roots only
                    if tag in EXPANSION_TAGS and neighbour not in STOPWORDS and n.score >= min_similarity:
                        candidates[neighbour] = max(candidates.get(neighbour, 0.0), float(n.score))

    all_seeds = sorted(embedded)
    added = 0
    for cand in tqdm(sorted(candidates), desc="assigning neighbours", disable=not progress):
        if any(v in entries for v in key_variants(cand)):  # another spelling of a seed: the seed decides
            continue
        sims = {s: _similarity(kiwi, cand, s) for s in all_seeds}
        label_best = {lab: max((sims[k] for k in ks if k in sims and not np.isnan(sims[k])), default=-1.0)
                      for lab, ks in seed_keys.items()}
        # a group's score is its best label's
        best_group = {g: max((v for lab, v in label_best.items() if AIHUB.group_of(lab) == g), default=-1.0)
                      for g in group_seeds}
        ranked = sorted(best_group.items(), key=lambda kv: -kv[1])
        (group, top), (_, second) = ranked[0], ranked[1]
        if top < min_similarity or top - second < margin:
            continue
        label = max((lab for lab in label_best if AIHUB.group_of(lab) == group), key=label_best.get)
        entries[cand] = {label: round(expansion_weight * label_best[label], 4)}
        added += 1
    return {
        "about": "gasa offline Korean emotion dictionary: morpheme key -> [[AI-Hub label, weight]]. "
                 "Built by `python -m training.build_korean_lexicon` from hub/data/aihub_seeds.json and "
                 "Kiwi(model_type='cong') morpheme embeddings.",
        "params": {"top_n": top_n, "min_similarity": min_similarity, "margin": margin,
                   "expansion_weight": expansion_weight, "min_seed_quality": min_seed_quality},
        "seed_keys": len({k for ks in seed_keys.values() for k in ks}),
        "expanded_keys": added,
        "not_expanded": sorted(set(skipped)),
        "entries": {k: sorted(([lab, w] for lab, w in v.items()), key=lambda e: -e[1]) for k, v in sorted(entries.items())},
    }


# --- the engine --------------------------------------------------------------------------------

class KoreanEmotionEngine(EmotionPredictor):
    """Dictionary engine behind the :class:`EmotionPredictor` interface (60 AI-Hub labels)."""

    multi_label = False
    language = "ko"
    uses_kiwi = True
    label_set = "aihub"

    def __init__(self, lexicon: dict, name: str = ENGINE_NAME):
        self.labels = list(AIHUB.labels)
        self.name = name
        self.lexicon = lexicon
        n = len(self.labels)
        groups = np.array(AIHUB.groups)
        self._profiles: dict[str, np.ndarray] = {}
        for key, pairs in lexicon["entries"].items():
            v = np.zeros(n)
            for label, weight in pairs:
                i = AIHUB.index(label)
                v[i] += LABEL_SHARE * weight
                v[groups == groups[i]] += GROUP_SHARE * weight / (groups == groups[i]).sum()
            self._profiles[key] = v
        self._joy = {k for k, pairs in lexicon["entries"].items() if all(AIHUB.group_of(l) == "기쁨" for l, _ in pairs)}
        self._sad_spread = (groups == "슬픔") / (groups == "슬픔").sum()

    # loading and saving
    @classmethod
    def from_pretrained(cls, path: str | Path = DATA_DIR) -> "KoreanEmotionEngine":
        path = Path(path)
        lexicon_file = path / LEXICON_FILE.name if path.is_dir() else path
        if not lexicon_file.is_file():
            raise ModelLoadError(f"{path} holds no {LEXICON_FILE.name}: build it with "
                                 "`python -m training.build_korean_lexicon` or save an engine there.")
        try:
            lexicon = json.loads(lexicon_file.read_text(encoding="utf-8"))
            return cls(lexicon)
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ModelLoadError(f"{lexicon_file} is not a gasa Korean lexicon ({e}).") from None

    def save_pretrained(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / LEXICON_FILE.name).write_text(json.dumps(self.lexicon, ensure_ascii=False, indent=0), encoding="utf-8")
        (folder / ENGINE_CONFIG).write_text(json.dumps(
            {**kind_stamp("korean-dictionary"), "name": self.name, "labels": self.labels},
            ensure_ascii=False, indent=1), encoding="utf-8")
        return folder

    # scoring
    def lookup(self, key: str) -> np.ndarray | None:
        found = [self._profiles[v] for v in key_variants(key) if v in self._profiles]
        return max(found, key=lambda p: p.sum()) if found else None  # the strongest spelling (a seed) wins

    def evidence(self, sentences) -> np.ndarray:
        e = np.zeros(len(self.labels))
        for sentence in sentences:
            for m in sentence:
                profile = self.lookup(m.key)
                if profile is None:
                    continue
                factor = INTENSIFIER_FACTOR if m.intensified else 1.0
                if not m.negated:
                    e += factor * profile
                elif any(v in self._joy for v in key_variants(m.key)):
                    e += factor * NEGATED_JOY_FACTOR * profile.sum() * self._sad_spread
        return e

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise LyricsError(f"text {i} is empty: give the engine Korean lyrics or sentences.")
            if not has_korean(text):
                raise LyricsError(f"text {i} ({text[:40]!r}) has no Korean (Hangul): the Korean engine reads "
                                  "Korean only; use an English model for English lyrics.")
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        batch = 256
        for start in tqdm(range(0, len(texts), batch), desc="korean engine", disable=not progress):
            for j, doc in enumerate(preprocess_many(texts[start:start + batch])):
                e = self.evidence(doc)
                out[start + j] = (e + ALPHA / len(self.labels)) / (e.sum() + ALPHA)
        return out

    def has_evidence(self, probs: np.ndarray) -> np.ndarray:
        """False for the uniform distribution of a text without any dictionary word."""
        probs = np.atleast_2d(probs)
        return np.abs(probs - 1.0 / len(self.labels)).max(axis=1) > 1e-6

    def explain(self, text: str) -> list[tuple[str, str, float]]:
        """The dictionary words found in a text: (morpheme key, top label, weight) - for the UI."""
        found = []
        for sentence in preprocess_many([text])[0]:
            for m in sentence:
                p = self.lookup(m.key)
                if p is not None:
                    found.append((m.key + (" (negated)" if m.negated else ""), self.labels[int(p.argmax())], float(p.sum())))
        return found


@lru_cache(maxsize=1)
def load_default_engine() -> KoreanEmotionEngine:
    """The app's embedded default: the committed dictionary in ``hub/data``."""
    return KoreanEmotionEngine.from_pretrained(DATA_DIR)
