"""Model cards of the English trainer: the filled ``adapter_card.md`` with a ``model-index`` of the
measured scores, and a usage snippet that runs as written with only transformers/peft installed."""
from __future__ import annotations

from pathlib import Path

from training.cards import markdown_table, write_model_card
from training.english.options import TrainConfig

ADAPTER_CARD = Path(__file__).resolve().parent.parent.parent / "adapter_card.md"
CARD_HYPERPARAMETERS = ("samples", "epochs", "batch_size", "max_length", "head_lr", "pos_weight_power",
                        "max_pos_weight", "warmup", "weight_decay", "max_grad_norm", "seed")
LORA_HYPERPARAMETERS = ("lora_r", "lora_alpha", "lora_dropout", "full_layers", "block_lr")
# (results key, metric name in the model-index)
INDEX_METRICS = (
    ("macro_f1_tuned", "macro-F1 (per-label thresholds tuned on these rows)"),
    ("macro_f1_tuned_heldout", "macro-F1 (thresholds tuned on the other half)"),
    ("macro_f1@0.5", "macro-F1 at 0.5"),
    ("micro_f1_tuned", "micro-F1 (tuned thresholds)"),
    ("micro_f1@0.5", "micro-F1 at 0.5"),
)
FORMATS = ("adapter", "model", "merged")
SAMPLE_TEXT = "I miss you every night, but thank you for the love"

ADAPTER_USAGE = '''\
import json, os
import torch
from huggingface_hub import hf_hub_download
from peft import AutoPeftModelForSequenceClassification
from transformers import AutoTokenizer

model_id = "{model_id}"
def model_file(name):  # a file of the adapter, from a local folder or the Hub
    return os.path.join(model_id, name) if os.path.isdir(model_id) else hf_hub_download(model_id, name)

meta = json.load(open(model_file("thresholds.json")))  # the 28 labels in id order and their thresholds
labels = meta["labels"]
# PEFT loads the base model named in adapter_config.json; its config does not know the 28 labels: pass them
model = AutoPeftModelForSequenceClassification.from_pretrained(
    model_id, num_labels=len(labels), id2label=dict(enumerate(labels)),
    label2id={{label: i for i, label in enumerate(labels)}}, problem_type="multi_label_classification",
){quantization_note}
tokenizer = AutoTokenizer.from_pretrained(model_id)
model.eval()
with torch.no_grad():
    probs = model(**tokenizer(["{text}"], return_tensors="pt")).logits.sigmoid()[0]
tags = [(labels[j], round(float(p), 3)) for j, p in enumerate(probs) if p >= meta["thresholds"][j]]
print(sorted(tags, key=lambda t: -t[1]))
'''
QLORA_NOTE = '''
# trained on a 4-bit NF4 base: for exactly its probabilities, add
#   quantization_config=transformers.BitsAndBytesConfig(**meta["quantization"])  (needs bitsandbytes)'''

PIPELINE_USAGE = '''\
from transformers import pipeline

clf = pipeline("text-classification", model="{model_id}", top_k=None)  # one sigmoid per label
config = clf.model.config
thresholds = config.thresholds  # tuned per label, in id order (also in thresholds.json)
scores = clf(["{text}"])[0]
tags = [s for s in scores if s["score"] >= thresholds[config.label2id[s["label"]]]]
print(tags)
'''

MODE_DESCRIPTIONS = {
    "qlora": "base weights in 4-bit NF4 (bitsandbytes), LoRA adapters trained; head in full precision",
    "lora": "LoRA adapters on a full-precision base; head trained whole",
    "full": "every weight fine-tuned",
}


def usage_snippet(fmt: str, mode: str, model_id: str) -> str:
    """Python that loads the model (``model_id``: Hub id or folder) and prints one text's tags."""
    if fmt == "adapter":
        return ADAPTER_USAGE.format(model_id=model_id, text=SAMPLE_TEXT,
                                    quantization_note=QLORA_NOTE if mode == "qlora" else "")
    return PIPELINE_USAGE.format(model_id=model_id, text=SAMPLE_TEXT)


def dataset_split(valid: str) -> str:
    stem = Path(valid).stem.lower()
    return "validation" if stem in ("dev", "valid", "validation") else stem


def eval_results(cfg: TrainConfig, scores: dict) -> list:
    """The ``model-index`` entries: each measured F1 on the validation file."""
    from huggingface_hub import EvalResult

    return [EvalResult(task_type="text-classification", task_name="Multi-label emotion classification",
                       dataset_type="google-research-datasets/go_emotions", dataset_name="GoEmotions",
                       dataset_config="simplified", dataset_split=dataset_split(cfg.valid),
                       metric_type="f1", metric_name=name, metric_value=round(float(scores[key]), 4),
                       metric_config=key)
            for key, name in INDEX_METRICS if key in scores]


def hyperparameter_rows(cfg: TrainConfig, results: dict) -> list[dict]:
    rows = [{"setting": "learning rate (encoder / adapters)", "value": cfg.learning_rate()}]
    names = CARD_HYPERPARAMETERS + (LORA_HYPERPARAMETERS if cfg.mode != "full" else ())
    rows += [{"setting": n, "value": getattr(cfg, n)} for n in names]
    if cfg.mode != "full":
        rows.append({"setting": "LoRA targets", "value": f"`{results.get('lora_targets')}`"})
    rows.append({"setting": "device, precision", "value": f"{results.get('device_name', results.get('device'))}, "
                                                         f"{results.get('precision', 'fp32')}"})
    return rows


def config_from_results(results: dict) -> TrainConfig:
    return TrainConfig(**{k: v for k, v in results["config"].items() if k in TrainConfig.__dataclass_fields__})


def write_card(folder, cfg: TrainConfig, results: dict, comparison: dict | None = None,
               model_id: str | None = None, fmt: str | None = None) -> Path:
    """Write ``folder/README.md``. ``fmt``: ``adapter`` (qlora/lora), ``model`` (full) or ``merged``;
    ``model_id``: what the usage snippet loads (Hub id or folder; default the folder itself)."""
    from huggingface_hub import ModelCardData

    folder = Path(folder)
    fmt = fmt or results.get("format") or ("model" if cfg.mode == "full" else "adapter")
    if fmt not in FORMATS:
        raise ValueError(f"unknown card format {fmt!r}")
    comparison = comparison or results.get("comparison")
    model_id = model_id or results.get("model_id") or str(folder.resolve())
    adapter = fmt == "adapter"
    extra = ""
    if comparison:
        extra = ("## QLoRA vs LoRA vs full fine-tuning\n\n" + comparison.get("description", "") + "\n\n"
                 + markdown_table(comparison["rows"], floatfmt="{:.4g}"))
    base = cfg.base_model
    title = {"adapter": f"gasa English emotions ({cfg.mode} adapter)", "model": f"gasa English emotions ({cfg.mode})",
             "merged": f"gasa English emotions ({cfg.mode}, merged)"}[fmt]
    summary = {
        "adapter": "A PEFT adapter that tags English text (and lyrics) with the 28 GoEmotions labels "
                   "(27 emotions + neutral), multi-label.",
        "model": "A text classifier that tags English text (and lyrics) with the 28 GoEmotions labels "
                 "(27 emotions + neutral), multi-label.",
        "merged": f"The {cfg.mode} adapter merged into its base (`merge_and_unload`): a plain transformers "
                  "classifier that tags English text (and lyrics) with the 28 GoEmotions labels (27 emotions + "
                  "neutral), multi-label; labels and thresholds are in its config.",
    }[fmt]
    if results.get("merged_id") and adapter:
        summary += (f" The same model merged into its base, for `pipeline(\"text-classification\")` with no "
                    f"extra arguments: `{results['merged_id']}`.")
    if results.get("adapter_id") and fmt == "merged":
        summary += f" The adapter itself (for PEFT): `{results['adapter_id']}`."
    card_data = ModelCardData(
        model_name=title, language="en", license="apache-2.0", library_name="peft" if adapter else "transformers",
        base_model=base if not Path(base).exists() else None, datasets=["google-research-datasets/go_emotions"],
        pipeline_tag="text-classification", tags=["gasa", "emotion", "goemotions", "multi-label"]
        + (["lora", "qlora" if cfg.mode == "qlora" else "peft"] if cfg.mode != "full" else [])
        + (["merged"] if fmt == "merged" else []),
        eval_results=eval_results(cfg, results["scores"]),
    )
    return write_model_card(
        folder, card_data, template_path=ADAPTER_CARD,
        model_name=title, summary=summary, base_model=base, mode=cfg.mode, fmt=fmt,
        mode_description=MODE_DESCRIPTIONS[cfg.mode],
        train_file=Path(cfg.train).name, train_rows=results["train_rows"],
        valid_file=Path(cfg.valid).name, valid_rows=results["valid_rows"],
        device=results.get("device_name", results.get("device", "cpu")), precision=results.get("precision", "fp32"),
        hyperparameters=markdown_table(hyperparameter_rows(cfg, results), floatfmt="{:g}"),
        metrics_table=markdown_table([{"metric": k, "value": v} for k, v in results["scores"].items()]),
        resources_table=markdown_table([results["resources"]], floatfmt="{:.4g}"),
        comparison=extra, usage=usage_snippet(fmt, cfg.mode, model_id),
    )
