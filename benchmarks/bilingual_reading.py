"""Bilingual reading on real chart lyrics: how much of each song is read, how fast, and whether a song's English
lines read like its Korean ones.

Reads every song of a lyrics file (the crawler's JSONL; default ``../shared/data/kpop_dev/lyrics.jsonl``, research
use only, read here and never copied) as a catalog build does (``read_songs`` with stanzas), once with the Korean
model alone and once with the default bilingual reading (:class:`hub.models.bilingual.BilingualModel`), in one
run, and prints:

* coverage: songs with a vector, median read share, the share of songs read to at least 0.9 and less than 0.5;
* speed: songs/s of each (interleaved rounds in one process, the best of each) and their ratio;
* the map into KOTE's labels, for each calibration the English model's trainer learned (``calibrations.json``): in songs with
  both at least ``--min-letters`` Korean and English letters, the centred cosine (on the catalog's mean profile)
  of the song's Korean part and its English part, against the same for a Korean part and another song's English
  part (random pairs), and how often the two parts' top groups agree. A map that reads English into the same
  feelings as Korean makes the same song's two halves clearly closer than two songs' halves.

    python benchmarks/bilingual_reading.py [--lyrics FILE] [--limit N] [--korean-model gasa-korean-kote]
        [--english-model gasa-english-goemotions]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_LYRICS = Path(__file__).resolve().parents[2] / "shared" / "data" / "kpop_dev" / "lyrics.jsonl"


def read_lyrics(path, limit: int = 0) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("lyrics"):
                out.append(row["lyrics"])
            if limit and len(out) >= limit:
                break
    return out


def coverage(readings) -> dict:
    shares = np.array([r.read_share if r.scored else 0.0 for r in readings])
    return {"songs": len(readings), "with_vector": int(sum(r.scored for r in readings)),
            "read_share_median": round(float(np.median(shares)), 3),
            "read_at_least_0.9": round(float(np.mean(shares >= 0.9)), 3),
            "read_under_0.5": round(float(np.mean(shares < 0.5)), 3)}


def timed(model, lyrics) -> tuple[list, float]:
    start = time.perf_counter()
    readings = model.read_songs(lyrics, stanzas=True)
    return readings, len(lyrics) / (time.perf_counter() - start)


def halves(bilingual, lyrics, min_letters: int):
    """Per song with enough of both languages: its Korean part's and English part's label vectors (KOTE)."""
    from hub.text.clean import check_lyrics
    from hub.text.language import LETTER, lines_in

    korean, english = [], []
    for text in lyrics:
        try:
            text = check_lyrics(text)
        except ValueError:
            continue
        parts = {lang: lines_in(text, lang) for lang in ("ko", "en")}
        if all(len(LETTER.findall(p)) >= min_letters for p in parts.values()):
            korean.append(parts["ko"])
            english.append(parts["en"])
    ko = bilingual.korean.predict_with_groups(korean) if korean else (np.zeros((0, 44)), np.zeros((0, 7)))
    en_probs, en_groups = bilingual.english.predict_with_groups(english) if english else (None, None)
    return ko, en_probs, en_groups


def map_agreement(space, ko, en_probs, en_groups, mean, seed: int = 0) -> dict:
    """Centred cosine of a song's two halves, against random pairs; top-group agreement of the halves (each top
    group from the group heads, as the app shows it)."""
    from hub.labels import KOTE

    ko, ko_g = ko
    en, en_g = space(en_probs, en_groups)
    a, b = ko - mean, en - mean
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    same = np.sum(a * b, axis=1)
    shuffled = np.random.default_rng(seed).permutation(len(b))
    other = np.sum(a * b[shuffled], axis=1)
    shared = [KOTE.group_order.index(g) for g in KOTE.shared_groups]
    top_ko, top_en = ko_g[:, shared].argmax(1), en_g[:, shared].argmax(1)
    return {"same_song_cosine_median": round(float(np.median(same)), 3),
            "random_pair_cosine_median": round(float(np.median(other)), 3),
            "same_song_closer_than_random": round(float(np.mean(same > other)), 3),
            "top_group_same_song": round(float(np.mean(top_ko == top_en)), 3),
            "top_group_random_pair": round(float(np.mean(top_ko == top_en[shuffled])), 3),
            "english_mean_minus_korean_mean": round(float(np.mean(en.mean(0) - ko.mean(0))), 3),
            "top_group_shares_korean": _shares(top_ko, shared), "top_group_shares_english": _shares(top_en, shared)}


def _shares(top, shared) -> dict:
    from hub.labels import KOTE

    return {KOTE.shared_groups[i]: round(float(np.mean(top == i)), 2) for i in range(len(shared))}


def main(argv=None) -> int:
    from hub.models.bilingual import DEFAULT_ENGLISH_MODEL, BilingualModel, KoteSpace, load_english, stored_calibrations
    from hub.models.registry import load_predictor

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lyrics", default=str(DEFAULT_LYRICS), help="lyrics JSONL (song_id, lyrics)")
    p.add_argument("--limit", type=int, default=0, help="only the first N songs with lyrics")
    p.add_argument("--korean-model", default="gasa-korean-kote")
    p.add_argument("--english-model", default=DEFAULT_ENGLISH_MODEL)
    p.add_argument("--rounds", type=int, default=2, help="timed rounds of each (the best counts)")
    p.add_argument("--min-letters", type=int, default=80, help="letters of each language a song needs for the map check")
    args = p.parse_args(argv)
    lyrics = read_lyrics(args.lyrics, args.limit)
    korean = load_predictor(args.korean_model)
    bilingual = BilingualModel(korean, load_english(args.english_model))
    for model in (korean, bilingual):
        model.read_songs(lyrics[:20], stanzas=True)  # warm up: Kiwi
    ko_rate = bi_rate = 0.0
    for _ in range(args.rounds):  # interleaved rounds, the best of each: a busy moment hits both alike
        ko_readings, rate = timed(korean, lyrics)
        ko_rate = max(ko_rate, rate)
        bi_readings, rate = timed(bilingual, lyrics)
        bi_rate = max(bi_rate, rate)
    print(f"{len(lyrics)} songs from {args.lyrics}")
    print("coverage, Korean model alone:", json.dumps(coverage(ko_readings)))
    print("coverage, bilingual (default):", json.dumps(coverage(bi_readings)))
    print(f"speed: Korean alone {ko_rate:.1f} songs/s, bilingual {bi_rate:.1f} songs/s, "
          f"ratio {bi_rate / ko_rate:.2f} (one process, {len(lyrics)} songs each, best of {args.rounds} interleaved rounds)")

    ko, en_probs, en_groups = halves(bilingual, lyrics, args.min_letters)
    print(f"map check: {len(ko[0])} songs with at least {args.min_letters} Korean and English letters each")
    if len(ko[0]) >= 10:
        mean = np.mean([r.probs for r in bi_readings if r.scored], axis=0)  # the catalog's mean profile
        variants = {"shipped": None, **stored_calibrations(bilingual.english)}  # gasa's: every one its trainer learned
        for name, cal in variants.items():
            space = KoteSpace(bilingual.english, calibration=cal)
            print(f"  calibration {name}:", json.dumps(map_agreement(space, ko, en_probs, en_groups, mean)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
