"""Songs per second of the offline Korean models on lyrics of realistic length, in one run.

Both built-in models score the same songs (``benchmarks/lyrics_corpus.py``: median about 660
characters, a quarter with an English stanza) on this machine's threads:

* ``gasa-korean-kote`` (the learned default): ``predict`` (catalog builds) and ``analyze`` (the app:
  song, stanza arc and groups);
* ``gasa-korean-engine`` (the 60-label dictionary engine): the same two calls.

Kiwi (morphological analysis) is shared and warmed up before timing.

    python benchmarks/korean_speed.py [--songs 400]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--songs", type=int, default=400)
    p.add_argument("--analyze-songs", type=int, default=100, help="songs for the (slower) analyze() timing")
    args = p.parse_args(argv)

    import numpy as np

    from hub.models.registry import load_predictor
    from lyrics_corpus import ENGLISH_LINES, make_songs

    songs = make_songs(args.songs)
    chars = [len(s) for s in songs]
    print(f"{len(songs)} songs: characters median {int(np.median(chars))}, max {max(chars)}; "
          f"{sum(any(line in s for line in ENGLISH_LINES) for s in songs)} with an English stanza")
    rows = []
    for name in ("gasa-korean-kote", "gasa-korean-engine"):
        model = load_predictor(name)
        model.predict(songs[:4])  # warm-up: Kiwi, caches
        start = time.perf_counter()
        model.predict(songs)
        t_predict = time.perf_counter() - start
        start = time.perf_counter()
        for song in songs[:args.analyze_songs]:
            model.analyze(song)
        t_analyze = time.perf_counter() - start
        rows.append((name, len(songs) / t_predict, args.analyze_songs / t_analyze))
    base = rows[1]
    print(f"\n{'model':22s} {'predict songs/s':>16s} {'analyze songs/s':>16s} {'predict vs engine':>18s}")
    for name, predict, analyze in rows:
        print(f"{name:22s} {predict:16.1f} {analyze:16.1f} {predict / base[1]:17.2f}x")


if __name__ == "__main__":
    main()
