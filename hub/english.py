"""English lyric tagging with a GoEmotions classifier (28 labels, multi-label).

Works with any multi-label ``AutoModelForSequenceClassification`` whose labels are the GoEmotions
names (in any order; vectors are always returned in :data:`hub.labels.GOEMOTIONS` order), e.g.
``SamLowe/roberta-base-go_emotions``, a model saved by ``training.train_qlora --mode full``, a merged
model (``--merged-output``), or a PEFT adapter saved by ``--mode qlora/lora`` (folder or Hub id).

* cleaning, windowing of long lyrics and the per-song mean come from
  :class:`hub.models.transformer.TransformerEmotionPredictor`;
* ``thresholds.json`` next to the weights (written by the trainer) gives one decision threshold
  per label; without it, ``config.thresholds`` (a plain model from the trainer has both); without
  either, every label uses 0.5;
* :func:`top_tags` gives at most three tags per song: labels whose probability reaches their
  threshold, most probable first; a song where no label passes gets the one closest to its
  threshold (``passed=False``), so every song has a tag;
* :func:`similar_songs` ranks songs by cosine similarity of their 28-d vectors
  (through :class:`hub.recommender.Recommender`, the one place for song similarity).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hub.labels import GOEMOTIONS
from hub.models.base import EmotionPredictor, ModelLoadError
from hub.models.transformer import TransformerEmotionPredictor, load_model_and_tokenizer

THRESHOLDS_FILE = "thresholds.json"
ADAPTER_CONFIG = "adapter_config.json"
TOP_TAGS = 3


def label_kwargs(labels=GOEMOTIONS.labels) -> dict:
    """Config overrides that make a base model a multi-label classifier over ``labels`` (GoEmotions by default)."""
    return {
        "num_labels": len(labels),
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
        "problem_type": "multi_label_classification",
    }


@dataclass(frozen=True)
class Tag:
    label: str
    probability: float
    threshold: float
    passed: bool = True


def _hub_file(name_or_path: str, filename: str) -> Path | None:
    """A file of a local folder or Hub repo, or None when it is not there (or the Hub is out of reach)."""
    path = Path(name_or_path)
    if path.exists():
        return path / filename if (path / filename).is_file() else None
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(str(name_or_path), filename))
    except Exception:  # noqa: BLE001 - missing file, unknown repo or offline: all mean "not there"
        return None


def read_thresholds(name_or_path: str) -> dict | None:
    """The ``thresholds.json`` payload (labels, thresholds, ...) of a model, if it has one."""
    file = _hub_file(name_or_path, THRESHOLDS_FILE)
    if file is None:
        return None
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
        if len(payload["labels"]) != len(payload["thresholds"]):
            raise ValueError("labels and thresholds differ in length")
    except (ValueError, KeyError) as e:
        raise ModelLoadError(f"{file} is not a valid thresholds file ({e}); train the model again or delete it.") from None
    return payload


def load_english_model(name_or_path: str, merge: bool = True):
    """``(model, tokenizer, thresholds or None)`` for a full model or a PEFT adapter (folder or Hub id).

    An adapter is loaded through ``peft.AutoPeftModelForSequenceClassification`` with the label
    set of its ``thresholds.json`` (the base model's own config does not know the 28 labels) and,
    with ``merge``, merged into its base for faster inference.
    """
    from hub.sources import missing_path_message

    missing = missing_path_message(name_or_path, "model")
    if missing:
        raise ModelLoadError(missing)
    payload = read_thresholds(name_or_path)
    if _hub_file(name_or_path, ADAPTER_CONFIG) is not None:
        from peft import AutoPeftModelForSequenceClassification
        from transformers import AutoTokenizer

        labels = payload["labels"] if payload else list(GOEMOTIONS.labels)
        try:
            model = AutoPeftModelForSequenceClassification.from_pretrained(str(name_or_path), **label_kwargs(labels))
            tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
        except (OSError, ValueError, RuntimeError) as e:
            raise ModelLoadError(f"could not load the adapter {name_or_path!r}: {str(e).splitlines()[0]}") from None
        if merge:
            model = model.merge_and_unload()
    else:
        model, tokenizer = load_model_and_tokenizer(str(name_or_path))
    return model, tokenizer, payload


def goemotions_order(labels) -> np.ndarray:
    """Column order that maps a model's labels onto GOEMOTIONS order (error if they are not GoEmotions)."""
    labels = [str(label).strip().lower() for label in labels]
    if sorted(labels) != sorted(GOEMOTIONS.labels):
        raise ModelLoadError(
            f"the model's {len(labels)} labels ({', '.join(labels[:5])}...) are not the 28 GoEmotions labels; "
            "English tagging needs a GoEmotions classifier such as SamLowe/roberta-base-go_emotions."
        )
    return np.array([labels.index(label) for label in GOEMOTIONS.labels])


def top_tags(probs, thresholds=0.5, k: int = TOP_TAGS, labels=GOEMOTIONS.labels) -> list[Tag]:
    """At most ``k`` labels whose probability reaches their threshold, most probable first."""
    probs = np.asarray(probs, dtype=float)
    thresholds = np.broadcast_to(np.asarray(thresholds, dtype=float), probs.shape)
    passed = np.flatnonzero(probs >= thresholds)
    if passed.size:
        order = passed[np.argsort(-probs[passed], kind="stable")][:k]
        return [Tag(labels[j], float(probs[j]), float(thresholds[j])) for j in order]
    j = int(np.argmax(probs / np.maximum(thresholds, 1e-9)))
    return [Tag(labels[j], float(probs[j]), float(thresholds[j]), passed=False)]


class EnglishTagger(EmotionPredictor):
    """GoEmotions vectors and top-3 tags for English lyrics; an :class:`EmotionPredictor` whose
    distributions are always in GOEMOTIONS order, whatever the model's own label order.

    Args:
        predictor: a multi-label predictor whose labels are the GoEmotions names.
        thresholds: per-label thresholds in the predictor's label order (default 0.5 each).
        k: tags per song.
    """

    labels = list(GOEMOTIONS.labels)
    multi_label = True

    def __init__(self, predictor: EmotionPredictor, thresholds=None, k: int = TOP_TAGS):
        if not predictor.multi_label:
            raise ModelLoadError(
                f"{predictor.name or 'the model'} is single-label (softmax); GoEmotions tagging needs "
                "config.problem_type = 'multi_label_classification' (one sigmoid per label).")
        self.predictor = predictor
        self.order = goemotions_order(predictor.labels)
        t = np.full(len(self.order), 0.5) if thresholds is None else np.asarray(thresholds, dtype=float)
        if t.shape != (len(self.order),):
            raise ValueError(f"{t.shape[0] if t.ndim else 1} thresholds for {len(self.order)} labels")
        self.thresholds = t[self.order]
        self.k = k
        self.name = predictor.name

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self.predictor.predict_texts(texts, progress=progress)[:, self.order]

    # the wrapped transformer, for what needs its encoder (such as the 'embedding' label similarity S)
    @property
    def model(self):
        return self.predictor.model

    @property
    def tokenizer(self):
        return self.predictor.tokenizer

    @classmethod
    def from_pretrained(cls, name_or_path: str, k: int = TOP_TAGS, **predictor_kwargs) -> "EnglishTagger":
        model, tokenizer, payload = load_english_model(name_or_path)
        if model.config.problem_type is None and sorted(model.config.id2label.values()) == sorted(GOEMOTIONS.labels):
            model.config.problem_type = "multi_label_classification"  # GoEmotions is multi-label by definition
        predictor = TransformerEmotionPredictor(model, tokenizer, name=str(name_or_path), **predictor_kwargs)
        thresholds = predictor.thresholds  # config.thresholds, in the model's label order (or None)
        if payload:
            by_label = dict(zip(payload["labels"], payload["thresholds"]))
            thresholds = [by_label.get(label, 0.5) for label in predictor.labels]
        return cls(predictor, thresholds, k)

    def vectors(self, lyrics: list[str], progress: bool = False) -> np.ndarray:
        """(n_songs, 28) probabilities in GOEMOTIONS order (lyrics cleaned and windowed)."""
        return self.predict(lyrics, progress=progress)

    def tags_for(self, vectors) -> list[list[Tag]]:
        return [top_tags(v, self.thresholds, self.k, self.labels) for v in np.atleast_2d(vectors)]

    def tag(self, lyrics: list[str], progress: bool = False) -> list[list[Tag]]:
        """Top tags for each song."""
        return self.tags_for(self.vectors(lyrics, progress=progress))


def similar_songs(vectors, songs, song_id, k: int = 10):
    """The ``k`` songs whose 28-d vectors are most cosine-similar to ``song_id``'s (itself excluded).

    ``songs``: song ids, or dicts / a DataFrame with ``song_id, title, artist[, year]``, in vector order.
    Returns a DataFrame with ``song_id, title, artist, year, similarity, top_labels``.
    """
    from hub.recommender import Recommender

    songs = list(songs) if not hasattr(songs, "columns") else songs
    if isinstance(songs, list) and songs and not isinstance(songs[0], dict):
        songs = [{"song_id": str(s), "title": str(s), "artist": ""} for s in songs]
    recommender = Recommender(vectors, songs, GOEMOTIONS.labels, index="exact")
    return recommender.recommend(song_id=song_id, k=k, method="cosine")
