"""Fine-tune an encoder on GoEmotions (28 labels, multi-label) with QLoRA, LoRA or fully.

    python -m training.train_qlora --base-model roberta-base --mode qlora \
        --train ../shared/data/goemotions/train.tsv --valid ../shared/data/goemotions/dev.tsv \
        --samples 4000 --epochs 4 --output runs/goemotions-qlora [--merged-output runs/goemotions-qlora-merged] \
        [--device auto|cpu|cuda] [--bf16 | --fp16] [--push-to-hub ORG/NAME] [--push-merged-to-hub ORG/NAME]

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
the validation file. They are saved in ``thresholds.json`` next to the weights (and, for a plain model,
in ``config.thresholds``).

Machinery: ``transformers.Trainer`` (the loss as ``compute_loss_func``, the learning-rate groups as
its optimizer, length grouping, warm-up, clipping and mixed precision from ``TrainingArguments``) on the
best device present (``training.devices``: CUDA, else the CPU; ``--device`` forces one; bf16 on a GPU
that has it, and QLoRA then computes in bf16). ``--merged-output`` also writes the adapter merged into
its base: a plain classifier that ``pipeline("text-classification", model=DIR)`` loads as it is.

Output: safetensors, JSON and tokenizer files only, written to a hidden temporary folder next to
``--output`` and swapped in only when complete, so an interrupted or failed run never touches the
previous model.

The pieces live in :mod:`training.english` (options, data, model, trainer, card, saving) and, shared
with ``training.train_classifier``, :mod:`training.common` (``pos_weights``, ``evaluate``); this module is
the command.
"""
from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import numpy as np

from hub.english import label_kwargs  # noqa: F401 - tests import it from here
from hub.sources import staged_folder
from training.common import evaluate, pos_weights  # noqa: F401 - pos_weights: tests import it from here
from training.devices import (DeviceError, compute_dtype, describe_device, peak_memory, pick_device,
                              precision_args, precision_name, reset_peak_memory)
from training.english.card import write_card
from training.english.model import (TrainingError, check_quantization_support, count_parameters, load_base,
                                    load_tokenizer, lora_targets_of, make_trainable, merged_model, model_bytes,
                                    predict_probs)
from training.english.options import MODES, TrainConfig, parse_args as _parse_args
from training.english.saving import check_no_pickle, push, save_model, save_probs, save_results, save_thresholds
from training.english.trainer import train_model
from training.goemotions import GoEmotionsDataError, read_goemotions_tsv, sample_rows

MERGE_CHECK_ROWS = 256  # validation rows on which the merged model is compared with the adapter


def default_output(cfg: TrainConfig) -> Path:
    return Path("runs") / f"goemotions-{cfg.mode}"


def check_output(output: Path, overwrite: bool, flag: str = "--output") -> None:
    if output.exists() and not output.is_dir():
        raise TrainingError(f"{flag} {output} is a file; pass a folder.")
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise TrainingError(f"{output} already exists and is not empty; pass --overwrite (the old folder is "
                            f"replaced only once the new one is complete) or another {flag}.")


def check_config(cfg: TrainConfig) -> tuple[Path, Path | None]:
    """Fail fast on options that cannot work; the output folder and the merged one (or None)."""
    if cfg.mode not in MODES:
        raise TrainingError(f"--mode must be one of {', '.join(MODES)}, got {cfg.mode!r}.")
    if cfg.epochs < 1:
        raise TrainingError(f"--epochs must be at least 1, got {cfg.epochs}.")
    output = Path(cfg.output) if cfg.output else default_output(cfg)
    merged = Path(cfg.merged_output) if cfg.merged_output else None
    if merged is not None and cfg.mode == "full":
        raise TrainingError("--merged-output: --mode full already saves a plain transformers classifier in --output "
                            "(labels and thresholds in its config); leave --merged-output out.")
    if cfg.push_merged_to_hub and merged is None:
        raise TrainingError("--push-merged-to-hub needs --merged-output (the folder to write the merged model to).")
    if merged is not None and merged.resolve() == output.resolve():
        raise TrainingError("--merged-output must differ from --output (the adapter stays for PEFT users).")
    check_output(output, cfg.overwrite)
    if merged is not None:
        check_output(merged, cfg.overwrite, "--merged-output")
    return output, merged


# --- the run ---------------------------------------------------------------------------------

def run(cfg: TrainConfig, progress: bool = True) -> dict:
    """Train, tune thresholds, save (and push); return the results (also in results.json)."""
    import torch

    output, merged_output = check_config(cfg)
    try:
        device = pick_device(cfg.device)
        precision = precision_args(device, cfg.bf16, cfg.fp16)
    except DeviceError as e:
        raise TrainingError(str(e)) from None
    dtype = compute_dtype(precision)
    # everything that can fail fast does so before any output folder exists
    if cfg.mode == "qlora":
        check_quantization_support(device, dtype)
    train_all = read_goemotions_tsv(cfg.train)
    valid = read_goemotions_tsv(cfg.valid)
    train_split = sample_rows(train_all, cfg.samples, seed=cfg.seed)
    comparison = None
    if cfg.comparison:
        import json

        comparison = json.loads(Path(cfg.comparison).read_text(encoding="utf-8"))

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    reset_peak_memory(device)
    torch.manual_seed(cfg.seed)
    tokenizer = load_tokenizer(cfg.base_model)
    model = load_base(cfg.base_model, cfg.mode, cfg.full_layers, device, dtype if cfg.mode == "qlora" else None)
    model = make_trainable(model, cfg)
    trainable, total = count_parameters(model)
    weights_mb = round(model_bytes(model) / 2**20, 1)
    history = train_model(model, tokenizer, train_split, cfg, precision, device, progress=progress)
    eval_start = time.perf_counter()
    probs = predict_probs(model, tokenizer, valid.texts, cfg.max_length, progress=progress)
    eval_seconds = time.perf_counter() - eval_start
    scores, thresholds = evaluate(probs, valid.targets, cfg.seed)
    epoch_seconds = [h["seconds"] for h in history]
    model_id = cfg.push_to_hub or str(output.resolve())
    merged_id = (cfg.push_merged_to_hub or str(merged_output.resolve())) if merged_output else None
    results = {
        "mode": cfg.mode, "base_model": cfg.base_model, "format": "model" if cfg.mode == "full" else "adapter",
        "device": device, "device_name": describe_device(device), "precision": precision_name(precision),
        "train_rows": len(train_split), "valid_rows": len(valid),
        "scores": scores,
        "resources": {
            "device": device, "precision": precision_name(precision),
            "trainable_params": trainable, "total_params": total,
            "trainable_pct": round(100 * trainable / total, 3), "weights_mb": weights_mb,
            **peak_memory(device),
            "seconds_per_epoch": round(float(np.mean(epoch_seconds)), 3),
            "eval_seconds": round(eval_seconds, 1),
        },
        "lora_targets": lora_targets_of(model), "history": history, "thresholds": [float(t) for t in thresholds],
        "model_id": model_id, "merged_id": merged_id, "config": asdict(cfg),
    }
    if comparison:
        results["comparison"] = comparison

    # both folders are written in full first; then swapped in (renames only): the merged one, then the adapter
    with ExitStack() as folders:
        tmp = folders.enter_context(staged_folder(output))
        merged_tmp = folders.enter_context(staged_folder(merged_output)) if merged_output is not None else None
        save_model(model, tokenizer, tmp, thresholds)
        save_thresholds(tmp, thresholds, cfg, model.config)
        save_probs(tmp, probs)  # lets tests and reports check a reload exactly
        if merged_tmp is not None:
            results["merge_check"] = write_merged(cfg, model, tokenizer, tmp, merged_tmp, results, thresholds,
                                                  probs, valid.texts)
        save_results(tmp, results)
        write_card(tmp, cfg, results)
        check_no_pickle(tmp)
    results["output"] = str(output)
    if merged_output is not None:
        results["merged_output"] = str(merged_output)
    if cfg.push_to_hub:
        push(output, cfg.push_to_hub)
    if cfg.push_merged_to_hub:
        push(merged_output, cfg.push_merged_to_hub, message="Upload gasa GoEmotions model (merged)")
    return results


def write_merged(cfg, model, tokenizer, adapter_dir: Path, folder: Path, results: dict, thresholds,
                 probs, texts) -> dict:
    """Merge the adapter saved in ``adapter_dir`` into its base and write it to ``folder``; check on a few
    validation rows that it gives the adapter's probabilities (the check is returned)."""
    merged = merged_model(cfg, model, adapter_dir, thresholds)
    rows = min(MERGE_CHECK_ROWS, len(texts))
    again = predict_probs(merged, tokenizer, texts[:rows], cfg.max_length)
    check = {"rows": rows, "max_abs_diff": float(np.abs(again - probs[:rows]).max())}
    merged_results = {k: v for k, v in results.items() if k != "merged_id"}
    merged_results.update({
        "format": "merged", "model_id": results["merged_id"], "adapter_id": results["model_id"], "merge_check": check,
        # the training run's resources, and what the merged weights hold
        "resources": {**results["resources"], "merged_weights_mb": round(model_bytes(merged) / 2**20, 1)},
    })
    save_model(merged, tokenizer, folder, thresholds)
    save_thresholds(folder, thresholds, cfg, model.config)
    save_results(folder, merged_results)
    write_card(folder, cfg, merged_results)
    check_no_pickle(folder)
    return check


def parse_args(argv=None) -> TrainConfig:
    return _parse_args(argv, description=__doc__.split("\n\n")[0])


def main(argv=None) -> int:
    cfg = parse_args(argv)
    try:
        results = run(cfg)
    except (TrainingError, GoEmotionsDataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    r, s = results["resources"], results["scores"]
    cuda = f", CUDA peak {r['cuda_peak_mb']} MB" if "cuda_peak_mb" in r else ""
    merged = f" (merged model: {results['merged_output']})" if results.get("merged_output") else ""
    print(f"{cfg.mode} on {results['device_name']}, {results['precision']}: macro-F1 {s['macro_f1@0.5']:.3f} at 0.5, "
          f"{s['macro_f1_tuned']:.3f} tuned ({s['macro_f1_tuned_heldout']:.3f} held-out); {r['seconds_per_epoch']} "
          f"s/epoch; peak RSS {r['peak_rss_mb']} MB{cuda}; saved to {results['output']}{merged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
