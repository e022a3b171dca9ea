"""How many versions of a song (covers, remixes, live takes, re-releases) reach its own top-10, with what a
catalog knows of its songs' lyrics: nothing (a dataset built before lyric fingerprints), the fingerprints a
default build stores, or the lyrics themselves (``--include-lyrics``).

    python benchmarks/versions_in_results.py --songs CATALOG --lyrics ../shared/data/kpop_dev/lyrics.jsonl
        [--k 10] [--other-artists-only | --any-artist]

``CATALOG`` is a song-vector dataset built from ``--lyrics`` (``python -m training.build_song_vectors``).
The lyrics file is the judge: an entry of a song's top-k is a version of it when the two share a normalised
title (:func:`hub.works.normalise_title`) and their lyrics are near-identical (character 3-gram cosine at
least ``VERSION_LYRICS``, computed from the text). Entries that only share a title (another song named
"Love") are counted apart. Every song of the catalog is a query (``Recommender.neighbours``, the default
measure; other artists only by default, as the app's digging filter).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def count_versions(rec, lyrics: list[str], k: int, other_artists: bool, collapse: bool = True) -> dict:
    """Entries of every song's top-k sharing its normalised title, and those of them with the same lyrics."""
    from hub.works import VERSION_LYRICS, lyric_embedding, normalise_title

    titles = [normalise_title(t) for t in rec.songs["title"]]
    embedding = lyric_embedding(lyrics)
    same_title = same_lyrics = 0
    for query, row in enumerate(rec.neighbours(k=k, exclude_same_artist=other_artists,
                                                         collapse_versions=collapse)):
        for other in row[row >= 0]:
            if titles[other] == titles[query]:
                same_title += 1
                same_lyrics += bool(embedding[query] @ embedding[other] >= VERSION_LYRICS)
    return {"same title": same_title, "of them the same lyrics (versions)": same_lyrics}


def main(argv=None) -> int:
    from hub.recommender import Recommender
    from hub.song_dataset import FINGERPRINT_COLUMN, load_catalog_stats, load_song_vectors

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--songs", required=True, help="a song-vector dataset built from --lyrics")
    p.add_argument("--lyrics", required=True, help="the crawled lyrics JSONL it was built from (song_id, lyrics)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--any-artist", action="store_true", help="count over top-k lists of any artist (default: "
                                                             "other artists only)")
    args = p.parse_args(argv)
    ds = load_song_vectors(args.songs)
    text = {}
    with open(args.lyrics, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text[str(row["song_id"])] = row.get("lyrics") or ""
    lyrics = [text.get(str(s), "") for s in ds["song_id"]]
    stats = load_catalog_stats(args.songs, ds)
    fingerprints = ds[FINGERPRINT_COLUMN] if FINGERPRINT_COLUMN in ds.column_names else None
    catalogs = {
        "no collapsing": dict(collapse=False),
        "title, artist and vectors (a dataset without fingerprints)": dict(),
        "+ lyric fingerprints (the default build)": dict(lyric_fingerprints=fingerprints),
        "+ the lyrics themselves (--include-lyrics)": dict(lyrics=lyrics),
    }
    print(f"{len(ds)} songs, top-{args.k}, {'any artist' if args.any_artist else 'other artists only'}")
    for name, options in catalogs.items():
        if "lyric_fingerprints" in options and fingerprints is None:
            print(f"{name}: the dataset has no {FINGERPRINT_COLUMN} column (built before them)")
            continue
        collapse = options.pop("collapse", True)
        rec = Recommender.from_dataset(ds.remove_columns([c for c in (FINGERPRINT_COLUMN,) if c in ds.column_names]),
                                       stats=stats, **options)
        counts = count_versions(rec, lyrics, args.k, not args.any_artist, collapse)
        print(f"{name}: {json.dumps(counts, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
