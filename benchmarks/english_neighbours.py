"""Do English-dominant songs find each other? The English model's calibrations compared on a real catalog.

Reads every song of a lyrics file (the crawler's JSONL; default ``../shared/data/kpop_dev/lyrics.jsonl``, research
use only, read here and never copied) bilingually, as a catalog build does, once per calibration of the English
model into the Korean model's scale (``--calibration``: ``shipped``, the model's own ``kote_calibration``, or one its
trainer wrote to ``calibrations.json``), builds the song dataset in memory, and prints per calibration:

* spread: summed over the 51 columns, the standard deviation of English-dominant songs' vectors (at least
  ``--english-share`` of their letters Latin) and of Korean songs' (under ``--mixed-share``);
* English neighbours: the share of English-dominant songs among English-dominant songs' top-10 (other artists
  only, :meth:`hub.recommender.Recommender.neighbours`); the catalog share is what a reading blind to language
  would give;
* top-1: the median similarity of each English-dominant and each Korean song to its first recommendation (other
  artists only), and the median over random pairs (the centred measure puts it near 0);
* with ``--ratings``, agreement with blind raters (:func:`benchmarks.reading_agreement.agreement`): top group over
  all rated songs and the mixed ones, top label among the raters' on the mixed ones.

``--top1 FILE`` also writes, per calibration, each song's first recommendation (song ids only) for a blind A/B.

    python benchmarks/english_neighbours.py [--lyrics FILE] [--english-model gasa-english-goemotions]
        [--calibration shipped --calibration stanzas ...] [--ratings RATINGS.json] [--top1 OUT.json] [--limit N]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_LYRICS = Path(__file__).resolve().parents[2] / "shared" / "data" / "kpop_dev" / "lyrics.jsonl"


def catalog(model, records: list[dict]):
    """The recommender a build of ``records`` with ``model`` gives (in memory, nothing written)."""
    from hub.recommender import Recommender
    from hub.song_dataset import build_song_dataset
    from training.song_build.core import read_all

    readings = read_all(model, records, progress=False)
    scored = [(rec, r) for rec, r in zip(records, readings) if r.scored]
    ds = build_song_dataset([rec for rec, _ in scored], [r.probs for _, r in scored], list(model.labels),
                            model_name=model.name, model_revision=None, statuses=[r.status for _, r in scored],
                            read_shares=[r.read_share for _, r in scored],
                            stanza_vectors=[r.stanza_probs for _, r in scored])
    return Recommender.from_dataset(ds)


def top1(rec, rows) -> tuple[np.ndarray, list]:
    """Each row's first recommendation (other artists only): its similarity and its song id."""
    ids = rec.songs["song_id"]
    sims, tops = [], []
    for row in rows:
        first = rec.recommend(ids[row], k=1, exclude_same_artist=True, explain=False)
        sims.append(float(first["similarity"].iloc[0]) if len(first) else np.nan)
        tops.append(first["song_id"].iloc[0] if len(first) else None)
    return np.array(sims), tops


def neighbour_figures(rec, shares: np.ndarray, english_share: float, mixed_share: float, seed: int = 0) -> dict:
    """The catalog figures above for one recommender (``shares``: each catalog row's share of Latin letters)."""
    ok = np.asarray(rec.recommendable, dtype=bool)
    english, korean = ok & (shares >= english_share), ok & (shares < mixed_share)
    nb = rec.neighbours(k=10, exclude_same_artist=True)[english]
    found = nb[nb >= 0]
    en_top1, _ = top1(rec, np.flatnonzero(english))
    ko_top1, _ = top1(rec, np.flatnonzero(korean))
    rng = np.random.default_rng(seed)
    sample = rng.choice(np.flatnonzero(ok), size=min(400, int(ok.sum())), replace=False)
    pairs = rec.similarity_matrix(list(rec.songs["song_id"].iloc[sample]))
    return {"english_songs": int(english.sum()), "catalog_english_share": round(float(english[ok].mean()), 3),
            "english_spread": round(float(rec.vectors[english].std(0).sum()), 2),
            "korean_spread": round(float(rec.vectors[korean].std(0).sum()), 2),
            "english_neighbours_english": round(float(english[found].mean()), 3),
            "english_top1_median": round(float(np.nanmedian(en_top1)), 3),
            "korean_top1_median": round(float(np.nanmedian(ko_top1)), 3),
            "random_pair_median": round(float(np.median(pairs[~np.eye(len(sample), dtype=bool)])), 3)}


def main(argv=None) -> int:
    from benchmarks.reading_agreement import agreement, latin_share, read_ratings
    from hub.lyrics_file import read_records
    from hub.models.bilingual import DEFAULT_ENGLISH_MODEL, KoteSpace, calibration_named, load_reader
    from training.cards import markdown_table

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lyrics", default=str(DEFAULT_LYRICS), help="lyrics JSONL (song_id, lyrics)")
    p.add_argument("--korean-model", default="gasa-korean-kote")
    p.add_argument("--english-model", default=DEFAULT_ENGLISH_MODEL, help="name or folder of the English model")
    p.add_argument("--calibration", action="append",
                   help="shipped, or a name in the model's calibrations.json (repeat; default: stanzas, "
                        "stanzas-spread)")
    p.add_argument("--english-share", type=float, default=0.8, help="Latin letters of an English-dominant song")
    p.add_argument("--mixed-share", type=float, default=0.2, help="Latin letters of a mixed song (below: Korean)")
    p.add_argument("--ratings", default=None, help="blind raters' consensus (benchmarks/reading_agreement.py)")
    p.add_argument("--top1", default=None, help="write each song's first recommendation per calibration here")
    p.add_argument("--limit", type=int, default=0, help="only the first N records (a quick check)")
    args = p.parse_args(argv)
    records = read_records(args.lyrics)[: args.limit or None]
    lyrics = {str(r["song_id"]): r.get("lyrics") or "" for r in records}
    ratings = read_ratings(args.ratings) if args.ratings else []
    mixed = [r for r in ratings if latin_share(lyrics.get(r["song_id"], "")) >= args.mixed_share]
    model = load_reader(args.korean_model, args.english_model)
    rows, firsts = [], {}
    for name in args.calibration or ["stanzas", "stanzas-spread"]:
        try:
            calibration = calibration_named(model.english, name)
        except ValueError as e:  # a name the trainer did not write
            raise SystemExit(str(e)) from None
        model.space = KoteSpace(model.english, calibration=calibration)
        rec = catalog(model, records)
        shares = np.array([latin_share(lyrics[str(s)]) for s in rec.songs["song_id"]])
        row = {"calibration": name, **neighbour_figures(rec, shares, args.english_share, args.mixed_share)}
        if ratings:
            every, some = agreement(model, ratings, lyrics), agreement(model, mixed, lyrics)
            row.update({f"top_group_all_{every['songs']}": round(every["top_group"], 3),
                        f"top_group_mixed_{some['songs']}": round(some["top_group"], 3),
                        "top_label_mixed": round(some["top_label_in_raters_labels"], 3)})
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
        rows.append(row)
        if args.top1:
            ok = np.flatnonzero(rec.recommendable)
            firsts[name] = dict(zip(map(str, rec.songs["song_id"].iloc[ok]), map(str, top1(rec, ok)[1])))
    print(markdown_table([{k: f"{v:g}" if isinstance(v, float) else v for k, v in row.items()} for row in rows]))
    if args.top1:
        Path(args.top1).write_text(json.dumps(firsts), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
