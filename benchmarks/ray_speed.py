"""Songs per second of ``build_song_vectors --engine ray`` with 1 and 2 local workers (and per GPU
where there is one), measured in one run, and the time this projects for 1,000,000 songs.

Songs of realistic length from ``benchmarks/lyrics_corpus.py`` (original lines) go through the whole
Ray build (blocks, workers, shards, the final dataset) on one local Ray cluster; each worker count
gets a fresh output. Printed per run:

* overall songs/s: songs / wall time of the workers' phase, the model loads included;
* scoring songs/s: the sum over workers of songs / seconds spent scoring, which a long build
  approaches (and which the projection uses: one model load plus 1,000,000 songs at that rate);
* for reference, the single-process build's scoring rate (``--engine local``) on the same songs.

With a CUDA GPU, a bert-base-sized classifier (random weights: speed does not depend on them) is
also run with one worker per GPU (``--gpus-per-worker 1``).

    python benchmarks/ray_speed.py [--songs 2000] [--block-size 100] [--model gasa-korean-kote]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lyrics_corpus import make_songs  # noqa: E402  (songs of realistic length, original lines)

MILLION = 1_000_000


def write_songs(path: Path, n: int, seed: int = 0) -> Path:
    rows = [{"song_id": str(i), "title": f"song {i}", "artist": f"artist {i % 50}", "year": 1990 + i % 35,
             "status": "ok", "lyrics": text} for i, text in enumerate(make_songs(n, seed=seed))]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def ray_run(model: str, lyrics: Path, output: Path, workers: int, block_size: int, gpus: float = 0.0, quiet=True):
    from training.ray_build import RunStats, build_ray

    stats = RunStats()
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink) if quiet else contextlib.nullcontext():
        build_ray(model, str(lyrics), str(output), num_workers=workers, block_size=block_size,
                  gpus_per_worker=gpus, stats=stats)
    scoring = sum(w["songs"] / w["seconds"] for w in stats.per_worker.values() if w["seconds"])
    loads = [w["load_seconds"] for w in stats.per_worker.values() if w["load_seconds"]]
    return {"workers": workers, "songs": stats.songs, "seconds": stats.seconds, "overall": stats.songs_per_second,
            "scoring": scoring, "load": max(loads) if loads else 0.0}


def local_rate(model: str, lyrics: Path) -> tuple[float, float]:
    """Songs/s of the single-process build's scoring (read_all), and its model load in seconds."""
    from hub.models.registry import load_predictor
    from hub.lyrics_file import read_records
    from training.song_build.core import read_all

    records = read_records(lyrics)
    start = time.perf_counter()
    predictor = load_predictor(model)
    load = time.perf_counter() - start
    start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        read_all(predictor, records, progress=False)
    return len(records) / (time.perf_counter() - start), load


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--songs", type=int, default=2000)
    p.add_argument("--block-size", type=int, default=100)
    p.add_argument("--model", default="gasa-korean-kote")
    p.add_argument("--gpu-songs", type=int, default=2000, help="songs for the GPU run (if a GPU is visible)")
    p.add_argument("--verbose", action="store_true", help="show the builds' progress lines")
    args = p.parse_args(argv)

    from training.ray_build import import_ray

    ray = import_ray()
    import torch

    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lyrics = write_songs(tmp / "lyrics.jsonl", args.songs)
        local, local_load = local_rate(args.model, lyrics)
        cpus = os.cpu_count() or 1
        ray.init(address="local", num_cpus=max(2, cpus), num_gpus=gpus, include_dashboard=False, logging_level="WARNING",
                 object_store_memory=256 * 1024 ** 2)
        try:
            runs = [ray_run(args.model, lyrics, tmp / f"out-{w}", w, args.block_size, quiet=not args.verbose)
                    for w in (1, 2)]
            gpu_runs = []
            if gpus:
                from predict_speed import build_model  # a bert-base-sized classifier, random weights

                build_model(tmp / "bert-base")
                gpu_lyrics = write_songs(tmp / "gpu-lyrics.jsonl", args.gpu_songs, seed=1)
                gpu_runs = [ray_run(str(tmp / "bert-base"), gpu_lyrics, tmp / f"gpu-{g}", g, args.block_size, gpus=1.0,
                                    quiet=not args.verbose) for g in sorted({1, gpus})]
        finally:
            ray.shutdown()

    print(f"{args.songs} songs (median about 660 characters), model {args.model}, blocks of {args.block_size}, "
          f"{cpus} CPUs on this machine; torch threads per Ray worker: 1")
    print(f"\n{'run':26s} {'songs':>6s} {'wall s':>7s} {'overall/s':>10s} {'scoring/s':>10s} {'per worker/s':>13s} "
          f"{'model load s':>13s}")
    print(f"{'local (one process)':26s} {args.songs:6d} {'':>7s} {'':>10s} {local:10.1f} {local:13.1f} {local_load:13.1f}")
    for r in runs + gpu_runs:
        name = f"ray, {r['workers']} {'GPU' if r in gpu_runs else 'CPU'} worker{'s' if r['workers'] > 1 else ''}"
        print(f"{name:26s} {r['songs']:6d} {r['seconds']:7.1f} {r['overall']:10.1f} {r['scoring']:10.1f} "
              f"{r['scoring'] / r['workers']:13.1f} {r['load']:13.1f}")
    one, two = runs
    print(f"\nscaling 1 -> 2 workers: {two['scoring'] / one['scoring']:.2f}x (scoring), "
          f"{two['overall'] / one['overall']:.2f}x (overall, model loads included); load average before/after: "
          f"{load_before:.1f}/{os.getloadavg()[0]:.1f} on {cpus} CPUs (other processes take CPUs from the workers)")
    print(f"projected time for {MILLION:,} songs (one model load + the songs at the measured scoring rate):")
    for r in runs:
        print(f"  {r['workers']} CPU worker{'s' if r['workers'] > 1 else ''} ({r['scoring']:.0f} songs/s): "
              f"{hours(r['load'] + MILLION / r['scoring'])}")
    rates = sorted({one["scoring"], two["scoring"] / 2})
    for w in (16, 64):
        spans = [hours(one["load"] + MILLION / (w * rate)) for rate in reversed(rates)]
        print(f"  {w} CPU workers, linear from {' and '.join(f'{rate:.0f}' for rate in rates)} songs/s per worker "
              f"(blocks are independent): {' to '.join(spans)}")
    for r in gpu_runs:
        print(f"  {r['workers']} GPU worker{'s' if r['workers'] > 1 else ''} (bert-base-sized, {r['scoring'] / r['workers']:.0f} "
              f"songs/s per GPU): {hours(r['load'] + MILLION / r['scoring'])}")
    if not gpus:
        print("  no GPU visible here: per-GPU figures need a machine with CUDA (the built-in gasa-korean-kote "
              "runs on CPU only)")


if __name__ == "__main__":
    main()
