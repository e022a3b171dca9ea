"""Fine-tune a Korean emotion classifier (baseline / Architecture 1 / Architecture 2) on AI-Hub
감성대화말뭉치 and save it as a Hub-ready folder with custom code and a filled model card.

    python -m training.train_classifier --arch arch2 --base-model klue/bert-base \
        --train 감성대화말뭉치(최종데이터)_Training.json --valid 감성대화말뭉치(최종데이터)_Validation.json \
        --output runs/arch2 [--epochs 3] [--max-length 128] [--push-to-hub ORG/NAME]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from hub.labelled_data import DataFormatError, LabelledTexts, read_labelled
from hub.labels import TAXONOMIES, taxonomy_similarity
from hub.metrics import classification_scores

LABEL_SETS = {  # label set -> (language, label-set description, data description)
    "aihub": ("ko", "AI-Hub 감성대화말뭉치, E10-E69, six groups",
              "AI-Hub 감성대화말뭉치: the person's sentences (HS01-HS03) of each dialogue, labelled with the "
              "dialogue's emotion type (E-code)."),
    "goemotions": ("en", "GoEmotions, 27 emotions + neutral", "GoEmotions rows with a single label."),
    "breakup": ("ko", "breakup lyrics: 슬픔, 부정, 분노, 무관심", "Lyric lines labelled with four emotions."),
}

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
    p = argparse.ArgumentParser(prog="python -m training.train_classifier", description=__doc__.split("\n")[0])
    p.add_argument("--arch", choices=list(HEAD_DESCRIPTIONS), required=True)
    p.add_argument("--base-model", required=True, help="encoder Hub id or local folder (e.g. klue/bert-base)")
    p.add_argument("--train", required=True, help="AI-Hub .json / .zip / .xlsx (or csv/tsv/jsonl with text,label)")
    p.add_argument("--valid", required=True)
    p.add_argument("--output", required=True, help="folder for the final model, tokenizer and card")
    p.add_argument("--labels", choices=sorted(TAXONOMIES), default="aihub",
                   help="label set of the data (aihub: 60 E-codes; goemotions: 28, single-label rows)")
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--head-learning-rate", type=float, default=1e-3,
                   help="learning rate of the (randomly initialised) head; the encoder uses --learning-rate")
    p.add_argument("--class-weights", choices=("none", "balanced"), default="balanced",
                   help="balanced: cross-entropy weights n / (labels * count) from the training file")
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (smoke runs)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--push-to-hub", metavar="REPO", help="push model, tokenizer and card to this Hub repo")
    return p.parse_args(argv)


def encode(data: LabelledTexts, tokenizer, max_length: int):
    from datasets import Dataset

    ds = Dataset.from_dict({"text": data.texts, "label": data.labels.tolist()})
    return ds.map(lambda b: tokenizer(b["text"], truncation=True, max_length=max_length),
                  batched=True, remove_columns=["text"], desc=f"tokenizing {Path(data.source).name}")


def balanced_class_weights(labels: np.ndarray, num_labels: int) -> list[float]:
    """sklearn's 'balanced' weights, n / (k * count); labels absent from the data get weight 1."""
    counts = np.bincount(labels, minlength=num_labels).astype(float)
    present = counts > 0
    weights = np.ones(num_labels)
    weights[present] = len(labels) / (present.sum() * counts[present])
    return [round(float(w), 6) for w in weights]


def make_optimizer(model, lr: float, head_lr: float, weight_decay: float = 0.01):
    """AdamW with a larger learning rate for the new head than for the pretrained encoder."""
    import torch

    encoder = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    head = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    return torch.optim.AdamW([{"params": encoder, "lr": lr}, {"params": head, "lr": head_lr}],
                             weight_decay=weight_decay)


def train(args) -> dict:
    from transformers import AutoTokenizer, DataCollatorWithPadding, Trainer, TrainingArguments, \
        get_linear_schedule_with_warmup

    from hub.modeling_gasa import GasaForSequenceClassification
    from training.cards import markdown_table, push_folder, write_model_card

    taxonomy = TAXONOMIES[args.labels]
    train_data = read_labelled(args.train, taxonomy)
    valid_data = read_labelled(args.valid, taxonomy)
    print(f"train: {len(train_data)} rows from {args.train}; valid: {len(valid_data)} rows from {args.valid}")

    tokenizer = AutoTokenizer.from_pretrained(args.base_model)
    model = GasaForSequenceClassification.from_encoder(
        args.base_model, head=args.arch, id2label=taxonomy.id2label, label2id=taxonomy.label2id,
        problem_type="single_label_classification",
        class_weight=balanced_class_weights(train_data.labels, len(taxonomy)) if args.class_weights == "balanced" else None,
    )
    similarity = taxonomy_similarity(taxonomy)

    def compute_metrics(pred):
        logits, labels = pred
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        return classification_scores(probs, labels, similarity)

    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="checkpoints-", dir=output.parent) as checkpoints:
        training_args = TrainingArguments(
            output_dir=checkpoints, num_train_epochs=args.epochs, max_steps=args.max_steps,
            per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=args.batch_size * 2,
            eval_strategy="epoch", save_strategy="epoch", save_total_limit=1, load_best_model_at_end=True,
            metric_for_best_model="macro_f1", greater_is_better=True, logging_strategy="steps",
            logging_steps=50, report_to="none", seed=args.seed, use_cpu=True, save_only_model=True,
        )
        train_ds = encode(train_data, tokenizer, args.max_length)
        optimizer = make_optimizer(model, args.learning_rate, args.head_learning_rate)
        steps = args.max_steps if args.max_steps > 0 else int(np.ceil(len(train_ds) / args.batch_size) * args.epochs)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
        trainer = Trainer(
            model=model, args=training_args, train_dataset=train_ds,
            eval_dataset=encode(valid_data, tokenizer, args.max_length),
            processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
            compute_metrics=compute_metrics, optimizers=(optimizer, scheduler),
        )
        trainer.train()
        metrics = {k.removeprefix("eval_"): v for k, v in trainer.evaluate().items()}

    if output.exists():
        shutil.rmtree(output)
    trainer.save_model(str(output))
    tokenizer.save_pretrained(str(output))
    scores = {k: round(float(metrics[k]), 4) for k in
              ("accuracy", "macro_f1", "micro_f1", "cross_entropy", "similarity_weighted") if k in metrics}
    (output / "eval_results.json").write_text(json.dumps(scores, indent=2), encoding="utf-8")
    write_card(output, args, train_data, valid_data, scores, write_model_card, markdown_table)
    print(markdown_table([scores]))
    if args.push_to_hub:
        print(push_folder(output, args.push_to_hub, message=f"gasa {args.arch} on {args.base_model}"))
    return scores


def write_card(output, args, train_data, valid_data, scores, write_model_card, markdown_table):
    from huggingface_hub import ModelCardData

    name = args.push_to_hub or Path(args.output).name
    language, label_set, data_description = LABEL_SETS[args.labels]
    card_data = ModelCardData(
        language=language, license="apache-2.0", library_name="transformers", pipeline_tag="text-classification",
        base_model=args.base_model if not Path(args.base_model).exists() else None,
        tags=["emotion", "lyrics", "gasa", "custom_code", args.arch],
        metrics=["accuracy", "f1"], model_name=name,
    )
    usage = (
        "from transformers import AutoModelForSequenceClassification, AutoTokenizer\n"
        f"model = AutoModelForSequenceClassification.from_pretrained({name!r}, trust_remote_code=True)\n"
        f"tokenizer = AutoTokenizer.from_pretrained({name!r})\n"
        "probs = model(**tokenizer(\"오늘 너무 행복해\", return_tensors=\"pt\")).logits.softmax(-1)\n"
        "print(model.config.id2label[int(probs.argmax())])"
    )
    write_model_card(
        output, card_data, model_name=name,
        summary=f"An emotion classifier over the {len(TAXONOMIES[args.labels])} labels of {label_set}.",
        base_model=args.base_model, head=args.arch, head_description=HEAD_DESCRIPTIONS[args.arch],
        num_labels=len(TAXONOMIES[args.labels]), label_set=label_set, problem_type="single-label",
        data_description=data_description,
        train_file=Path(args.train).name, train_rows=len(train_data),
        valid_file=Path(args.valid).name, valid_rows=len(valid_data),
        training_description=(
            f"transformers Trainer, {args.epochs:g} epoch(s), max length {args.max_length}, batch {args.batch_size}, "
            f"AdamW (encoder lr {args.learning_rate:g}, head lr {args.head_learning_rate:g}), linear schedule with "
            f"6% warm-up, class weights: {args.class_weights}, evaluation every epoch, best checkpoint by "
            "macro-F1 kept."
        ),
        metrics_table=markdown_table([scores]) + "\n\n`similarity_weighted` uses the taxonomy similarity "
                      "(1 same label, 0.5 same group, 0 otherwise).",
        extra_sections="", usage=usage,
    )


def main(argv=None):
    args = parse_args(argv)
    try:
        train(args)
    except (DataFormatError, FileNotFoundError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
