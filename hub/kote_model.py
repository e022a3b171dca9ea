"""gasa-korean-kote: Korean emotion learned from people's labels (KOTE, 44 labels), fast on a CPU.

The model
    Three views of a text, side by side:

    * TF-IDF of character n-grams within words (``char_wb``, 1-4 characters): robust to spacing,
      spelling, slang and words never seen in training (a syllable of an unseen word still counts);
    * TF-IDF of morpheme n-grams from kiwipiepy (every morpheme with its tag, unigrams and bigrams):
      stems, and the endings and particles that carry tone in Korean (``슬프/VA``, ``네요/EF``,
      ``ㅠㅠ/SW``), with negation kept in bigrams (``안/MAG 사랑/NNG``);
    * the pretrained morpheme embeddings of ``Kiwi(model_type="cong")``, seen through similarities
      to 256 anchor morphemes (:class:`MorphemeEmbeddings`): what a word means, for words the 5,000
      labelled comments never showed.

    One logistic regression per label over both views (independent sigmoids: KOTE is multi-label,
    about eight labels per comment) and one decision threshold per label, chosen on out-of-fold
    predictions to maximize that label's F1.

    Group heads: one more logistic regression per emotion group (the six groups KOTE shares with
    AI-Hub, plus 기타) estimates the probability that people would name an emotion of that group.
    The top group the app shows, and that is measured against people, is the group most likely to
    be named: a direct estimate is better calibrated than any rule over the 44 label probabilities
    (the ablation in the model card measures by how much). ``python -m training.train_korean_kote``
    trains it and writes the measurements into the model card.

How a song is read
    KOTE comments are short (about 60 characters), so lyrics are read like the transformer
    predictor reads windows: stanza by stanza (:func:`hub.predictor.split_stanzas`), and the song's
    vector is the mean of its stanzas' probabilities weighted by their length. Only the lines with
    Hangul reach the model (``language = "ko"``; see :func:`hub.predictor.readable_part`).

Saved (loads without pickle)
    ``gasa_engine.json``   :class:`KoteModelConfig`: engine, labels, feature settings, thresholds, metrics
    ``vocabulary.json``    the n-gram vocabularies in column order, and the embedding anchors
    ``model.safetensors``  ``idf.char``, ``idf.morph``, ``embedding.mean``/``.std``, ``weight``
                           (features x labels), ``bias``, ``group_weight`` (features x groups), ``group_bias``
    ``README.md``, ``LICENSE``  model card and KOTE's MIT notice
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import numpy as np

from hub.labels import KOTE
from hub.predictor import ENGINE_CONFIG, EmotionPredictor, LyricsError, ModelLoadError, mean_per_text, split_stanzas

MODEL_NAME = "gasa-korean-kote"
DATA_DIR = Path(__file__).parent / "data" / MODEL_NAME
VOCABULARY_FILE = "vocabulary.json"
WEIGHTS_FILE = "model.safetensors"
VIEWS = ("char", "morph")
SPACES = re.compile(r"\s+")
WEIGHT_DTYPE = np.float16  # stored precision of the weight matrix (halves the file; outputs move < 1e-3)


@dataclass
class KoteModelConfig:
    """Settings of a gasa-korean-kote model, saved as ``gasa_engine.json``.

    Args:
        engine: ``module:Class`` that :func:`hub.predictor.load_predictor` loads the folder with.
        name: the model's name in the app, reports and song datasets.
        labels: label names in output order (KOTE's 44, id order).
        char_ngrams: ``[min, max]`` character n-gram lengths, inside word boundaries; ``[0, 0]`` leaves
            the character view out.
        morph_ngrams: ``[min, max]`` morpheme n-gram lengths; ``[0, 0]`` leaves the morpheme view out.
        embedding_anchors: anchor morphemes of the Kiwi ``cong`` embedding view (0 leaves it out).
        min_df: n-grams found in fewer training texts are dropped.
        max_features: at most this many n-grams per view (the most frequent); ``None`` keeps all.
        C: inverse L2 regularization of each label's logistic regression.
        groups: the emotion groups of the group heads, in output order.
        thresholds: per-label decision thresholds (empty: 0.5 each).
        label_frequencies: how often each label was given in the training data (its prior), which
            :meth:`KoteEmotionModel.has_evidence` compares against.
        lines_per_block: lyrics without blank lines are read in blocks of this many lines.
        metrics: measured figures, recorded by the trainer (for the card and the app).
        training: what the model was trained on, recorded by the trainer.
    """

    engine: str = "hub.kote_model:KoteEmotionModel"
    name: str = MODEL_NAME
    labels: list[str] = field(default_factory=lambda: list(KOTE.labels))
    char_ngrams: list[int] = field(default_factory=lambda: [1, 4])
    morph_ngrams: list[int] = field(default_factory=lambda: [1, 2])
    embedding_anchors: int = 256
    min_df: int = 2
    max_features: int | None = 200_000
    C: float = 2.0
    groups: list[str] = field(default_factory=lambda: list(KOTE.group_order))
    thresholds: list[float] = field(default_factory=list)
    label_frequencies: list[float] = field(default_factory=list)
    lines_per_block: int = 4
    metrics: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)

    @property
    def views(self) -> list[str]:
        return [v for v, (_, hi) in zip(VIEWS, (self.char_ngrams, self.morph_ngrams)) if hi > 0]

    def save(self, folder: Path) -> None:
        (Path(folder) / ENGINE_CONFIG).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1),
                                                   encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "KoteModelConfig":
        file = Path(folder) / ENGINE_CONFIG
        try:
            payload = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ModelLoadError(f"{file} cannot be read as a gasa-korean-kote config ({e}).") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(payload) - known)
        if unknown:  # a config from a newer gasa, or a hand edit: refuse rather than silently ignore
            raise ModelLoadError(f"{file} has unknown setting(s) {', '.join(unknown)}; it was written by another "
                                 "version of gasa. Retrain with `python -m training.train_korean_kote`.")
        return cls(**payload)


# --- features ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KiwiReading:
    """What Kiwi makes of one text, for the two views that need it."""

    morphemes: str                # ``form/TAG`` words separated by spaces (the morpheme n-gram view)
    content_ids: tuple[int, ...]  # Kiwi ids of its content morphemes (the embedding view)


def kiwi_readings(texts: list[str]) -> list[KiwiReading]:
    """One Kiwi pass over the texts (the slow part of featurizing: trainers compute it once)."""
    from hub.korean_text import CONTENT_TAGS, base_tag, get_kiwi

    out = []
    for tokens in get_kiwi().tokenize(list(texts)):
        tags = [base_tag(t.tag) for t in tokens]
        out.append(KiwiReading(" ".join(SPACES.sub("_", t.form) + "/" + tag for t, tag in zip(tokens, tags)),
                               tuple(t.id for t, tag in zip(tokens, tags) if tag in CONTENT_TAGS and t.id >= 0)))
    return out


def _vectorizer(view: str, config: KoteModelConfig, vocabulary=None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = dict(sublinear_tf=True, min_df=config.min_df, max_features=config.max_features,
                  vocabulary=vocabulary, dtype=np.float32)
    if view == "char":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config.char_ngrams), **common)
    # morphemes arrive as space-separated form/TAG words: split on spaces only, keep case
    return TfidfVectorizer(analyzer="word", tokenizer=str.split, token_pattern=None, lowercase=False,
                           ngram_range=tuple(config.morph_ngrams), **common)


class MorphemeEmbeddings:
    """The pretrained morpheme embeddings of ``Kiwi(model_type="cong")`` as features.

    kiwipiepy exposes similarities between morphemes, not their vectors, so a morpheme is seen
    through its cosine similarity to ``anchors`` (the most widespread content morphemes of the
    training texts): a fixed-size vector that places words never seen in training near the words
    they resemble. A text is the mean over its content morphemes, standardized on the training
    texts and scaled so the block weighs about as much as one l2-normalized TF-IDF view.
    """

    def __init__(self, anchors: list[tuple[str, int]], mean: np.ndarray, std: np.ndarray):
        self.anchors = anchors  # (form/TAG, Kiwi id)
        self.anchor_ids = [i for _, i in anchors]
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self._cache: dict[int, np.ndarray] = {}

    @classmethod
    def fit(cls, readings: list[KiwiReading], n_anchors: int) -> tuple["MorphemeEmbeddings", np.ndarray]:
        from collections import Counter

        from hub.korean_text import get_kiwi

        kiwi = get_kiwi()
        widespread = Counter(i for r in readings for i in set(r.content_ids)).most_common(n_anchors)
        anchors = [(f"{m.form}/{m.tag}", i) for i, _ in widespread for m in [kiwi.morpheme(i)]]
        model = cls(anchors, np.zeros(len(anchors)), np.ones(len(anchors)))
        raw = model._means(readings)
        model.mean, model.std = raw.mean(0), raw.std(0) + 1e-6
        return model, model._scale(raw)

    def check(self) -> None:
        """The anchors must still be the same morphemes in the installed Kiwi model."""
        from hub.korean_text import get_kiwi

        kiwi = get_kiwi()
        for key, i in self.anchors:
            m = kiwi.morpheme(i)
            if f"{m.form}/{m.tag}" != key:
                raise ModelLoadError(f"Kiwi morpheme {i} is {m.form}/{m.tag}, not {key} as when this model was trained: "
                                     "the installed kiwipiepy-model differs; install the pinned one or retrain.")

    def _similarities(self, morpheme: int) -> np.ndarray:
        found = self._cache.get(morpheme)
        if found is None:
            from hub.korean_text import get_kiwi

            kiwi = get_kiwi()
            # a morpheme outside the embedding vocabulary gives NaN: it counts as unrelated to every anchor
            found = np.nan_to_num(np.array([kiwi.morpheme_similarity(morpheme, a) for a in self.anchor_ids],
                                           dtype=np.float32))
            self._cache[morpheme] = found
        return found

    def _means(self, readings: list[KiwiReading]) -> np.ndarray:
        out = np.zeros((len(readings), len(self.anchors)), dtype=np.float32)
        for row, reading in enumerate(readings):
            if reading.content_ids:
                out[row] = np.mean([self._similarities(i) for i in reading.content_ids], axis=0)
        return out

    def _scale(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self.mean) / self.std / np.sqrt(len(self.anchors))

    def transform(self, readings: list[KiwiReading]) -> np.ndarray:
        return self._scale(self._means(readings))


class KoteFeatures:
    """The views of :class:`KoteModelConfig` side by side: TF-IDF of character and morpheme n-grams,
    then the morpheme embeddings (fitted on training texts, or rebuilt from a save)."""

    def __init__(self, config: KoteModelConfig):
        self.config = config
        self.vectorizers: dict = {}
        self.embeddings: MorphemeEmbeddings | None = None

    def _inputs(self, view: str, texts: list[str], readings: list[KiwiReading]):
        return texts if view == "char" else [r.morphemes for r in readings]

    def _readings(self, texts, readings):
        needs_kiwi = "morph" in self.config.views or self.config.embedding_anchors
        return readings if readings is not None or not needs_kiwi else kiwi_readings(texts)

    def fit_transform(self, texts: list[str], readings: list[KiwiReading] | None = None):
        from scipy import sparse

        readings = self._readings(texts, readings)
        blocks = []
        for view in self.config.views:
            self.vectorizers[view] = _vectorizer(view, self.config)
            blocks.append(self.vectorizers[view].fit_transform(self._inputs(view, texts, readings)))
        if self.config.embedding_anchors:
            self.embeddings, dense = MorphemeEmbeddings.fit(readings, self.config.embedding_anchors)
            blocks.append(sparse.csr_matrix(dense))
        return sparse.hstack(blocks, format="csr")

    def transform(self, texts: list[str], readings: list[KiwiReading] | None = None):
        from scipy import sparse

        readings = self._readings(texts, readings)
        blocks = [self.vectorizers[v].transform(self._inputs(v, texts, readings)) for v in self.config.views]
        if self.embeddings is not None:
            blocks.append(sparse.csr_matrix(self.embeddings.transform(readings)))
        return sparse.hstack(blocks, format="csr")

    @property
    def size(self) -> int:
        return sum(len(v.vocabulary_) for v in self.vectorizers.values()) + \
            (len(self.embeddings.anchors) if self.embeddings is not None else 0)

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Vocabularies (n-grams in column order, embedding anchors) and arrays (idf, embedding
        standardization), to save."""
        vocab, arrays = {}, {}
        for view, vec in self.vectorizers.items():
            vocab[view] = [None] * len(vec.vocabulary_)
            for gram, column in vec.vocabulary_.items():
                vocab[view][column] = gram
            arrays[f"idf.{view}"] = vec.idf_.astype(np.float32)
        if self.embeddings is not None:
            vocab["embedding_anchors"] = [list(a) for a in self.embeddings.anchors]
            arrays["embedding.mean"], arrays["embedding.std"] = self.embeddings.mean, self.embeddings.std
        return vocab, arrays

    @classmethod
    def from_state(cls, config: KoteModelConfig, vocab: dict, arrays: dict) -> "KoteFeatures":
        features = cls(config)
        for view in config.views:
            idf = arrays.get(f"idf.{view}")
            if view not in vocab or idf is None or len(vocab[view]) != len(idf):
                raise ModelLoadError(f"the saved {view!r} vocabulary and idf do not match; retrain the model.")
            vec = _vectorizer(view, config, vocabulary={g: i for i, g in enumerate(vocab[view])})
            vec.idf_ = np.asarray(idf, dtype=np.float64)
            features.vectorizers[view] = vec
        if config.embedding_anchors:
            anchors = [(key, int(i)) for key, i in vocab.get("embedding_anchors", [])]
            mean, std = arrays.get("embedding.mean"), arrays.get("embedding.std")
            if not anchors or mean is None or std is None or not len(anchors) == len(mean) == len(std):
                raise ModelLoadError("the saved embedding anchors and their standardization do not match; "
                                     "retrain the model.")
            features.embeddings = MorphemeEmbeddings(anchors, mean, std)
            features.embeddings.check()
        return features


# --- the model -----------------------------------------------------------------------------------

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def label_and_group_probs(x, weight: np.ndarray, bias: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Sigmoid of ``x @ weight + bias``, split into the label columns and the group-head columns."""
    p = _sigmoid(np.asarray(x @ weight) + bias).astype(np.float32)
    return p[:, :n_labels], p[:, n_labels:]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class KoteEmotionModel(EmotionPredictor):
    """A linear multi-label model over :class:`KoteFeatures`, behind :class:`EmotionPredictor`.

    Args:
        config: its settings (labels, groups, features, thresholds).
        features: fitted :class:`KoteFeatures`.
        weight, bias: ``(n_features, n_labels)`` coefficients and ``(n_labels,)`` intercepts of the labels.
        group_weight, group_bias: the same for the group heads (``config.groups``).
    """

    multi_label = True
    language = "ko"
    uses_kiwi = True
    label_set = "kote"

    def __init__(self, config: KoteModelConfig, features: KoteFeatures, weight: np.ndarray, bias: np.ndarray,
                 group_weight: np.ndarray, group_bias: np.ndarray):
        shapes = {"weight": (weight.shape, (features.size, len(config.labels))), "bias": (bias.shape, (len(config.labels),)),
                  "group_weight": (group_weight.shape, (features.size, len(config.groups))),
                  "group_bias": (group_bias.shape, (len(config.groups),))}
        wrong = [f"{k} {got} (expected {want})" for k, (got, want) in shapes.items() if tuple(got) != want]
        if wrong:
            raise ModelLoadError(f"the weights do not fit {features.size} features, {len(config.labels)} labels and "
                                 f"{len(config.groups)} groups: {'; '.join(wrong)}. Retrain the model.")
        self.config = config
        self.features = features
        # labels and group heads in one matrix (one product per batch), kept at the stored precision so
        # that a model in memory and its reload give identical outputs
        self.weight = np.hstack([weight, group_weight]).astype(WEIGHT_DTYPE).astype(np.float32)
        self.bias = np.concatenate([bias, group_bias]).astype(np.float32)
        self.labels = list(config.labels)
        self.groups = list(config.groups)
        self.name = config.name
        self.thresholds = np.asarray(config.thresholds or [0.5] * len(self.labels), dtype=np.float64)

    # scoring
    def score_features(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Label and group probabilities of feature rows (from :meth:`KoteFeatures.transform`)."""
        return label_and_group_probs(x, self.weight, self.bias, len(self.labels))

    def predict_with_groups(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per text, the length-weighted mean over its stanzas of the label and group probabilities."""
        from tqdm.auto import tqdm

        blocks, starts = [], []  # a text's blocks are blocks[starts[i]:starts[i + 1]]
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise LyricsError(f"text {i} is empty: give the model Korean lyrics or sentences.")
            starts.append(len(blocks))
            blocks += split_stanzas(text, self.config.lines_per_block)
        starts.append(len(blocks))
        width = len(self.labels) + len(self.groups)
        scores = np.zeros((len(blocks), width), dtype=np.float32)
        step = 512
        for start in tqdm(range(0, len(blocks), step), desc=self.name, unit="batch", disable=not progress):
            scores[start:start + step] = np.hstack(self.score_features(self.features.transform(blocks[start:start + step])))
        out = mean_per_text(scores, [len(block) for block in blocks], starts)
        return out[:, :len(self.labels)], out[:, len(self.labels):]

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.predict_with_groups(texts, progress)[0]

    def group_names(self) -> list[str]:
        return self.groups

    def has_evidence(self, probs: np.ndarray) -> np.ndarray:
        """False where the model's own "no emotion" label (없음) is raised at least as much as any
        emotion above how often people gave it (log-odds against the label frequencies): the text
        reads, to a model that learned from people, no more like an emotion than like none. Thresholds cannot tell this: a threshold tuned for F1 sits
        near its label's base rate, so a text with no signal passes several. (On held-out KOTE
        comments, which are emotional by selection, it flags about 4 %; counting or "la la la" is
        flagged; no song of the demo catalog or the benchmark corpus is.)"""
        probs = np.atleast_2d(np.asarray(probs, dtype=np.float64))
        if not self.config.label_frequencies:
            return super().has_evidence(probs)
        lift = _logit(probs) - _logit(np.asarray(self.config.label_frequencies))
        none = KOTE.index(KOTE.no_emotion)
        emotions = np.delete(lift, none, axis=1).max(axis=1)
        return lift[:, none] < emotions

    # saving and loading
    def save_pretrained(self, folder: str | Path, card: str | None = None) -> Path:
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        vocab, tensors = self.features.state()
        n = len(self.labels)
        tensors.update(weight=self.weight[:, :n].astype(WEIGHT_DTYPE), bias=self.bias[:n],
                       group_weight=self.weight[:, n:].astype(WEIGHT_DTYPE), group_bias=self.bias[n:])
        save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": "np", "model": MODEL_NAME})
        (folder / VOCABULARY_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        self.config.save(folder)
        if card is not None:
            (folder / "README.md").write_text(card, encoding="utf-8")
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | Path = DATA_DIR) -> "KoteEmotionModel":
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        folder = Path(folder)
        missing = [f for f in (ENGINE_CONFIG, VOCABULARY_FILE, WEIGHTS_FILE) if not (folder / f).is_file()]
        if missing:
            raise ModelLoadError(f"{folder} is not a saved gasa-korean-kote model: {', '.join(missing)} missing. "
                                 "Train one with `python -m training.train_korean_kote --output DIR`.")
        config = KoteModelConfig.load(folder)
        try:
            vocab = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
            tensors = load_file(str(folder / WEIGHTS_FILE))
        except (json.JSONDecodeError, SafetensorError, OSError) as e:
            raise ModelLoadError(f"{folder}: the vocabulary or weights cannot be read ({e}); retrain the model.") from None
        features = KoteFeatures.from_state(config, vocab, tensors)
        missing = [k for k in ("weight", "bias", "group_weight", "group_bias") if k not in tensors]
        if missing:
            raise ModelLoadError(f"{folder / WEIGHTS_FILE} lacks {', '.join(missing)}; retrain the model.")
        model = cls(config, features, *(tensors[k].astype(np.float32) for k in ("weight", "bias", "group_weight",
                                                                                    "group_bias")))
        model.source = str(folder)  # where it was loaded from (song datasets record its content hash)
        return model


@lru_cache(maxsize=1)
def load_default_model() -> KoteEmotionModel:
    """The committed model in ``hub/data/gasa-korean-kote`` (the app's offline default)."""
    return KoteEmotionModel.from_pretrained(DATA_DIR)
