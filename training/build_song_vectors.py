"""Run an emotion model over crawled lyrics and write the song-vector dataset (with its dataset card).

    python -m training.build_song_vectors --lyrics lyrics.jsonl --output DIR [--model gasa-korean-kote] \
        [--english-model gasa-english-goemotions | HUB_ID | none] \
        [--push-to-hub REPO] [--include-lyrics] [--backend torch|onnx] [--quantize int8 [--verify-margin M]] \
        [--engine local|ray] [--address ADDR] [--num-workers N] [--gpus-per-worker G] [--block-size B]

``--lyrics`` is the crawl's JSONL file, or Parquet (a ``.parquet`` file or a folder of them) with the
same fields as columns (``song_id``, ``title``, ``artist``, ``year``, ``lyrics``, ``status``, ``note``).
``--engine local`` (the default) scores in this process; ``--engine ray`` computes the same dataset
with Ray Data on a local or an existing Ray cluster, resumably (:mod:`training.ray_build`); the steps
both share are :mod:`training.song_build.core`'s.
A transformer model can be run by ONNX Runtime (``--backend onnx``: the same vectors within 1e-5,
a few per cent faster on a CPU) or with its encoder in int8 (``--quantize int8``: about 2.7x as fast,
but other vectors, which change the top label of 1-3 % of songs; the dataset card says so).
``--verify-margin M`` scores the songs whose two highest int8 probabilities are closer than M again
in fp32, which keeps fp32's top label where int8 could flip it, at the cost of the songs scored
twice; see README "Benchmarks".

One song never stops a build. Every record gets a status:

* ``ok`` — scored; ``no_evidence`` — scored, but the model found no emotional evidence (kept, and
  never recommended to other songs);
* skipped, with the reason: ``no_lyrics`` / ``error`` (from the crawl), ``unusable_lyrics`` (empty
  after cleaning, or far too long), ``no_korean`` (a Korean model alone and no line with Hangul),
  ``no_readable_lines`` (no line in Korean or English, for the default bilingual reading),
  ``failed`` (the model raised on this song).

Scored songs become the dataset (with ``status`` and ``read_share``, the share of the song the model
read); skipped songs are listed in ``skipped.jsonl`` beside it; a summary is printed and written into
the dataset card. ``datasets.load_dataset(DIR)`` (or the pushed repo) gives the dataset back; see
:mod:`hub.song_dataset` for the schema.
"""
from __future__ import annotations

import argparse
import sys

# Besides what this module uses, the names that lived here before hub.lyrics_file and
# training.song_build.core existed stay importable from here.
from hub.lyrics_file import (LyricsFileError, parquet_files, parquet_song_ids, read_lyrics_jsonl,  # noqa: F401
                             read_records, record_from_row)
from hub.models.base import ModelLoadError
from hub.models.bilingual import DEFAULT_ENGLISH_MODEL, load_reader
from hub.reading import SCORED_STATUSES
from hub.song_dataset import SongDatasetError
from training.song_build.core import (STATUS_ORDER, model_revision, predictor_revision, read_all,  # noqa: F401
                                      reader_name, scoring_note, scoring_options, song_stories_ahead, summary_table,
                                      usable_songs, write_dataset)

DEFAULT_MODEL = "gasa-korean-kote"


def build(model: str, lyrics: str, output: str, push_to_hub: str | None = None, include_lyrics: bool = False,
          revision: str | None = None, pretty_name: str = "gasa song emotion vectors", license: str = "other",
          note: str = "", backend: str = "torch", quantize: str | None = None, verify_margin: float | None = None,
          english_model: str | None = DEFAULT_ENGLISH_MODEL):
    """Score every record of a crawl file and write the dataset (see the module docstring);
    ``pretty_name``, ``license`` and ``note`` go into the dataset card; ``backend``, ``quantize`` and
    ``verify_margin`` are :class:`hub.predictor.TransformerEmotionPredictor`'s (a transformer model only);
    ``english_model`` reads the English lines beside ``model`` (None or "none": Korean lines only). Returns the
    dataset and the count of songs per status."""
    records = read_records(lyrics)
    options = scoring_options(model, backend, quantize, verify_margin)
    with song_stories_ahead(records) as stories:  # made on the idle core while the songs are read
        predictor = load_reader(model, english_model, **options)
        note = scoring_note(note, options)
        print(f"{len(records)} crawled records; model {predictor.name}", file=sys.stderr)
        readings = read_all(predictor, records)
        return write_dataset(records, readings, list(predictor.labels), reader_name(predictor, model),
                             predictor_revision(predictor, model, revision), lyrics, output, push_to_hub,
                             include_lyrics, pretty_name, license, note, language=predictor.language, story=stories())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the song emotion-vector dataset from crawled lyrics.")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"model folder, Hub id or built-in name (default {DEFAULT_MODEL}; gasa-korean-engine is the "
                             "60-label dictionary engine)")
    parser.add_argument("--english-model", default=DEFAULT_ENGLISH_MODEL,
                        help=f"model for the English lines, read into the Korean model's labels (default "
                             f"{DEFAULT_ENGLISH_MODEL}; a GoEmotions Hub model such as SamLowe/roberta-base-go_emotions; "
                             "'none' reads Korean lines only)")
    parser.add_argument("--lyrics", required=True,
                        help="JSONL from python -m training.crawl_melon, or Parquet (a file or a folder) with its fields")
    parser.add_argument("--output", required=True, help="dataset folder (Parquet under data/ + README.md)")
    parser.add_argument("--push-to-hub", default=None, metavar="REPO", help="also upload to this dataset repo")
    parser.add_argument("--include-lyrics", action="store_true", help="keep the lyric text (copyrighted!)")
    parser.add_argument("--revision", default=None, help="model revision to record (default: detected)")
    scoring = parser.add_argument_group("scoring a transformer model")
    scoring.add_argument("--backend", choices=("torch", "onnx"), default="torch",
                         help="torch (default), or onnx: ONNX Runtime on the CPU, the same vectors within 1e-5")
    scoring.add_argument("--quantize", choices=("int8",), default=None,
                         help="int8: the encoder's linear layers in int8, about 2.7x as fast on a CPU; the vectors "
                              "differ slightly (README \"Benchmarks\")")
    scoring.add_argument("--verify-margin", type=float, default=None, metavar="M",
                         help="with --quantize int8: songs whose two highest int8 probabilities are closer than M "
                              "(for instance 0.02) are scored again in fp32, keeping the fp32 top label")
    ray_options = parser.add_argument_group("Ray (--engine ray; pip install -r requirements-ray.txt)")
    ray_options.add_argument("--engine", choices=("local", "ray"), default="local",
                             help="local: this process (default); ray: Ray Data workers on a local or existing "
                                  "Ray cluster, resumable (rerun the same command after an interruption)")
    ray_options.add_argument("--address", default=None,
                             help="join this Ray cluster (HEAD:6379, or 'auto' for the one on this machine or "
                                  "in a Ray job); default: start a local one")
    ray_options.add_argument("--num-workers", type=int, default=None, metavar="N",
                             help="model workers (default: one per CPU, or per --gpus-per-worker GPUs, of the cluster)")
    ray_options.add_argument("--gpus-per-worker", type=float, default=0.0, metavar="G",
                             help="GPUs reserved by each worker (a transformer model then runs on its GPU)")
    ray_options.add_argument("--block-size", type=int, default=None, metavar="B",
                             help="songs per work unit and resumable shard (default: a 64th of the songs, "
                                  "at most 1000; a rerun with another size starts over)")
    args = parser.parse_args(argv)
    ray_args = {"--address": args.address, "--num-workers": args.num_workers,
                "--gpus-per-worker": args.gpus_per_worker or None, "--block-size": args.block_size}
    if args.engine == "local" and any(v is not None for v in ray_args.values()):
        parser.error(f"{', '.join(k for k, v in ray_args.items() if v is not None)} only apply with --engine ray")
    if args.verify_margin is not None and (not args.quantize or not 0 < args.verify_margin < 1):
        parser.error("--verify-margin re-scores int8's close calls in fp32: it needs --quantize int8 and a margin "
                     "between 0 and 1 (for instance 0.02)")
    for flag, value in (("--num-workers", args.num_workers), ("--block-size", args.block_size)):
        if value is not None and value < 1:
            parser.error(f"{flag} must be at least 1")
    if args.gpus_per_worker < 0:
        parser.error("--gpus-per-worker cannot be negative")
    try:
        if args.engine == "ray":
            from training.ray_build import RayBuildError, RayInterrupted, build_ray

            try:
                ds, counts = build_ray(args.model, args.lyrics, args.output, args.push_to_hub, args.include_lyrics,
                                       args.revision, address=args.address, num_workers=args.num_workers,
                                       gpus_per_worker=args.gpus_per_worker, block_size=args.block_size,
                                       english_model=args.english_model,
                                       scoring=scoring_options(args.model, args.backend, args.quantize,
                                                               args.verify_margin))
            except RayInterrupted as e:
                print(f"interrupted: {e}", file=sys.stderr)
                return 130
            except RayBuildError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
        else:
            ds, counts = build(args.model, args.lyrics, args.output, args.push_to_hub, args.include_lyrics,
                               args.revision, backend=args.backend, quantize=args.quantize,
                               verify_margin=args.verify_margin, english_model=args.english_model)
    except (LyricsFileError, SongDatasetError, ModelLoadError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    skipped = sum(n for s, n in counts.items() if s not in SCORED_STATUSES)
    print(f"wrote {len(ds)} songs x {len(ds.features['top_label'].names)} labels to {args.output} "
          f"({counts['no_evidence']} without emotional evidence; {skipped} skipped, see skipped.jsonl)"
          + (f" and pushed to {args.push_to_hub}" if args.push_to_hub else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
