"""Saved folders of the English trainer (safetensors, JSON and plain-text tokenizer and card files only:
no pickle anywhere) and their Hub pushes.

* adapter (qlora/lora): ``adapter_config.json`` + ``adapter_model.safetensors`` (LoRA weights, the
  head and the top block), tokenizer, ``thresholds.json``, ``results.json``, ``README.md``;
* model (full) and merged (the adapter merged into its base): ``config.json`` (28 labels,
  ``problem_type``, ``thresholds``) + ``model.safetensors``, tokenizer, the same JSON files and card;
* ``valid_probs.safetensors``: the validation probabilities (a float32 array under ``probs``), which
  lets tests and reports check a reload exactly; it stays local (not pushed).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from hub.english import ADAPTER_CONFIG, THRESHOLDS_FILE
from hub.labels import GOEMOTIONS
from training.english.model import TrainingError, quant_skip

RESULTS_FILE = "results.json"
PROBS_FILE = "valid_probs.safetensors"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".npy", ".npz", ".ckpt", ".joblib")
LOCAL_ONLY = [PROBS_FILE]


def save_thresholds(folder: Path, thresholds, cfg, model_config) -> None:
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
    (Path(folder) / THRESHOLDS_FILE).write_text(json.dumps(payload, indent=2), encoding="utf-8")


def save_model(model, tokenizer, folder: Path, thresholds=None) -> None:
    """``save_pretrained`` in safetensors; a plain model (full, merged) carries ``config.thresholds``."""
    if not hasattr(model, "peft_config") and thresholds is not None:
        model.config.thresholds = [round(float(t), 4) for t in thresholds]
        model.config.problem_type = "multi_label_classification"
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)


def save_probs(folder: Path, probs: np.ndarray) -> None:
    from safetensors.numpy import save_file

    save_file({"probs": np.ascontiguousarray(probs, dtype=np.float32)}, str(Path(folder) / PROBS_FILE))


def load_probs(folder) -> np.ndarray:
    from safetensors.numpy import load_file

    return load_file(str(Path(folder) / PROBS_FILE))["probs"]


def save_results(folder: Path, results: dict) -> None:
    (Path(folder) / RESULTS_FILE).write_text(json.dumps(results, indent=2), encoding="utf-8")


def read_results(folder) -> dict:
    return json.loads((Path(folder) / RESULTS_FILE).read_text(encoding="utf-8"))


def pickled_files(folder) -> list[str]:
    """Files under ``folder`` that are (or may be) pickles: by suffix, or by their first bytes (a pickle
    protocol header, or the zip that ``torch.save`` writes)."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        with path.open("rb") as f:
            head = f.read(4)
        # a safetensors file starts with its header length, whose first byte can be anything
        looks_pickled = path.suffix != ".safetensors" and (
            (head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05")) or head == b"PK\x03\x04")
        if path.suffix.lower() in PICKLE_SUFFIXES or looks_pickled:
            found.append(str(path.relative_to(folder)))
    return found


def check_no_pickle(folder) -> None:
    bad = pickled_files(folder)
    if bad:
        raise TrainingError(f"{folder} would hold pickled files ({', '.join(bad)}); gasa saves safetensors and "
                            "JSON only. Report this with the command you ran.")


def push(folder, repo_id: str, message: str = "Upload gasa GoEmotions model") -> str:
    """Push a saved folder (adapter, model or merged): its card is written again with ``repo_id`` in the
    usage snippet; the validation probabilities stay local."""
    from training.cards import push_folder
    from training.english.card import config_from_results, write_card

    folder = Path(folder)
    check_no_pickle(folder)
    adapter_config = folder / ADAPTER_CONFIG
    if adapter_config.is_file():
        base = json.loads(adapter_config.read_text(encoding="utf-8")).get("base_model_name_or_path", "")
        if Path(base).exists():
            print(f"warning: the adapter names a local base model ({base}); people loading {repo_id} need the "
                  "same base. Train from a Hub id (e.g. --base-model roberta-base) for a portable adapter.",
                  file=sys.stderr)
    if (folder / RESULTS_FILE).is_file():
        results = read_results(folder)
        results["model_id"] = repo_id
        save_results(folder, results)
        write_card(folder, config_from_results(results), results)
    return push_folder(folder, repo_id, "model", message=message, ignore_patterns=LOCAL_ONLY)
