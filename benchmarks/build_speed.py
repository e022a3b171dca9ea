"""Songs per second of the default catalog build, and what each of its reading speed-ups adds, in one run.

1. The whole build, as ``python -m training.build_song_vectors --lyrics FILE --output DIR`` runs it, in a fresh
   process: models loaded, every song read (Korean lines by ``gasa-korean-kote``, English ones by
   ``gasa-english-goemotions``), fingerprints, the story view fitted and every song's story vector, the dataset,
   its statistics and card written. Songs/s overall, best of ``--rounds`` rounds interleaved with the same build
   making the story vectors after reading, in its own process (against on a second process while the songs are
   read, :func:`training.song_build.core.song_stories_ahead`), and the story step's time (timed alone after).
2. Reading alone (``read_songs`` with stanzas, the models already loaded), in interleaved rounds, the best
   round of each, with the speed-ups of :mod:`hub.kote_model` taken away one at a time:

   * ``WordwiseCharTfidf``: character n-grams counted word by word, each word's columns remembered (against
     scikit-learn's ``TfidfVectorizer`` counting every n-gram of every text);
   * ``KoteClassifier.read_ahead``: the next batch's Kiwi pass on a thread while this batch is scored
     (against one batch after the other).

   Every variant gives the same numbers (checked here too); only the time differs.

Lyrics: the crawler's JSONL (default ``../shared/data/kpop_dev/lyrics.jsonl``, real chart lyrics for research
use only: read here, never copied), or ``--synthetic N`` songs of realistic shape written for gasa
(``benchmarks/lyrics_corpus.py``).

    python benchmarks/build_speed.py [--lyrics FILE | --synthetic 2000] [--limit N] [--rounds 2]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DEFAULT_LYRICS = ROOT.parent / "shared" / "data" / "kpop_dev" / "lyrics.jsonl"


def write_lyrics(args, folder: Path) -> Path:
    """The lyrics file the build reads: the given one (cut to ``--limit`` songs) or synthetic songs."""
    out = folder / "lyrics.jsonl"
    if args.synthetic:
        from lyrics_corpus import make_songs

        rows = [{"song_id": str(i), "title": f"song {i}", "artist": f"artist {i % 97}", "year": 1990 + i % 35,
                 "lyrics": text} for i, text in enumerate(make_songs(args.synthetic))]
    else:
        with open(args.lyrics, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        rows = rows[: args.limit or None]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return out


# the build command with its stories made after reading, in the build's own process
STORIES_AFTER = ("import sys, training.song_build.core as core; core.STORY_PROCESS_SONGS = float('inf'); "
                 "from training.build_song_vectors import main; sys.exit(main(sys.argv[1:]))")


def whole_build(lyrics: Path, folder: Path, stories_ahead: bool = True) -> tuple[float, int]:
    """Seconds of the build command in a fresh process, and the songs it wrote."""
    command = ["-m", "training.build_song_vectors"] if stories_ahead else ["-c", STORIES_AFTER]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *command, "--lyrics", str(lyrics), "--output", str(folder / "songs")],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"the build failed:\n{done.stderr[-3000:]}")
    from hub.song_dataset import load_song_vectors

    return seconds, len(load_song_vectors(folder / "songs"))


@contextmanager
def without(speed_up: str, korean):
    """The Korean model with one speed-up taken away, for the duration."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    classifier = korean.classifier
    if speed_up == "wordwise":
        char_view = classifier.features_.named_steps["views"].named_transformers["char"].steps
        fast = char_view[-1][1]
        plain = TfidfVectorizer(**fast.get_params())
        plain.vocabulary_, plain.idf_ = fast.vocabulary_, fast.idf_
        char_view[-1] = (char_view[-1][0], plain)
        try:
            yield
        finally:
            char_view[-1] = (char_view[-1][0], fast)
    elif speed_up == "read_ahead":
        def one_after_the_other(texts, batch_size):
            for start in range(0, len(texts), batch_size):
                yield texts[start:start + batch_size]
        classifier.read_ahead = one_after_the_other
        try:
            yield
        finally:
            del classifier.read_ahead
    else:
        yield


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lyrics", default=str(DEFAULT_LYRICS), help="the crawler's JSONL file")
    p.add_argument("--synthetic", type=int, default=0, help="this many songs written for gasa instead of --lyrics")
    p.add_argument("--limit", type=int, default=0, help="the first N songs of --lyrics (0: all)")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the whole builds and of the reading-only "
                                                        "timings")
    args = p.parse_args(argv)

    from hub.models.bilingual import load_reader

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lyrics = write_lyrics(args, folder)
        texts = [json.loads(line)["lyrics"] for line in lyrics.read_text(encoding="utf-8").splitlines()]
        builds = {True: [], False: []}
        for _ in range(args.rounds):
            for ahead in builds:
                seconds, written = whole_build(lyrics, folder, stories_ahead=ahead)
                builds[ahead].append(seconds)
        seconds, after = min(builds[True]), min(builds[False])
        print(f"whole build of {len(texts):,} songs ({written:,} written), best of {args.rounds}: {seconds:.1f} s, "
              f"{len(texts) / seconds:.1f} songs/s, model loads included")
        print(f"with the story vectors made after reading instead of on a second process: {after:.1f} s, "
              f"{len(texts) / after:.1f} songs/s (the second process is {after / seconds:.2f}x)")
    from training.song_build.core import song_stories

    start = time.perf_counter()
    song_stories([{"lyrics": t} for t in texts])
    story = time.perf_counter() - start
    print(f"the story view alone (fitted, then every song's vector): {story:.1f} s")

    reader = load_reader("gasa-korean-kote")
    # a first reading loads Kiwi and the models and fills the morpheme similarities every variant shares
    reader.read_songs(texts, stanzas=True)
    char_view = reader.korean.classifier.features_.named_steps["views"].named_transformers["char"][-1]
    variants = {"shipped": "", "without word-by-word character counts": "wordwise",
                "without the read-ahead Kiwi thread": "read_ahead"}
    best, vectors = {}, {}
    for _ in range(args.rounds):
        for name, speed_up in variants.items():
            char_view.forget_words()  # each build starts with no word remembered
            with without(speed_up, reader.korean):
                start, cpu = time.perf_counter(), time.process_time()
                readings = reader.read_songs(texts, stanzas=True)
                rate, cpu = len(texts) / (time.perf_counter() - start), time.process_time() - cpu
            if rate > best.get(name, (0.0, 0.0))[0]:
                best[name] = rate, cpu
            vectors[name] = np.stack([r.probs for r in readings if r.scored])
    print(f"\nreading alone (best of {args.rounds} interleaved rounds; every variant's vectors identical: "
          f"{all(np.array_equal(v, vectors['shipped']) for v in vectors.values())})")
    print(f"{'variant':<42} {'songs/s':>8} {'shipped is':>11} {'CPU s (all threads)':>20}")
    for name, (rate, cpu) in best.items():
        print(f"{name:<42} {rate:8.1f} {best['shipped'][0] / rate:10.2f}x {cpu:20.1f}")


if __name__ == "__main__":
    main()
