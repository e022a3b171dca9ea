"""Compare emotion models on a labelled file: accuracy, macro/micro F1, cross-entropy and the
similarity-weighted score L = mean_i sum_j S[y_i, j] P[i, j].

    python -m training.evaluate --model runs/arch2 --model hun3359/klue-bert-base-sentiment \
        --data 감성대화말뭉치(최종데이터)_Validation.json --similarity taxonomy --output report.json

Any sequence classifier with the same 60 labels (in E-code order) works as a comparator.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hub.labelled_data import DataFormatError, read_labelled
from hub.labels import AIHUB, SIMILARITY_KINDS, Taxonomy, similarity_matrix
from hub.metrics import classification_scores
from hub.predictor import EmotionPredictor, ModelLoadError, clean_lyrics, load_predictor


class LabelMismatchError(ValueError):
    pass


def check_labels(predictor: EmotionPredictor, taxonomy: Taxonomy, data_source: str) -> None:
    """A model must score exactly the data's labels, in the same order."""
    if len(predictor.labels) != len(taxonomy):
        raise LabelMismatchError(
            f"model {predictor.name} has {len(predictor.labels)} labels but {data_source} uses the "
            f"{len(taxonomy)} {taxonomy.name} labels; evaluate it on data with its own label set."
        )
    renamed = [(i, a, b) for i, (a, b) in enumerate(zip(predictor.labels, taxonomy.labels)) if a != b]
    if renamed and not all(str(a).upper() in (f"LABEL_{i}", taxonomy.codes[i] if taxonomy.codes else "")
                           for i, a, _ in renamed):
        i, a, b = renamed[0]
        raise LabelMismatchError(
            f"model {predictor.name} names label {i} {a!r} where {taxonomy.name} has {b!r}: the label order differs."
        )


def evaluate(model_names, data_path, similarity: str = "taxonomy", similarity_model: str | None = None,
             taxonomy: Taxonomy = AIHUB, predictors: dict | None = None):
    """Scores per model (list of dicts) and the S matrix used."""
    data = read_labelled(data_path, taxonomy)
    predictors = predictors or {}
    for name in model_names:
        if name not in predictors:
            predictors[name] = load_predictor(name)
        check_labels(predictors[name], taxonomy, data.source)
    model, tokenizer = None, None
    if similarity == "embedding":
        if similarity_model:
            source = predictors.get(similarity_model) or load_predictor(similarity_model)
        else:  # the first transformer model being evaluated
            source = next((p for p in predictors.values() if hasattr(p, "tokenizer")), None)
        if source is None or not hasattr(source, "tokenizer"):
            raise ValueError("the embedding similarity needs a transformer model: pass --similarity-model")
        model, tokenizer = source.model, source.tokenizer
    s = similarity_matrix(similarity, taxonomy, model=model, tokenizer=tokenizer)
    texts = [clean_lyrics(t) for t in data.texts]
    rows = []
    for name in model_names:
        probs = predictors[name].predict_texts(texts, progress=True)
        rows.append({"model": name, "rows": len(texts), **classification_scores(probs, data.labels, s)})
    return rows, s


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("--model", action="append", required=True, help="model folder or Hub id (repeatable)")
    p.add_argument("--data", required=True, help="AI-Hub .json/.zip/.xlsx or csv/tsv/jsonl with text,label")
    p.add_argument("--similarity", choices=SIMILARITY_KINDS, default="taxonomy")
    p.add_argument("--similarity-model", help="model whose encoder embeds the label names (embedding S)")
    p.add_argument("--output", help="write the report as JSON here")
    p.add_argument("--heatmap", help="PNG of S (default: next to --output, or similarity_<kind>.png)")
    args = p.parse_args(argv)
    try:
        rows, s = evaluate(args.model, args.data, args.similarity, args.similarity_model)
    except (DataFormatError, ModelLoadError, LabelMismatchError, ValueError) as e:
        sys.exit(f"error: {e}")

    from hub.plots import plot_similarity_matrix
    from training.cards import markdown_table

    print(markdown_table(rows))
    heatmap = Path(args.heatmap or (Path(args.output).with_suffix("").as_posix() + f"_S_{args.similarity}.png"
                                    if args.output else f"similarity_{args.similarity}.png"))
    plot_similarity_matrix(s, list(AIHUB.labels), f"S = {args.similarity}").savefig(heatmap, dpi=110)
    print(f"S heatmap: {heatmap}")
    if args.output:
        report = {"data": args.data, "similarity": args.similarity, "heatmap": str(heatmap), "results": rows}
        Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"report: {args.output}")


if __name__ == "__main__":
    main()
