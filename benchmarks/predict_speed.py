"""Songs per second of gasa's predictor against transformers.pipeline, measured in one run.

A bert-base-sized encoder (12 layers, hidden 768, random weights: speed does not depend on them)
with the Architecture 2 head classifies lyrics of realistic length, written here from original
lines. Both sides run the same model on the same songs and threads:

* pipeline: ``transformers.pipeline("text-classification", truncation=True, top_k=None)``, one song
  at a time; it reads only the first 512 tokens of each song.
* predictor fp32: gasa's windowed predictor, length-bucketed batches, whole songs (all windows).
* predictor int8: the same with dynamic int8 quantization of the linear layers.

    python benchmarks/predict_speed.py [--songs 24] [--batch-size 8]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LINES = [
    "비가 오는 밤이면 너의 목소리가 들려", "창문을 두드리는 빗소리처럼 조용히", "우리가 걷던 골목길에 가로등이 켜지면",
    "나는 아직도 그 자리에 서 있어", "시간이 멈춘 것처럼 너를 기다려", "손끝에 남은 온기가 사라지기 전에",
    "한 번만 더 웃어 줄래", "바람이 불어와 내 마음을 흔들어", "떠나간 계절은 다시 돌아오는데",
    "너는 왜 돌아오지 않니", "밤하늘의 별을 세며 잠이 들던 날", "작은 방 안에 가득했던 우리의 노래",
    "괜찮다고 말하면서 눈물이 흘러", "어제보다 오늘 더 보고 싶어", "햇살이 눈부신 아침에 너를 만나",
    "세상이 온통 환하게 빛났지", "두 손을 꼭 잡고 달려가던 바닷가", "파도 소리에 우리 웃음이 섞였어",
    "다시는 그런 날이 오지 않을까 봐", "가슴 한쪽이 자꾸만 시려 와", "멀리서라도 행복하길 바랄게",
    "잊으려 할수록 더 선명해지는 얼굴", "오늘도 나는 너의 이름을 불러", "대답 없는 메아리만 돌아와",
    "신나는 리듬에 몸을 맡겨 봐", "모든 걱정은 잠시 내려놓고", "우리 함께 춤을 춰 밤이 새도록",
    "반짝이는 불빛 아래서 노래해", "화가 나서 문을 세게 닫았어", "그래도 결국 네가 그리워져",
]


def make_song(rng: random.Random) -> str:
    stanzas = []
    for _ in range(rng.randint(7, 13)):
        stanzas.append("\n".join(rng.choice(LINES) for _ in range(rng.randint(4, 6))))
    return "\n\n".join(stanzas)


def build_model(folder: Path):
    from hub.labels import AIHUB
    from training.tiny_models import make_classifier

    texts = [make_song(random.Random(i)) for i in range(200)]
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

    rng = random.Random(0)
    songs = [make_song(rng) for _ in range(args.songs)]
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
