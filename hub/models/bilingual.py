"""One song, one vector, whatever language each line is in: K-pop's Korean and English read together.

A :class:`BilingualModel` reads each stanza's Korean lines with a Korean model (KOTE's 44 labels, such as
``gasa-korean-kote``) and its English lines with an English model (GoEmotions' 28 labels: the built-in
``gasa-english-goemotions``, or a Hub model through :class:`hub.english.EnglishTagger`), and puts both
into KOTE's labels and groups (:class:`KoteSpace`). A stanza's vector is the mean of its two parts
weighted by their length, and a song's the mean of its stanzas weighted the same way, as the Korean
model alone weighs its stanzas: a Korean-only song reads exactly as the Korean model reads it.

Which line is which language is :func:`hub.text.language.line_language`'s call (a line with Hangul is
Korean, even with English words in it); lines in neither (a Japanese line) are read by neither and
count as unread in the song's read share.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.special import expit, logit

from hub.labels import GOEMOTIONS, KOTE, goemotions_in_kote
from hub.models.base import EmotionPredictor, ModelLoadError
from hub.reading import mean_per_text
from hub.text.clean import LyricsError
from hub.text.language import split_by_language
from hub.text.segment import split_stanzas

LANGUAGES = ("ko", "en")


CALIBRATIONS_FILE = "calibrations.json"  # beside an English model: every calibration its trainer learned


def stored_calibrations(english: EmotionPredictor) -> dict[str, dict]:
    """Every calibration into the Korean model's scale that ``english``'s trainer learned, by name (the model
    folder's :data:`CALIBRATIONS_FILE`, for benchmarks to compare with the one the model ships); empty for a
    model without one (a Hub model)."""
    source = getattr(english, "source", None)
    file = Path(source) / CALIBRATIONS_FILE if source else None
    return json.loads(file.read_text(encoding="utf-8")) if file is not None and file.is_file() else {}


def calibration_named(english: EmotionPredictor, name: str) -> dict | None:
    """``"shipped"``: None, the model's own ``kote_calibration`` (:class:`KoteSpace`'s default); else the stored
    calibration of that name (:func:`stored_calibrations`)."""
    if name == "shipped":
        return None
    stored = stored_calibrations(english)
    if name not in stored:
        raise ValueError(f"{english.name} has no stored calibration {name!r} (it has: {', '.join(stored) or 'none'})")
    return stored[name]


class KoteSpace:
    """An English model's readings in KOTE's labels and groups.

    * labels: each KOTE label takes its strongest GoEmotions source (:data:`hub.labels.GOEMOTIONS_TO_KOTE`);
      a KOTE label without one takes the English estimate of its group;
    * groups: the English model's own KOTE-group heads where it has them (``gasa-english-goemotions``), else
      each group's strongest mapped label;
    * scale: the model's ``kote_calibration`` (``scale`` and ``shift`` in log-odds, per KOTE label then group),
      learned by its trainer so that English comments read through the map spread like Korean comments read
      by the Korean model; a model without one (a Hub model) is used as mapped.

    Args:
        english: a model over the 28 GoEmotions labels.
        calibration: ``{"scale": [...], "shift": [...]}`` to use instead of the model's own (``{}``: none).
    """

    def __init__(self, english: EmotionPredictor, calibration: dict | None = None):
        if list(english.labels) != list(GOEMOTIONS.labels):
            raise ModelLoadError(f"{english.name or 'the English model'} does not read the 28 GoEmotions labels in "
                                 "their id order; an English model for bilingual reading must.")
        self.own_groups = list(english.group_names() or []) == KOTE.group_order
        if calibration is None:
            calibration = getattr(getattr(english, "config", None), "kote_calibration", None) or {}
        width = len(KOTE) + len(KOTE.group_order)
        self.scale = np.asarray(calibration.get("scale", np.ones(width)), dtype=np.float64)
        self.shift = np.asarray(calibration.get("shift", np.zeros(width)), dtype=np.float64)
        if self.scale.shape != (width,) or self.shift.shape != (width,):
            raise ModelLoadError(f"{english.name}: kote_calibration needs {width} scales and shifts "
                                 f"(44 KOTE labels, then 7 groups); retrain the English model.")
        self.calibrated = bool(calibration)

    def __call__(self, probs: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """GoEmotions probabilities ``(n, 28)`` and the model's group scores -> ``(KOTE (n, 44), groups (n, 7))``."""
        labels = goemotions_in_kote(probs)
        if not self.own_groups:
            groups = KOTE.group_score_matrix(np.nan_to_num(labels))
        sourceless = np.flatnonzero(np.isnan(labels[0])) if len(labels) else []
        for k in sourceless:
            labels[:, k] = groups[:, KOTE.group_order.index(KOTE.groups[k])]
        raw = np.hstack([labels, groups]).astype(np.float64)
        scaled = expit(self.scale * logit(np.clip(raw, 1e-6, 1 - 1e-6)) + self.shift).astype(np.float32)
        return scaled[:, :len(KOTE)], scaled[:, len(KOTE):]


class BilingualModel(EmotionPredictor):
    """A Korean and an English model reading one song into KOTE's labels (see the module's docstring).

    Args:
        korean: a model over KOTE's 44 labels that reads Korean lines (``language == "ko"``).
        english: a model over GoEmotions' 28 labels.
    """

    multi_label = True
    language = "+".join(LANGUAGES)
    label_set = "kote"
    uses_kiwi = True

    def __init__(self, korean: EmotionPredictor, english: EmotionPredictor):
        if list(korean.labels) != list(KOTE.labels):
            raise ModelLoadError(f"{korean.name or 'the Korean model'} does not read KOTE's 44 labels; bilingual "
                                 "reading puts English into KOTE's labels, so it needs a KOTE model such as "
                                 "gasa-korean-kote.")
        self.korean, self.english = korean, english
        self.space = KoteSpace(english)
        self.labels = list(KOTE.labels)
        self.thresholds = korean.thresholds
        self.name = f"{korean.name} + {english.name}"
        self.readers_by_language = {"ko": korean, "en": english}

    def group_names(self) -> list[str]:
        return KOTE.group_order

    def has_evidence(self, probs: np.ndarray) -> np.ndarray:
        return self.korean.has_evidence(probs)  # both readings are on the Korean model's scale

    def to(self, device) -> str:
        return f"Korean: {self.korean.to(device)}; English: {self.english.to(device)}"

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.predict_with_stanzas(texts, progress)[0]

    def predict_with_groups(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        return self.predict_with_stanzas(texts, progress)[:2]

    def read_in_kote(self, texts: list[str], language: str, progress: bool = False):
        """``(labels (n, 44), groups (n, 7))`` of texts in one language, by the model of that language."""
        if not texts:
            return np.zeros((0, len(KOTE)), np.float32), np.zeros((0, len(KOTE.group_order)), np.float32)
        if language == "ko":
            return self.korean.predict_with_groups(texts, progress=progress)
        return self.space(*self.english.predict_with_groups(texts, progress=progress))

    def predict_with_stanzas(self, texts: list[str], progress: bool = False):
        """Per text, its label and group probabilities, and its stanzas' label probabilities (the stanzas of
        :func:`hub.text.segment.split_stanzas` that hold a line either model reads)."""
        parts = {language: [] for language in LANGUAGES}  # language -> [(stanza number, text)]
        stanza_starts, n_stanzas = [], 0  # text i's stanzas are numbered stanza_starts[i] .. stanza_starts[i + 1] - 1
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise LyricsError(f"text {i} is empty: give the model lyrics in Korean or English.")
            stanza_starts.append(n_stanzas)
            for stanza in split_stanzas(text):
                split = split_by_language(stanza)
                if not any(split.values()):
                    continue
                for language, part in split.items():
                    if part:
                        parts[language].append((n_stanzas, part))
                n_stanzas += 1
            if n_stanzas == stanza_starts[-1]:
                raise LyricsError(f"text {i} has no line in Korean or English (Hangul or Latin letters) to read.")
        stanza_starts.append(n_stanzas)
        # every part, read by its language's model; rows laid out stanza by stanza for mean_per_text
        owner, weight, labels, groups = [], [], [], []
        for language, found in parts.items():
            scored = self.read_in_kote([text for _, text in found], language, progress)
            owner += [stanza for stanza, _ in found]
            weight += [len(text) for _, text in found]
            labels.append(scored[0])
            groups.append(scored[1])
        order = np.argsort(owner, kind="stable")
        rows = np.hstack([np.vstack(labels), np.vstack(groups)])[order]
        weight = np.asarray(weight, dtype=np.float64)[order]
        part_starts = np.searchsorted(np.asarray(owner)[order], np.arange(n_stanzas + 1))
        stanzas = mean_per_text(rows, weight, part_starts)
        stanza_weight = np.add.reduceat(weight, part_starts[:-1]) if n_stanzas else np.zeros(0)
        songs = mean_per_text(stanzas, stanza_weight, stanza_starts)
        n = len(KOTE)
        return songs[:, :n], songs[:, n:], [stanzas[a:b, :n] for a, b in zip(stanza_starts, stanza_starts[1:])]


# --- loading ----------------------------------------------------------------------------------------

DEFAULT_ENGLISH_MODEL = "gasa-english-goemotions"
NO_ENGLISH = ("", "none")  # what --english-model takes to read Korean lines only


def load_english(name_or_path: str) -> EmotionPredictor:
    """An English GoEmotions model: the built-in ``gasa-english-goemotions`` (or a folder its trainer wrote), or
    a Hub model or adapter (:class:`hub.english.EnglishTagger`, e.g. ``SamLowe/roberta-base-go_emotions``)."""
    from hub.models.registry import is_engine, load_predictor

    if is_engine(name_or_path):
        return load_predictor(name_or_path)
    from hub.english import EnglishTagger

    return EnglishTagger.from_pretrained(name_or_path)


def reads_bilingual(korean: EmotionPredictor) -> bool:
    """Can this Korean model be read together with an English one (it reads Korean lines, in KOTE's labels)?"""
    return korean.language == "ko" and list(korean.labels) == list(KOTE.labels)


def load_reader(korean: str, english: str | None = DEFAULT_ENGLISH_MODEL, **korean_options) -> EmotionPredictor:
    """What reads a catalog's songs: the Korean model and, unless ``english`` is None or ``"none"``, the English
    model beside it (:class:`BilingualModel`). A Korean model outside KOTE's labels (the 60-label dictionary)
    is returned alone: English readings have no place in its labels. ``korean_options`` go to the Korean
    model's loader (a transformer's backend, int8)."""
    from hub.models.registry import load_predictor

    model = load_predictor(korean, **korean_options)
    if english is None or str(english).lower() in NO_ENGLISH or not reads_bilingual(model):
        return model
    return BilingualModel(model, load_english(english))
