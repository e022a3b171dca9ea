"""Breakup-lyric emotions (슬픔, 부정, 분노, 무관심): CBOW dictionary, weak labels, LSTM, line search.

The recipe (trained by ``python -m training.train_breakup``):

1. lines of lyrics -> content words with :func:`hub.korean_text.content_words_many`;
2. Word2Vec CBOW on those lines; for each emotion, every word whose cosine similarity to one of the
   emotion's seed words is >= 0.5 joins its dictionary (a word near two emotions joins the closer);
3. a line's weak label is the emotion whose dictionary words in the line add up to the most
   similarity (lines with no dictionary word, or a tie, stay unlabelled);
4. :class:`BreakupClassifier`, an LSTM over the first 30 content words of a line, learns those labels.

:class:`LineIndex` recommends at the level of a line: each catalog line gets the classifier's
4-d emotion distribution; a query line is ranked against them by cosine similarity of the
distributions (ties, common with only four emotions, are broken by the cosine of the LSTM's
line representation) and lines of the query's own song are never returned.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from hub.korean_text import content_words_many, split_lines
from hub.labels import BREAKUP
from hub.models.base import ModelLoadError
from hub.text.clean import LyricsError, clean_lyrics

DEFAULT_SEEDS = {
    "슬픔": ["슬프다", "눈물", "울다", "그립다"],
    "부정": ["거짓말", "믿다", "꿈", "설마"],
    "분노": ["밉다", "원망", "화", "나쁘다"],
    "무관심": ["상관없다", "괜찮다", "관심", "무덤덤"],
}
SIMILARITY_THRESHOLD = 0.5
MAX_TOKENS = 30
PAD, UNK = "<pad>", "<unk>"


class BreakupDataError(ValueError):
    """A corpus or dictionary the breakup pipeline cannot use; the message says what to change."""


# --- dictionary and weak labels --------------------------------------------------------------

def seed_tokens(seeds: dict[str, list[str]]) -> dict[str, list[str]]:
    """Seed words as the tokens the corpus uses (슬퍼 -> 슬프다), per emotion."""
    out = {}
    for emotion, words in seeds.items():
        if emotion not in BREAKUP.labels:
            raise BreakupDataError(f"seed emotion {emotion!r} is not one of {', '.join(BREAKUP.labels)}")
        out[emotion] = [t[0] if t else w for w, t in zip(words, content_words_many(words))]
    return out


def build_dictionary(word_vectors, seeds: dict[str, list[str]], threshold: float = SIMILARITY_THRESHOLD) -> dict:
    """Emotion dictionary from trained vectors (gensim ``KeyedVectors``): words with similarity >=
    ``threshold`` to a seed. Raises :class:`BreakupDataError` when an emotion has no seed in the
    vocabulary; seeds missing for other emotions are listed under ``missing_seeds``."""
    seeds = seed_tokens(seeds)
    missing = {e: [s for s in ws if s not in word_vectors.key_to_index] for e, ws in seeds.items()}
    empty = [e for e, ws in seeds.items() if len(missing[e]) == len(ws)]
    if empty:
        raise BreakupDataError(
            "the corpus is too small (or off-topic) for Word2Vec to learn any seed word of "
            + "; ".join(f"{e} (missing: {', '.join(missing[e])})" for e in empty)
            + ". Add lyrics that use these words or pass other seeds with --seeds.")
    vocab = list(word_vectors.index_to_key)
    vocab_vectors = word_vectors[vocab]
    best: dict[str, tuple[str, float, str]] = {}  # word -> (emotion, similarity, seed)
    for emotion, words in seeds.items():
        for seed in (s for s in words if s in word_vectors.key_to_index):
            sims = word_vectors.cosine_similarities(word_vectors[seed], vocab_vectors)
            for word, sim in zip(vocab, sims):
                sim = 1.0 if word == seed else float(sim)
                if sim >= threshold and sim > best.get(word, ("", -1.0, ""))[1]:
                    best[word] = (emotion, sim, seed)
    entries = {e: [] for e in seeds}
    for word, (emotion, sim, seed) in best.items():
        entries[emotion].append({"word": word, "similarity": round(sim, 4), "seed": seed})
    for rows in entries.values():
        rows.sort(key=lambda r: -r["similarity"])
    return {"threshold": threshold, "seeds": seeds, "missing_seeds": {e: m for e, m in missing.items() if m},
            "emotions": entries}


def weak_labels(token_lines, dictionary: dict) -> list[int | None]:
    """For each line, the emotion index its dictionary words point to most, or None (no word or a tie)."""
    lookup = {r["word"]: (BREAKUP.index(e), r["similarity"]) for e, rows in dictionary["emotions"].items() for r in rows}

    def label(tokens) -> int | None:
        scores = np.zeros(len(BREAKUP))
        for t in tokens:
            if t in lookup:
                scores[lookup[t][0]] += lookup[t][1]
        if scores.max() <= 0 or (scores == scores.max()).sum() > 1:
            return None
        return int(scores.argmax())

    return [label(tokens) for tokens in token_lines]


# --- the LSTM -----------------------------------------------------------------------------------

class LineLSTM(nn.Module):
    def __init__(self, vocab_size: int, embedding_dim: int = 100, hidden_size: int = 64, num_labels: int = 4,
                 dropout: float = 0.2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_size, num_labels)

    def represent(self, ids: torch.Tensor) -> torch.Tensor:
        """Line representation: masked mean of the BiLSTM outputs."""
        mask = (ids != 0).unsqueeze(-1).float()
        out, _ = self.lstm(self.embedding(ids))
        return (out * mask).sum(1) / mask.sum(1).clamp(min=1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.represent(ids)))


class BreakupClassifier:
    """Tokenizer (content words, ``max_tokens`` per line) + vocabulary + :class:`LineLSTM`."""

    labels = list(BREAKUP.labels)

    def __init__(self, vocab: list[str], model: LineLSTM | None = None, max_tokens: int = MAX_TOKENS,
                 embedding_dim: int = 100, hidden_size: int = 64):
        if vocab[:2] != [PAD, UNK]:
            vocab = [PAD, UNK] + [w for w in vocab if w not in (PAD, UNK)]
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        self.max_tokens = max_tokens
        self.config = {"max_tokens": max_tokens, "embedding_dim": embedding_dim, "hidden_size": hidden_size,
                       "labels": self.labels, "vocab_size": len(vocab)}
        self.model = model or LineLSTM(len(vocab), embedding_dim, hidden_size, len(self.labels))

    def encode_tokens(self, token_lists: list[list[str]]) -> torch.Tensor:
        ids = torch.zeros((len(token_lists), self.max_tokens), dtype=torch.long)
        for r, tokens in enumerate(token_lists):
            row = [self.index.get(t, 1) for t in tokens[:self.max_tokens]]
            ids[r, :len(row)] = torch.tensor(row, dtype=torch.long)
        return ids

    def tokenize_lines(self, lines: list[str]) -> list[list[str]]:
        """Content words per line; an empty line or one with no Korean content word is an error."""
        for i, line in enumerate(lines):
            if not isinstance(line, str) or not line.strip():
                raise LyricsError(f"line {i} is empty: the breakup classifier needs a lyric line to classify.")
        tokens = content_words_many(lines)
        bad = [i for i, t in enumerate(tokens) if not t]
        if bad:
            i = bad[0]
            raise LyricsError(f"line {i} ({lines[i][:40]!r}) has no Korean content word to classify"
                              + (f" (and {len(bad) - 1} more such lines)" if len(bad) > 1 else "") + ".")
        return tokens

    @torch.inference_mode()
    def _run(self, token_lists, batch_size: int = 256):
        self.model.eval()
        probs, reps = [], []
        for start in range(0, len(token_lists), batch_size):
            ids = self.encode_tokens(token_lists[start:start + batch_size])
            rep = self.model.represent(ids)
            probs.append(torch.softmax(self.model.head(rep), -1))
            reps.append(rep)
        if not probs:
            return np.zeros((0, len(self.labels))), np.zeros((0, 2 * self.config["hidden_size"]))
        return torch.cat(probs).numpy(), torch.cat(reps).numpy()

    def predict_tokens(self, token_lists: list[list[str]]) -> np.ndarray:
        return self._run(token_lists)[0]

    def predict_lines(self, lines: list[str]) -> np.ndarray:
        """(n, 4) emotion distributions over ``hub.labels.BREAKUP`` for lyric lines."""
        return self._run(self.tokenize_lines(list(lines)))[0]

    def save_pretrained(self, folder: str | Path) -> Path:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps({"model_type": "gasa-breakup-lstm", **self.config},
                                                       ensure_ascii=False, indent=1), encoding="utf-8")
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        save_file({k: v.contiguous() for k, v in self.model.state_dict().items()}, str(folder / "model.safetensors"))
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> "BreakupClassifier":
        from safetensors.torch import load_file

        folder = Path(folder)
        needed = [folder / n for n in ("config.json", "vocab.json", "model.safetensors")]
        missing = [p.name for p in needed if not p.is_file()]
        if missing:
            raise ModelLoadError(f"{folder} is not a saved breakup classifier: missing {', '.join(missing)} "
                                 "(train one with `python -m training.train_breakup`).")
        config = json.loads(needed[0].read_text(encoding="utf-8"))
        if config.get("model_type") != "gasa-breakup-lstm":
            raise ModelLoadError(f"{needed[0]} is not a gasa breakup LSTM config (model_type {config.get('model_type')!r}).")
        vocab = json.loads(needed[1].read_text(encoding="utf-8"))
        clf = cls(vocab, max_tokens=config["max_tokens"], embedding_dim=config["embedding_dim"],
                  hidden_size=config["hidden_size"])
        clf.model.load_state_dict(load_file(str(needed[2])))
        clf.model.eval()
        return clf


# --- line-level recommendation ------------------------------------------------------------------

def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.clip(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12, None)


class LineIndex:
    """Lines of a catalog with their emotion vectors, searchable by a line or a pasted phrase."""

    def __init__(self, lines: pd.DataFrame, probs: np.ndarray, reps: np.ndarray, classifier: BreakupClassifier):
        self.lines, self.probs, self.reps, self.classifier = lines, probs, reps, classifier
        self._p, self._r = _unit(probs), _unit(reps)

    @classmethod
    def build(cls, songs: list[dict], classifier: BreakupClassifier) -> "LineIndex":
        """Index every distinct line (with a Korean content word) of ``songs`` (dicts with song_id,
        title, artist, year, lyrics)."""
        rows = []
        for n, song in enumerate(songs):
            if "lyrics" not in song or "song_id" not in song:
                raise BreakupDataError(f"song {n} needs 'song_id' and 'lyrics' (got keys {sorted(song)})")
            seen = set()
            for line in split_lines(clean_lyrics(song.get("lyrics") or "")):
                if line not in seen:
                    seen.add(line)
                    rows.append({"line": line, "song_id": song["song_id"], "title": song.get("title", ""),
                                 "artist": song.get("artist", ""), "year": song.get("year")})
        tokens = content_words_many([r["line"] for r in rows])
        keep = [i for i, t in enumerate(tokens) if t]
        frame = pd.DataFrame([rows[i] for i in keep], columns=["line", "song_id", "title", "artist", "year"])
        probs, reps = classifier._run([tokens[i] for i in keep])
        return cls(frame.reset_index(drop=True), probs, reps, classifier)

    def __len__(self) -> int:
        return len(self.lines)

    def similar_lines(self, text: str, k: int = 10, song_id=None) -> pd.DataFrame:
        """The ``k`` catalog lines closest in emotion to ``text`` (never lines of ``song_id``)."""
        text = clean_lyrics(text)
        lines = split_lines(text)
        if not lines:
            raise LyricsError("the query is empty: paste a lyric line or phrase.")
        probs, reps = self.classifier._run(self.classifier.tokenize_lines([" ".join(lines)]))
        sim = self._p @ _unit(probs)[0]
        tie = self._r @ _unit(reps)[0]
        allowed = np.ones(len(self.lines), bool)
        if song_id is not None:
            allowed &= (self.lines["song_id"] != song_id).to_numpy()
        idx = np.flatnonzero(allowed)
        order = idx[np.lexsort((-tie[idx], -np.round(sim[idx], 3)))][:k]
        out = self.lines.iloc[order].copy()
        out["similarity"] = sim[order]
        out["emotion"] = [self.classifier.labels[j] for j in self.probs[order].argmax(1)]
        return out.reset_index(drop=True)
