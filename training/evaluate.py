"""Compare emotion models on a labelled file.

    python -m training.evaluate --model runs/arch2 --model hun3359/klue-bert-base-sentiment \
        --data 감성대화말뭉치(최종데이터)_Validation.json --similarity taxonomy --output report.json
    python -m training.evaluate --model gasa-korean-kote --data kote.tsv --labels kote --output report.json

``--labels`` names the data's label set: ``aihub`` (60 labels, single-label), ``kote`` (44, multi-label;
KOTE's TSV or Parquet) or ``goemotions`` (28, multi-label). The figures per model, and how a model
over another label set or an unreadable row is counted, are :mod:`hub.evaluation`'s (the scorer the
Space's evaluation tab shares); this module is its command line: it prints the table, draws S as a
heatmap and writes the JSON report.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The scorer's names stay importable from here, as they were before it moved to hub/.
from hub.evaluation import LabelMismatchError, check_labels, evaluate, same_labels, score_model  # noqa: F401
from hub.labelled_data import DataFormatError
from hub.labels import SIMILARITY_KINDS, TAXONOMIES
from hub.models.base import ModelLoadError


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("--model", action="append", required=True,
                   help="model folder, Hub id or built-in name such as gasa-korean-kote (repeatable)")
    p.add_argument("--data", required=True, help="AI-Hub .json/.zip/.xlsx, KOTE .tsv/.parquet, or csv/tsv/jsonl "
                                                 "with text,label")
    p.add_argument("--labels", choices=[t for t in TAXONOMIES if t != "breakup"], default="aihub",
                   help="the data's label set (default aihub)")
    p.add_argument("--similarity", choices=SIMILARITY_KINDS, default="taxonomy")
    p.add_argument("--similarity-model", help="model whose encoder embeds the label names (embedding S)")
    p.add_argument("--output", help="write the report as JSON here")
    p.add_argument("--heatmap", help="PNG of S (default: next to --output, or similarity_<kind>.png)")
    args = p.parse_args(argv)
    taxonomy = TAXONOMIES[args.labels]
    try:
        rows, s = evaluate(args.model, args.data, args.similarity, args.similarity_model, taxonomy=taxonomy)
    except (DataFormatError, ModelLoadError, LabelMismatchError, ValueError) as e:
        sys.exit(f"error: {e}")

    from hub.plots import plot_similarity_matrix
    from training.cards import markdown_table

    keys = list(dict.fromkeys(k for r in rows for k in r))
    print(markdown_table([{k: r.get(k, "-") for k in keys} for r in rows]))
    heatmap = Path(args.heatmap or (Path(args.output).with_suffix("").as_posix() + f"_S_{args.similarity}.png"
                                    if args.output else f"similarity_{args.similarity}.png"))
    plot_similarity_matrix(s, list(taxonomy.labels), f"S = {args.similarity}").savefig(heatmap, dpi=110)
    print(f"S heatmap: {heatmap}")
    if args.output:
        report = {"data": args.data, "labels": args.labels, "similarity": args.similarity, "heatmap": str(heatmap),
                  "results": rows}
        Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"report: {args.output}")


if __name__ == "__main__":
    main()
