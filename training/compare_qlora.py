"""QLoRA vs LoRA vs full fine-tuning on the same GoEmotions sample: one table.

    python -m training.compare_qlora --base-model DIR_OR_ID \
        --train ../shared/data/goemotions/train.tsv --valid ../shared/data/goemotions/dev.tsv \
        --samples 4000 --epochs 4 --output-dir runs/compare [--probe] [--push-to-hub ORG/NAME]

Each mode runs ``python -m training.train_qlora`` in its own process, so the peak resident memory
(RSS; CUDA peak allocation on a GPU) belongs to that mode alone. Every mode runs on the same device:
the best one present (CUDA, else the CPU) or ``--device``. Any further flags (``--lr``,
``--max-length``, ``--bf16``, ...) are passed on to every run. ``--probe`` adds a reference row: a
class-balanced logistic regression on frozen, mean-pooled embeddings of the same sample (computed on
the CPU). The 1-minute load average before and after each mode is recorded next to its timings.

Writes ``comparison.md`` and ``comparison.json`` in ``--output-dir``, one model folder per mode
under it (``--merged`` adds ``MODE-merged`` for qlora and lora), and puts the table in each model's
card. ``--push-to-hub`` pushes the qlora adapter (``--push-mode`` picks another).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from training.cards import markdown_table
from training.common import evaluate
from training.devices import DEVICES, DeviceError, pick_device
from training.english.card import config_from_results, write_card
from training.english.model import TrainingError
from training.english.options import MODES
from training.english.saving import RESULTS_FILE, push, read_results, save_results

COLUMNS = ["device", "precision", "trainable_params", "trainable_pct", "weights_mb", "peak_rss_mb", "cuda_peak_mb",
           "seconds_per_epoch"]
SCORES = ["macro_f1@0.5", "micro_f1@0.5", "macro_f1_tuned", "micro_f1_tuned", "macro_f1_tuned_heldout"]


def mode_command(mode: str, args, extra: list[str], folder: Path, device: str = "auto") -> dict:
    cmd = [sys.executable, "-m", "training.train_qlora", "--base-model", args.base_model, "--mode", mode,
           "--train", args.train, "--valid", args.valid, "--samples", str(args.samples),
           "--epochs", str(args.epochs), "--seed", str(args.seed), "--output", str(folder), "--overwrite",
           "--device", device, *extra]
    if getattr(args, "merged", False) and mode != "full":
        cmd += ["--merged-output", str(merged_folder(folder))]
    return {"mode": mode, "cmd": cmd}


def merged_folder(folder: Path) -> Path:
    return folder.with_name(folder.name + "-merged")


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def table_row(results: dict) -> dict:
    r, s = results["resources"], results["scores"]
    row = {"mode": results["mode"]}
    row.update({k: r[k] for k in COLUMNS if k in r})
    row.update({k: round(float(s[k]), 4) for k in SCORES})
    return row


def frozen_probe(base_model: str, train_path: str, valid_path: str, samples: int, seed: int,
                 max_length: int = 64) -> dict:
    """Reference: class-balanced logistic regression per label on frozen mean-pooled embeddings."""
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoModel, AutoTokenizer

    from hub.labels import mean_pooled
    from training.goemotions import read_goemotions_tsv, sample_rows

    train = sample_rows(read_goemotions_tsv(train_path), samples, seed)
    valid = read_goemotions_tsv(valid_path)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    encoder = AutoModel.from_pretrained(base_model).eval()

    def embed(texts):
        return mean_pooled(encoder, tokenizer, texts, batch_size=64, max_length=max_length, progress=True).numpy()

    start = time.perf_counter()
    x_train, x_valid = embed(train.texts), embed(valid.texts)
    probs = np.zeros(valid.targets.shape, dtype=np.float32)
    for j in range(valid.targets.shape[1]):
        y = train.targets[:, j]
        if y.min() == y.max():
            continue
        clf = LogisticRegression(class_weight="balanced", max_iter=2000, C=1.0)
        probs[:, j] = clf.fit(x_train, y).predict_proba(x_valid)[:, 1]
    scores, _ = evaluate(probs, valid.targets, seed)
    return {"mode": "frozen probe (reference)", "device": "cpu", "trainable_params": (x_train.shape[1] + 1) * train.targets.shape[1],
            "seconds_total": round(time.perf_counter() - start, 1),
            **{k: round(float(scores[k]), 4) for k in SCORES}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.compare_qlora", description=__doc__.split("\n\n")[0])
    p.add_argument("--base-model", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--samples", type=int, default=4000)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    p.add_argument("--output-dir", default="runs/compare")
    p.add_argument("--parallel", action="store_true",
                   help="run the modes at the same time (faster overall; times per epoch then share the CPU)")
    p.add_argument("--resume", action="store_true",
                   help="keep modes that already finished in --output-dir (their results.json) and run the rest")
    p.add_argument("--probe", action="store_true", help="add the frozen mean-pooled logistic-regression reference")
    p.add_argument("--device", default="auto", choices=DEVICES,
                   help="device of every mode (auto: CUDA when a GPU is visible, else the CPU)")
    p.add_argument("--merged", action="store_true",
                   help="also write each adapter merged into its base (MODE-merged, a plain transformers classifier)")
    p.add_argument("--push-to-hub", metavar="REPO")
    p.add_argument("--push-mode", default="qlora", choices=MODES)
    args, extra = p.parse_known_args(argv)

    try:
        device = pick_device(args.device)  # one device for every mode, so their times compare
    except DeviceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = [m for m in args.modes if args.resume and (out / m / RESULTS_FILE).is_file()]
    for m in done:
        print(f"kept {m}: {out / m / RESULTS_FILE}", flush=True)
    jobs = [mode_command(m, args, extra, out / m, device) for m in args.modes if m not in done]
    logs, load = {}, {}
    procs = []
    for job in jobs:
        logs[job["mode"]] = out / f"{job['mode']}.log"
        load[job["mode"]] = {"load_before": load_average()}
        with logs[job["mode"]].open("w") as log:
            proc = subprocess.Popen(job["cmd"], stdout=log, stderr=subprocess.STDOUT)
        procs.append((job, proc))
        print(f"started {job['mode']} on {device}: {' '.join(job['cmd'])} (log {logs[job['mode']]}; "
              f"load average {load[job['mode']]['load_before']})", flush=True)
        if not args.parallel:
            proc.wait()
            load[job["mode"]]["load_after"] = load_average()
    for job, proc in procs:
        proc.wait()
        load[job["mode"]].setdefault("load_after", load_average())
    failed = [job["mode"] for job, proc in procs if proc.returncode != 0]
    if failed:
        for mode in failed:
            tail = logs[mode].read_text(errors="replace").strip().splitlines()[-3:]
            print(f"error: {mode} failed; see {logs[mode]}:\n  " + "\n  ".join(tail), file=sys.stderr)
        return 2

    results = {m: read_results(out / m) for m in args.modes}
    devices = {results[m].get("device", "cpu") for m in args.modes}
    if len(devices) > 1:
        print(f"warning: the modes ran on different devices ({', '.join(sorted(devices))}; kept runs from "
              "--resume?): their times do not compare.", file=sys.stderr)
    rows = [{**table_row(results[m]), **load.get(m, {})} for m in args.modes]
    if args.probe:
        rows.append(frozen_probe(args.base_model, args.train, args.valid, args.samples, args.seed))
    first = results[args.modes[0]]
    description = (
        f"Base `{first['base_model']}`, {first['train_rows']} sampled training rows, {args.epochs} epochs, "
        f"scored on {first['valid_rows']} validation rows, every mode on "
        f"{first.get('device_name', first.get('device', 'cpu'))}. peak_rss_mb: peak resident memory of the "
        "training process; cuda_peak_mb: CUDA's peak allocation (GPU only); weights_mb: bytes held by the "
        "weights (4-bit NF4 for qlora); seconds_per_epoch: wall time"
        + (" with the modes running at the same time" if args.parallel else "") + "; load_before/after: the "
        "machine's 1-minute load average around the run. *_tuned: per-label thresholds tuned on the "
        "validation rows; macro_f1_tuned_heldout: tuned on one half, scored on the other."
    )
    comparison = {"description": description, "rows": rows, "extra_args": extra,
                  "command": "python -m training.compare_qlora " + " ".join(argv if argv is not None else sys.argv[1:])}
    (out / "comparison.json").write_text(json.dumps(comparison, indent=2), encoding="utf-8")
    table = markdown_table(rows, floatfmt="{:.4g}")
    (out / "comparison.md").write_text(f"# QLoRA vs LoRA vs full\n\n{description}\n\n{table}\n", encoding="utf-8")
    folders = [out / m for m in args.modes] + [merged_folder(out / m) for m in args.modes
                                                  if (merged_folder(out / m) / RESULTS_FILE).is_file()]
    for folder in folders:  # every model's card (and results.json) carries the comparison
        folder_results = {**read_results(folder), "comparison": comparison}
        save_results(folder, folder_results)
        write_card(folder, config_from_results(folder_results), folder_results)
    print(table)
    if args.push_to_hub:
        if args.push_mode not in args.modes:
            raise TrainingError(f"--push-mode {args.push_mode} was not run (--modes {' '.join(args.modes)}).")
        print(push(out / args.push_mode, args.push_to_hub))
    return 0


if __name__ == "__main__":
    sys.exit(main())
