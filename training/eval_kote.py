"""Measure a Korean 60-label engine against people: KOTE val (human-labelled comments, 44 labels).

    python -m training.eval_kote [--data ../shared/data/kote] [--model gasa-korean-engine] [--output kote.json]

KOTE labels are mapped to the six AI-Hub groups where the meaning matches (``KOTE_TO_AIHUB_GROUP``;
labels with no clear counterpart — 감동/감탄, 존경, 비장함, 깨달음, 없음, 불쌍함/연민, 우쭐댐/무시함,
신기함/관심, 재미없음, 아껴주는, 부담/안_내킴, 어이없음 — are left out). A comment's gold groups are
the groups its (union-of-raters) labels map to; comments with none are skipped.

Figures:
* ``agreement``: the engine's top group (group with the most probability mass) is one of the gold
  groups; ``majority baseline``: always answering the group that is most often gold;
* ``agreement (plurality gold)``: the top group is the gold group with the most mapped labels
  (ties all count), against always answering the most frequent plurality group;
* the same on the comments where the engine found at least one dictionary word (coverage);
* the mean 슬픔-group mass on comments people labelled 슬픔/서러움/절망 vs 기쁨/행복/즐거움/신남.
"""
from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np

from hub.labels import AIHUB

KOTE_TO_AIHUB_GROUP = {
    "불평/불만": "분노", "화남/분노": "분노", "짜증": "분노", "증오/혐오": "분노", "역겨움/징그러움": "분노",
    "지긋지긋": "분노", "귀찮음": "분노",
    "슬픔": "슬픔", "안타까움/실망": "슬픔", "절망": "슬픔", "서러움": "슬픔",
    "공포/무서움": "불안", "불안/걱정": "불안", "의심/불신": "불안",
    "힘듦/지침": "상처", "경악": "상처",
    "당황/난처": "당황", "부끄러움": "당황", "한심함": "당황", "죄책감": "당황", "패배/자기혐오": "당황",
    "놀람": "당황",
    "기쁨": "기쁨", "행복": "기쁨", "즐거움/신남": "기쁨", "고마움": "기쁨", "안심/신뢰": "기쁨",
    "편안/쾌적": "기쁨", "뿌듯함": "기쁨", "흐뭇함(귀여움/예쁨)": "기쁨", "환영/호의": "기쁨", "기대감": "기쁨",
}
SAD_LABELS = ("슬픔", "서러움", "절망")
JOY_LABELS = ("기쁨", "행복", "즐거움/신남")
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "kote"


class KoteDataError(ValueError):
    pass


def read_kote(folder: Path) -> tuple[list[str], list[list[str]]]:
    names_file, rows_file = folder / "labels.txt", folder / "val.tsv"
    for f in (names_file, rows_file):
        if not f.is_file():
            raise KoteDataError(f"{f} not found: pass --data with the folder holding labels.txt and val.tsv")
    names = names_file.read_text(encoding="utf-8").split("\n")
    names = [n.strip() for n in names if n.strip()]
    texts, labels = [], []
    with rows_file.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if len(row) < 3:
                raise KoteDataError(f"{rows_file} row {n}: expected id, text, label ids; got {len(row)} fields")
            try:
                labels.append([names[int(i)] for i in row[2].split(",") if i.strip()])
            except (ValueError, IndexError):
                raise KoteDataError(f"{rows_file} row {n}: bad label ids {row[2]!r}") from None
            texts.append(row[1])
    return texts, labels


def group_mass(probs: np.ndarray) -> np.ndarray:
    """(n, 60) -> (n, 6) summed per AI-Hub group (group order)."""
    groups = np.array(AIHUB.groups)
    return np.stack([probs[:, groups == g].sum(1) for g in AIHUB.group_order], axis=1)


def evaluate(predictor, texts, labels, progress=True) -> dict:
    from hub.korean_text import has_korean

    keep = [i for i, t in enumerate(texts) if has_korean(t)]
    gold_sets, plurality = [], []
    for i in keep:
        counts = Counter(KOTE_TO_AIHUB_GROUP[l] for l in labels[i] if l in KOTE_TO_AIHUB_GROUP)
        gold_sets.append(set(counts))
        top = max(counts.values(), default=0)
        plurality.append({g for g, c in counts.items() if c == top})
    probs = predictor.predict_texts([texts[i] for i in keep], progress=progress)
    mass = group_mass(probs)
    order = AIHUB.group_order
    top_group = [order[j] for j in mass.argmax(1)]
    covered = np.abs(probs - 1 / probs.shape[1]).max(1) > 1e-6  # found at least one dictionary word
    scored = np.array([bool(g) for g in gold_sets])

    def agreement(gold, mask):
        idx = np.flatnonzero(mask & scored)
        hits = np.mean([top_group[i] in gold[i] for i in idx])
        freq = Counter(g for i in idx for g in gold[i])
        majority, _ = freq.most_common(1)[0]
        base = np.mean([majority in gold[i] for i in idx])
        return {"n": int(len(idx)), "engine": float(hits), "majority_baseline": float(base), "majority_group": majority}

    sad_col = order.index("슬픔")
    sad = [k for k, i in enumerate(keep) if any(l in SAD_LABELS for l in labels[i])]
    joy = [k for k, i in enumerate(keep) if any(l in JOY_LABELS for l in labels[i]) and
           not any(l in SAD_LABELS for l in labels[i])]
    return {
        "model": getattr(predictor, "name", ""),
        "rows": len(texts), "korean_rows": len(keep), "coverage": float(covered.mean()),
        "any_gold_group": agreement(gold_sets, np.ones(len(keep), bool)),
        "plurality_gold_group": agreement(plurality, np.ones(len(keep), bool)),
        "any_gold_group_covered": agreement(gold_sets, covered),
        "sadness_mass": {"sad_labelled": float(mass[sad, sad_col].mean()), "n_sad": len(sad),
                         "joy_labelled": float(mass[joy, sad_col].mean()), "n_joy": len(joy)},
        "group_map": KOTE_TO_AIHUB_GROUP,
    }


def main(argv=None):
    from hub.predictor import load_predictor
    from training.cards import markdown_table

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA), help="folder with KOTE labels.txt and val.tsv")
    ap.add_argument("--model", default="gasa-korean-engine", help="predictor name, folder or Hub id (60 AI-Hub labels)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N rows (0 = all)")
    ap.add_argument("--output", help="write the figures as JSON here")
    args = ap.parse_args(argv)
    texts, labels = read_kote(Path(args.data))
    if args.limit:
        texts, labels = texts[:args.limit], labels[:args.limit]
    predictor = load_predictor(args.model)
    if list(predictor.labels) != list(AIHUB.labels):
        raise SystemExit(f"{args.model} predicts {len(predictor.labels)} labels, not the 60 AI-Hub labels")
    result = evaluate(predictor, texts, labels)
    rows = []
    for key, title in (("any_gold_group", "top group in gold groups"),
                       ("plurality_gold_group", "top group = plurality gold group"),
                       ("any_gold_group_covered", "top group in gold groups (rows with a dictionary word)")):
        r = result[key]
        rows.append({"measure": title, "rows": r["n"], "engine": f"{r['engine']:.3f}",
                     "majority baseline": f"{r['majority_baseline']:.3f} ({r['majority_group']})"})
    print(markdown_table(rows))
    s = result["sadness_mass"]
    print(f"\ncoverage (rows with a dictionary word): {result['coverage']:.3f}")
    print(f"mean 슬픔-group mass: sad-labelled {s['sad_labelled']:.3f} (n={s['n_sad']}) vs "
          f"joy-labelled {s['joy_labelled']:.3f} (n={s['n_joy']})")
    if args.output:
        Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
