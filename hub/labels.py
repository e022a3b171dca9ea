"""Emotion taxonomies and label-similarity matrices.

One place for every label table the product uses:

* ``AIHUB`` - the 60 labels of AI-Hub 감성대화말뭉치 in E-code order (index = code - 10),
  in six groups of ten. This is also the id2label order of ``hun3359/klue-bert-base-sentiment``.
* ``GOEMOTIONS`` - the 28 GoEmotions labels (27 emotions + neutral) in id order, grouped by the
  sentiment grouping of the GoEmotions paper (positive / negative / ambiguous / neutral).
* ``KOTE`` - the 44 labels of KOTE (Korean Online That-gul Emotions, Jeon et al. 2022, MIT) in
  KOTE's id order, multi-label. KOTE and AI-Hub share meaning at the level of groups, not labels:
  ``KOTE_TO_AIHUB_GROUP`` puts each KOTE label with a counterpart into one of the six AI-Hub groups,
  and the labels without one into ``기타`` (other). This is the one written-down map between the two.
* ``BREAKUP`` - the four emotions of the breakup-lyric classifier.

Multi-label taxonomies (KOTE, GoEmotions) are scored by independent sigmoids: a group's score is the
probability of its strongest label (``max``), not a sum, because their outputs do not sum to 1.

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
NOT_LYRICS = ("lyrics use metaphor, repetition and register that the model never saw labelled. Read the per-song "
              "distribution as \"which emotions the words lean towards\", not as a judgement of the song.")


@dataclass(frozen=True)
class Taxonomy:
    """An ordered label set with a group per label."""

    name: str
    labels: tuple[str, ...]
    groups: tuple[str, ...]
    codes: tuple[str, ...] = ()
    group_names_en: dict[str, str] = field(default_factory=dict)
    names_en: tuple[str, ...] = ()
    multi_label: bool = False
    no_emotion: str | None = None  # the label meaning "no emotion" (KOTE 없음, GoEmotions neutral)
    other_group: str | None = None  # the group of labels with no counterpart in the shared groups
    group_sequence: tuple[str, ...] = ()  # display order of the groups (default: first appearance)
    # What the rest of gasa needs to know about a label set, kept here so that a new one is added in
    # one place: the language its models read (``"ko"``: the Korean lines of a song only; see
    # hub.text.language), and what a model card and the evaluation tab say of it.
    language: str | None = None
    title: str = ""  # a short name for menus ("KOTE 44 labels (multi-label)")
    description: str = ""  # the label set, for a model card's summary
    data: str = ""  # the data such labels come with, for a card's "Training data"
    datasets: tuple[str, ...] = ()  # Hub data set ids for a card's metadata
    limitations: str = ""  # a card's "Limitations" of a model trained on it
    demo_set: str | None = None  # file name of a built-in labelled demo set under hub/data/demo

    def __post_init__(self):
        if len(self.labels) != len(self.groups):
            raise ValueError(f"{self.name}: {len(self.labels)} labels but {len(self.groups)} groups")
        if self.group_sequence and sorted(self.group_sequence) != sorted(set(self.groups)):
            raise ValueError(f"{self.name}: group_sequence must list each group once")
        if self.names_en and len(self.names_en) != len(self.labels):
            raise ValueError(f"{self.name}: {len(self.labels)} labels but {len(self.names_en)} English names")
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
        return list(self.group_sequence or dict.fromkeys(self.groups))

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

    @property
    def shared_groups(self) -> list[str]:
        """The groups that carry a meaning shared across taxonomies (all but ``other_group``)."""
        return [g for g in self.group_order if g != self.other_group]

    def label_en(self, label: str | int) -> str:
        """The English name of a label (the label itself when none is recorded)."""
        i = self.index(label)
        return self.names_en[i] if self.names_en else self.labels[i]

    def group_score_matrix(self, probs: np.ndarray, groups: list[str] | None = None) -> np.ndarray:
        """(n, labels) -> (n, groups) group scores: the summed probability of a distribution
        (single-label), the strongest label's probability (multi-label)."""
        probs = np.atleast_2d(np.asarray(probs, dtype=float))
        members = np.array(self.groups)
        reduce = np.max if self.multi_label else np.sum
        return np.stack([reduce(probs[:, members == g], axis=1) for g in (groups or self.group_order)], axis=1)

    def group_probabilities(self, probs: np.ndarray) -> dict[str, float]:
        """One text's group scores (see :meth:`group_score_matrix`), in group order."""
        return dict(zip(self.group_order, self.group_score_matrix(probs)[0].tolist()))


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
    language="ko",
    title="AI-Hub 60 labels",
    description="AI-Hub 감성대화말뭉치, E10-E69, six groups",
    data="AI-Hub 감성대화말뭉치: the person's sentences (HS01-HS03) of each dialogue, labelled with the "
         "dialogue's emotion type (E-code).",
    limitations="The training sentences are conversational Korean, not lyrics: " + NOT_LYRICS,
    demo_set="labelled_demo.csv",
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
    multi_label=True,
    no_emotion="neutral",
    groups=tuple(next(g for g, members in _GOEMOTIONS_SENTIMENT.items() if label in members)
                 for label in _GOEMOTIONS_LABELS),
    language="en",
    title="GoEmotions 28 labels",
    description="GoEmotions, 27 emotions + neutral, multi-label",
    data="GoEmotions rows (Reddit comments), each with one or more labels.",
    datasets=("google-research-datasets/go_emotions",),
    limitations="The training sentences are English Reddit comments, not lyrics: " + NOT_LYRICS,
)

# KOTE id order (labels.txt of the data set); English names written for gasa.
_KOTE_LABELS = (
    ("불평/불만", "complaint"), ("환영/호의", "welcome"), ("감동/감탄", "moved, admiring"), ("지긋지긋", "fed up"),
    ("고마움", "gratitude"), ("슬픔", "sadness"), ("화남/분노", "anger"), ("존경", "respect"),
    ("기대감", "anticipation"), ("우쭐댐/무시함", "smug, contemptuous"), ("안타까움/실망", "regret, disappointment"),
    ("비장함", "solemn resolve"), ("의심/불신", "doubt, distrust"), ("뿌듯함", "pride"), ("편안/쾌적", "comfort"),
    ("신기함/관심", "curiosity, interest"), ("아껴주는", "caring"), ("부끄러움", "shame"), ("공포/무서움", "fear"),
    ("절망", "despair"), ("한심함", "pathetic"), ("역겨움/징그러움", "revulsion"), ("짜증", "irritation"),
    ("어이없음", "dumbfounded"), ("없음", "no emotion"), ("패배/자기혐오", "defeat, self-loathing"),
    ("귀찮음", "bother"), ("힘듦/지침", "exhaustion"), ("즐거움/신남", "fun, excitement"), ("깨달음", "realization"),
    ("죄책감", "guilt"), ("증오/혐오", "hatred"), ("흐뭇함(귀여움/예쁨)", "warm delight (cute, pretty)"),
    ("당황/난처", "embarrassment"), ("경악", "shock"), ("부담/안_내킴", "burden, reluctance"),
    ("서러움", "sorrow of the wronged"), ("재미없음", "boredom"), ("불쌍함/연민", "pity, compassion"),
    ("놀람", "surprise"), ("행복", "happiness"), ("불안/걱정", "anxiety, worry"), ("기쁨", "joy"),
    ("안심/신뢰", "relief, trust"),
)
KOTE_OTHER_GROUP = "기타"
# KOTE label -> AI-Hub group where the meaning matches; every other KOTE label is in KOTE_OTHER_GROUP
# (감동/감탄, 존경, 비장함, 깨달음, 없음, 불쌍함/연민, 우쭐댐/무시함, 신기함/관심, 재미없음, 아껴주는,
# 부담/안_내킴, 어이없음: no AI-Hub label means the same).
KOTE_TO_AIHUB_GROUP = {
    "불평/불만": "분노", "화남/분노": "분노", "짜증": "분노", "증오/혐오": "분노", "역겨움/징그러움": "분노",
    "지긋지긋": "분노", "귀찮음": "분노",
    "슬픔": "슬픔", "안타까움/실망": "슬픔", "절망": "슬픔", "서러움": "슬픔",
    "공포/무서움": "불안", "불안/걱정": "불안", "의심/불신": "불안",
    "힘듦/지침": "상처", "경악": "상처",
    "당황/난처": "당황", "부끄러움": "당황", "한심함": "당황", "죄책감": "당황", "패배/자기혐오": "당황",
    "놀람": "당황",
    "기쁨": "기쁨", "행복": "기쁨", "즐거움/신남": "기쁨", "고마움": "기쁨", "안심/신뢰": "기쁨",
    "편안/쾌적": "기쁨", "뿌듯함": "기쁨", "흐뭇함(귀여움/예쁨)": "기쁨", "환영/호의": "기쁨", "기대감": "기쁨",
}
KOTE = Taxonomy(
    name="kote",
    labels=tuple(label for label, _ in _KOTE_LABELS),
    groups=tuple(KOTE_TO_AIHUB_GROUP.get(label, KOTE_OTHER_GROUP) for label, _ in _KOTE_LABELS),
    names_en=tuple(en for _, en in _KOTE_LABELS),
    group_names_en={**AIHUB.group_names_en, KOTE_OTHER_GROUP: "other"},
    multi_label=True,
    no_emotion="없음",
    other_group=KOTE_OTHER_GROUP,
    group_sequence=(*AIHUB.group_order, KOTE_OTHER_GROUP),
    language="ko",
    title="KOTE 44 labels (multi-label)",
    description="KOTE (Korean Online That-gul Emotions), 43 emotions + 없음 (no emotion), multi-label",
    data="[KOTE](https://huggingface.co/datasets/searle-j/kote) — Korean Online That-gul Emotions "
         "(Jeon, Lee & Kim 2022, [arXiv:2205.05300](https://arxiv.org/abs/2205.05300)), MIT license "
         "(Copyright (c) 2022 Jeon Duyoung): 50,000 online comments, each labelled by five raters; a "
         "comment's labels are the union over its raters (about 8 per comment), 44 labels (43 emotions + "
         "없음), multi-label.",
    datasets=("searle-j/kote",),
    limitations="The training sentences are Korean online comments, not lyrics: " + NOT_LYRICS,
    demo_set="labelled_demo_kote.tsv",
)

BREAKUP = Taxonomy(
    name="breakup",
    labels=("슬픔", "부정", "분노", "무관심"),
    groups=("슬픔", "부정", "분노", "무관심"),
    group_names_en={"슬픔": "sadness", "부정": "denial", "분노": "anger", "무관심": "indifference"},
    language="ko",
    description="breakup lyrics: 슬픔, 부정, 분노, 무관심",
    data="Lyric lines labelled with four emotions.",
    limitations="The model knows four emotions of breakup songs only: read its output as which of the four "
                "a lyric leans towards, not as the whole of its emotion.",
)

TAXONOMIES = {t.name: t for t in (AIHUB, KOTE, GOEMOTIONS, BREAKUP)}

# GoEmotions label -> the KOTE labels that mean the same: the one written-down map from English readings
# into the Korean label space, so one song gets one vector whichever language a stanza is in
# (hub.models.bilingual). Why each entry:
# * direct counterparts: anger, fear, gratitude, sadness, joy, surprise, realization, remorse (guilt),
#   nervousness (anxiety), caring, curiosity, disappointment, pride, neutral (없음);
# * one GoEmotions label, two KOTE shades: admiration (moved + respect), annoyance (irritation + complaint),
#   disgust (revulsion + hatred), embarrassment (shame + awkwardness), grief (sadness + despair),
#   relief (relief/trust + comfort), joy (joy + happiness), excitement (fun + anticipation);
# * love: KOTE has no "love"; what people label in a loving Korean comment is caring, happiness and warm
#   delight, so love goes there; desire and optimism are anticipation (기대감), approval is welcome/goodwill.
# KOTE labels without a GoEmotions counterpart (지긋지긋, 우쭐댐/무시함, 비장함, 한심함, 어이없음, 패배/자기혐오,
# 귀찮음, 힘듦/지침, 부담/안_내킴, 서러움, 재미없음, 불쌍함/연민) are read from the English model's estimate of their
# group instead (see kote_sources).
GOEMOTIONS_TO_KOTE = {
    "admiration": ("감동/감탄", "존경"), "amusement": ("즐거움/신남",), "anger": ("화남/분노",),
    "annoyance": ("짜증", "불평/불만"), "approval": ("환영/호의",), "caring": ("아껴주는",),
    "confusion": ("당황/난처", "의심/불신"), "curiosity": ("신기함/관심",), "desire": ("기대감",),
    "disappointment": ("안타까움/실망",), "disapproval": ("불평/불만",), "disgust": ("역겨움/징그러움", "증오/혐오"),
    "embarrassment": ("부끄러움", "당황/난처"), "excitement": ("즐거움/신남", "기대감"), "fear": ("공포/무서움",),
    "gratitude": ("고마움",), "grief": ("슬픔", "절망"), "joy": ("기쁨", "행복"),
    "love": ("아껴주는", "행복", "흐뭇함(귀여움/예쁨)"), "nervousness": ("불안/걱정",), "optimism": ("기대감",),
    "pride": ("뿌듯함",), "realization": ("깨달음",), "relief": ("안심/신뢰", "편안/쾌적"), "remorse": ("죄책감",),
    "sadness": ("슬픔",), "surprise": ("놀람", "경악"), "neutral": ("없음",),
}


def kote_sources() -> np.ndarray:
    """The map as a ``(GoEmotions labels, KOTE labels)`` 0/1 matrix (rows in GoEmotions id order)."""
    out = np.zeros((len(GOEMOTIONS), len(KOTE)), dtype=np.float32)
    for label, targets in GOEMOTIONS_TO_KOTE.items():
        for target in targets:
            out[GOEMOTIONS.index(label), KOTE.index(target)] = 1
    return out


def goemotions_in_kote(probs: np.ndarray) -> np.ndarray:
    """GoEmotions probabilities (or 0/1 labels) ``(n, 28)`` -> KOTE ``(n, 44)`` through :data:`GOEMOTIONS_TO_KOTE`:
    each KOTE label takes its strongest source (independent sigmoids: the max, as groups do); a KOTE label
    without a source is NaN, for the caller to fill."""
    probs = np.atleast_2d(np.asarray(probs, dtype=np.float32))
    sources = kote_sources().astype(bool)
    out = np.full((len(probs), len(KOTE)), np.nan, dtype=np.float32)
    for k in np.flatnonzero(sources.any(axis=0)):
        out[:, k] = probs[:, sources[:, k]].max(axis=1)
    return out


def kote_in_goemotions(targets: np.ndarray) -> np.ndarray:
    """KOTE 0/1 labels ``(n, 44)`` -> GoEmotions 0/1 labels ``(n, 28)``: the map read backwards (a GoEmotions label is
    given when one of the KOTE labels it maps to is), for lyric stanzas labelled in KOTE read by an English model."""
    return (np.asarray(targets, dtype=np.float32) @ kote_sources().T > 0).astype(np.float32)


def kote_group_targets(targets: np.ndarray, label_set: str = "kote") -> np.ndarray:
    """One 0/1 column per KOTE group (``KOTE.group_order``): 1 when people named a label of that group, for
    KOTE labels or (``label_set="goemotions"``) GoEmotions labels seen through :data:`GOEMOTIONS_TO_KOTE`."""
    targets = np.asarray(targets)
    if label_set == "goemotions":
        targets = np.nan_to_num(goemotions_in_kote(targets))
    elif label_set != "kote":
        raise ValueError(f"group targets in KOTE's groups need KOTE or GoEmotions labels, not {label_set!r}")
    return (KOTE.group_score_matrix(targets) > 0.5).astype(np.float32)


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
