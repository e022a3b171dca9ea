"""Songs per second of gasa's predictor against transformers.pipeline, measured in one run.

A bert-base-sized encoder (12 layers, hidden 768, random weights: speed does not depend on them)
with the Architecture 2 head classifies lyrics of realistic length (``benchmarks/lyrics_corpus.py``,
original lines). Both sides run the same model on the same songs and threads:

* pipeline: ``transformers.pipeline("text-classification", truncation=True, top_k=None)``, one song
  at a time; it reads only the first 512 tokens of each song.
* predictor fp32: gasa's windowed predictor, length-bucketed batches, whole songs (all windows).
* predictor int8: the same with dynamic int8 quantization of the linear layers.

    python benchmarks/predict_speed.py [--songs 24] [--batch-size 8]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lyrics_corpus import make_songs  # noqa: E402  (songs of realistic length, original lines)

def build_model(folder: Path):
    from hub.labels import AIHUB
    from training.tiny_models import make_classifier

    texts = make_songs(200, seed=1)
    make_classifier(folder, texts, AIHUB.labels, head="arch2", vocab_size=320,
                    hidden=768, layers=12, heads=12, intermediate=3072)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--songs", type=int, default=24)
    p.add_argument("--batch-size", type=int, default=4)
    args = p.parse_args(argv)

    import numpy as np
    import torch
    from transformers import pipeline

    from hub.predictor import TransformerEmotionPredictor, check_lyrics, load_model_and_tokenizer

    songs = make_songs(args.songs)
    with tempfile.TemporaryDirectory() as tmp:
        build_model(Path(tmp) / "model")
        model, tokenizer = load_model_and_tokenizer(str(Path(tmp) / "model"))
    model.eval()
    cleaned = [check_lyrics(s) for s in songs]
    lengths = [len(tokenizer(c)["input_ids"]) for c in cleaned]
    print(f"{len(songs)} songs, tokens per song: median {int(np.median(lengths))}, "
          f"min {min(lengths)}, max {max(lengths)}; torch threads: {torch.get_num_threads()}")

    pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, truncation=True, top_k=None,
                    device="cpu")
    fp32 = TransformerEmotionPredictor(model, tokenizer, batch_size=args.batch_size)
    # warm-up, so that no side pays one-off costs in the timed runs
    pipe(cleaned[:1]); fp32.predict(songs[:1])
    int8 = TransformerEmotionPredictor(model, tokenizer, batch_size=args.batch_size, quantize="int8")
    int8.predict(songs[:1])

    # The pipeline gets already-cleaned text: it is timed on the model work alone.
    _, t_pipe = timed(lambda: pipe(cleaned, batch_size=1))
    p32, t_fp32 = timed(lambda: fp32.predict(songs))
    p8, t_int8 = timed(lambda: int8.predict(songs))

    windows = len(fp32.windows(cleaned)[0])
    rows = [("pipeline (truncation=True)", t_pipe, sum(min(n, 512) for n in lengths)),
            ("predictor fp32", t_fp32, sum(lengths)), ("predictor int8", t_int8, sum(lengths))]
    print(f"\n{'runner':28s} {'seconds':>8s} {'songs/s':>8s} {'tokens read':>12s} {'vs pipeline':>12s}")
    for name, seconds, tokens in rows:
        print(f"{name:28s} {seconds:8.2f} {len(songs) / seconds:8.2f} {tokens:12d} {t_pipe / seconds:11.2f}x")
    print(f"\npredictor windows: {windows} for {len(songs)} songs (max 512 tokens, stride 64)")
    # With random weights the distributions are near uniform, so this only shows int8 runs the same model.
    print(f"int8 vs fp32 predictor: max |dp| = {np.abs(p8 - p32).max():.2e}, "
          f"same top-1 on {np.mean(p8.argmax(1) == p32.argmax(1)):.0%} of songs")


if __name__ == "__main__":
    main()
