"""Which device a training run uses, and with which precision: one rule for every trainer.

    from training.devices import pick_device, precision_args, describe_device

    device = pick_device(args.device)                  # "cuda" if a GPU is visible, else "cpu"
    TrainingArguments(..., **precision_args(device, args.bf16, args.fp16))
    print(describe_device(device))                     # e.g. "cuda (NVIDIA H200)", "cpu (2 threads)"

* ``pick_device(None)`` / ``pick_device("auto")``: CUDA when torch sees a GPU, else the CPU;
  ``"cpu"`` and ``"cuda"`` force one (``"cuda"`` without a GPU is refused with a message saying so).
  On a machine with several GPUs, pick one with ``CUDA_VISIBLE_DEVICES``.
* ``precision_args(device, bf16, fp16)``: the ``use_cpu``/``bf16``/``fp16`` arguments of
  ``transformers.TrainingArguments``. ``bf16=None`` means "where the device supports it": bf16
  mixed precision on a CUDA GPU with native bf16 (Ampere and newer), fp32 elsewhere. ``bf16=True``
  is refused where the device has no native bf16 (a CPU without avx512_bf16/AMX, an older GPU);
  ``fp16=True`` needs a CUDA GPU.
"""
from __future__ import annotations

import os

DEVICES = ("auto", "cpu", "cuda")


class DeviceError(ValueError):
    """A device or precision this machine cannot give; the message says what to use instead."""


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def pick_device(requested: str | None = None) -> str:
    """``"cuda"`` or ``"cpu"``: the best device present, or the one ``requested`` (checked)."""
    choice = (requested or "auto").strip().lower()
    if choice not in DEVICES:
        raise DeviceError(f"--device must be one of {', '.join(DEVICES)}, got {requested!r} "
                          "(pick a GPU with CUDA_VISIBLE_DEVICES).")
    if choice == "auto":
        return "cuda" if cuda_available() else "cpu"
    if choice == "cuda" and not cuda_available():
        raise DeviceError("--device cuda: no CUDA GPU is visible here (torch.cuda.is_available() is False); "
                          "use --device cpu, or leave --device out to use the best device present.")
    return choice


def cpu_supports_bf16() -> bool:
    """True when the CPU has native bfloat16 arithmetic (x86 avx512_bf16 or AMX; Linux flags)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))


def cuda_supports_bf16() -> bool:
    """True on a CUDA GPU with native bf16 (compute capability 8.0 and newer; no emulation)."""
    import torch

    if not torch.cuda.is_available():
        return False
    try:
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    except TypeError:  # older torch without the argument
        return torch.cuda.get_device_capability()[0] >= 8


def supports_bf16(device: str) -> bool:
    return cuda_supports_bf16() if device == "cuda" else cpu_supports_bf16()


def precision_args(device: str, bf16: bool | None = None, fp16: bool = False) -> dict:
    """``{"use_cpu", "bf16", "fp16"}`` for ``TrainingArguments`` on ``device`` (see the module notes)."""
    if device not in ("cpu", "cuda"):
        raise DeviceError(f"unknown device {device!r}; pass what pick_device returned.")
    if fp16 and bf16:
        raise DeviceError("--bf16 and --fp16 exclude each other; pass one of them.")
    if fp16 and device != "cuda":
        raise DeviceError("--fp16 needs a CUDA GPU (fp16 mixed precision with loss scaling); on the CPU leave it "
                          "out (fp32)" + (", or pass --bf16 (this CPU has native bf16)." if cpu_supports_bf16() else "."))
    if bf16 and not supports_bf16(device):
        where = ("this GPU has no native bf16 (it needs compute capability 8.0, Ampere, or newer); use --fp16"
                 if device == "cuda" else
                 "this CPU has no native bf16 arithmetic (no avx512_bf16 or AMX), so bf16 would only be slower")
        raise DeviceError(f"--bf16 on {device}: {where}; or leave --bf16 out for fp32.")
    if bf16 is None:  # where the device supports it: bf16 on a recent GPU; the CPU stays in fp32
        bf16 = device == "cuda" and cuda_supports_bf16()
    return {"use_cpu": device == "cpu", "bf16": bool(bf16), "fp16": bool(fp16)}


def precision_name(args: dict) -> str:
    """``"bf16"``, ``"fp16"`` or ``"fp32"`` for what :func:`precision_args` returned."""
    return "bf16" if args.get("bf16") else "fp16" if args.get("fp16") else "fp32"


def compute_dtype(args: dict):
    """The torch dtype matching :func:`precision_args` (e.g. QLoRA's 4-bit compute dtype)."""
    import torch

    return {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[precision_name(args)]


def describe_device(device: str) -> str:
    """The device in words for outputs and model cards: ``"cuda (NVIDIA H200)"``, ``"cpu (2 threads)"``."""
    import torch

    if device == "cuda" and torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(torch.cuda.current_device())})"
    threads = torch.get_num_threads()
    return f"cpu ({threads} thread{'s' if threads != 1 else ''} of {os.cpu_count()} cores)"


def reset_peak_memory(device: str) -> None:
    """Start counting CUDA's peak allocation from here (no-op on the CPU)."""
    if device == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats()


def peak_memory(device: str) -> dict:
    """Peak resident memory of this process (MB) and, on CUDA, the peak allocation since the last
    :func:`reset_peak_memory` (MB)."""
    import resource

    out = {"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    if device == "cuda":
        import torch

        out["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return out
