"""Build the offline Korean engine's dictionary: seeds per AI-Hub label expanded with Kiwi embeddings.

    python -m training.build_korean_lexicon [--seeds hub/data/aihub_seeds.json] [--output hub/data/aihub_lexicon.json]

The rule is documented in :mod:`hub.korean_engine`. The output is committed so the app loads it
without searching the embeddings.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from hub.korean_engine import LEXICON_FILE, SEEDS_FILE, build_lexicon, read_seeds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default=str(SEEDS_FILE))
    ap.add_argument("--output", default=str(LEXICON_FILE))
    ap.add_argument("--top-n", type=int, default=40, help="neighbours fetched per seed")
    ap.add_argument("--min-similarity", type=float, default=0.6)
    ap.add_argument("--margin", type=float, default=0.03, help="how much the best group must beat the next")
    ap.add_argument("--expansion-weight", type=float, default=0.5)
    args = ap.parse_args(argv)
    lexicon = build_lexicon(read_seeds(args.seeds), top_n=args.top_n, min_similarity=args.min_similarity,
                            margin=args.margin, expansion_weight=args.expansion_weight)
    out = Path(args.output)
    out.write_text(json.dumps(lexicon, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"{lexicon['seed_keys']} seed morphemes + {lexicon['expanded_keys']} expansions -> {out} "
          f"({out.stat().st_size / 1024:.0f} KB); not expanded (weak embedding): {', '.join(lexicon['not_expanded']) or '-'}")


if __name__ == "__main__":
    main()
