"""Songs/s, tokens/s and GFLOP/s of gasa's predictor (fp32, int8) against transformers.pipeline, one run.

A bert-base-sized encoder (12 layers, hidden 768, intermediate 3072; random weights: speed does not
depend on them) with the Architecture 2 head classifies lyrics of realistic length
(``benchmarks/lyrics_corpus.py``, original lines). The WordPiece vocabulary (400 pieces) is sized so
that the default 60 songs have the token lengths of real Korean chart lyrics (median about 371
tokens, longest about 1,045, a fifth of them over 512); the run prints the histogram it used.
All sides run the same model on the same songs and threads:

* pipeline: ``transformers.pipeline("text-classification", truncation=True, top_k=None)``, one song
  at a time, no padding; it reads only the first 512 tokens of each song.
* predictor fp32: gasa's predictor, whole songs (every token once: long songs in windows cut at line breaks),
  ``batch_size="auto"`` (windows sorted by length, batched only where that wastes little padding),
  ``streams="auto"`` (one forward pass per thread at a time, each on one thread).
* predictor int8: the same with the encoder's linear layers in int8 (``hub.int8``).
* each predictor twice: ``backend="torch"`` (PyTorch, SDPA attention) and ``backend="onnx"`` (the
  model exported to ONNX and run by ONNX Runtime; int8 by ``onnxruntime.quantization``).

GFLOP/s counts the encoder's matmul work on the tokens each side reads (padding excluded) and is
set against a large fp32 matmul (2048 x 2048 x 2048) timed in the same run, as the CPU's reachable
peak. Every runner is timed once per round (``--repeats``) and its fastest round is reported, so
that a noisy moment on a shared machine hits one round rather than one runner. ``--ablation`` also
times what each choice of the predictor adds (one stream of all threads, fixed batches of 16 padded
to the longest, eager attention instead of SDPA, one thread in all, int8 steps run op by op instead
of fused, PyTorch's ``quantize_dynamic`` in place of ``hub.int8``). Run it alone on the machine:
the load averages printed at the start and end say how quiet it was.

    python benchmarks/predict_speed.py [--songs 60] [--repeats 2] [--ablation]
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lyrics_corpus import make_songs  # noqa: E402  (songs of realistic length, original lines)

HIDDEN, LAYERS, HEADS, INTERMEDIATE = 768, 12, 12, 3072
VOCAB = 400  # gives real chart lyrics' token lengths on make_songs (see the module docstring)
HISTOGRAM_EDGES = [0, 128, 256, 384, 512, 768, 1024, 1536, 4096]


def build_model(folder: Path):
    from hub.labels import AIHUB
    from training.tiny_models import make_classifier

    texts = make_songs(200, seed=1)
    make_classifier(folder, texts, AIHUB.labels, head="arch2", vocab_size=VOCAB,
                    hidden=HIDDEN, layers=LAYERS, heads=HEADS, intermediate=INTERMEDIATE)


def encoder_flops(n: int) -> float:
    """Multiply-adds x 2 of one forward pass over ``n`` tokens: projections, feed-forward, attention."""
    per_layer = 2 * n * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * INTERMEDIATE) + 4 * n * n * HIDDEN
    return LAYERS * per_layer


def matmul_gflops(size: int = 2048, repeats: int = 5) -> float:
    """Best GFLOP/s of a size^3 fp32 matmul: what this CPU reaches on large, dense work."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = min(timed(lambda: a @ b)[1] for _ in range(repeats))
    return 2 * size ** 3 / best / 1e9


def one_thread(fn):
    """``fn()`` with torch on one thread (the thread count is put back afterwards)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(threads)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def load_line() -> str:
    return "load average %.2f, %.2f, %.2f (1, 5, 15 min)" % os.getloadavg()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--songs", type=int, default=60)
    p.add_argument("--ablation", action="store_true",
                   help="also time what each choice of the predictor adds (one stream, padded batches, "
                        "eager attention, one thread; about three times as long)")
    p.add_argument("--repeats", type=int, default=2,
                   help="rounds over all runners; each runner's fastest round is reported")
    args = p.parse_args(argv)

    import numpy as np
    import torch
    from transformers import pipeline

    from hub.int8 import quantize_int8
    from hub.models.transformer import TransformerEmotionPredictor, load_model_and_tokenizer

    print(f"start: {load_line()}; torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{os.cpu_count()} CPUs")
    songs = make_songs(args.songs)
    with tempfile.TemporaryDirectory() as tmp:
        build_model(Path(tmp) / "model")
        model, tokenizer = load_model_and_tokenizer(str(Path(tmp) / "model"))
    model.eval()
    # What the model reads: the cleaned lyrics, Korean lines only (an AI-Hub model reads Korean; see
    # hub.predictor.readable_part). The pipeline gets exactly this text, already cleaned.
    cleaned = [TransformerEmotionPredictor(model, tokenizer).readable(s)[0] for s in songs]
    lengths = np.array([len(tokenizer(c)["input_ids"]) for c in cleaned])
    counts, _ = np.histogram(lengths, bins=HISTOGRAM_EDGES)
    print(f"{len(songs)} songs, tokens per song: median {int(np.median(lengths))}, min {lengths.min()}, "
          f"max {lengths.max()}, {np.mean(lengths > 512):.0%} over 512")
    print("token-length histogram: " + ", ".join(
        f"{lo}-{hi}: {c}" for lo, hi, c in zip(HISTOGRAM_EDGES, HISTOGRAM_EDGES[1:], counts) if c))

    peak = matmul_gflops()
    print(f"large fp32 matmul (2048^3): {peak:.0f} GFLOP/s")

    pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, truncation=True, top_k=None,
                    device="cpu")
    fp32 = TransformerEmotionPredictor(model, tokenizer)
    rows, owners = fp32.windows(cleaned)
    window_lengths = [len(r["input_ids"]) for r in rows]
    pipe_side = (int(np.minimum(lengths, 512).sum()), sum(encoder_flops(min(n, 512)) for n in lengths))
    predictor_side = (int(lengths.sum()), sum(encoder_flops(n) for n in window_lengths))

    # name -> (what to time, (tokens read, FLOPs)). The pipeline gets already-cleaned text: it is
    # timed on the model work alone.
    runners = {"pipeline (truncation=True)": (lambda: pipe(cleaned, batch_size=1), pipe_side)}

    def add(name, predictor):
        predictor.predict(songs[:2])  # warm-up: no side pays one-off costs in the timed runs
        runners[name] = ((lambda: predictor.predict(songs)), predictor_side)

    add("predictor fp32 (torch)", fp32)
    add("predictor int8 (torch)", TransformerEmotionPredictor(model, tokenizer, quantize="int8"))
    try:
        add("predictor fp32 (onnx)", TransformerEmotionPredictor(model, tokenizer, backend="onnx"))
        add("predictor int8 (onnx)", TransformerEmotionPredictor(model, tokenizer, backend="onnx", quantize="int8"))
    except Exception as e:  # noqa: BLE001 - onnxruntime missing: the torch rows still say something
        print(f"no ONNX Runtime rows: {e}")
    if args.ablation:  # each row changes one choice of "predictor fp32 (torch)" (or of the row named)
        add("  fp32, 1 stream of 2 threads", TransformerEmotionPredictor(model, tokenizer, streams=1))
        add("  fp32, batch_size=16 padded", TransformerEmotionPredictor(model, tokenizer, batch_size=16))
        add("  fp32, batch_size=1", TransformerEmotionPredictor(model, tokenizer, batch_size=1))
        eager = copy.deepcopy(model)
        eager.set_attn_implementation("eager")
        add("  fp32, eager attention", TransformerEmotionPredictor(eager, tokenizer))
        add("  int8 (torch), 1 stream", TransformerEmotionPredictor(model, tokenizer, quantize="int8", streams=1))
        unfused = quantize_int8(copy.deepcopy(model), tokenizer, fused=False)
        add("  int8 (torch), unfused", TransformerEmotionPredictor(unfused, tokenizer))
        with warnings.catch_warnings():  # the int8 gasa used before hub.int8: one activation scale per batch
            warnings.simplefilter("ignore")
            dynamic = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
        add("  int8, torch quantize_dynamic", TransformerEmotionPredictor(dynamic, tokenizer))
        if "predictor fp32 (onnx)" in runners:
            add("  fp32 (onnx), 1 stream", TransformerEmotionPredictor(model, tokenizer, backend="onnx", streams=1))
        alone = TransformerEmotionPredictor(model, tokenizer, streams=1)
        runners["  fp32, 1 thread in all"] = (lambda: one_thread(lambda: alone.predict(songs)), predictor_side)

    # Every runner once per round, so that a noisy moment hits one round rather than one runner;
    # each runner's best round counts. (Each predictor was warmed up when added.)
    pipe(cleaned[:2])
    best, outputs = {}, {}
    for _round in range(args.repeats):
        for name, (run, _side) in runners.items():
            out, seconds = timed(run)
            outputs.setdefault(name, out)
            best[name] = min(seconds, best.get(name, float("inf")))
    t_pipe = best["pipeline (truncation=True)"]
    out_pipe = outputs["pipeline (truncation=True)"]
    results = [(name, best[name], *side) for name, (_, side) in runners.items()]

    print(f"\n{'runner':30s} {'seconds':>8s} {'songs/s':>8s} {'tokens/s':>9s} {'tokens read':>12s} "
          f"{'GFLOP/s':>8s} {'of peak':>8s} {'vs pipeline':>12s}")
    for name, seconds, tokens, flops in results:
        gflops = flops / seconds / 1e9
        print(f"{name:30s} {seconds:8.2f} {len(songs) / seconds:8.2f} {tokens / seconds:9.0f} {tokens:12d} "
              f"{gflops:8.1f} {gflops / peak:8.0%} {t_pipe / seconds:11.2f}x")
    print(f"\npredictor windows: {len(rows)} for {len(songs)} songs ({sum(window_lengths)} window tokens, "
          f"max 512, cut at line breaks), {len(fp32.batches(window_lengths))} forward passes (batch_size='auto')")

    # Both read the songs of at most 512 tokens whole: there the outputs must agree.
    labels = fp32.labels
    whole = [i for i, n in enumerate(lengths) if n <= 512]
    pipe_probs = np.array([[{d["label"]: d["score"] for d in out_pipe[i]}[label] for label in labels] for i in whole])
    for name, probs in outputs.items():
        if "fp32" in name:
            print(f"{name} vs pipeline on the {len(whole)} songs both read whole: "
                  f"max |dp| = {np.abs(pipe_probs - probs[whole]).max():.1e}")
    print("int8 vs fp32 here has random weights (near-uniform outputs, so agreement means nothing): see "
          "benchmarks/int8_agreement.py for a trained model")
    print(f"end: {load_line()}")


if __name__ == "__main__":
    main()
