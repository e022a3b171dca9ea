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

Where it lives
    :class:`KoteClassifier` is the model as a scikit-learn estimator (``fit``, ``predict_proba``,
    ``get_params``/``set_params``, ``clone``): a Kiwi pass (:class:`KiwiReader`), a ``FeatureUnion`` of
    the views, and one liblinear logistic regression per label and group head
    (``OneVsRestClassifier``). :class:`KoteEmotionModel` is what the app loads: the estimator behind
    :class:`hub.predictor.EmotionPredictor`, reading songs stanza by stanza. The trainer
    (:mod:`training.train_korean_kote`) only chooses data, cross-validates, measures and writes the card.

Saved (loads without pickle)
    ``gasa_engine.json``   :class:`KoteModelConfig`: model kind and gasa version, labels, the estimator's settings, thresholds, metrics
    ``vocabulary.json``    the n-gram vocabularies in column order, and the embedding anchors
    ``model.safetensors``  ``idf.char``, ``idf.morph``, ``embedding.mean``/``.std``, ``weight``
                           (features x labels), ``bias``, ``group_weight`` (features x groups), ``group_bias``
    ``README.md``, ``LICENSE``  model card and KOTE's MIT notice
    :meth:`KoteClassifier.to_state` and :meth:`KoteClassifier.from_state` turn an estimator into the
    last two files' contents and back.
"""
from __future__ import annotations

import copy
import inspect
import json
import re
import warnings
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import expit, logit
from sklearn import get_config as sklearn_config
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from hub import __version__
from hub.labels import KOTE, TAXONOMIES, kote_group_targets
from hub.models.base import EmotionPredictor, ModelLoadError
from hub.models.registry import ENGINE_CONFIG, LEGACY_ENGINES, kind_stamp
from hub.reading import mean_per_text
from hub.text.clean import LyricsError
from hub.text.segment import LINES_PER_BLOCK, split_stanzas

MODEL_NAME = "gasa-korean-kote"
KIND = "kote-linear"  # this model's kind in hub.models.registry.MODEL_KINDS
DATA_DIR = Path(__file__).parent / "data" / MODEL_NAME
VOCABULARY_FILE = "vocabulary.json"
WEIGHTS_FILE = "model.safetensors"
VIEWS = ("char", "morph", "word")
SPACES = re.compile(r"\s+")
WEIGHT_DTYPE = np.float16  # stored precision of the weight matrix (halves the file; outputs move < 1e-3)


def _classifier_default(name: str):
    """A :class:`KoteModelConfig` field that defaults to :class:`KoteClassifier`'s parameter of that name
    (the estimator's signature is the one place the defaults are written)."""
    def default():
        value = inspect.signature(KoteClassifier).parameters[name].default
        return list(value) if isinstance(value, tuple) else value  # as JSON holds it
    return field(default_factory=default)


@dataclass
class KoteModelConfig:
    """Settings of a gasa-korean-kote model, saved as ``gasa_engine.json``.

    Args:
        model_type: the model kind (:data:`hub.models.registry.MODEL_KINDS`) that
            :func:`hub.models.registry.load_predictor` loads the folder with.
        gasa_version: the gasa that saved it.
        name: the model's name in the app, reports and song datasets.
        labels: label names in output order (KOTE's 44, id order).
        char_ngrams, morph_ngrams, word_ngrams, embedding_anchors, min_df, max_features, C, label_set: the
            :class:`KoteClassifier` parameters of that name (:meth:`classifier_params`).
        thresholds: per-label decision thresholds (empty: 0.5 each), the :class:`KoteClassifier`'s too.
        groups: the emotion groups of the group heads, in output order.
        label_frequencies: how often each label was given in the training data (its prior), which
            :meth:`KoteEmotionModel.has_evidence` compares against.
        kote_calibration: an English model's ``scale`` and ``shift`` (log-odds, one per KOTE label then group)
            that put its readings, mapped into KOTE's labels, on the Korean model's scale
            (:class:`hub.models.bilingual.KoteSpace`); empty for a Korean model.
        lines_per_block: lyrics without blank lines are read in blocks of this many lines.
        metrics: measured figures, recorded by the trainer (for the card and the app).
        training: what the model was trained on, recorded by the trainer.
    """

    model_type: str = KIND
    gasa_version: str = __version__
    name: str = MODEL_NAME
    labels: list[str] = field(default_factory=lambda: list(KOTE.labels))
    char_ngrams: list[int] = _classifier_default("char_ngrams")
    morph_ngrams: list[int] = _classifier_default("morph_ngrams")
    word_ngrams: list[int] = _classifier_default("word_ngrams")
    label_set: str = _classifier_default("label_set")
    embedding_anchors: int = _classifier_default("embedding_anchors")
    min_df: int = _classifier_default("min_df")
    max_features: int | None = _classifier_default("max_features")
    C: float = _classifier_default("C")
    groups: list[str] = field(default_factory=lambda: list(KOTE.group_order))
    thresholds: list[float] = field(default_factory=list)
    label_frequencies: list[float] = field(default_factory=list)
    kote_calibration: dict = field(default_factory=dict)
    lines_per_block: int = LINES_PER_BLOCK
    metrics: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)

    def classifier_params(self) -> dict:
        """The settings that are :class:`KoteClassifier` parameters (the others describe labels, app and record)."""
        mine = {f.name for f in fields(self)}
        return {k: getattr(self, k) for k in KoteClassifier._get_param_names() if k in mine}

    def save(self, folder: Path) -> None:
        payload = {**asdict(self), **kind_stamp(self.model_type)}  # the gasa saving it, whichever loaded it
        (Path(folder) / ENGINE_CONFIG).write_text(json.dumps(payload, ensure_ascii=False, indent=1),
                                                   encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "KoteModelConfig":
        file = Path(folder) / ENGINE_CONFIG
        try:
            payload = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ModelLoadError(f"{file} cannot be read as a gasa-korean-kote config ({e}).") from None
        if "engine" in payload:  # saved before model kinds: a module path in place of the kind and version
            payload = {**kind_stamp(LEGACY_ENGINES.get(payload.pop("engine"), KIND)), **payload}
            payload["gasa_version"] = "before 0.1.0"
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(payload) - known)
        if unknown:  # a config from a newer gasa, or a hand edit: refuse rather than silently ignore
            raise ModelLoadError(f"{file} has unknown setting(s) {', '.join(unknown)}; it was written by another "
                                 "version of gasa. Retrain with `python -m training.train_korean_kote`.")
        return cls(**payload)


# --- step 1: the Kiwi pass -------------------------------------------------------------------------

@dataclass(frozen=True)
class KiwiReading:
    """A text and what Kiwi makes of it, for the views that need it."""

    text: str
    morphemes: str                # ``form/TAG`` words separated by spaces (the morpheme n-gram view)
    content_ids: tuple[int, ...]  # Kiwi ids of its content morphemes (the embedding view)


def kiwi_readings(texts: list[str]) -> list[KiwiReading]:
    """One Kiwi pass over the texts (the slow part of featurizing: trainers compute it once)."""
    from hub.korean_text import CONTENT_TAGS, base_tag, get_kiwi

    texts = list(texts)
    out = []
    for text, tokens in zip(texts, get_kiwi().tokenize(texts)):
        tags = [base_tag(t.tag) for t in tokens]
        out.append(KiwiReading(text, " ".join(SPACES.sub("_", t.form) + "/" + tag for t, tag in zip(tokens, tags)),
                               tuple(t.id for t, tag in zip(tokens, tags) if tag in CONTENT_TAGS and t.id >= 0)))
    return out


class KiwiReader(TransformerMixin, BaseEstimator):
    """Texts -> :class:`KiwiReading`. Readings pass through as they are, so a trainer that read its texts
    once (:func:`kiwi_readings`) fits and cross-validates on them without reading them again.

    Args:
        analyze: ``False`` when no view needs Kiwi (a character-only model): texts are wrapped, not read.
    """

    def __init__(self, analyze: bool = True):
        self.analyze = analyze

    def fit(self, X, y=None):
        return self

    def transform(self, X) -> list[KiwiReading]:
        X = list(X)
        unread = [x for x in X if not isinstance(x, KiwiReading)]
        read = iter(kiwi_readings(unread) if self.analyze else [KiwiReading(t, "", ()) for t in unread])
        return [x if isinstance(x, KiwiReading) else next(read) for x in X]


# --- step 2: the views -----------------------------------------------------------------------------

def _texts(readings: list[KiwiReading]) -> list[str]:
    return [r.text for r in readings]


def _morphemes(readings: list[KiwiReading]) -> list[str]:
    return [r.morphemes for r in readings]


class WordwiseCharTfidf(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` that counts a fitted vocabulary's n-grams word by word and
    remembers each word's columns.

    ``char_wb`` n-grams never cross a space, so a text's counts are the sum of its words' counts. Lyrics
    repeat their words (a catalog of 4,000 songs has about a tenth as many distinct words as words), and
    cutting every word into n-grams again in Python was about a third of reading a song. The matrix is the
    parent's, entry for entry (a test compares them); fitting is the parent's own.
    """

    cached_words = 300_000  # then the memory of words starts afresh: bounded on a catalog of any size

    def forget_words(self) -> None:
        """Start again with no word remembered (as a new process does)."""
        self.__dict__.pop("_word_columns", None)

    def _columns_of(self, word: str) -> list[int]:
        memory = self.__dict__.setdefault("_word_columns", {})
        found = memory.get(word)
        if found is None:
            if len(memory) >= self.cached_words:
                memory.clear()
            found = memory[word] = [self.vocabulary_[g] for g in self._char_wb_ngrams(word) if g in self.vocabulary_]
        return found

    def _count_vocab(self, raw_documents, fixed_vocab):
        if not fixed_vocab:  # fitting: the parent builds the vocabulary
            return super()._count_vocab(raw_documents, fixed_vocab)
        preprocess, columns, per_document = self.build_preprocessor(), [], []
        for document in raw_documents:
            before = len(columns)
            for word in preprocess(self.decode(document)).split():
                columns += self._columns_of(word)
            per_document.append(len(columns) - before)
        rows = np.repeat(np.arange(len(per_document)), per_document)
        # built from (row, column) pairs, repeated pairs are summed into counts, columns in order: the parent's matrix
        matrix = sparse.csr_array if sklearn_config()["sparse_interface"] == "sparray" else sparse.csr_matrix
        return self.vocabulary_, matrix((np.ones(len(columns), dtype=self.dtype), (rows, np.asarray(columns))),
                                        shape=(len(per_document), len(self.vocabulary_)), dtype=self.dtype)


def _vectorizer(view: str, ngrams, min_df: int, max_features: int | None):
    common = dict(sublinear_tf=True, min_df=min_df, max_features=max_features, dtype=np.float32)
    if view == "char":
        return WordwiseCharTfidf(analyzer="char_wb", ngram_range=tuple(ngrams), **common)
    if view == "word":  # English words, lower-cased, with their apostrophes (don't, I'm) and one-letter words (I)
        return TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+(?:'\w+)?\b", ngram_range=tuple(ngrams),
                               **common)
    # morphemes arrive as space-separated form/TAG words: split on spaces only, keep case
    return TfidfVectorizer(analyzer="word", tokenizer=str.split, token_pattern=None, lowercase=False,
                           ngram_range=tuple(ngrams), **common)


VIEW_INPUTS = {"char": _texts, "morph": _morphemes, "word": _texts}  # what each TF-IDF view reads of a KiwiReading


class MorphemeEmbeddings(TransformerMixin, BaseEstimator):
    """The pretrained morpheme embeddings of ``Kiwi(model_type="cong")`` as features.

    kiwipiepy exposes similarities between morphemes, not their vectors, so a morpheme is seen
    through its cosine similarity to ``n_anchors`` anchors (the most widespread content morphemes of
    the training texts): a fixed-size vector that places words never seen in training near the words
    they resemble. A text is the mean over its content morphemes, standardized on the training
    texts and scaled so the block weighs about as much as one l2-normalized TF-IDF view.

    Fitted: ``anchors_`` ((form/TAG, Kiwi id) pairs), ``mean_``, ``std_``.
    """

    def __init__(self, n_anchors: int = 256):
        self.n_anchors = n_anchors
        self._cache: dict[int, np.ndarray] = {}  # morpheme id -> its similarities to the anchors

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        from collections import Counter

        from hub.korean_text import get_kiwi

        kiwi = get_kiwi()
        widespread = Counter(i for r in X for i in set(r.content_ids)).most_common(self.n_anchors)
        self._set_anchors([(f"{m.form}/{m.tag}", i) for i, _ in widespread for m in [kiwi.morpheme(i)]],
                          np.zeros(len(widespread)), np.ones(len(widespread)))
        raw = self._means(X)
        self.mean_, self.std_ = raw.mean(0), raw.std(0) + 1e-6
        return sparse.csr_matrix(self._scale(raw))

    def transform(self, X):
        return sparse.csr_matrix(self._scale(self._means(X)))

    def _set_anchors(self, anchors, mean, std) -> None:
        self.anchors_ = anchors
        self.mean_, self.std_ = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self._cache = {}

    def check(self) -> None:
        """The anchors must still be the same morphemes in the installed Kiwi model."""
        from hub.korean_text import get_kiwi

        kiwi = get_kiwi()
        for key, i in self.anchors_:
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
            found = np.nan_to_num(np.array([kiwi.morpheme_similarity(morpheme, a) for _, a in self.anchors_],
                                           dtype=np.float32))
            self._cache[morpheme] = found
        return found

    def _means(self, readings: list[KiwiReading]) -> np.ndarray:
        out = np.zeros((len(readings), len(self.anchors_)), dtype=np.float32)
        for row, reading in enumerate(readings):
            if reading.content_ids:
                out[row] = np.mean([self._similarities(i) for i in reading.content_ids], axis=0)
        return out

    def _scale(self, raw: np.ndarray) -> np.ndarray:
        return (raw - self.mean_) / self.std_ / np.sqrt(len(self.anchors_))


# --- step 3: the heads, and the estimator ------------------------------------------------------------

def with_group_targets(targets: np.ndarray, label_set: str = "kote") -> np.ndarray:
    """The label columns, then one per KOTE group (``KOTE.group_order``): 1 when people named any of its labels
    (GoEmotions labels count through :data:`hub.labels.GOEMOTIONS_TO_KOTE`)."""
    return np.hstack([targets, kote_group_targets(targets, label_set).astype(targets.dtype)])


def fit_heads(x, targets: np.ndarray, C: float, n_jobs: int) -> tuple[np.ndarray, np.ndarray]:
    """One L2 logistic regression (liblinear) per target column: ``(weight (d, columns), bias (columns,))``.

    A column constant in these rows (a label absent from a small sample) gets no weights and its
    prior's log-odds, a probability strictly between 0 and 1 where ``OneVsRestClassifier`` would
    answer exactly 0 or 1 (and warn).
    """
    from joblib import parallel_config
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    # one canonical float64 copy shared by the threads: liblinear would convert it once per label, and
    # threads sorting a shared matrix's indices at the same time crash
    x = x.astype(np.float64).tocsr()
    x.sum_duplicates()
    x.sort_indices()
    heads = OneVsRestClassifier(LogisticRegression(C=C, solver="liblinear", max_iter=500), n_jobs=n_jobs)
    # threads: liblinear releases the GIL, and worker processes would each get a copy of x
    with parallel_config(backend="threading"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
        heads.fit(x, targets)
    weight, bias = np.zeros((x.shape[1], targets.shape[1])), np.zeros(targets.shape[1])
    for j, head in enumerate(heads.estimators_):
        if hasattr(head, "coef_"):
            weight[:, j], bias[j] = head.coef_[0], head.intercept_[0]
        else:  # OneVsRestClassifier's constant predictor
            prior = targets[:, j].mean()
            bias[j] = np.log((prior + 1e-3) / (1 - prior + 1e-3))
    return weight, bias


class KoteClassifier(ClassifierMixin, BaseEstimator):
    """gasa-korean-kote as a scikit-learn estimator: texts (or :class:`KiwiReading` s) -> 44 label
    probabilities, and the group heads' probabilities beside them.

    ``Pipeline``: :class:`KiwiReader` -> ``FeatureUnion`` of the views (TF-IDF of character n-grams, of
    morpheme n-grams, :class:`MorphemeEmbeddings`) -> :func:`fit_heads` (``OneVsRestClassifier`` of
    liblinear logistic regressions over the labels, then one head per ``KOTE.group_order`` group).

    Args:
        char_ngrams: ``(min, max)`` character n-gram lengths, inside word boundaries; ``(0, 0)`` leaves
            the character view out.
        morph_ngrams: ``(min, max)`` morpheme n-gram lengths; ``(0, 0)`` leaves the morpheme view out.
        word_ngrams: ``(min, max)`` word n-gram lengths (English words, lower-cased); ``(0, 0)`` (the Korean
            model) leaves the word view out.
        embedding_anchors: anchor morphemes of the Kiwi ``cong`` embedding view (0 leaves it out).
        min_df: n-grams found in fewer training texts are dropped.
        max_features: at most this many n-grams per view (the most frequent); ``None`` keeps all.
        C: inverse L2 regularization of each label's logistic regression.
        thresholds: per-label decision thresholds of :meth:`predict` (``None`` or empty: 0.5 each).
        label_set: the labels' set, ``"kote"`` or ``"goemotions"``: the group heads learn KOTE's groups from it.
        extra_features: a transformer of :class:`KiwiReading` s whose columns are appended to the views
            (the trainer's ablations; a model with one cannot be saved).
        n_jobs: threads fitting the heads.

    Fitted: ``features_`` (the Kiwi pass and the views, a ``Pipeline``), ``weight_`` ``(features,
    labels + groups)``, ``bias_``, ``classes_`` (label ids), ``label_frequencies_`` (each label's share
    of the training rows; not saved by :meth:`to_state`).
    """

    def __init__(self, char_ngrams=(1, 4), morph_ngrams=(1, 2), embedding_anchors: int = 256, min_df: int = 2,
                 max_features: int | None = 200_000, C: float = 2.0, thresholds=None, extra_features=None,
                 n_jobs: int = 2, word_ngrams=(0, 0), label_set: str = "kote"):
        self.char_ngrams = char_ngrams
        self.morph_ngrams = morph_ngrams
        self.word_ngrams = word_ngrams
        self.label_set = label_set
        self.embedding_anchors = embedding_anchors
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.thresholds = thresholds
        self.extra_features = extra_features
        self.n_jobs = n_jobs

    def _views(self) -> list[tuple[str, tuple[int, int]]]:
        return [(v, ngrams) for v, ngrams in zip(VIEWS, (self.char_ngrams, self.morph_ngrams, self.word_ngrams)) if ngrams[1] > 0]

    def _featurizer(self) -> Pipeline:
        union = [(view, make_pipeline(FunctionTransformer(VIEW_INPUTS[view]),
                                      _vectorizer(view, ngrams, self.min_df, self.max_features)))
                 for view, ngrams in self._views()]
        if self.embedding_anchors:
            union.append(("embedding", MorphemeEmbeddings(self.embedding_anchors)))
        if self.extra_features is not None:
            union.append(("extra", clone(self.extra_features)))
        needs_kiwi = any(v == "morph" for v, _ in self._views()) or bool(self.embedding_anchors)
        return Pipeline([("kiwi", KiwiReader(analyze=needs_kiwi)), ("views", FeatureUnion(union))])

    def fit(self, X, y, group_targets=None) -> "KoteClassifier":
        """``X``: texts or :class:`KiwiReading` s; ``y``: ``(rows, labels)`` 0/1 label matrix; ``group_targets``:
        ``(rows, groups)`` 0/1, where rows name their groups directly (lyric stanzas written with a group and KOTE
        labels, fitted beside GoEmotions rows); by default the groups of each row's labels."""
        y = np.asarray(y)
        self.features_ = self._featurizer()
        x = self.features_.fit_transform(X)
        groups = kote_group_targets(y, self.label_set) if group_targets is None else np.asarray(group_targets)
        self.weight_, self.bias_ = fit_heads(x, np.hstack([y, groups.astype(y.dtype)]), self.C, self.n_jobs)
        self.classes_ = np.arange(y.shape[1])
        self.label_frequencies_ = y.mean(axis=0)
        return self

    def read_ahead(self, texts: list[str], batch_size: int):
        """``texts`` in batches for :meth:`predict_proba_with_groups`, the next batch's Kiwi pass running on a thread
        while the caller scores this one.

        Kiwi's C++ works outside the GIL on every core; overlapped with the views' Python, the Kiwi pass (half of
        reading Korean) no longer waits for it. The batches are what :class:`KiwiReader` would make of them, so the
        probabilities are the same."""
        from concurrent.futures import ThreadPoolExecutor

        batches = [texts[start:start + batch_size] for start in range(0, len(texts), batch_size)]
        reader = self.features_.named_steps["kiwi"]
        if not reader.analyze or len(batches) < 2:
            yield from batches
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiwi") as pool:
            ahead = pool.submit(reader.transform, batches[0])
            for following in batches[1:]:
                current, ahead = ahead.result(), pool.submit(reader.transform, following)
                yield current
            yield ahead.result()

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the labels, then of the group heads."""
        return np.asarray(self.features_.transform(X) @ self.weight_) + self.bias_

    def predict_proba_with_groups(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(label probabilities (rows, labels), group probabilities (rows, groups))``, float32."""
        p = expit(self.decision_function(X)).astype(np.float32)
        return p[:, :len(self.classes_)], p[:, len(self.classes_):]

    def predict_proba(self, X) -> np.ndarray:
        return self.predict_proba_with_groups(X)[0]

    def predict(self, X) -> np.ndarray:
        """The ``(rows, labels)`` 0/1 matrix of labels at or above their thresholds."""
        thresholds = self.thresholds if self.thresholds is not None and len(self.thresholds) else 0.5
        return (self.predict_proba(X) >= np.asarray(thresholds)).astype(int)

    def at_stored_precision(self) -> "KoteClassifier":
        """A copy with the weights as :meth:`to_state` stores them (``WEIGHT_DTYPE``, biases float32), so that
        a model in memory and its reload give identical outputs."""
        out = copy.copy(self)
        out.weight_ = self.weight_.astype(WEIGHT_DTYPE).astype(np.float32)
        out.bias_ = self.bias_.astype(np.float32)
        return out

    # saving and loading, without pickle
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """``(vocabulary, arrays)``: the n-grams of each view in column order and the embedding anchors (JSON),
        and ``idf.<view>``, ``embedding.mean``/``.std``, ``weight``/``group_weight`` (at ``WEIGHT_DTYPE``) and
        ``bias``/``group_bias`` (safetensors)."""
        if self.extra_features is not None:
            raise ValueError("a KoteClassifier with extra_features cannot be saved (its extra columns have no state).")
        views = self.features_.named_steps["views"].named_transformers
        vocab, arrays = {}, {}
        for view, _ in self._views():
            vec = views[view][-1]
            vocab[view] = [None] * len(vec.vocabulary_)
            for gram, column in vec.vocabulary_.items():
                vocab[view][column] = gram
            arrays[f"idf.{view}"] = vec.idf_.astype(np.float32)
        if self.embedding_anchors:
            embeddings = views["embedding"]
            vocab["embedding_anchors"] = [list(a) for a in embeddings.anchors_]
            arrays["embedding.mean"], arrays["embedding.std"] = embeddings.mean_, embeddings.std_
        n = len(self.classes_)
        arrays.update(weight=self.weight_[:, :n].astype(WEIGHT_DTYPE), bias=self.bias_[:n].astype(np.float32),
                      group_weight=self.weight_[:, n:].astype(WEIGHT_DTYPE), group_bias=self.bias_[n:].astype(np.float32))
        return vocab, arrays

    @classmethod
    def from_state(cls, vocab: dict, arrays: dict, n_labels: int, n_groups: int, **params) -> "KoteClassifier":
        """The fitted estimator of :meth:`to_state`'s output (``params``: its parameters)."""
        model = cls(**params)
        model.features_ = model._featurizer()
        views = model.features_.named_steps["views"].named_transformers
        size = 0
        for view, _ in model._views():
            idf = arrays.get(f"idf.{view}")
            if view not in vocab or idf is None or len(vocab[view]) != len(idf):
                raise ModelLoadError(f"the saved {view!r} vocabulary and idf do not match; retrain the model.")
            vec = views[view][-1].set_params(vocabulary={g: i for i, g in enumerate(vocab[view])})
            vec.idf_ = np.asarray(idf, dtype=np.float64)  # TfidfVectorizer's one way in besides fitting (or pickle)
            size += len(idf)
        if model.embedding_anchors:
            anchors = [(key, int(i)) for key, i in vocab.get("embedding_anchors", [])]
            mean, std = arrays.get("embedding.mean"), arrays.get("embedding.std")
            if not anchors or mean is None or std is None or not len(anchors) == len(mean) == len(std):
                raise ModelLoadError("the saved embedding anchors and their standardization do not match; "
                                     "retrain the model.")
            views["embedding"]._set_anchors(anchors, mean, std)
            views["embedding"].check()
            size += len(anchors)
        weight, bias, group_weight, group_bias = (arrays[k].astype(np.float32) for k in
                                                  ("weight", "bias", "group_weight", "group_bias"))
        shapes = {"weight": (weight.shape, (size, n_labels)), "bias": (bias.shape, (n_labels,)),
                  "group_weight": (group_weight.shape, (size, n_groups)), "group_bias": (group_bias.shape, (n_groups,))}
        wrong = [f"{k} {got} (expected {want})" for k, (got, want) in shapes.items() if tuple(got) != want]
        if wrong:
            raise ModelLoadError(f"the weights do not fit {size} features, {n_labels} labels and {n_groups} groups: "
                                 f"{'; '.join(wrong)}. Retrain the model.")
        model.weight_, model.bias_ = np.hstack([weight, group_weight]), np.concatenate([bias, group_bias])
        model.classes_ = np.arange(n_labels)
        return model


# --- the model the app loads -----------------------------------------------------------------------

class KoteEmotionModel(EmotionPredictor):
    """A fitted :class:`KoteClassifier` behind :class:`EmotionPredictor`: songs read stanza by stanza.

    Args:
        config: its settings (labels, groups, thresholds, what it was trained on).
        classifier: the fitted estimator (kept at the stored precision: :meth:`KoteClassifier.at_stored_precision`).
    """

    multi_label = True
    language = "ko"
    uses_kiwi = True
    label_set = "kote"
    default_folder = DATA_DIR
    trainer = "training.train_korean_kote"

    def __init__(self, config: KoteModelConfig, classifier: KoteClassifier):
        self.config = config
        self.classifier = classifier.at_stored_precision()
        self.labels = list(config.labels)
        self.groups = list(config.groups)
        self.name = config.name
        self.thresholds = np.asarray(config.thresholds or [0.5] * len(self.labels), dtype=np.float64)

    @property
    def weight_megabytes(self) -> float:
        """The size of the stored weight matrix (``WEIGHT_DTYPE``), for the model card."""
        return self.classifier.weight_.size * np.dtype(WEIGHT_DTYPE).itemsize / 1e6

    def predict_with_groups(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per text, the length-weighted mean over its stanzas of the label and group probabilities."""
        return self.predict_with_stanzas(texts, progress)[:2]

    def predict_with_stanzas(self, texts: list[str], progress: bool = False):
        """:meth:`predict_with_groups` and, per text, its stanzas' label probabilities: the ones the song's
        mean was taken over (one pass)."""
        from tqdm.auto import tqdm

        blocks, starts = [], []  # a text's blocks are blocks[starts[i]:starts[i + 1]]
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise LyricsError(f"text {i} is empty: give the model Korean lyrics or sentences.")
            starts.append(len(blocks))
            blocks += split_stanzas(text, self.config.lines_per_block)
        starts.append(len(blocks))
        # a chorus repeated in a song, or a hook shared by versions of it, is scored once
        unique = list(dict.fromkeys(blocks))
        width = len(self.labels) + len(self.groups)
        scored = np.zeros((len(unique), width), dtype=np.float32)
        step = 512
        batch_starts = tqdm(range(0, len(unique), step), desc=self.name, unit="batch", disable=not progress)
        for start, batch in zip(batch_starts, self.classifier.read_ahead(unique, step)):
            scored[start:start + step] = np.hstack(self.classifier.predict_proba_with_groups(batch))
        row = {block: i for i, block in enumerate(unique)}
        scores = scored[[row[block] for block in blocks]] if blocks else scored
        out = mean_per_text(scores, [len(block) for block in blocks], starts)
        n = len(self.labels)
        return out[:, :n], out[:, n:], [scores[a:b, :n] for a, b in zip(starts, starts[1:])]

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
        lift = _log_odds(probs) - _log_odds(np.asarray(self.config.label_frequencies))
        taxonomy = TAXONOMIES[self.label_set]
        none = taxonomy.index(taxonomy.no_emotion)
        emotions = np.delete(lift, none, axis=1).max(axis=1)
        return lift[:, none] < emotions

    # saving and loading
    def save_pretrained(self, folder: str | Path, card: str | None = None) -> Path:
        from safetensors.numpy import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        vocab, tensors = self.classifier.to_state()
        save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": "np", "model": self.name})
        (folder / VOCABULARY_FILE).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        self.config.save(folder)
        if card is not None:
            (folder / "README.md").write_text(card, encoding="utf-8")
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | Path | None = None) -> "KoteEmotionModel":
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        folder = Path(folder or cls.default_folder)
        missing = [f for f in (ENGINE_CONFIG, VOCABULARY_FILE, WEIGHTS_FILE) if not (folder / f).is_file()]
        if missing:
            raise ModelLoadError(f"{folder} is not a saved {cls.default_folder.name} model: {', '.join(missing)} "
                                 f"missing. Train one with `python -m {cls.trainer} --output DIR`.")
        config = KoteModelConfig.load(folder)
        try:
            vocab = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
            tensors = load_file(str(folder / WEIGHTS_FILE))
        except (json.JSONDecodeError, SafetensorError, OSError) as e:
            raise ModelLoadError(f"{folder}: the vocabulary or weights cannot be read ({e}); retrain the model.") from None
        missing = [k for k in ("weight", "bias", "group_weight", "group_bias") if k not in tensors]
        if missing:
            raise ModelLoadError(f"{folder / WEIGHTS_FILE} lacks {', '.join(missing)}; retrain the model.")
        classifier = KoteClassifier.from_state(vocab, tensors, len(config.labels), len(config.groups),
                                               **config.classifier_params())
        model = cls(config, classifier)
        model.source = str(folder)  # where it was loaded from (song datasets record its content hash)
        return model


def _log_odds(p: np.ndarray) -> np.ndarray:
    return logit(np.clip(p, 1e-6, 1 - 1e-6))


@lru_cache(maxsize=1)
def load_default_model() -> KoteEmotionModel:
    """The committed model in ``hub/data/gasa-korean-kote`` (the app's offline default)."""
    return KoteEmotionModel.from_pretrained(DATA_DIR)


# --- the English model ------------------------------------------------------------------------------

ENGLISH_MODEL_NAME = "gasa-english-goemotions"
ENGLISH_KIND = "english-linear"
ENGLISH_DATA_DIR = Path(__file__).parent / "data" / ENGLISH_MODEL_NAME


class EnglishEmotionModel(KoteEmotionModel):
    """gasa-english-goemotions: the same linear model over English text, learned from GoEmotions (28 labels).

    Its views are TF-IDF of English words (unigrams and bigrams) and of character n-grams; no Kiwi. Its
    group heads estimate KOTE's groups (GoEmotions labels seen through :data:`hub.labels.GOEMOTIONS_TO_KOTE`),
    and its config's ``kote_calibration`` puts its readings on the Korean model's scale, so that
    :class:`hub.models.bilingual.BilingualModel` reads a song's English lines into the same vector as its
    Korean ones. ``python -m training.train_english_goemotions`` trains it.
    """

    language = None  # alone, it reads every line (GoEmotions' comments hold emoji-only rows); beside the Korean
    # model, BilingualModel gives it the English lines
    uses_kiwi = False
    label_set = "goemotions"
    default_folder = ENGLISH_DATA_DIR
    trainer = "training.train_english_goemotions"


@lru_cache(maxsize=1)
def load_english_model() -> EnglishEmotionModel:
    """The committed English model in ``hub/data/gasa-english-goemotions`` (read beside the Korean default)."""
    return EnglishEmotionModel.from_pretrained(ENGLISH_DATA_DIR)
