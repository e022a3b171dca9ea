"""Fine-tune an encoder on GoEmotions (28 labels, multi-label) with QLoRA, LoRA or fully.

    python -m training.train_qlora --base-model roberta-base --mode qlora \
        --train ../shared/data/goemotions/train.tsv --valid ../shared/data/goemotions/dev.tsv \
        --samples 4000 --epochs 4 --output runs/goemotions-qlora [--push-to-hub ORG/NAME]

Modes:
* ``qlora``: the base is loaded in 4-bit NF4 (bitsandbytes); LoRA adapters are trained on the
  attention projections of the transformer blocks; the head (``classifier``, and BERT's ``pooler``) and the
  top ``--full-layers`` block(s) stay in full precision (``llm_int8_skip_modules``) and are trained
  whole (``modules_to_save``), which lets the [CLS] vector learn to summarize the sentence.
* ``lora``: the same without quantization.
* ``full``: every weight is trained; the output is a plain sequence-classification model.

Small-data recipe (4,000 rows): BCE with a per-label ``pos_weight`` (sqrt of negatives/positives,
capped) so rare emotions are not ignored, a learning rate for the head larger than the encoder's,
larger learning rates for LoRA (1e-3) than for full fine-tuning (1e-4), and per-label thresholds tuned on
the validation file. They are saved in ``thresholds.json`` next to the weights.

Output: written to a hidden temporary folder next to ``--output`` and renamed into place at the
end, so an interrupted run never leaves a folder that looks finished.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hub.english import ADAPTER_CONFIG, THRESHOLDS_FILE, label_kwargs
from hub.labels import GOEMOTIONS
from hub.metrics import multilabel_scores, tune_thresholds
from training.goemotions import GoEmotionsDataError, read_goemotions_tsv, sample_rows

MODES = ("qlora", "lora", "full")
RESULTS_FILE = "results.json"
# Head parts of *ForSequenceClassification models: never quantized, always trained whole.
HEAD_MODULES = ("classifier", "score", "pooler")
# transformers matches skip patterns from the start of a module name or as a suffix, so BERT's
# "bert.pooler.dense" needs the regex form as well
QUANT_SKIP = [*HEAD_MODULES, *(rf".*\.{h}" for h in HEAD_MODULES)]
# LoRA targets by architecture: the attention projections of the lower transformer blocks. The top
# ``full_layers`` blocks and the head (pooler/classifier) are trained whole instead: with [CLS]
# pooling, LoRA alone learns too slowly from 4,000 rows (MiniLM, 4 epochs: macro-F1 0.18 for LoRA
# on q/k/v vs 0.40 for full), and LoRA on the feed-forward layers too at 2e-3 collapsed the [CLS]
# vector to a constant.
_BLOCK_LINEARS = r".*\.layer\.{layers}\..*\.({names})$"
LORA_TARGETS = {
    "bert": "query|key|value",
    "roberta": "query|key|value",
    "xlm-roberta": "query|key|value",
    "electra": "query|key|value",
    "distilbert": "q_lin|k_lin|v_lin",
    "deberta-v2": "query_proj|key_proj|value_proj",
}
DEFAULT_LR = {"qlora": 1e-3, "lora": 1e-3, "full": 1e-4}
NF4_BLOCKSIZE = 64


class TrainingError(RuntimeError):
    """A run that cannot start or finish; the message says what to change."""


@dataclass
class TrainConfig:
    base_model: str
    mode: str
    train: str
    valid: str
    samples: int | None = 4000
    epochs: int = 4
    output: str | None = None
    push_to_hub: str | None = None
    lr: float | None = None  # encoder / adapter learning rate; per-mode default
    head_lr: float = 2e-3
    batch_size: int = 32
    max_length: int = 64
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    lora_targets: list[str] | None = None
    full_layers: int = 1  # qlora/lora: top transformer blocks trained whole (full precision)
    block_lr: float = 1e-4  # learning rate of those blocks
    pos_weight_power: float = 0.5
    max_pos_weight: float = 30.0
    warmup: float = 0.06
    seed: int = 0
    threads: int | None = None  # torch CPU threads (1 is kinder when several runs share the cores)
    overwrite: bool = False
    comparison: str | None = None  # comparison JSON to include in the model card

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.mode]


# --- checks ----------------------------------------------------------------------------------

def check_quantization_support() -> None:
    """Make sure bitsandbytes can quantize and run a 4-bit layer here; raise TrainingError if not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import bitsandbytes as bnb
            import torch
            layer = bnb.nn.Linear4bit(NF4_BLOCKSIZE, NF4_BLOCKSIZE, compute_dtype=torch.float32, quant_type="nf4")
            layer = layer.to("cuda" if torch.cuda.is_available() else "cpu")
            x = torch.ones(2, NF4_BLOCKSIZE, device=layer.weight.device)
            layer(x).sum().backward()
    except Exception as e:  # noqa: BLE001 - any failure means the quantized modes cannot run
        raise TrainingError(
            f"--mode qlora needs bitsandbytes 4-bit layers, which cannot run on this machine "
            f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else e}). Install bitsandbytes>=0.45 "
            "(CPU or CUDA build), or use --mode lora / --mode full."
        ) from None


def check_quantizable(config) -> None:
    """NF4 packs weights in blocks of 64: every hidden size must be a multiple of it."""
    for name in ("hidden_size", "intermediate_size"):
        size = getattr(config, name, None)
        if size is not None and size % NF4_BLOCKSIZE:
            raise TrainingError(
                f"--mode qlora: the base model's {name} is {size}, not a multiple of {NF4_BLOCKSIZE} "
                "(the NF4 block size); use --mode lora or full for this model."
            )


# --- model -----------------------------------------------------------------------------------

def num_layers(config) -> int:
    n = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layers", None)
    if not n:
        raise TrainingError(f"cannot tell how many transformer blocks {config.model_type!r} has; use --full-layers 0.")
    return int(n)


def top_blocks(config, full_layers: int) -> list[str]:
    """Module-name suffixes (``layer.5``) of the top ``full_layers`` transformer blocks."""
    if full_layers <= 0:
        return []
    n = num_layers(config)
    if full_layers >= n:
        raise TrainingError(f"--full-layers {full_layers} leaves no block for LoRA ({n} blocks); use --mode full.")
    return [f"layer.{i}" for i in range(n - full_layers, n)]


def quant_skip(config, full_layers: int) -> list[str]:
    """Modules kept out of 4-bit: the head and the blocks trained whole."""
    blocks = [rf".*\.{re.escape(b)}" for b in top_blocks(config, full_layers)]
    return QUANT_SKIP + blocks


def head_modules(model) -> list[str]:
    """Names of the head modules this model has (e.g. ``classifier`` and BERT's ``pooler``)."""
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    return [n for n in HEAD_MODULES if n in names]


def load_base(base_model: str, mode: str, full_layers: int = 1):
    """The base model as a 28-label multi-label classifier (4-bit NF4 for qlora) and its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, BitsAndBytesConfig
    from transformers.utils import logging as hf_logging

    try:
        config = AutoConfig.from_pretrained(base_model, **label_kwargs())
        tokenizer = AutoTokenizer.from_pretrained(base_model)
    except (OSError, ValueError) as e:
        raise TrainingError(f"cannot load the base model {base_model!r}: {str(e).splitlines()[0]}") from None
    kwargs = {"config": config, "dtype": torch.float32}
    if mode == "qlora":
        check_quantizable(config)
        skip = quant_skip(config, full_layers)
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float32,
            bnb_4bit_use_double_quant=False, llm_int8_skip_modules=skip,
        )
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the "newly initialized classifier" report is expected here
    try:
        model = AutoModelForSequenceClassification.from_pretrained(base_model, **kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
    quantized_heads = [n for n, p in model.named_parameters()
                       if p.dtype == torch.uint8 and any(f".{h}." in f".{n}" for h in HEAD_MODULES)]
    if quantized_heads:
        raise TrainingError(f"head weights were quantized ({', '.join(quantized_heads)}); they must stay in full "
                            "precision. Report this with the base model's name.")
    return model, tokenizer


def make_trainable(model, cfg: TrainConfig):
    """Wrap in LoRA (qlora/lora) or unfreeze everything (full)."""
    if cfg.mode == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    from peft import LoraConfig, TaskType, get_peft_model

    blocks = top_blocks(model.config, cfg.full_layers)
    targets = cfg.lora_targets
    if targets is None and model.config.model_type in LORA_TARGETS:
        lora_layers = "(" + "|".join(str(i) for i in range(num_layers(model.config) - len(blocks))) + ")"
        targets = _BLOCK_LINEARS.format(layers=lora_layers, names=LORA_TARGETS[model.config.model_type])
    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
        target_modules=targets, modules_to_save=head_modules(model) + blocks,
    )
    try:
        return get_peft_model(model, lora)
    except ValueError as e:
        raise TrainingError(
            f"LoRA could not find its target modules {targets} in {model.config.model_type!r}: {e}. "
            "Pass --lora-targets with the names of the attention projections."
        ) from None


def count_parameters(model) -> tuple[int, int]:
    """(trainable, total) parameters; 4-bit weights count as their unpacked size."""
    trainable = total = 0
    for p in model.parameters():
        n = p.numel()
        if hasattr(p, "quant_state") and p.quant_state is not None:
            n = int(np.prod(p.quant_state.shape))
        total += n
        trainable += n if p.requires_grad else 0
    return trainable, total


def model_bytes(model) -> int:
    """Bytes held by the weights and buffers (4-bit weights are half a byte each)."""
    return sum(t.numel() * t.element_size() for t in list(model.parameters()) + list(model.buffers()))


# --- training --------------------------------------------------------------------------------

def pos_weights(targets: np.ndarray, power: float, cap: float) -> np.ndarray:
    """(negatives/positives)^power per label, between 1 and ``cap``."""
    pos = targets.sum(axis=0)
    neg = len(targets) - pos
    return np.clip((neg / np.maximum(pos, 1)) ** power, 1.0, cap).astype(np.float32)


def encode(tokenizer, texts: list[str], max_length: int) -> list[dict]:
    enc = tokenizer(texts, truncation=True, max_length=max_length, padding=False)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
    return [{k: enc[k][i] for k in keys} for i in range(len(texts))]


def length_buckets(lengths: np.ndarray, batch_size: int, rng, pool: int = 50) -> list[np.ndarray]:
    """Random batches of similar-length rows: shuffle, sort within pools of ``pool`` batches, shuffle
    the batches. Padding (wasted compute on the CPU) drops to a few tokens per row."""
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), batch_size * pool):
        chunk = order[start:start + batch_size * pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def device_of(model):
    return next(p for p in model.parameters()).device


def predict_probs(model, tokenizer, texts: list[str], max_length: int = 64, batch_size: int = 64,
                  progress: bool = False) -> np.ndarray:
    """Sigmoid probabilities for short texts (length-sorted batches)."""
    import torch
    from tqdm.auto import tqdm

    rows = encode(tokenizer, texts, max_length)
    order = np.argsort([-len(r["input_ids"]) for r in rows], kind="stable")
    out = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    model.eval()
    device = device_of(model)
    with torch.inference_mode():
        for start in tqdm(range(0, len(order), batch_size), desc="predict", unit="batch", disable=not progress):
            idx = order[start:start + batch_size]
            batch = tokenizer.pad([rows[i] for i in idx], return_tensors="pt").to(device)
            out[idx] = torch.sigmoid(model(**batch).logits.float()).cpu().numpy()
    return out


def peak_memory() -> dict:
    """Peak resident memory of this process (MB), and CUDA's peak allocation where present."""
    import torch

    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {"peak_rss_mb": round(rss_kb / 1024, 1)}
    if torch.cuda.is_available():
        out["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return out


def train_model(model, tokenizer, train_split, cfg: TrainConfig, progress: bool = True) -> list[dict]:
    """Train in place; return one record per epoch (loss, seconds)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    rows = encode(tokenizer, train_split.texts, cfg.max_length)
    lengths = np.array([len(r["input_ids"]) for r in rows])
    targets = torch.tensor(train_split.targets)
    device = device_of(model)
    loss_fn = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(pos_weights(train_split.targets, cfg.pos_weight_power, cfg.max_pos_weight), device=device))
    # three speeds: LoRA adapters (or every weight in full mode), whole blocks, the head
    groups = {"body": [], "block": [], "head": []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if any(f".{h}." in f".{name}." for h in HEAD_MODULES):
            groups["head"].append(p)
        elif cfg.mode == "full" or "lora_" in name:
            groups["body"].append(p)
        else:
            groups["block"].append(p)
    lrs = {"body": cfg.learning_rate(), "block": cfg.block_lr, "head": cfg.head_lr}
    groups = [{"params": ps, "lr": lrs[k]} for k, ps in groups.items() if ps]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(rows) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup * total), total)
    history = []
    for epoch in range(cfg.epochs):
        model.train()
        start, losses = time.perf_counter(), []
        batches = length_buckets(lengths, cfg.batch_size, rng)
        bar = tqdm(batches, desc=f"{cfg.mode} epoch {epoch + 1}/{cfg.epochs}", unit="batch", disable=not progress)
        for idx in bar:
            batch = tokenizer.pad([rows[i] for i in idx], return_tensors="pt").to(device)
            logits = model(**batch).logits.float()
            loss = loss_fn(logits, targets[idx].to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)),
                        "seconds": round(time.perf_counter() - start, 3)})
    return history


def evaluate(probs: np.ndarray, targets: np.ndarray, seed: int = 0) -> tuple[dict, np.ndarray]:
    """Scores at 0.5 and at per-label thresholds tuned on these rows, plus an honest estimate.

    ``*_tuned`` tunes and scores on the same rows (what the saved thresholds achieve on the
    validation file); ``macro_f1_tuned_heldout`` tunes on one half and scores the other (both
    ways, averaged), which is what to expect on unseen rows.
    """
    thresholds = tune_thresholds(probs, targets)
    at_half = multilabel_scores(probs, targets, 0.5)
    tuned = multilabel_scores(probs, targets, thresholds)
    half = np.random.default_rng(seed).permutation(len(probs))
    a, b = half[: len(half) // 2], half[len(half) // 2:]
    heldout = np.mean([
        multilabel_scores(probs[y], targets[y], tune_thresholds(probs[x], targets[x]))["macro_f1"]
        for x, y in ((a, b), (b, a))
    ])
    scores = {
        "macro_f1@0.5": at_half["macro_f1"], "micro_f1@0.5": at_half["micro_f1"],
        "macro_f1_tuned": tuned["macro_f1"], "micro_f1_tuned": tuned["micro_f1"],
        "macro_f1_tuned_heldout": float(heldout),
    }
    return scores, thresholds


# --- saving ----------------------------------------------------------------------------------

def save_thresholds(folder: Path, thresholds, cfg: TrainConfig, model_config) -> None:
    payload = {
        "labels": list(GOEMOTIONS.labels),
        "thresholds": [round(float(t), 4) for t in thresholds],
        "problem_type": "multi_label_classification",
        "base_model": cfg.base_model,
        "mode": cfg.mode,
        "tuned_on": Path(cfg.valid).name,
    }
    if cfg.mode == "qlora":  # how to rebuild the 4-bit base this adapter was trained on
        payload["quantization"] = {"load_in_4bit": True, "bnb_4bit_quant_type": "nf4",
                                   "llm_int8_skip_modules": quant_skip(model_config, cfg.full_layers)}
    (folder / THRESHOLDS_FILE).write_text(json.dumps(payload, indent=2), encoding="utf-8")


def save_model(model, tokenizer, folder: Path) -> None:
    # full: config.json + model.safetensors; qlora/lora: adapter_config.json + adapter_model.safetensors
    # (LoRA weights and the whole head)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def temp_output(output: Path) -> Path:
    tmp = output.parent / f".{output.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    return tmp


def finish_output(tmp: Path, output: Path, overwrite: bool) -> None:
    if output.exists():
        if not overwrite:
            raise TrainingError(f"{output} appeared while training; the result is left in {tmp}.")
        shutil.rmtree(output)
    tmp.rename(output)


def default_output(cfg: TrainConfig) -> Path:
    return Path("runs") / f"goemotions-{cfg.mode}"


def check_output(output: Path, overwrite: bool) -> None:
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise TrainingError(f"{output} already exists and is not empty; pass --overwrite or another --output.")


# --- model card ------------------------------------------------------------------------------

def write_card(folder: Path, cfg: TrainConfig, results: dict, comparison: dict | None = None) -> Path:
    from huggingface_hub import ModelCardData

    from training.cards import markdown_table, write_model_card

    adapter = cfg.mode != "full"
    rows = [{"metric": k, "value": v} for k, v in results["scores"].items()]
    extra = ""
    if comparison:
        extra = ("## QLoRA vs LoRA vs full fine-tuning\n\n" + comparison.get("description", "") + "\n\n"
                 + markdown_table(comparison["rows"], floatfmt="{:.4g}"))
    base = cfg.base_model
    if adapter:
        usage = (
            "from peft import AutoPeftModelForSequenceClassification\n"
            "from hub.english import load_english_model  # gasa: also reads thresholds.json\n\n"
            "model, tokenizer, thresholds = load_english_model(\"REPO_OR_DIR\")\n"
            "# or with PEFT alone (the base config does not know the 28 labels; pass them):\n"
            "import json\n"
            "labels = json.load(open(\"DIR/thresholds.json\"))[\"labels\"]\n"
            "model = AutoPeftModelForSequenceClassification.from_pretrained(\n"
            "    \"DIR\", num_labels=28, id2label=dict(enumerate(labels)),\n"
            "    label2id={l: i for i, l in enumerate(labels)}, problem_type=\"multi_label_classification\")"
        )
    else:
        usage = ("from transformers import pipeline\n"
                 "clf = pipeline(\"text-classification\", model=\"REPO_OR_DIR\", top_k=None)\n"
                 "# per-label decision thresholds: REPO_OR_DIR/thresholds.json")
    card_data = ModelCardData(
        language="en", license="apache-2.0", library_name="peft" if adapter else "transformers",
        base_model=base if not Path(base).exists() else None, datasets=["google-research-datasets/go_emotions"],
        pipeline_tag="text-classification", tags=["gasa", "emotion", "goemotions", "multi-label"]
        + (["lora", "qlora" if cfg.mode == "qlora" else "peft"] if adapter else []),
    )
    return write_model_card(
        folder, card_data, template_path=ADAPTER_CARD,
        model_name=f"gasa English emotions ({cfg.mode})",
        summary=(f"{'A PEFT adapter' if adapter else 'A model'} that tags English text (and lyrics) with the "
                 "28 GoEmotions labels (27 emotions + neutral), multi-label."),
        base_model=base, mode=cfg.mode,
        mode_description={
            "qlora": "base weights in 4-bit NF4 (bitsandbytes), LoRA adapters trained; head in full precision",
            "lora": "LoRA adapters on a full-precision base; head trained whole",
            "full": "every weight fine-tuned",
        }[cfg.mode],
        train_file=Path(cfg.train).name, train_rows=results["train_rows"],
        valid_file=Path(cfg.valid).name, valid_rows=results["valid_rows"],
        hyperparameters=markdown_table(hyperparameter_rows(cfg, results), floatfmt="{:g}"),
        metrics_table=markdown_table(rows),
        resources_table=markdown_table([results["resources"]]),
        comparison=extra, usage=usage,
    )


ADAPTER_CARD = Path(__file__).resolve().parent.parent / "adapter_card.md"
CARD_HYPERPARAMETERS = ("samples", "epochs", "batch_size", "max_length", "head_lr", "pos_weight_power",
                        "max_pos_weight", "warmup", "seed")
LORA_HYPERPARAMETERS = ("lora_r", "lora_alpha", "lora_dropout", "full_layers", "block_lr")


def hyperparameter_rows(cfg: TrainConfig, results: dict) -> list[dict]:
    rows = [{"setting": "learning rate (encoder / adapters)", "value": cfg.learning_rate()}]
    names = CARD_HYPERPARAMETERS + (LORA_HYPERPARAMETERS if cfg.mode != "full" else ())
    rows += [{"setting": n, "value": getattr(cfg, n)} for n in names]
    if cfg.mode != "full":
        rows.append({"setting": "LoRA targets", "value": f"`{results.get('lora_targets')}`"})
    return rows


# --- the run ---------------------------------------------------------------------------------

def run(cfg: TrainConfig, progress: bool = True) -> dict:
    """Train, tune thresholds, save (and push); return the results (also in results.json)."""
    import torch

    if cfg.mode not in MODES:
        raise TrainingError(f"--mode must be one of {', '.join(MODES)}, got {cfg.mode!r}.")
    if cfg.epochs < 1:
        raise TrainingError(f"--epochs must be at least 1, got {cfg.epochs}.")
    output = Path(cfg.output) if cfg.output else default_output(cfg)
    check_output(output, cfg.overwrite)
    # everything that can fail fast does so before the output folder exists
    if cfg.mode == "qlora":
        check_quantization_support()
    train_all = read_goemotions_tsv(cfg.train)
    valid = read_goemotions_tsv(cfg.valid)
    train_split = sample_rows(train_all, cfg.samples, seed=cfg.seed)
    comparison = json.loads(Path(cfg.comparison).read_text(encoding="utf-8")) if cfg.comparison else None

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    model, tokenizer = load_base(cfg.base_model, cfg.mode, cfg.full_layers)
    model = make_trainable(model, cfg)
    peft_config = getattr(model, "peft_config", {}).get("default")
    targets = peft_config.target_modules if peft_config is not None else None
    targets = sorted(targets) if isinstance(targets, (set, list)) else targets
    trainable, total = count_parameters(model)
    weights_mb = round(model_bytes(model) / 2**20, 1)
    history = train_model(model, tokenizer, train_split, cfg, progress=progress)
    eval_start = time.perf_counter()
    probs = predict_probs(model, tokenizer, valid.texts, cfg.max_length, progress=progress)
    eval_seconds = time.perf_counter() - eval_start
    scores, thresholds = evaluate(probs, valid.targets, cfg.seed)
    epoch_seconds = [h["seconds"] for h in history]
    results = {
        "mode": cfg.mode, "base_model": cfg.base_model, "train_rows": len(train_split), "valid_rows": len(valid),
        "scores": scores,
        "resources": {
            "trainable_params": trainable, "total_params": total,
            "trainable_pct": round(100 * trainable / total, 3), "weights_mb": weights_mb,
            **peak_memory(),
            "seconds_per_epoch": round(float(np.mean(epoch_seconds)), 3),
            "eval_seconds": round(eval_seconds, 1),
        },
        "lora_targets": targets, "history": history, "thresholds": [float(t) for t in thresholds],
        "config": asdict(cfg),
    }
    tmp = temp_output(output)
    try:
        save_model(model, tokenizer, tmp)
        save_thresholds(tmp, thresholds, cfg, model.config)
        np.save(tmp / "valid_probs.npy", probs)  # lets tests and reports check a reload exactly
        (tmp / RESULTS_FILE).write_text(json.dumps(results, indent=2), encoding="utf-8")
        write_card(tmp, cfg, results, comparison)
        finish_output(tmp, output, cfg.overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    results["output"] = str(output)
    if cfg.push_to_hub:
        push(output, cfg.push_to_hub)
    return results


def push(folder: Path, repo_id: str) -> str:
    """Push adapter (or model), tokenizer, thresholds and card; arrays of dev probabilities stay local."""
    from training.cards import push_folder

    adapter_config = folder / ADAPTER_CONFIG
    if adapter_config.is_file():
        base = json.loads(adapter_config.read_text(encoding="utf-8")).get("base_model_name_or_path", "")
        if Path(base).exists():
            print(f"warning: the adapter names a local base model ({base}); people loading {repo_id} need the "
                  "same base. Train from a Hub id (e.g. --base-model roberta-base) for a portable adapter.",
                  file=sys.stderr)

    return push_folder(folder, repo_id, "model", message="Upload gasa GoEmotions model", ignore_patterns=["*.npy"])


def parse_args(argv=None) -> TrainConfig:
    p = argparse.ArgumentParser(prog="python -m training.train_qlora", description=__doc__.split("\n\n")[0])
    p.add_argument("--base-model", required=True, help="Hub id or local folder of the encoder")
    p.add_argument("--mode", required=True, choices=MODES)
    p.add_argument("--train", required=True, help="GoEmotions TSV to sample training rows from")
    p.add_argument("--valid", required=True, help="GoEmotions TSV for evaluation and threshold tuning")
    p.add_argument("--samples", type=int, default=4000, help="training rows to sample (0 = all)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--output", help="output folder (default runs/goemotions-MODE)")
    p.add_argument("--push-to-hub", metavar="REPO")
    p.add_argument("--lr", type=float, help=f"encoder/adapter learning rate (default {DEFAULT_LR})")
    p.add_argument("--head-lr", type=float, default=2e-3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=64, help="training tokens per text")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.1)
    p.add_argument("--lora-targets", nargs="+", help="module names for LoRA (default: attention projections)")
    p.add_argument("--full-layers", type=int, default=1,
                   help="qlora/lora: top transformer blocks trained whole, in full precision (default 1)")
    p.add_argument("--block-lr", type=float, default=1e-4, help="learning rate of those blocks")
    p.add_argument("--pos-weight-power", type=float, default=0.5, help="pos_weight = (neg/pos)^power")
    p.add_argument("--max-pos-weight", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--comparison", help="comparison JSON (from training.compare_qlora) for the model card")
    a = p.parse_args(argv)
    # every flag is a TrainConfig field of the same name; --samples 0 means all rows
    return TrainConfig(**{**vars(a), "samples": a.samples or None})


def main(argv=None) -> int:
    cfg = parse_args(argv)
    try:
        results = run(cfg)
    except (TrainingError, GoEmotionsDataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    r, s = results["resources"], results["scores"]
    print(f"{cfg.mode}: macro-F1 {s['macro_f1@0.5']:.3f} at 0.5, {s['macro_f1_tuned']:.3f} tuned "
          f"({s['macro_f1_tuned_heldout']:.3f} held-out); {r['seconds_per_epoch']} s/epoch; "
          f"peak RSS {r['peak_rss_mb']} MB; saved to {results['output']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
