"""Run an emotion model over crawled lyrics and write the song-vector dataset (with its dataset card).

    python -m training.build_song_vectors --model ID_OR_DIR --lyrics lyrics.jsonl --output DIR \
        [--push-to-hub REPO] [--include-lyrics]

Songs recorded without lyrics (status ``no_lyrics``/``error``) or whose lyrics are empty after
cleaning are left out and counted. ``datasets.load_dataset(DIR)`` (or the pushed repo) gives the
dataset back; see :mod:`hub.song_dataset` for the schema.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from hub.predictor import LyricsError, ModelLoadError, check_lyrics, load_predictor
from hub.song_dataset import SongDatasetError, build_song_dataset, save_song_dataset
from training.crawl_melon import LyricsFileError, read_lyrics_jsonl


def model_revision(name_or_path: str) -> str | None:
    """A local model's content hash, or the commit of a Hub model in the local cache (None if unknown)."""
    path = Path(name_or_path)
    if path.is_dir():
        digest = hashlib.sha256()
        weights = sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")) + sorted(path.glob("*.json"))
        for file in weights:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
        return f"sha256:{digest.hexdigest()[:16]}" if weights else None
    try:
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(str(name_or_path), "config.json")
    except Exception:  # not a valid repo id: no revision to report
        return None
    return Path(cached).parent.name if isinstance(cached, str) else None  # .../snapshots/<commit>/config.json


def usable_songs(records: list[dict], source: str = "") -> tuple[list[dict], dict]:
    """Songs with lyrics the predictor accepts, and counts of what was left out and why."""
    songs, skipped = [], {"no_lyrics": 0, "error": 0, "unusable_lyrics": 0}
    for record in records:
        status = record.get("status", "ok")
        if status != "ok" or not record.get("lyrics"):
            skipped["error" if status == "error" else "no_lyrics"] += 1
            continue
        try:
            check_lyrics(record["lyrics"])
        except LyricsError as e:
            print(f"  {source} song {record['song_id']}: skipped ({e})", file=sys.stderr)
            skipped["unusable_lyrics"] += 1
            continue
        songs.append(record)
    return songs, skipped


def build(model: str, lyrics: str, output: str, push_to_hub: str | None = None, include_lyrics: bool = False,
          revision: str | None = None):
    records = read_lyrics_jsonl(lyrics)
    songs, skipped = usable_songs(records, source=str(lyrics))
    if not songs:
        raise SongDatasetError(f"{lyrics}: none of its {len(records)} records has usable lyrics; nothing to build")
    predictor = load_predictor(model)
    print(f"{len(songs)} songs ({sum(skipped.values())} left out: {skipped}); model {predictor.name}", file=sys.stderr)
    vectors = predictor.predict([s["lyrics"] for s in songs], progress=True)
    ds = build_song_dataset(songs, vectors, list(predictor.labels), model_name=str(model),
                            model_revision=revision or model_revision(model), include_lyrics=include_lyrics)
    save_song_dataset(ds, output, repo_id=push_to_hub,
                      description=f"\nBuilt with `python -m training.build_song_vectors` from {len(records)} crawled "
                                  f"records ({sum(skipped.values())} without usable lyrics left out).\n")
    if push_to_hub:
        from training.cards import push_folder

        push_folder(output, push_to_hub, repo_type="dataset", message=f"Song vectors from {model}")
    return ds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the song emotion-vector dataset from crawled lyrics.")
    parser.add_argument("--model", required=True, help="model folder, Hub id or built-in engine name")
    parser.add_argument("--lyrics", required=True, help="JSONL from python -m training.crawl_melon")
    parser.add_argument("--output", required=True, help="dataset folder (Parquet under data/ + README.md)")
    parser.add_argument("--push-to-hub", default=None, metavar="REPO", help="also upload to this dataset repo")
    parser.add_argument("--include-lyrics", action="store_true", help="keep the lyric text (copyrighted!)")
    parser.add_argument("--revision", default=None, help="model revision to record (default: detected)")
    args = parser.parse_args(argv)
    try:
        ds = build(args.model, args.lyrics, args.output, args.push_to_hub, args.include_lyrics, args.revision)
    except (LyricsFileError, SongDatasetError, ModelLoadError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {len(ds)} songs x {len(ds.features['top_label'].names)} labels to {args.output}"
          + (f" and pushed to {args.push_to_hub}" if args.push_to_hub else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
