"""Emotion taxonomies and label-similarity matrices.

One place for every label table the product uses:

* ``AIHUB`` - the 60 labels of AI-Hub 감성대화말뭉치 in E-code order (index = code - 10),
  in six groups of ten. This is also the id2label order of ``hun3359/klue-bert-base-sentiment``.
* ``GOEMOTIONS`` - the 28 GoEmotions labels (27 emotions + neutral) in id order, grouped by the
  sentiment grouping of the GoEmotions paper (positive / negative / ambiguous / neutral).
* ``BREAKUP`` - the four emotions of the breakup-lyric classifier.

Similarity matrices ``S`` (rows: true label, columns: predicted label) feed the
similarity-weighted score in :mod:`hub.metrics`:

* ``identity``: ``S = I``; the score is then the mean probability of the true label.
* ``taxonomy``: 1 on the diagonal, ``SAME_GROUP_SIMILARITY`` (0.5) between two labels of the same
  group, 0 between labels of different groups.
* ``embedding``: cosine similarity of label-name embeddings from a given encoder, negative values
  clipped to 0 and the diagonal set to 1.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SAME_GROUP_SIMILARITY = 0.5


@dataclass(frozen=True)
class Taxonomy:
    """An ordered label set with a group per label."""

    name: str
    labels: tuple[str, ...]
    groups: tuple[str, ...]
    codes: tuple[str, ...] = ()
    group_names_en: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.labels) != len(self.groups):
            raise ValueError(f"{self.name}: {len(self.labels)} labels but {len(self.groups)} groups")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"{self.name}: label names must be unique")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    @property
    def label2id(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    @property
    def group_order(self) -> list[str]:
        return list(dict.fromkeys(self.groups))

    def index(self, label: str | int) -> int:
        """Index of a label given as a name, an E-code (``E18``), or an integer id."""
        if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
            if 0 <= int(label) < len(self.labels):
                return int(label)
            raise KeyError(f"label id {label} is outside 0-{len(self.labels) - 1} for {self.name}")
        text = str(label).strip()
        if text in self.label2id:
            return self.label2id[text]
        if self.codes and text.upper() in self.codes:
            return self.codes.index(text.upper())
        if text.isdigit():
            return self.index(int(text))
        raise KeyError(
            f"unknown {self.name} label {text!r}: expected one of the {len(self.labels)} names"
            + (f" or an E-code {self.codes[0]}-{self.codes[-1]}" if self.codes else "")
            + f" or an id 0-{len(self.labels) - 1}"
        )

    def group_of(self, label: str | int) -> str:
        return self.groups[self.index(label)]

    def group_probabilities(self, probs: np.ndarray) -> dict[str, float]:
        """Sum a distribution over labels into one over groups (in group order)."""
        probs = np.asarray(probs, dtype=float)
        out = dict.fromkeys(self.group_order, 0.0)
        for p, g in zip(probs, self.groups):
            out[g] += float(p)
        return out


_AIHUB_TABLE = {
    "분노": ["분노", "툴툴대는", "좌절한", "짜증내는", "방어적인", "악의적인", "안달하는", "구역질 나는",
           "노여워하는", "성가신"],
    "슬픔": ["슬픔", "실망한", "비통한", "후회되는", "우울한", "마비된", "염세적인", "눈물이 나는", "낙담한",
           "환멸을 느끼는"],
    "불안": ["불안", "두려운", "스트레스 받는", "취약한", "혼란스러운", "당혹스러운", "회의적인", "걱정스러운",
           "조심스러운", "초조한"],
    "상처": ["상처", "질투하는", "배신당한", "고립된", "충격 받은", "가난한, 불우한", "희생된", "억울한",
           "괴로워하는", "버려진"],
    "당황": ["당황", "고립된(당황한)", "남의 시선을 의식하는", "외로운", "열등감", "죄책감의", "부끄러운",
           "혐오스러운", "한심한", "혼란스러운(당황한)"],
    "기쁨": ["기쁨", "감사하는", "신뢰하는", "편안한", "만족스러운", "흥분", "느긋", "안도", "신이 난", "자신하는"],
}

AIHUB = Taxonomy(
    name="aihub",
    labels=tuple(label for labels in _AIHUB_TABLE.values() for label in labels),
    groups=tuple(group for group, labels in _AIHUB_TABLE.items() for _ in labels),
    codes=tuple(f"E{10 + i}" for i in range(60)),
    group_names_en={"분노": "anger", "슬픔": "sadness", "불안": "anxiety", "상처": "hurt",
                    "당황": "embarrassment", "기쁨": "joy"},
)

_GOEMOTIONS_LABELS = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity",
    "desire", "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear",
    "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
    "remorse", "sadness", "surprise", "neutral",
)
_GOEMOTIONS_SENTIMENT = {
    "positive": {"admiration", "amusement", "approval", "caring", "desire", "excitement", "gratitude",
                 "joy", "love", "optimism", "pride", "relief"},
    "negative": {"anger", "annoyance", "disappointment", "disapproval", "disgust", "embarrassment",
                 "fear", "grief", "nervousness", "remorse", "sadness"},
    "ambiguous": {"confusion", "curiosity", "realization", "surprise"},
    "neutral": {"neutral"},
}
GOEMOTIONS = Taxonomy(
    name="goemotions",
    labels=_GOEMOTIONS_LABELS,
    groups=tuple(next(g for g, members in _GOEMOTIONS_SENTIMENT.items() if label in members)
                 for label in _GOEMOTIONS_LABELS),
)

BREAKUP = Taxonomy(
    name="breakup",
    labels=("슬픔", "부정", "분노", "무관심"),
    groups=("슬픔", "부정", "분노", "무관심"),
    group_names_en={"슬픔": "sadness", "부정": "denial", "분노": "anger", "무관심": "indifference"},
)

TAXONOMIES = {t.name: t for t in (AIHUB, GOEMOTIONS, BREAKUP)}


def taxonomy_for_labels(labels) -> Taxonomy | None:
    """The known taxonomy whose label names are exactly ``labels`` (in order), if any."""
    labels = tuple(labels)
    for taxonomy in TAXONOMIES.values():
        if taxonomy.labels == labels:
            return taxonomy
    return None


# --- label-similarity matrices -------------------------------------------------------------

SIMILARITY_KINDS = ("identity", "taxonomy", "embedding")


def identity_similarity(num_labels: int) -> np.ndarray:
    return np.eye(num_labels)


def taxonomy_similarity(taxonomy: Taxonomy, same_group: float = SAME_GROUP_SIMILARITY) -> np.ndarray:
    """1 on the diagonal, ``same_group`` within a group, 0 across groups."""
    groups = np.array(taxonomy.groups)
    s = np.where(groups[:, None] == groups[None, :], same_group, 0.0)
    np.fill_diagonal(s, 1.0)
    return s


def mean_pooled(encoder, tokenizer, texts, batch_size: int = 32, max_length: int | None = None,
                progress: bool = False):
    """Mean of ``encoder``'s last hidden states over the real (unpadded) tokens of each text, as a tensor."""
    import torch
    from tqdm.auto import tqdm

    encoder.eval()
    vectors = []
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch_size), desc="embeddings", unit="batch", disable=not progress):
            batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=max_length is not None,
                              max_length=max_length, return_tensors="pt")
            batch = {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            vectors.append((hidden * mask).sum(1) / mask.sum(1))
    return torch.cat(vectors)


def embedding_similarity(label_names, model, tokenizer, batch_size: int = 32) -> np.ndarray:
    """Cosine similarity of label-name embeddings (mean-pooled last hidden states of ``model``).

    ``model`` is any transformers encoder (or a model exposing one as ``.encoder``/``base_model``).
    Negative similarities are clipped to 0 so that the score never rewards a wrong label
    negatively, and the diagonal is 1.
    """
    import torch

    encoder = getattr(model, "encoder", None) or getattr(model, "base_model", model)
    v = torch.nn.functional.normalize(mean_pooled(encoder, tokenizer, label_names, batch_size), dim=-1).float().numpy()
    s = np.clip(v @ v.T, 0.0, 1.0)
    np.fill_diagonal(s, 1.0)
    return s


def similarity_matrix(kind: str, taxonomy: Taxonomy, model=None, tokenizer=None) -> np.ndarray:
    """Build the S matrix named ``kind`` for ``taxonomy``."""
    if kind == "identity":
        return identity_similarity(len(taxonomy))
    if kind == "taxonomy":
        return taxonomy_similarity(taxonomy)
    if kind == "embedding":
        if model is None or tokenizer is None:
            raise ValueError("the 'embedding' similarity needs a model and its tokenizer to embed label names")
        return embedding_similarity(taxonomy.labels, model, tokenizer)
    raise ValueError(f"unknown similarity {kind!r}: choose one of {', '.join(SIMILARITY_KINDS)}")
