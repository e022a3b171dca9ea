"""Fine-tune an emotion classifier (baseline / Architecture 1 / Architecture 2) on AI-Hub
감성대화말뭉치 (single-label) or KOTE (multi-label) and save it as a Hub-ready folder with custom
code and a filled model card.

    python -m training.train_classifier --arch arch2 --base-model klue/bert-base \
        --train 감성대화말뭉치(최종데이터)_Training.json --valid 감성대화말뭉치(최종데이터)_Validation.json \
        --output runs/arch2 [--epochs 3] [--max-length 128] [--push-to-hub ORG/NAME]

    python -m training.train_classifier --labels kote --arch arch2 --base-model klue/bert-base \
        --train searle-j/kote --valid searle-j/kote --output runs/kote-arch2

Multi-label label sets (``--labels kote``, ``goemotions``): BCE with logits and a per-label
``pos_weight`` ((negatives/positives)^0.5, capped), macro average precision (threshold-free) picks
the best epoch, and per-label thresholds tuned on the validation data are saved in the model config
(``config.thresholds``, label order).

With ``--labels kote`` the lyric stanzas written for gasa (``--stanzas``, default
``training/data/gasa_lyric_stanzas.jsonl``: original stanzas labelled by design with KOTE labels) are fitted
beside the comments, ``--stanza-repeats`` times each, and ``--stanza-holdout`` of them are kept out to report
how often the model's top group is the one a held-out stanza was written with (``stanza_group_agreement``):
comments alone teach a model how people react online, and it reads songs as comments (the CPU model's
agreement with raters on real lyrics went from 0.52 to 0.65 with the stanzas; README "Reading lyrics").
``--stanzas none`` trains on the comments alone.

KOTE data (``--train``/``--valid``): a KOTE TSV (``id<TAB>text<TAB>comma-separated label ids``, no
header), a .parquet with the Hub's columns ID/text/labels, a csv/tsv/jsonl with text,label columns,
a folder of ``{split}.tsv`` files, or the Hub data set ``searle-j/kote`` (its converted Parquet);
folders and Hub ids take the split from ``--train-split`` (train) and ``--valid-split`` (validation).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from hub.labelled_data import DataFormatError, LabelledTexts, load_kote, read_labelled
from hub.labels import KOTE, TAXONOMIES, taxonomy_similarity
from hub.metrics import binary_cross_entropy, classification_scores, macro_average_precision, multilabel_scores
from hub.sources import staged_folder
from training.common import LYRIC_STANZAS, STANZA_REPEATS, evaluate, load_stanzas, pos_weights, stanza_agreement, \
    with_stanzas
from training.devices import DEVICES, DeviceError, describe_device, pick_device, precision_args, precision_name

MULTI_LABEL = "multi_label_classification"
# local files of these types go to hub.labelled_data.read_labelled; for KOTE, anything else
# (a folder, a Hub data set id) goes to load_kote
FILE_SUFFIXES = (".json", ".zip", ".xlsx", ".csv", ".tsv", ".jsonl", ".parquet")


HEAD_DESCRIPTIONS = {
    "baseline": "the encoder's pooled [CLS] output, dropout, then Linear(hidden, labels) "
                "(plain sequence classification).",
    "arch1": "Architecture 1 — the [CLS] vectors of the last and 4th-from-last layers, two Conv1d "
             "layers (kernel 2, padding 1) reducing the features to 64, average pooling, MLP to the labels.",
    "arch2": "Architecture 2 — [CLS] of the last layer, [CLS] of the 4th-from-last layer and the "
             "attention-masked mean of the last layer's other tokens, stacked to (3, hidden), mixed by "
             "a Conv1d into (1, hidden), then Linear(hidden, labels).",
}


def parse_args(argv=None):
    paragraphs = __doc__.split("\n\n")
    p = argparse.ArgumentParser(prog="python -m training.train_classifier",
                                description=" ".join(paragraphs[0].split()),
                                epilog="\n\n".join(paragraphs[-2:]), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", choices=list(HEAD_DESCRIPTIONS), required=True)
    p.add_argument("--base-model", required=True, help="encoder Hub id or local folder (e.g. klue/bert-base)")
    p.add_argument("--train", required=True,
                   help="AI-Hub .json / .zip / .xlsx, or csv/tsv/jsonl with text,label; with --labels kote also a "
                        "KOTE .tsv (id, text, label ids; no header), a .parquet (ID, text, labels), a folder of "
                        "{split}.tsv, or the Hub data set searle-j/kote")
    p.add_argument("--valid", required=True, help="the same kinds as --train")
    p.add_argument("--train-split", default="train",
                   help="split read when --train is a KOTE folder or Hub data set id (default: train)")
    p.add_argument("--valid-split", default="validation",
                   help="split read when --valid is a KOTE folder or Hub data set id (default: validation)")
    p.add_argument("--output", required=True, help="folder for the final model, tokenizer and card")
    p.add_argument("--labels", choices=sorted(TAXONOMIES), default="aihub",
                   help="label set of the data (aihub: 60 E-codes, single-label; kote: 44, multi-label; "
                        "goemotions: 28, multi-label; breakup: 4)")
    stanzas = p.add_argument_group("lyric stanzas written for gasa (--labels kote)")
    stanzas.add_argument("--stanzas", default=None,
                         help=f"JSONL of lyric stanzas with KOTE labels, fitted beside the comments (default with "
                              f"--labels kote: the shipped {LYRIC_STANZAS.name}; 'none' leaves them out)")
    stanzas.add_argument("--stanza-repeats", type=int, default=STANZA_REPEATS,
                         help=f"times each stanza is fitted (default {STANZA_REPEATS})")
    stanzas.add_argument("--stanza-holdout", type=float, default=0.2,
                         help="share of the stanzas never fitted, to report stanza_group_agreement on (default 0.2; "
                              "0 fits them all)")
    stanzas.add_argument("--stanza-seed", type=int, default=0,
                         help="which stanzas are held out (default 0: the fifth train_korean_kote holds out for its "
                              "figures), apart from --seed")
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--head-learning-rate", type=float, default=1e-3,
                   help="learning rate of the (randomly initialised) head; the encoder uses --learning-rate")
    p.add_argument("--class-weights", choices=("none", "balanced"), default="balanced",
                   help="balanced: single-label: cross-entropy weights n / (labels * count) from the training "
                        "file; multi-label: BCE pos_weight (negatives/positives)^--pos-weight-power per label, "
                        "between 1 and --max-pos-weight")
    p.add_argument("--pos-weight-power", type=float, default=0.5, help="multi-label: pos_weight exponent")
    p.add_argument("--max-pos-weight", type=float, default=30.0, help="multi-label: pos_weight cap")
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (smoke runs)")
    p.add_argument("--device", choices=DEVICES, default="auto",
                   help="auto (default): a CUDA GPU when one is visible, else the CPU; cpu or cuda force one")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=None,
                   help="bf16 mixed precision (default: on where the device has native bf16, i.e. recent GPUs)")
    p.add_argument("--fp16", action="store_true", help="fp16 mixed precision (CUDA only)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--push-to-hub", metavar="REPO", help="push model, tokenizer and card to this Hub repo")
    args = p.parse_args(argv)
    if args.stanzas is None:
        args.stanzas = str(LYRIC_STANZAS) if args.labels == "kote" else "none"
    elif args.labels != "kote" and args.stanzas.lower() != "none":
        p.error(f"--stanzas carries KOTE labels: use it with --labels kote, not --labels {args.labels}")
    if args.stanzas.lower() != "none" and args.stanza_repeats < 1:
        p.error(f"--stanza-repeats must be at least 1 to fit the stanzas (got {args.stanza_repeats}); "
                "--stanzas none leaves them out")
    if not 0 <= args.stanza_holdout < 1:
        p.error(f"--stanza-holdout is a share of the stanzas, at least 0 and below 1; got {args.stanza_holdout}")
    return args


def read_data(source: str, taxonomy, split: str) -> LabelledTexts:
    """Labelled texts from a local file (any reader of hub.labelled_data) or, for KOTE, also from a
    folder or the Hub data set (``split`` chooses which)."""
    if taxonomy is KOTE and not (Path(source).is_file() or Path(source).suffix.lower() in FILE_SUFFIXES):
        return load_kote(source, split)
    return read_labelled(source, taxonomy)


def source_name(source: str, split: str, taxonomy) -> str:
    """What the card calls a --train/--valid source: a file's name, or a folder / Hub id with its split."""
    path = Path(source)
    if path.is_file():
        return path.name
    return f"{path.name if path.is_dir() else source} ({split})" if taxonomy is KOTE else path.name


def encode(data: LabelledTexts, tokenizer, max_length: int):
    from datasets import Dataset

    labels = data.labels.astype(np.float32).tolist() if data.multi_label else data.labels.tolist()
    ds = Dataset.from_dict({"text": data.texts, "label": labels})
    return ds.map(lambda b: tokenizer(b["text"], truncation=True, max_length=max_length),
                  batched=True, remove_columns=["text"], desc=f"tokenizing {Path(data.source).name}")


def balanced_class_weights(labels: np.ndarray, num_labels: int) -> list[float]:
    """sklearn's 'balanced' weights, n / (k * count); labels absent from the data get weight 1."""
    counts = np.bincount(labels, minlength=num_labels).astype(float)
    present = counts > 0
    weights = np.ones(num_labels)
    weights[present] = len(labels) / (present.sum() * counts[present])
    return [round(float(w), 6) for w in weights]


def sigmoid(logits) -> np.ndarray:
    from scipy.special import expit

    return expit(np.asarray(logits, dtype=np.float64))


def make_optimizer(model, lr: float, head_lr: float, weight_decay: float = 0.01):
    """AdamW with a larger learning rate for the new head than for the pretrained encoder."""
    import torch

    encoder = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    head = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    return torch.optim.AdamW([{"params": encoder, "lr": lr}, {"params": head, "lr": head_lr}],
                             weight_decay=weight_decay)


def train(args) -> dict:
    from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments, \
        get_linear_schedule_with_warmup, set_seed

    from hub.modeling_gasa import GasaForSequenceClassification
    from training.cards import markdown_table, push_folder, write_model_card

    taxonomy = TAXONOMIES[args.labels]
    multi_label = taxonomy.multi_label
    train_data = read_data(args.train, taxonomy, args.train_split)
    valid_data = read_data(args.valid, taxonomy, args.valid_split)
    stanzas, held_stanzas, _, _ = load_stanzas(args.stanzas, args.stanza_holdout, args.stanza_seed)
    args.comment_rows, args.stanza_rows = len(train_data), (0, 0) if stanzas is None else (len(stanzas), len(held_stanzas))
    train_data = with_stanzas(train_data, stanzas, args.stanza_repeats)
    device = pick_device(args.device)
    precision = precision_args(device, args.bf16, args.fp16)
    args.device_used = f"{describe_device(device)}, {precision_name(precision)}"
    print(f"train: {len(train_data)} rows from {args.train}; valid: {len(valid_data)} rows from {args.valid}; "
          f"device: {args.device_used}")

    tokenizer = AutoTokenizer.from_pretrained(args.base_model)
    balanced = args.class_weights == "balanced"
    if multi_label:
        weights = {"pos_weight": [round(float(w), 6) for w in
                                  pos_weights(train_data.labels, args.pos_weight_power, args.max_pos_weight)]
                   if balanced else None}
    else:
        weights = {"class_weight": balanced_class_weights(train_data.labels, len(taxonomy)) if balanced else None}
    set_seed(args.seed)  # the new head's weights are drawn here, before the Trainer seeds anything
    model = GasaForSequenceClassification.from_encoder(
        args.base_model, head=args.arch, id2label=taxonomy.id2label, label2id=taxonomy.label2id,
        problem_type=MULTI_LABEL if multi_label else "single_label_classification", **weights,
    )
    similarity = None if multi_label else taxonomy_similarity(taxonomy)

    def compute_metrics(pred):
        logits, labels = pred
        if multi_label:  # thresholds are tuned after training, so a threshold-free score picks the best epoch
            probs = sigmoid(logits)
            return {**multilabel_scores(probs, labels, 0.5), "macro_average_precision": macro_average_precision(probs, labels),
                    "binary_cross_entropy": binary_cross_entropy(probs, labels)}
        from scipy.special import softmax

        return classification_scores(softmax(logits, axis=1), labels, similarity)

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="checkpoints-", dir=output.parent) as checkpoints:
        training_args = TrainingArguments(
            output_dir=checkpoints, num_train_epochs=args.epochs, max_steps=args.max_steps,
            per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=args.batch_size * 2,
            eval_strategy="epoch", save_strategy="epoch", save_total_limit=1, load_best_model_at_end=True,
            metric_for_best_model="macro_average_precision" if multi_label else "macro_f1", greater_is_better=True, logging_strategy="steps",
            logging_steps=50, report_to="none", seed=args.seed, save_only_model=True, **precision,
        )
        train_ds = encode(train_data, tokenizer, args.max_length)
        valid_ds = encode(valid_data, tokenizer, args.max_length)
        optimizer = make_optimizer(model, args.learning_rate, args.head_learning_rate)
        steps = args.max_steps if args.max_steps > 0 else int(np.ceil(len(train_ds) / args.batch_size) * args.epochs)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
        trainer = Trainer(
            model=model, args=training_args, train_dataset=train_ds, eval_dataset=valid_ds,
            processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
            compute_metrics=compute_metrics, optimizers=(optimizer, scheduler),
        )
        trainer.train()
        if multi_label:
            scores = multilabel_results(trainer, valid_ds, args.seed)
            if held_stanzas is not None and len(held_stanzas):
                scores.update(held_stanza_results(trainer, encode(held_stanzas.rows, tokenizer, args.max_length),
                                                  held_stanzas))
        else:
            metrics = {k.removeprefix("eval_"): v for k, v in trainer.evaluate().items()}
            scores = {k: round(float(metrics[k]), 4) for k in
                      ("accuracy", "macro_f1", "micro_f1", "cross_entropy", "similarity_weighted") if k in metrics}

    # written next to the output and swapped in when complete: a run that dies here keeps the previous
    # model; save_pretrained writes safetensors + JSON only (Trainer.save_model adds training_args.bin,
    # a pickle)
    with staged_folder(output) as staging:
        trainer.model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / "eval_results.json").write_text(json.dumps(scores, indent=2), encoding="utf-8")
        write_card(staging, args, train_data, valid_data, scores, write_model_card, markdown_table)
    print(markdown_table([scores]))
    if args.push_to_hub:
        print(push_folder(output, args.push_to_hub, message=f"gasa {args.arch} on {args.base_model}"))
    return scores


def multilabel_results(trainer, valid_ds, seed: int) -> dict:
    """Scores of the best checkpoint on the validation data at 0.5 and at per-label thresholds tuned
    there (see training.common.evaluate; a label without positive rows keeps 0.5); the
    thresholds go into the model config."""
    pred = trainer.predict(valid_ds)
    probs, targets = sigmoid(pred.predictions), np.asarray(pred.label_ids)
    scores, thresholds = evaluate(probs, targets, seed=seed)
    scores["binary_cross_entropy"] = binary_cross_entropy(probs, targets)
    trainer.model.config.thresholds = [round(float(t), 4) for t in thresholds]
    return {k: round(float(v), 4) for k, v in scores.items()}


def held_stanza_results(trainer, held_ds, held_stanzas) -> dict:
    """How often the top group (the strongest label's group, among the six emotion groups) of a held-out lyric
    stanza is the one it was written with."""
    probs = sigmoid(trainer.predict(held_ds).predictions)
    found = stanza_agreement(KOTE.group_score_matrix(probs), held_stanzas)
    return {"stanza_group_agreement": round(found["stanza_group_agreement"], 4), "stanza_rows": found["stanza_rows"]}


def write_card(output, args, train_data, valid_data, scores, write_model_card, markdown_table):
    from huggingface_hub import EvalResult, ModelCardData

    name = args.push_to_hub or Path(args.output).name
    taxonomy = TAXONOMIES[args.labels]
    multi_label = taxonomy.multi_label
    if multi_label:
        shown = (("macro_f1_tuned_heldout", "f1", "macro-F1 (tuned thresholds, held-out half)"),
                 ("macro_f1@0.5", "f1", "macro-F1 at 0.5"), ("micro_f1_tuned", "f1", "micro-F1 (tuned thresholds)"))
    else:
        shown = (("macro_f1", "f1", "macro-F1"), ("accuracy", "accuracy", "accuracy"),
                 ("similarity_weighted", "similarity_weighted", "similarity-weighted score (taxonomy S)"))
    eval_results = [EvalResult(task_type="text-classification", dataset_type=(taxonomy.datasets or (args.labels,))[0],
                               dataset_name=source_name(args.valid, args.valid_split, taxonomy), metric_type=metric,
                               metric_name=title, metric_value=float(scores[key]))
                    for key, metric, title in shown if key in scores]
    card_data = ModelCardData(
        language=taxonomy.language, license="apache-2.0", library_name="transformers",
        pipeline_tag="text-classification",
        base_model=args.base_model if not Path(args.base_model).exists() else None,
        datasets=list(taxonomy.datasets) or None,
        tags=["emotion", "lyrics", "gasa", "custom_code", args.arch] + (["multi-label"] if multi_label else []),
        metrics=["f1"] if multi_label else ["accuracy", "f1"], model_name=name,
        eval_results=eval_results or None,
    )
    usage = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        f"model = AutoModelForSequenceClassification.from_pretrained({name!r}, trust_remote_code=True)\n"
        f"tokenizer = AutoTokenizer.from_pretrained({name!r}, trust_remote_code=True)\n"
    )
    if multi_label:
        usage = "import torch\n" + usage + (
            "probs = model(**tokenizer(\"오늘 너무 행복해\", return_tensors=\"pt\")).logits.sigmoid()[0]\n"
            "thresholds = torch.tensor(model.config.thresholds)  # per label, tuned on the validation data\n"
            "print([model.config.id2label[i] for i in (probs >= thresholds).nonzero().flatten().tolist()])"
        )
        training_loss = (
            f"binary cross-entropy with logits, per-label pos_weight (negatives/positives)^{args.pos_weight_power:g} "
            f"from the training data, between 1 and {args.max_pos_weight:g}" if args.class_weights == "balanced"
            else "binary cross-entropy with logits (no pos_weight)")
        selection = ("best checkpoint by macro average precision (threshold-free) kept; then per-label thresholds "
                     "tuned on the validation data (grid 0.05-0.95, best F1 per label) and saved as `config.thresholds`.")
        note = ("`*@0.5`: every label at threshold 0.5; `*_tuned`: at the saved per-label thresholds, tuned and "
                "scored on the same validation rows (optimistic); `macro_f1_tuned_heldout`: thresholds tuned on one "
                "half of the rows and scored on the other (both ways, averaged), what to expect on unseen text; "
                "`binary_cross_entropy`: mean over rows and labels.")
        if "stanza_group_agreement" in scores:
            note += (f" `stanza_group_agreement`: on the {scores['stanza_rows']} lyric stanzas held out of training, "
                     "how often the top group (the strongest label's) is the one the stanza was written with.")
    else:
        usage += (
            "probs = model(**tokenizer(\"오늘 너무 행복해\", return_tensors=\"pt\")).logits.softmax(-1)\n"
            "print(model.config.id2label[int(probs.argmax())])"
        )
        training_loss = f"cross-entropy, class weights: {args.class_weights}"
        selection = "best checkpoint by macro-F1 kept."
        note = ("`similarity_weighted` uses the taxonomy similarity (1 same label, 0.5 same group, 0 otherwise).")
    write_model_card(
        output, card_data, model_name=name,
        summary=f"An emotion classifier over the {len(taxonomy)} labels of {taxonomy.description}.",
        base_model=args.base_model, head=args.arch, head_description=HEAD_DESCRIPTIONS[args.arch],
        num_labels=len(taxonomy), label_set=taxonomy.description,
        problem_type=("multi-label (independent sigmoids; `problem_type=\"multi_label_classification\"`, "
                      "per-label thresholds in `config.thresholds`)") if multi_label else "single-label",
        data_description=taxonomy.data,
        train_file=source_name(args.train, args.train_split, taxonomy), train_rows=args.comment_rows,
        valid_file=source_name(args.valid, args.valid_split, taxonomy), valid_rows=len(valid_data),
        training_description=(
            f"transformers Trainer, {args.epochs:g} epoch(s), max length {args.max_length}, batch {args.batch_size}, "
            f"AdamW (encoder lr {args.learning_rate:g}, head lr {args.head_learning_rate:g}), linear schedule with "
            f"6% warm-up, {training_loss}, evaluation every epoch, {selection} Trained on {args.device_used}."
        ),
        metrics_table=markdown_table([scores]) + "\n\n" + note,
        extra_sections=stanza_section(args), usage=usage, limitations=taxonomy.limitations,
    )


def stanza_section(args) -> str:
    """The card's section on the lyric stanzas fitted beside the comments (empty without them)."""
    fitted, held = getattr(args, "stanza_rows", (0, 0))
    if not fitted:
        return ""
    return ("## Lyric stanzas\n\n"
            f"Beside {args.comment_rows:,} rows of `{source_name(args.train, args.train_split, KOTE)}`, {fitted:,} lyric "
            f"stanzas written for gasa (`{Path(args.stanzas).name}`) were fitted {args.stanza_repeats} time(s) each, "
            f"and {held:,} more never fitted (`--stanza-holdout {args.stanza_holdout:g}`, `--stanza-seed "
            f"{args.stanza_seed}`), which `stanza_group_agreement` is measured on: "
            "comments alone teach a model how people react online, the stanzas how songs say a feeling.\n\n")


def main(argv=None):
    args = parse_args(argv)
    try:
        train(args)
    except (DataFormatError, FileNotFoundError, DeviceError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
