"""The options of ``python -m training.train_qlora``: one dataclass, read from the command line by
``transformers.HfArgumentParser`` (each field is a flag, ``--base-model`` or ``--base_model``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MODES = ("qlora", "lora", "full")
DEFAULT_LR = {"qlora": 1e-3, "lora": 1e-3, "full": 1e-4}


def _help(text: str, **kw) -> dict:
    return {"metadata": {"help": text, **kw}}


@dataclass
class TrainConfig:
    base_model: str = field(**_help("Hub id or local folder of the encoder (e.g. roberta-base)"))
    mode: Literal["qlora", "lora", "full"] = field(
        **_help("qlora: 4-bit NF4 base + LoRA; lora: the same unquantized; full: every weight trained"))
    train: str = field(**_help("GoEmotions TSV to sample training rows from"))
    valid: str = field(**_help("GoEmotions TSV for evaluation and threshold tuning"))
    samples: int | None = field(default=4000, **_help("training rows to sample (0 = all)"))
    epochs: int = field(default=4, **_help("training epochs"))
    output: str | None = field(default=None, **_help("output folder (default runs/goemotions-MODE)"))
    merged_output: str | None = field(default=None, **_help(
        "qlora/lora: also write the adapter merged into its base here, a plain transformers classifier "
        "(labels and thresholds in its config) that pipeline('text-classification', model=DIR) loads"))
    push_to_hub: str | None = field(default=None, **_help("Hub repo (ORG/NAME) for --output"))
    push_merged_to_hub: str | None = field(default=None, **_help("Hub repo (ORG/NAME) for --merged-output"))
    lr: float | None = field(default=None, **_help(f"encoder/adapter learning rate (default by mode: {DEFAULT_LR})"))
    head_lr: float = field(default=2e-3, **_help("learning rate of the head (classifier, pooler)"))
    batch_size: int = field(default=32, **_help("training rows per step"))
    max_length: int = field(default=64, **_help("training tokens per text"))
    lora_r: int = field(default=16, **_help("LoRA rank"))
    lora_alpha: int = field(default=32, **_help("LoRA alpha"))
    lora_dropout: float = field(default=0.1, **_help("LoRA dropout"))
    lora_targets: list[str] | None = field(
        default=None, **_help("module names for LoRA (default: the attention projections of the lower blocks)"))
    full_layers: int = field(default=1, **_help(
        "qlora/lora: top transformer blocks trained whole, in full precision"))
    block_lr: float = field(default=1e-4, **_help("learning rate of those blocks"))
    pos_weight_power: float = field(default=0.5, **_help("pos_weight = (negatives/positives)^power"))
    max_pos_weight: float = field(default=30.0, **_help("cap of pos_weight"))
    warmup: float = field(default=0.06, **_help("share of the steps with linear warm-up"))
    weight_decay: float = field(default=0.01, **_help("AdamW weight decay"))
    max_grad_norm: float = field(default=1.0, **_help("gradient clipping (0 = none)"))
    seed: int = field(default=0, **_help("seed of the sample, the initialisation and the batches"))
    device: Literal["auto", "cpu", "cuda"] = field(
        default="auto", **_help("auto: CUDA when a GPU is visible, else the CPU"))
    bf16: bool | None = field(default=None, **_help(
        "bf16 mixed precision (default: on a CUDA GPU that has native bf16, fp32 elsewhere; --bf16 false: fp32); "
        "QLoRA then computes in bf16 too", nargs="?", const=True))
    fp16: bool = field(default=False, **_help("fp16 mixed precision (CUDA only)"))
    threads: int | None = field(default=None, **_help(
        "torch CPU threads (default: torch's choice; 1 is kinder when several runs share the cores)"))
    overwrite: bool = field(default=False, **_help("replace an existing output folder (only once the new one is complete)"))
    comparison: str | None = field(default=None, **_help(
        "comparison JSON (from training.compare_qlora) for the model card"))

    def __post_init__(self):
        if self.samples == 0:
            self.samples = None  # --samples 0: every row

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.mode]


def parse_args(argv=None, description: str | None = None) -> TrainConfig:
    from transformers import HfArgumentParser

    parser = HfArgumentParser(TrainConfig, prog="python -m training.train_qlora", description=description)
    (cfg,) = parser.parse_args_into_dataclasses(args=argv)
    return cfg
