"""Training through ``transformers.Trainer``: BCE with a per-label ``pos_weight`` as the loss
(``compute_loss_func``), AdamW over three learning-rate groups as the optimizer, and length grouping,
linear warm-up and decay, gradient clipping and mixed precision from ``TrainingArguments``. The
``pos_weight`` and the scores at 0.5 and at tuned thresholds are :mod:`training.common`'s."""
from __future__ import annotations

import tempfile
import time

import numpy as np

from training.common import pos_weights
from training.english.data import EncodedRows
from training.english.model import HEAD_MODULES


class WeightedBCE:
    """``Trainer(compute_loss_func=...)``: mean BCE with logits, each label's positives weighted by its
    ``pos_weight`` so rare emotions are not ignored."""

    def __init__(self, pos_weight: np.ndarray):
        import torch

        self.pos_weight = torch.as_tensor(np.asarray(pos_weight, dtype=np.float32))

    def __call__(self, outputs, labels, num_items_in_batch=None):
        import torch

        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        logits = logits.float()
        if self.pos_weight.device != logits.device:
            self.pos_weight = self.pos_weight.to(logits.device)
        return torch.nn.functional.binary_cross_entropy_with_logits(
            logits, labels.to(logits.dtype), pos_weight=self.pos_weight)


def lr_groups(model, cfg) -> list[dict]:
    """Three speeds: ``body`` (LoRA adapters, or every encoder weight in full mode), ``block`` (the
    top blocks trained whole) and ``head`` (classifier, pooler); groups without parameters are left out."""
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
    return [{"name": k, "params": ps, "lr": lrs[k]} for k, ps in groups.items() if ps]


def _trainer_class():
    from transformers import Trainer

    class GoEmotionsTrainer(Trainer):
        """A ``Trainer`` whose optimizer is AdamW over :func:`lr_groups` (weight decay, betas and epsilon
        from the ``TrainingArguments``); the scheduler (linear warm-up and decay) is the Trainer's own."""

        def __init__(self, *args, config=None, **kwargs):
            self.gasa_config = config
            super().__init__(*args, **kwargs)

        def create_optimizer(self, model=None):
            import torch

            if self.optimizer is None:
                a = self.args
                self.optimizer = torch.optim.AdamW(
                    lr_groups(self.model if model is None else model, self.gasa_config),
                    weight_decay=a.weight_decay, betas=(a.adam_beta1, a.adam_beta2), eps=a.adam_epsilon)
            return self.optimizer

    return GoEmotionsTrainer


def _epoch_log_class():
    from transformers import TrainerCallback

    class EpochLog(TrainerCallback):
        """One record per epoch: wall seconds (CUDA synchronized) and the mean training loss."""

        def __init__(self, device: str):
            self.device = device
            self.history: list[dict] = []
            self._start = 0.0

        def _sync(self):
            if self.device == "cuda":
                import torch

                torch.cuda.synchronize()

        def on_epoch_begin(self, args, state, control, **kwargs):
            self._sync()
            self._start = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            self._sync()
            self.history.append({"epoch": len(self.history) + 1, "loss": float("nan"),
                                 "seconds": round(time.perf_counter() - self._start, 3)})

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs and self.history:  # logging_strategy="epoch": the epoch's mean loss
                self.history[-1]["loss"] = float(logs["loss"])

    return EpochLog


def training_arguments(cfg, precision: dict, output_dir: str, progress: bool = True):
    """The ``TrainingArguments`` of a run: batches of similar length, linear warm-up/decay, clipping,
    one log per epoch, no checkpoints (the run saves its own folder), nothing reported anywhere."""
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=output_dir, num_train_epochs=cfg.epochs, per_device_train_batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate(), weight_decay=cfg.weight_decay, lr_scheduler_type="linear",
        warmup_steps=cfg.warmup, max_grad_norm=cfg.max_grad_norm, train_sampling_strategy="group_by_length",
        logging_strategy="epoch", save_strategy="no", eval_strategy="no", report_to="none", seed=cfg.seed,
        disable_tqdm=not progress, label_names=["labels"], dataloader_pin_memory=not precision["use_cpu"],
        **precision,
    )


def build_trainer(model, tokenizer, train_rows: EncodedRows, cfg, precision: dict, output_dir: str,
                  device: str, progress: bool = True):
    """The ``Trainer`` for ``model`` on ``train_rows`` and its :class:`EpochLog` callback."""
    from transformers import DataCollatorWithPadding, PrinterCallback

    epoch_log = _epoch_log_class()(device)
    trainer = _trainer_class()(
        model=model, args=training_arguments(cfg, precision, output_dir, progress), train_dataset=train_rows,
        processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer),
        compute_loss_func=WeightedBCE(pos_weights(train_rows.targets, cfg.pos_weight_power, cfg.max_pos_weight)),
        callbacks=[epoch_log], config=cfg,
    )
    if not progress:
        trainer.remove_callback(PrinterCallback)
    return trainer, epoch_log


def train_model(model, tokenizer, train_split, cfg, precision: dict, device: str, progress: bool = True) -> list[dict]:
    """Train ``model`` in place through the Trainer; one record per epoch (loss, seconds)."""
    rows = EncodedRows.from_split(tokenizer, train_split, cfg.max_length)
    with tempfile.TemporaryDirectory(prefix="gasa-trainer-") as scratch:  # the Trainer's output_dir; stays empty
        trainer, epoch_log = build_trainer(model, tokenizer, rows, cfg, precision, scratch, device, progress)
        trainer.train()
    return epoch_log.history
