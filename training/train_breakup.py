"""Train the breakup-lyric classifier: Word2Vec CBOW -> four-emotion dictionary -> weak labels -> LSTM.

    python -m training.train_breakup --lyrics lyrics.jsonl --output DIR [--seeds seeds.json] [--epochs 15]

``lyrics.jsonl``: one song per line, ``{"song_id", "title", "artist", "year", "lyrics"}`` (only
``lyrics`` is required). DIR receives: the classifier (``config.json``, ``vocab.json``,
``model.safetensors`` - load with ``hub.breakup.BreakupClassifier.from_pretrained(DIR)``), the
Word2Vec model (``word2vec.model``), the dictionary (``dictionary.json`` and a readable
``dictionary.tsv``), ``metrics.json`` (held-out accuracy, majority baseline, confusion matrix) and
``confusion_matrix.png``. See :mod:`hub.breakup` for the recipe.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from hub.breakup import (DEFAULT_SEEDS, MAX_TOKENS, SIMILARITY_THRESHOLD, BreakupClassifier, BreakupDataError,
                         build_dictionary, weak_labels)
from hub.korean_text import content_words_many, split_lines
from hub.labels import BREAKUP
from hub.lyrics_file import LyricsFileError, read_lyrics_jsonl
from hub.text.clean import clean_lyrics
from training.song_build.core import usable_songs


def train_word2vec(token_lines, vector_size=100, window=5, min_count=2, epochs=30, seed=0):
    from gensim.models import Word2Vec

    # sg=0: CBOW, as in the source document; one worker keeps runs reproducible.
    return Word2Vec(sentences=token_lines, vector_size=vector_size, window=window, min_count=min_count,
                    sg=0, epochs=epochs, seed=seed, workers=1)


def train_lstm(clf: BreakupClassifier, tokens, labels, epochs=15, lr=3e-3, batch_size=32, seed=0):
    torch.manual_seed(seed)
    ids = clf.encode_tokens(tokens)
    y = torch.tensor(labels, dtype=torch.long)
    counts = torch.bincount(y, minlength=len(clf.labels)).float()
    weight = counts.sum() / (len(counts) * counts.clamp(min=1))  # rare emotions count as much as common ones
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    opt = torch.optim.Adam(clf.model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for _ in tqdm(range(epochs), desc="LSTM epochs"):
        clf.model.train()
        for batch in torch.randperm(len(y), generator=gen).split(batch_size):
            opt.zero_grad()
            loss_fn(clf.model(ids[batch]), y[batch]).backward()
            opt.step()
    clf.model.eval()
    return clf


def plot_confusion(matrix: np.ndarray, labels, path: Path, title: str):
    from hub.plots import plt

    fig, ax = plt.subplots(figsize=(5, 4.4))
    ax.imshow(matrix, cmap="Blues")
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("weak label")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_dictionary(dictionary: dict, out: Path):
    (out / "dictionary.json").write_text(json.dumps(dictionary, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = ["emotion\tword\tsimilarity\tseed"]
    for emotion, entries in dictionary["emotions"].items():
        rows += [f"{emotion}\t{r['word']}\t{r['similarity']:.3f}\t{r['seed']}" for r in entries]
    (out / "dictionary.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def run(lyrics: Path, output: Path, seeds=None, threshold=SIMILARITY_THRESHOLD, max_tokens=MAX_TOKENS,
        w2v_epochs=30, epochs=15, test_size=0.2, seed=0) -> dict:
    from sklearn.metrics import accuracy_score, confusion_matrix
    from sklearn.model_selection import train_test_split

    random.seed(seed)
    songs, _ = usable_songs(read_lyrics_jsonl(lyrics), source=str(lyrics))
    if not songs:
        raise BreakupDataError(f"{lyrics} holds no songs with lyrics")
    lines = [line for s in songs for line in split_lines(clean_lyrics(s["lyrics"]))]
    token_lines = [t for t in content_words_many(lines) if t]
    if len(token_lines) < 20:
        raise BreakupDataError(f"{lyrics}: only {len(token_lines)} lines with Korean content words; "
                               "Word2Vec needs at least a few hundred lines of Korean lyrics")
    print(f"{len(songs)} songs, {len(token_lines)} lines with Korean words")
    w2v = train_word2vec(token_lines, epochs=w2v_epochs, seed=seed)
    dictionary = build_dictionary(w2v.wv, seeds or DEFAULT_SEEDS, threshold)
    output.mkdir(parents=True, exist_ok=True)
    write_dictionary(dictionary, output)
    for emotion, missing in dictionary["missing_seeds"].items():
        print(f"warning: seeds of {emotion} not learned by Word2Vec (too rare): {', '.join(missing)}")

    # Weak labels on distinct lines (a repeated chorus must not sit in both train and test).
    distinct = list(dict.fromkeys(tuple(t) for t in token_lines))
    labelled = [(list(t), lab) for t, lab in zip(distinct, weak_labels(distinct, dictionary)) if lab is not None]
    counts = Counter(lab for _, lab in labelled)
    if len(labelled) < 20 or len(counts) < 2:
        raise BreakupDataError(f"only {len(labelled)} lines got a weak label ({dict(counts)}): too few to train; "
                               "add lyrics or seeds")
    tokens, labels = zip(*labelled)
    stratify = labels if min(counts.values()) >= 2 else None
    tr_x, te_x, tr_y, te_y = train_test_split(list(tokens), list(labels), test_size=test_size,
                                              random_state=seed, stratify=stratify)
    clf = BreakupClassifier(list(w2v.wv.index_to_key), max_tokens=max_tokens, embedding_dim=w2v.vector_size)
    with torch.no_grad():  # start from the CBOW vectors
        for word, i in clf.index.items():
            if word in w2v.wv.key_to_index:
                clf.model.embedding.weight[i] = torch.from_numpy(w2v.wv[word].copy())
    train_lstm(clf, tr_x, tr_y, epochs=epochs, seed=seed)
    pred = clf.predict_tokens(te_x).argmax(1)
    majority = Counter(tr_y).most_common(1)[0][0]
    cm = confusion_matrix(te_y, pred, labels=list(range(len(BREAKUP))))
    metrics = {
        "songs": len(songs), "lines": len(token_lines), "distinct_lines": len(distinct),
        "weakly_labelled": len(labelled), "label_counts": {BREAKUP.labels[k]: v for k, v in sorted(counts.items())},
        "train": len(tr_y), "test": len(te_y),
        "test_accuracy": float(accuracy_score(te_y, pred)),
        "majority_baseline_accuracy": float(np.mean(np.array(te_y) == majority)),
        "confusion_matrix": cm.tolist(), "labels": list(BREAKUP.labels),
        "dictionary_sizes": {e: len(r) for e, r in dictionary["emotions"].items()},
    }
    clf.save_pretrained(output)
    w2v.save(str(output / "word2vec.model"))
    plot_confusion(cm, BREAKUP.labels, output / "confusion_matrix.png",
                   f"held-out lines: accuracy {metrics['test_accuracy']:.2f}")
    (output / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    return metrics


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lyrics", required=True, type=Path, help="songs as JSON lines with a 'lyrics' field")
    ap.add_argument("--output", required=True, type=Path, help="folder for the model, dictionary and report")
    ap.add_argument("--seeds", type=Path, help='JSON {"슬픔": [...], "부정": [...], "분노": [...], "무관심": [...]}')
    ap.add_argument("--threshold", type=float, default=SIMILARITY_THRESHOLD, help="dictionary similarity rule")
    ap.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="tokens per line for the LSTM")
    ap.add_argument("--w2v-epochs", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=15, help="LSTM epochs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    seeds = None
    if args.seeds:
        try:
            seeds = json.loads(args.seeds.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise SystemExit(f"--seeds {args.seeds}: cannot read a JSON object ({e})")
    try:
        m = run(args.lyrics, args.output, seeds, args.threshold, args.max_tokens, args.w2v_epochs, args.epochs,
                seed=args.seed)
    except (BreakupDataError, LyricsFileError) as e:
        raise SystemExit(f"error: {e}")
    print(f"dictionary sizes: {m['dictionary_sizes']}; weak labels: {m['label_counts']}")
    print(f"held-out accuracy {m['test_accuracy']:.3f} on {m['test']} lines "
          f"(majority baseline {m['majority_baseline_accuracy']:.3f}); saved to {args.output}")


if __name__ == "__main__":
    main()
