"""Model surgery for the English trainer: the base as a 28-label classifier (4-bit NF4 for qlora), LoRA
with the top block and head trained whole, the merged plain classifier, and batched inference."""
from __future__ import annotations

import re
import warnings

import numpy as np

from hub.english import label_kwargs
from training.english.data import encode

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
NF4_BLOCKSIZE = 64


class TrainingError(RuntimeError):
    """A run that cannot start or finish; the message says what to change."""


# --- checks ----------------------------------------------------------------------------------

def check_quantization_support(device: str = "cpu", dtype=None) -> None:
    """Make sure bitsandbytes can quantize and run a 4-bit layer on ``device``; raise TrainingError if not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import bitsandbytes as bnb
            import torch
            dtype = dtype or torch.float32
            layer = bnb.nn.Linear4bit(NF4_BLOCKSIZE, NF4_BLOCKSIZE, compute_dtype=dtype, quant_type="nf4")
            layer = layer.to(device)
            x = torch.ones(2, NF4_BLOCKSIZE, device=layer.weight.device, dtype=dtype)
            layer(x).float().sum().backward()
    except Exception as e:  # noqa: BLE001 - any failure means the quantized modes cannot run
        raise TrainingError(
            f"--mode qlora needs bitsandbytes 4-bit layers, which cannot run on this machine's {device} "
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


# --- the base model --------------------------------------------------------------------------

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
    names = {n.rsplit(".", 1)[-1] for n in dict(model.named_modules())}
    return [n for n in HEAD_MODULES if n in names]


def load_tokenizer(base_model: str):
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(base_model)
    except (OSError, ValueError) as e:
        raise TrainingError(f"cannot load the tokenizer of {base_model!r}: {str(e).splitlines()[0]}") from None


def load_base(base_model: str, mode: str, full_layers: int = 1, device: str = "cpu", compute_dtype=None):
    """The base model as a 28-label multi-label classifier in fp32 (4-bit NF4 on ``device`` for qlora,
    computing in ``compute_dtype``); the other modes load on the CPU and the Trainer moves them."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification, BitsAndBytesConfig
    from transformers.utils import logging as hf_logging

    try:
        config = AutoConfig.from_pretrained(base_model, **label_kwargs())
    except (OSError, ValueError) as e:
        raise TrainingError(f"cannot load the base model {base_model!r}: {str(e).splitlines()[0]}") from None
    kwargs = {"config": config, "dtype": torch.float32}
    if mode == "qlora":
        check_quantizable(config)
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=compute_dtype or torch.float32,
            bnb_4bit_use_double_quant=False, llm_int8_skip_modules=quant_skip(config, full_layers),
        )
        kwargs["device_map"] = {"": "cuda:0" if device == "cuda" else "cpu"}
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
    return model


def make_trainable(model, cfg):
    """Wrap in LoRA (qlora/lora: attention projections of the lower blocks; the top ``full_layers``
    blocks and the head trained whole) or unfreeze everything (full)."""
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


def lora_targets_of(model):
    """The LoRA target modules of a PEFT model (sorted list or regex), None for a plain model."""
    peft_config = getattr(model, "peft_config", {}).get("default")
    targets = peft_config.target_modules if peft_config is not None else None
    return sorted(targets) if isinstance(targets, (set, list)) else targets


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


# --- the merged model ------------------------------------------------------------------------

def _plain_name(name: str) -> str:
    """A PEFT module name as the base model names it."""
    name = name.removeprefix("base_model.model.")
    return name.removesuffix(".base_layer")


def keep_4bit_arithmetic(model) -> None:
    """Make the 4-bit layers of ``model`` compute at inference as they did in training.

    On a CPU with avx512_bf16, bitsandbytes repacks a 4-bit weight for a bf16 kernel the first time it
    runs without gradients (its block scales rounded to bf16), so evaluation would not compute what
    training computed; the validation probabilities, the tuned thresholds and the merged model would
    then disagree by about 1e-4. This keeps the ordinary dequantize-and-matmul path.
    """
    try:
        import bitsandbytes as bnb
    except ImportError:
        return
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit) and hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False


def dequantized_weights(model) -> dict:
    """fp32 CPU copies of every 4-bit weight of ``model`` (a PEFT model on a 4-bit base), named as the
    plain base model names them: exactly the weights the 4-bit layers computed with."""
    import bitsandbytes as bnb

    out = {}
    for name, module in model.named_modules():
        if isinstance(module, bnb.nn.Linear4bit):
            w = module.weight
            if getattr(w.quant_state, "packing_format_for_cpu", False):
                raise TrainingError(f"{name} was repacked for bitsandbytes' bf16 CPU kernel; call "
                                    "keep_4bit_arithmetic(model) before running it.")
            out[_plain_name(name) + ".weight"] = bnb.functional.dequantize_4bit(w.data, w.quant_state).float().cpu()
    return out


def merged_model(cfg, trained, adapter_dir, thresholds):
    """The adapter saved in ``adapter_dir`` merged into its base (``merge_and_unload``): a plain fp32
    ``*ForSequenceClassification`` on the CPU with the 28 labels, ``problem_type`` and
    ``config.thresholds`` (label order) in its config.

    For qlora, the base weights that were 4-bit during training are replaced by their exact
    dequantized values before merging, so the merged model computes what the trained 4-bit model
    computed (in fp32; a GPU run in bf16 differs by bf16 rounding).
    """
    import torch
    from peft import PeftModel

    base = load_base(cfg.base_model, "lora", cfg.full_layers, device="cpu")
    if cfg.mode == "qlora":
        weights = dequantized_weights(trained)
        result = base.load_state_dict(weights, strict=False)
        if result.unexpected_keys:
            raise TrainingError(f"cannot place the dequantized weights {result.unexpected_keys[:3]} in the base "
                                "model; report this with the base model's name.")
    model = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    model.config.thresholds = [round(float(t), 4) for t in thresholds]
    model.config.problem_type = "multi_label_classification"
    model.to(torch.float32).eval()
    return model


# --- inference -------------------------------------------------------------------------------

def device_of(model):
    return next(p for p in model.parameters()).device


def predict_probs(model, tokenizer, texts: list[str], max_length: int = 64, batch_size: int = 64,
                  progress: bool = False) -> np.ndarray:
    """Sigmoid probabilities for short texts (length-sorted batches, on the model's device)."""
    import torch
    from tqdm.auto import tqdm

    keep_4bit_arithmetic(model)
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
