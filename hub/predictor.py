"""Emotion prediction for whole songs: cleaning, windowing of long lyrics, batching, combining.

Every emotion model of the product sits behind :class:`EmotionPredictor`:

* :class:`TransformerEmotionPredictor` wraps any ``AutoModelForSequenceClassification`` (the gasa
  heads loaded with ``trust_remote_code``, or a plain Hub classifier such as
  ``hun3359/klue-bert-base-sentiment`` or ``SamLowe/roberta-base-go_emotions``).
* other engines (e.g. the offline Korean dictionary engine) implement ``predict_texts``.

How a song becomes one distribution: texts longer than the encoder's window are cut into windows
at line breaks, each token read once (see :meth:`TransformerEmotionPredictor.windows`); windows of
all songs in a call are sorted by length and grouped into batches that waste almost nothing on
padding (see :func:`plan_batches`), run several at a time (``streams``); each window gets a softmax
(single-label) or sigmoid (multi-label) distribution; a song's distribution is the mean of its
windows' distributions weighted by each window's token count, so a short tail window counts less
than a full one.

The emotion arc: :meth:`EmotionPredictor.analyze` also scores each stanza (blocks separated by
blank lines; lyrics without blank lines are grouped into blocks of ``lines_per_block`` lines),
giving one distribution per stanza in order.

What a model reads: a Korean model (``language == "ko"``) reads the lines that hold Hangul and
leaves the others out (an English stanza, a Japanese line); :func:`readable_part` gives that part
and the share of the song's letters it holds, which the page and the song dataset report. A song
with nothing to read gets a per-song status instead of a vector (:meth:`EmotionPredictor.read_songs`),
never an exception that stops a whole catalog.

No evidence: :meth:`EmotionPredictor.has_evidence` says, per text, whether the model found any
emotional evidence (a dictionary word; a label other than "no emotion" reaching its threshold).
A text without it is reported as such rather than as a confident first label.
"""
from __future__ import annotations

import bisect
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hub.korean_text import HANGUL_SYLLABLE
from hub.sources import source_problem

MAX_LYRICS_CHARS = 30_000  # about ten times a long song; beyond this the input is not lyrics
KOREAN_TAXONOMIES = ("aihub", "kote")  # label sets learned from Korean text: their models read Korean lines


class LyricsError(ValueError):
    """Lyrics the predictor cannot use; the message says what to do."""


class ModelLoadError(RuntimeError):
    """A model folder or id that cannot be loaded; the message names it and the problem."""


# --- cleaning and segmentation ------------------------------------------------------------

_SECTION_TAG = re.compile(r"^\s*[\[(](?:verse|chorus|hook|bridge|intro|outro|pre-chorus|rap|x\d+|\d+x)[^\])]*[\])]\s*$",
                          re.IGNORECASE)
# Letters (any script), digits, whitespace and ordinary sentence punctuation survive; emoji,
# decorative symbols and control characters do not.
_KEEP = re.compile(r"[^\w\s.,!?'\"~\-:;()…]", re.UNICODE)


def clean_lyrics(text: str) -> str:
    """Normalize lyrics: NFC, drop section tags ([Chorus]) and special symbols, one blank line max."""
    if not isinstance(text, str):
        raise LyricsError(f"lyrics must be text, got {type(text).__name__}")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        if _SECTION_TAG.match(line):
            continue
        line = _KEEP.sub(" ", line.replace("_", " "))
        lines.append(re.sub(r"[ \t\u3000]+", " ", line).strip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def check_lyrics(text: str, max_chars: int = MAX_LYRICS_CHARS) -> str:
    """Clean ``text`` and reject what cannot be analyzed, with a message saying why."""
    if isinstance(text, str) and len(text) > max_chars:
        raise LyricsError(
            f"the lyrics are {len(text):,} characters long; the limit is {max_chars:,} "
            "(about ten long songs). Paste one song at a time."
        )
    cleaned = clean_lyrics(text)
    if not re.search(r"\w", cleaned):
        raise LyricsError("the lyrics are empty (or only symbols) after cleaning: paste the song's text.")
    return cleaned


LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def readable_part(text: str, language: str | None) -> tuple[str, float]:
    """The part of cleaned lyrics a model for ``language`` reads, and its share of the song's letters.

    ``"ko"``: the lines that hold a Hangul syllable (blank lines between them kept as stanza
    breaks); any other language (or ``None``): the whole text.
    """
    if language != "ko":
        return text, 1.0
    kept = [line if HANGUL_SYLLABLE.search(line) or not line.strip() else "" for line in text.split("\n")]
    part = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    total = len(LETTER.findall(text))
    return part, (len(LETTER.findall(part)) / total if total else 0.0)


def split_stanzas(text: str, lines_per_block: int = 4) -> list[str]:
    """Stanzas of cleaned lyrics: blocks separated by blank lines, else blocks of a few lines."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    if len(blocks) == 1:
        lines = [line for line in blocks[0].split("\n") if line.strip()]
        blocks = ["\n".join(lines[i:i + lines_per_block]) for i in range(0, len(lines), lines_per_block)]
    return blocks


# --- results --------------------------------------------------------------------------------

@dataclass
class LyricsAnalysis:
    """Emotion of one song: the song-level distribution and the per-stanza arc.

    ``segment_probs`` has one row per stanza; a stanza the model does not read (no Korean for a
    Korean model) is a row of NaN. ``groups`` names the emotion groups of ``group_scores`` (song)
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

    def top_group(self) -> str | None:
        """The emotion group with the highest score, among the groups that name an emotion."""
        if self.groups is None:
            return None
        ranked = [g for _, g in sorted(zip(-np.asarray(self.group_scores), self.groups), key=lambda t: t[0])]
        return next(g for g in ranked if g != self.other_group)

    def top(self, k: int = 10) -> list[tuple[str, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(self.labels[i], float(self.probs[i])) for i in order]


# Per-song statuses of a catalog build: scored songs are "ok" or "no_evidence"; the others are
# left out of the vectors with their reason (see training.build_song_vectors).
SCORED_STATUSES = ("ok", "no_evidence")


@dataclass
class SongReading:
    """What a model made of one song: its vector (None when skipped), status, read share and why."""

    probs: np.ndarray | None
    status: str
    read_share: float = 0.0
    message: str = ""
    group_scores: np.ndarray | None = None  # per group of :meth:`EmotionPredictor.group_names`

    @property
    def scored(self) -> bool:
        return self.status in SCORED_STATUSES


# --- predictors ------------------------------------------------------------------------------

class EmotionPredictor:
    """Interface shared by all emotion models: distributions over ``labels`` for texts.

    Attributes:
        labels: label names, in output order.
        multi_label: independent sigmoids (True) or one distribution (False).
        language: ``"ko"`` for a model that reads Korean only (it is given the Korean lines), or
            None for one that reads any text.
        thresholds: per-label decision thresholds of a multi-label model (None: 0.5 each).
        name: what to call it in messages and reports.
    """

    labels: list[str]
    multi_label: bool = False
    language: str | None = None
    thresholds: np.ndarray | None = None
    name: str = ""

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """One distribution per (already cleaned) text, shape (len(texts), len(labels))."""
        raise NotImplementedError

    def predict_with_groups(self, texts: list[str], progress: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Label probabilities and, when the labels have groups, one score per group (columns in the
        order of :meth:`group_names`): by default the taxonomy's rule over the labels
        (:meth:`hub.labels.Taxonomy.group_score_matrix`); a model may estimate them itself."""
        probs = self.predict_texts(texts, progress=progress)
        taxonomy = self.taxonomy()
        return probs, None if taxonomy is None else taxonomy.group_score_matrix(probs)

    def taxonomy(self):
        from hub.labels import taxonomy_for_labels

        return taxonomy_for_labels(self.labels)

    def group_names(self) -> list[str] | None:
        taxonomy = self.taxonomy()
        return None if taxonomy is None else taxonomy.group_order

    def has_evidence(self, probs: np.ndarray) -> np.ndarray:
        """Per row of ``probs``: did the model find emotional evidence? A single-label model always
        commits to a label; a multi-label one needs a label other than "no emotion" at or above
        its threshold."""
        probs = np.atleast_2d(probs)
        if not self.multi_label:
            return np.ones(len(probs), dtype=bool)
        passed = probs >= (0.5 if self.thresholds is None else np.asarray(self.thresholds))
        taxonomy = self.taxonomy()
        if taxonomy is not None and taxonomy.no_emotion is not None:
            passed[:, taxonomy.index(taxonomy.no_emotion)] = False
        return passed.any(axis=1)

    def readable(self, lyrics: str) -> tuple[str, float]:
        """Clean and check ``lyrics``; the part this model reads and its share (see :func:`readable_part`).
        Raises :class:`LyricsError` when nothing is left to read."""
        return self._readable_part(check_lyrics(lyrics))

    def _readable_part(self, text: str) -> tuple[str, float]:
        part, share = readable_part(text, self.language)
        if not part:
            raise LyricsError(f"these lyrics have no Korean line, and {self.name or 'this model'} reads Korean only: "
                              "use an English model for English lyrics.")
        return part, share

    def predict(self, lyrics: list[str], progress: bool = False) -> np.ndarray:
        """Song-level distributions for raw lyrics (cleaned, checked and cut to what the model reads)."""
        return self.predict_texts([self.readable(t)[0] for t in lyrics], progress=progress)

    def read_songs(self, lyrics: list[str], progress: bool = False) -> list[SongReading]:
        """One :class:`SongReading` per song: the songs that can be read are scored in one batch, the
        others get a status (``unusable_lyrics``, ``no_korean``) and a message; nothing raises."""
        readings: list[SongReading | None] = []
        parts, owners = [], []
        for i, text in enumerate(lyrics):
            try:
                cleaned = check_lyrics(text if isinstance(text, str) else "")
            except LyricsError as e:
                readings.append(SongReading(None, "unusable_lyrics", 0.0, str(e)))
                continue
            part, share = readable_part(cleaned, self.language)
            if not part:
                readings.append(SongReading(None, "no_korean", 0.0, "no line with Korean (Hangul) to read"))
                continue
            readings.append(None)
            parts.append(part)
            owners.append((i, share))
        if parts:
            probs, groups = self.predict_with_groups(parts, progress=progress)
            evidence = self.has_evidence(probs)
            for k, ((i, share), found) in enumerate(zip(owners, evidence)):
                readings[i] = SongReading(probs[k], "ok" if found else "no_evidence", share,
                                          "" if found else "the model found no emotional evidence in the lyrics",
                                          None if groups is None else groups[k])
        return readings

    def analyze(self, lyrics: str, lines_per_block: int = 4) -> LyricsAnalysis:
        """Song distribution plus one distribution per stanza (the emotion arc), read as :meth:`readable`
        says; stanzas the model does not read get NaN rows."""
        text = check_lyrics(lyrics)
        part, share = self._readable_part(text)
        segments = split_stanzas(text, lines_per_block)
        read = [readable_part(seg, self.language)[0] for seg in segments]
        probs, groups = self.predict_with_groups([part] + [r for r in read if r])
        rows = [i for i, r in enumerate(read) if r]

        def per_stanza(scores):  # NaN rows for the stanzas the model does not read
            out = np.full((len(segments), scores.shape[1]), np.nan, dtype=np.float32)
            out[rows] = scores[1:]
            return out

        return LyricsAnalysis(labels=list(self.labels), probs=probs[0], segments=segments,
                              segment_probs=per_stanza(probs), groups=self.group_names(),
                              group_scores=None if groups is None else groups[0],
                              segment_group_scores=None if groups is None else per_stanza(groups),
                              read_share=share, evidence=bool(self.has_evidence(probs[:1])[0]),
                              other_group=getattr(self.taxonomy(), "other_group", None))


class TransformerEmotionPredictor(EmotionPredictor):
    """Windowed, length-bucketed inference for any sequence-classification model.

    Args:
        model, tokenizer: a ``*ForSequenceClassification`` model and its tokenizer.
        max_length: tokens per window (special tokens included); defaults to the tokenizer's
            limit, at most 512.
        batch_size: ``"auto"`` (default): batches of windows sorted by length, at most
            :data:`AUTO_BATCH_TOKENS` padded tokens and :data:`AUTO_MAX_PADDING` padding each (see
            :func:`plan_batches`); an int: that many windows per forward pass, padded to the longest.
        quantize: ``"int8"``: the encoder's linear layers in int8 (:mod:`hub.int8`: per-token
            activations, per-channel weights, SmoothQuant scaling; VNNI where the CPU has it);
            ``None`` keeps fp32. See README "Benchmarks" for its speed and its agreement with fp32
            on a trained model.
        backend: ``"torch"`` (default) runs the PyTorch model; ``"onnx"`` exports it once to ONNX
            (a temporary file) and runs it with ONNX Runtime on the CPU (fused attention, GELU and
            layer norm). Its int8 is ``onnxruntime.quantization``'s dynamic quantization (per-channel
            weights, one activation scale per batch), which changes more answers than the torch int8.
            ``self.model`` stays the PyTorch model either way.
        streams: how many forward passes run at once, sharing the threads torch uses between them
            (``"auto"``: one stream per thread). On a CPU, one thread per stream keeps each core busy
            on its own window, instead of the cores meeting at the end of every operation of one
            window; see :func:`stream_plan` and README "Benchmarks" for what it gives. The outputs
            do not depend on it.
        verify_margin: with ``quantize="int8"``, texts whose two highest int8 probabilities are
            closer than this are scored again in fp32 (same backend), and get fp32's distribution:
            int8's rounding moves probabilities by up to a few hundredths, so it can only flip the
            top label where the model hesitates. README "Benchmarks" measures the share of songs
            scored twice and the agreement with fp32 it buys (0.02 kept it on 99.8-100 % of songs
            with the torch int8; ONNX Runtime's int8 moves probabilities by up to 0.2, more than
            any useful margin). ``None`` (default): int8 alone.
            ``self.last_verified`` says how many texts the last call scored twice.
    """

    def __init__(self, model, tokenizer, max_length: int | None = None,
                 batch_size: int | str = "auto", quantize: str | None = None, name: str = "",
                 backend: str = "torch", streams: int | str = "auto", verify_margin: float | None = None):
        import torch

        self.tokenizer = tokenizer
        limit = getattr(tokenizer, "model_max_length", 512) or 512
        self.max_length = min(max_length or 512, limit if limit < 100_000 else 512)
        if batch_size != "auto" and not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}")
        self.batch_size = batch_size
        model.eval()
        if quantize not in ("int8", None):
            raise ValueError(f"unknown quantize {quantize!r}: use 'int8' or None")
        if backend not in ("torch", "onnx"):
            raise ValueError(f"unknown backend {backend!r}: use 'torch' or 'onnx'")
        if verify_margin is not None and (quantize is None or not 0 < verify_margin < 1):
            raise ValueError(f"verify_margin={verify_margin!r}: it re-scores int8's close calls in fp32, so it "
                             "needs quantize='int8' and a margin between 0 and 1 (for instance 0.02)")
        self.verify_margin, self.last_verified = verify_margin, 0
        self.verifier = None if verify_margin is None else TransformerEmotionPredictor(
            model, tokenizer, max_length=max_length, batch_size=batch_size, name=name, backend=backend, streams=streams)
        self.streams, self.threads_per_stream = stream_plan(streams, torch.get_num_threads())
        self.session = None
        if backend == "onnx":
            self.session = onnx_session(model, tokenizer, quantize, threads=self.threads_per_stream)
        elif quantize == "int8":
            import copy

            from hub.int8 import quantize_int8

            model = quantize_int8(copy.deepcopy(model), tokenizer)  # the caller's fp32 model stays as it is
        self.model = model
        config = model.config
        self.labels = [config.id2label[i] for i in range(config.num_labels)]
        self.multi_label = config.problem_type == "multi_label_classification"
        self.name = name or getattr(config, "_name_or_path", "") or type(model).__name__
        taxonomy = self.taxonomy()
        self.language = "ko" if taxonomy is not None and taxonomy.name in KOREAN_TAXONOMIES else None
        thresholds = getattr(config, "thresholds", None)  # saved by training.train_classifier (multi-label)
        self.thresholds = np.asarray(thresholds, dtype=float) if thresholds else None

    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs) -> "TransformerEmotionPredictor":
        model, tokenizer = load_model_and_tokenizer(name_or_path)
        return cls(model, tokenizer, name=kwargs.pop("name", str(name_or_path)), **kwargs)

    def windows(self, texts: list[str]):
        """Tokenized windows and, for each, the index of the text it came from.

        A text that fits in ``max_length`` tokens is one window, encoded as the tokenizer (and so
        ``transformers.pipeline``) encodes it. A longer one is cut at line breaks: each window takes
        as many whole lines as fit, a line longer than a window is cut inside it, and every token
        is read exactly once (no window repeats its neighbour's tokens)."""
        if not getattr(self.tokenizer, "is_fast", False):  # no offsets to cut by: the text's first window
            enc = self.tokenizer(texts, truncation=True, max_length=self.max_length)
            return self._rows(enc), list(range(len(texts)))
        tokens = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
        room = self.max_length - self.tokenizer.num_special_tokens_to_add(pair=False)
        pieces, owners = [], []
        for t, (text, offsets) in enumerate(zip(texts, tokens["offset_mapping"])):
            for start, end in line_windows(text, offsets, room):
                pieces.append(text[offsets[start][0]:offsets[end - 1][1]] if (start, end) != (0, len(offsets)) else text)
                owners.append(t)
        return self._rows(self.tokenizer(pieces, truncation=True, max_length=self.max_length)), owners

    @staticmethod
    def _rows(enc) -> list[dict]:
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
        return [{k: enc[k][i] for k in keys} for i in range(len(enc["input_ids"]))]

    def batches(self, lengths) -> list[np.ndarray]:
        """Window indices per forward pass for windows of these token counts (see :func:`plan_batches`)."""
        if self.batch_size == "auto":
            return plan_batches(lengths)
        order = np.argsort([-n for n in lengths], kind="stable")
        return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        from tqdm.auto import tqdm

        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        rows, owners = self.windows(texts)
        batches = self.batches([len(r["input_ids"]) for r in rows])
        window_probs = np.zeros((len(rows), len(self.labels)), dtype=np.float32)
        with tqdm(total=len(batches), desc="windows", unit="batch", disable=not progress) as bar:
            for idx, probs in self._forward_all([[rows[i] for i in idx] for idx in batches], batches):
                window_probs[idx] = probs
                bar.update()
        # windows are made text by text: text t's are those from starts[t] to starts[t + 1]
        starts = np.searchsorted(owners, np.arange(len(texts) + 1))
        probs = mean_per_text(window_probs, [sum(r["attention_mask"]) for r in rows], starts)
        if self.verifier is not None:
            close = np.flatnonzero(top_two_gap(probs) < self.verify_margin)
            self.last_verified = len(close)
            if len(close):
                probs[close] = self.verifier.predict_texts([texts[i] for i in close], progress=progress)
        return probs

    def _forward_all(self, batches: list[list[dict]], keys: list):
        """(key, probabilities) for each batch of tokenized windows, in order, ``self.streams`` at a time."""
        if self.streams == 1 or len(batches) == 1:
            yield from zip(keys, map(self._forward, batches))
            return
        import torch
        from concurrent.futures import ThreadPoolExecutor

        threads = torch.get_num_threads()
        # torch's thread count is set per OS thread: each stream's worker takes its share, and the
        # caller's setting is put back afterwards (torch also remembers the last one set for new threads).
        with ThreadPoolExecutor(self.streams, thread_name_prefix="gasa-stream",
                                initializer=torch.set_num_threads, initargs=(self.threads_per_stream,)) as pool:
            try:
                yield from zip(keys, pool.map(self._forward, batches))
            finally:
                torch.set_num_threads(threads)

    def _forward(self, windows: list[dict]) -> np.ndarray:
        """Label probabilities of one batch of tokenized windows (padded here to the longest)."""
        import torch

        with torch.inference_mode():  # thread-local: set in the thread that runs the model
            if self.session is not None:
                batch = self.tokenizer.pad(windows, return_tensors="np")
                feed = {x.name: batch[x.name].astype(np.int64) for x in self.session.get_inputs()}
                logits = torch.from_numpy(self.session.run(["logits"], feed)[0]).float()
            else:
                logits = self.model(**self.tokenizer.pad(windows, return_tensors="pt")).logits.float()
            probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
        return probs.numpy()


def top_two_gap(probs: np.ndarray) -> np.ndarray:
    """Per row, how far its highest probability is above the second: how decided the model is."""
    top_two = np.sort(probs, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def mean_per_text(scores: np.ndarray, weights, starts) -> np.ndarray:
    """Per text, the ``weights``-weighted mean of its rows of ``scores``, where the rows are laid out
    text by text: text ``i``'s are ``scores[starts[i]:starts[i + 1]]``. (One slice per text: a mask
    over all rows per text makes a call quadratic in its texts, minutes for a large catalog.)"""
    weights = np.asarray(weights, dtype=np.float64)
    out = np.zeros((len(starts) - 1, scores.shape[1]), dtype=np.float32)
    for i, (start, end) in enumerate(zip(starts, starts[1:])):
        out[i] = np.average(scores[start:end], axis=0, weights=weights[start:end])
    return out


def line_windows(text: str, offsets, room: int) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` that cover a text's tokens (character ``offsets`` per token) in
    windows of at most ``room`` tokens, each ending at a line break where one falls inside it."""
    n = len(offsets)
    if n <= room:
        return [(0, n)]
    # a token opens a line when a newline lies between it and the token before it
    opens = [i for i in range(1, n) if "\n" in text[offsets[i - 1][1]:offsets[i][0]]]
    ranges, start = [], 0
    while start < n:
        end = min(start + room, n)
        if end < n:
            k = bisect.bisect_right(opens, end) - 1  # the last line start at or before ``end``
            if k >= 0 and opens[k] > start:
                end = opens[k]
        ranges.append((start, end))
        start = end
    return ranges


def stream_plan(streams: int | str, threads: int) -> tuple[int, int]:
    """(streams, threads per stream) for ``streams`` (``"auto"`` or an int) over ``threads`` threads.

    ``"auto"`` runs one stream per thread: measured on a 2-core AVX-512 CPU (README "Benchmarks"),
    two one-thread streams score more songs/s than one two-thread stream, fp32 and int8 alike."""
    if streams == "auto":
        return max(1, threads), 1
    if not isinstance(streams, int) or isinstance(streams, bool) or streams < 1:
        raise ValueError(f"streams must be 'auto' or a positive int, got {streams!r}")
    return streams, max(1, threads // streams)


# Batching of windows (``batch_size="auto"``), chosen by benchmarks/predict_speed.py --ablation on a
# 2-core AVX-512 CPU with a bert-base-sized encoder (README "Benchmarks"). A window of a few
# hundred tokens already gives the CPU matmuls large enough to run near its peak, so batching buys
# little there, while padding is pure waste and a big padded batch spills the caches (activations of
# 16 x 512 tokens are hundreds of MB). Short windows (stanzas, short songs) still gain from being
# stacked: a batch holds windows whose lengths are within AUTO_MAX_PADDING of its longest, up to
# AUTO_BATCH_TOKENS padded tokens.
AUTO_BATCH_TOKENS = 512
AUTO_MAX_PADDING = 0.05


def plan_batches(lengths, max_tokens: int = AUTO_BATCH_TOKENS, max_padding: float = AUTO_MAX_PADDING) -> list[np.ndarray]:
    """Group windows (token counts ``lengths``) into batches: longest first, each batch at most
    ``max_tokens`` padded tokens (a single longer window gets a batch of its own) and at most a
    ``max_padding`` share of padding."""
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    batches, current, real = [], [], 0
    for i in order:
        if current:
            longest = lengths[current[0]]
            padded = longest * (len(current) + 1)
            if padded > max_tokens or real + lengths[i] < (1 - max_padding) * padded:
                batches.append(np.array(current))
                current, real = [], 0
        current.append(i)
        real += lengths[i]
    if current:
        batches.append(np.array(current))
    return batches


def onnx_session(model, tokenizer, quantize: str | None = None, threads: int | None = None):
    """An ONNX Runtime CPU session computing ``model``'s logits (int8 weights when ``quantize == "int8"``),
    with ``threads`` threads per run (default: as many as torch uses); runs may be made from several
    threads at once. The model is exported with dynamic batch and sequence axes."""
    import copy
    import tempfile

    import torch
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelLoadError("backend='onnx' needs onnxruntime and onnx: pip install -r requirements.txt") from None

    class Logits(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return self.inner(**dict(zip(names, inputs))).logits

    sample = tokenizer(["a"], return_tensors="pt")
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(Logits(copy.deepcopy(model).eval()), tuple(sample[k] for k in names), str(path),
                          input_names=names, output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "tokens"} for k in names})
        if quantize == "int8":
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantized = Path(tmp) / "model.int8.onnx"
            # a scale per output channel of each weight: on a GoEmotions MiniLM it kept the top label of
            # 91 % of songs against 67 % with one scale per weight, at the same speed on bert-base
            quantize_dynamic(str(path), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
            path = quantized
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


# --- loading ---------------------------------------------------------------------------------

def check_model_folder(path: Path) -> dict:
    """Read a local model folder's config and make sure the custom code it names is there."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ModelLoadError(f"{path} has no config.json: it is not a saved model folder.")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelLoadError(f"{config_file} is not valid JSON ({e}).") from None
    for target in (config.get("auto_map") or {}).values():
        targets = target if isinstance(target, (list, tuple)) else [target]
        for ref in targets:
            if not ref or "--" in ref:  # remote references are resolved by transformers
                continue
            module_file = path / (ref.rsplit(".", 1)[0] + ".py")
            if not module_file.is_file():
                raise ModelLoadError(
                    f"{path} names custom code in {module_file.name} (auto_map) but the file is missing. "
                    "Save the model again with save_pretrained from gasa, or copy hub/configuration_gasa.py "
                    "and hub/modeling_gasa.py into the folder."
                )
    return config


def check_model_source(name_or_path) -> None:
    """The checks of a model folder or Hub id that need no loading: a file given for the folder, a path
    that is neither an existing folder nor a Hub id, custom code missing from a saved folder."""
    problem = source_problem(name_or_path, "model", "the folder that holds config.json and the weights")
    if problem:
        raise ModelLoadError(problem)
    path = Path(name_or_path)
    if path.is_dir():
        check_model_folder(path)


def load_model_and_tokenizer(name_or_path: str):
    """Load a sequence classifier and its tokenizer from a folder or Hub id, with clear errors."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    check_model_source(name_or_path)
    path = Path(name_or_path)
    try:
        try:  # the encoder's fused attention (torch's scaled_dot_product_attention) where it has one
            model = AutoModelForSequenceClassification.from_pretrained(str(name_or_path), trust_remote_code=True,
                                                                       attn_implementation="sdpa")
        except ValueError:  # an architecture without SDPA support: its default attention
            model = AutoModelForSequenceClassification.from_pretrained(str(name_or_path), trust_remote_code=True)
        tokenizer = AutoTokenizer.from_pretrained(str(name_or_path), trust_remote_code=True)
    except OSError as e:
        where = "folder" if path.exists() else "Hub id (offline or unknown?)"
        raise ModelLoadError(f"could not load the model {name_or_path!r} as a {where}: {e}") from None
    return model, tokenizer


# Built-in engines by name: "module:function" returning an EmotionPredictor (checked first).
BUILTIN_PREDICTORS = {"gasa-korean-kote": "hub.kote_model:load_default_model",
                      "gasa-korean-engine": "hub.korean_engine:load_default_engine"}
ENGINE_CONFIG = "gasa_engine.json"  # a folder saved by a non-transformer engine: {"engine": "module:Class"}


def is_engine(name_or_path) -> bool:
    """Is this a built-in engine name or a folder saved by an engine (not a transformer model)?"""
    return str(name_or_path) in BUILTIN_PREDICTORS or (Path(name_or_path) / ENGINE_CONFIG).is_file()


def _import(ref: str):
    import importlib

    module, attr = ref.split(":")
    return getattr(importlib.import_module(module), attr)


def load_predictor(name_or_path: str, **kwargs) -> EmotionPredictor:
    """The predictor for a built-in engine name, an engine or model folder, or a Hub id."""
    if str(name_or_path) in BUILTIN_PREDICTORS:
        return _import(BUILTIN_PREDICTORS[str(name_or_path)])(**kwargs)
    engine_config = Path(name_or_path) / ENGINE_CONFIG
    if engine_config.is_file():
        try:
            ref = json.loads(engine_config.read_text(encoding="utf-8"))["engine"]
        except (json.JSONDecodeError, KeyError):
            raise ModelLoadError(f"{engine_config} does not name an engine (expected {{\"engine\": \"module:Class\"}}).") from None
        return _import(ref).from_pretrained(name_or_path, **kwargs)
    return TransformerEmotionPredictor.from_pretrained(name_or_path, **kwargs)
