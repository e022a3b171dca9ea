"""How a model's reading of real songs agrees with blind raters (../shared/protocols/blind-raters.md).

Reads the songs a ratings file names from a lyrics file in the crawler's shape (``song_id``, ``lyrics``), scores
them with a model as a catalog build does (``read_songs``: the song's readable part, stanza by stanza), and
compares with the raters' consensus:

* top group: the model's top emotion group (the catch-all 기타 left out) against the raters' dominant group;
* top label: the model's most likely label among the raters' labels (KOTE models);
* valence: the sign of (joy group - the negative groups) against the raters' mean valence (songs rated 0 left out);
* baselines: always answering the most common consensus group, and the confusions (rater -> model).

Ratings: a JSON object or list of ``{"song_id": ..., "group": ..., "labels": [...], "valence": v}`` (one per song,
the consensus of two raters; songs they disagreed on left out). The ratings and the lyrics are research data kept
outside the project: pass their paths.

    python benchmarks/reading_agreement.py --ratings RATINGS.json --lyrics ../shared/data/kpop_dev/lyrics.jsonl
        [--model gasa-korean-kote] [--model OTHER ...] [--english-model gasa-english-goemotions | none]

``--headroom`` also asks where the misses come from (research only: nothing here is shipped). It fits a
recalibration of the model's own outputs on the rated songs themselves (the six group scores, per-stanza
statistics of each group's strongest label, the 44 label probabilities; multinomial logistic regression,
cross-validated), an upper bound on what any re-weighting, prior adjustment or stanza aggregation of this
reader could reach, and scores other ways of naming the top label (best label of the top group, the label
most above its threshold, the best label of the raters' own group as an oracle, any of the top three).

Each model reads as a catalog build does: a KOTE model with the English model beside it (the default; ``none``
reads Korean lines only). The figures are given for all songs, and apart for mixed songs (at least
``--mixed-share`` of their letters Latin) and the others, so that English lines are seen to be read no worse.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NEGATIVE_GROUPS = ("슬픔", "분노", "불안", "상처")


def read_ratings(path) -> list[dict]:
    ratings = json.loads(Path(path).read_text(encoding="utf-8"))
    return list(ratings.values()) if isinstance(ratings, dict) else list(ratings)


def agreement(model, ratings: list[dict], lyrics: dict[str, str]) -> dict:
    """The figures above for one model (songs it cannot read are counted and left out)."""
    rated = [r for r in ratings if r["song_id"] in lyrics]
    readings = model.read_songs([lyrics[r["song_id"]] for r in rated])
    groups = model.group_names() or []
    other = getattr(model.taxonomy(), "other_group", None)
    hits, label_hits, valence, confusions, read = [], [], [], collections.Counter(), 0
    for rating, reading in zip(rated, readings):
        if reading.group_scores is None:
            continue
        read += 1
        scores = dict(zip(groups, reading.group_scores))
        top = max((g for g in groups if g != other), key=scores.get)
        hits.append(top == rating["group"])
        if top != rating["group"]:
            confusions[f"{rating['group']}->{top}"] += 1
        label_hits.append(model.labels[int(np.argmax(reading.probs))] in rating.get("labels", []))
        if rating.get("valence"):
            leaning = scores.get("기쁨", 0) - max(scores.get(g, 0) for g in NEGATIVE_GROUPS)
            valence.append((leaning > 0) == (rating["valence"] > 0))
    consensus = collections.Counter(r["group"] for r in rated)
    return {"songs": read, "unread": len(rated) - read, "top_group": float(np.mean(hits)),
            "top_label_in_raters_labels": float(np.mean(label_hits)), "valence_sign": float(np.mean(valence)),
            "always_most_common_group": consensus.most_common(1)[0][1] / len(rated),
            "confusions": dict(confusions.most_common(6))}


def headroom(model, ratings: list[dict], lyrics: dict[str, str], folds: int = 5, seed: int = 0) -> dict:
    """The ``--headroom`` figures (module docstring) for one model with groups."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rated = [r for r in ratings if r["song_id"] in lyrics]
    readings = model.read_songs([lyrics[r["song_id"]] for r in rated], stanzas=True)
    groups, labels = model.group_names(), np.array(model.labels)
    other = getattr(model.taxonomy(), "other_group", None)
    emotion_groups = [g for g in groups if g != other]
    label_groups = np.array(model.taxonomy().groups)
    thresholds = getattr(model, "thresholds", None)
    thresholds = np.asarray(thresholds if thresholds is not None and len(thresholds) else [0.5] * len(labels), float)
    features, truth, top_label = [], [], collections.defaultdict(list)
    for rating, reading in zip(rated, readings):
        if reading.group_scores is None:
            continue
        scores = dict(zip(groups, reading.group_scores))
        stanzas = reading.stanza_probs if reading.stanza_probs is not None else reading.probs[None]
        stanzas = stanzas[~np.isnan(stanzas).any(axis=1)]
        strongest = np.stack([stanzas[:, label_groups == g].max(axis=1) for g in emotion_groups], axis=1)
        features.append(np.concatenate([[scores[g] for g in emotion_groups], strongest.mean(0), strongest.max(0),
                                        strongest.min(0), reading.probs]))
        truth.append(rating["group"])
        p, wanted = reading.probs, set(rating.get("labels", []))
        top = max(emotion_groups, key=scores.get)
        for name, choice in (("argmax (as shipped)", np.argmax(p)),
                             ("best label of the top group", np.argmax(np.where(label_groups == top, p, -1))),
                             ("most above its threshold", np.argmax(p / thresholds)),
                             ("oracle: best label of the raters' group",
                              np.argmax(np.where(label_groups == rating["group"], p, -1)))):
            top_label[name].append(labels[int(choice)] in wanted)
        top_label["any of the top three"].append(bool(wanted & set(labels[np.argsort(-p)[:3]])))
    x, y = np.log(np.clip(np.array(features), 1e-4, 1.0)), np.array(truth)
    folds = min(folds, int(min(collections.Counter(truth).values())))
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    columns = {"group scores": slice(0, len(emotion_groups)),
               "+ stanza statistics": slice(0, 4 * len(emotion_groups)), "+ 44 labels": slice(None)}
    ceiling = {name: {str(c): float(np.mean(cross_val_predict(LogisticRegression(C=c, max_iter=2000), x[:, cols], y,
                                                              cv=cv) == y)) for c in (0.1, 0.3, 1.0)}
               for name, cols in columns.items()}
    return {"songs": len(y), "folds": folds, "recalibrated_top_group (by C)": ceiling,
            "top_label": {k: float(np.mean(v)) for k, v in top_label.items()}}


def latin_share(text: str) -> float:
    from hub.text.language import LATIN_LETTER, LETTER

    letters = len(LETTER.findall(text))
    return len(LATIN_LETTER.findall(text)) / letters if letters else 0.0


def main(argv=None) -> int:
    from hub.models.bilingual import DEFAULT_ENGLISH_MODEL, load_reader

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--ratings", required=True, help="the raters' consensus (JSON, see above)")
    p.add_argument("--lyrics", required=True, help="lyrics JSONL with song_id and lyrics")
    p.add_argument("--model", action="append", help="model(s) to compare (default: gasa-korean-kote)")
    p.add_argument("--english-model", default=DEFAULT_ENGLISH_MODEL,
                   help=f"read English lines with this model (default {DEFAULT_ENGLISH_MODEL}; 'none': Korean only)")
    p.add_argument("--calibration", default="shipped",
                   help="gasa-english-goemotions' calibration into the Korean scale: shipped (default), or one its "
                        "trainer compared (calibrations.json: none, stanzas, stanzas-spread, comments)")
    p.add_argument("--headroom", action="store_true",
                   help="also fit a cross-validated recalibration on the rated songs and score other top-label "
                        "rules: how far this reader's outputs can go (research only)")
    p.add_argument("--mixed-share", type=float, default=0.2,
                   help="a song with at least this share of Latin letters counts as mixed (default 0.2)")
    args = p.parse_args(argv)
    lyrics = {}
    with open(args.lyrics, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            lyrics[str(row["song_id"])] = row.get("lyrics") or ""
    ratings = read_ratings(args.ratings)
    mixed = [r for r in ratings if latin_share(lyrics.get(r["song_id"], "")) >= args.mixed_share]
    others = [r for r in ratings if r not in mixed]
    for name in args.model or ["gasa-korean-kote"]:
        model = load_reader(name, args.english_model)
        if args.calibration != "shipped" and hasattr(model, "space"):
            from hub.models.bilingual import KoteSpace, calibration_named

            model.space = KoteSpace(model.english, calibration=calibration_named(model.english, args.calibration))
            print(f"calibration: {args.calibration} (stored beside {model.english.name})")
        print(model.name, json.dumps(agreement(model, ratings, lyrics), ensure_ascii=False))
        for part, rows in ((f"mixed (>= {args.mixed_share:.0%} Latin letters)", mixed), ("the others", others)):
            if rows:
                print(f"  {part}:", json.dumps(agreement(model, rows, lyrics), ensure_ascii=False))
        if args.headroom and model.group_names():
            print("  headroom:", json.dumps(headroom(model, ratings, lyrics), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
