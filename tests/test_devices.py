"""training.devices: the best device present, --device to force one, mixed precision where supported."""
from __future__ import annotations

import pytest

from training import devices
from training.devices import DeviceError, pick_device, precision_args, precision_name


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    monkeypatch.setattr(devices, "cuda_supports_bf16", lambda: False)


@pytest.fixture
def gpu(monkeypatch):
    monkeypatch.setattr(devices, "cuda_available", lambda: True)


def test_best_device_present(no_gpu):
    assert pick_device(None) == pick_device("auto") == pick_device("AUTO") == "cpu"
    assert pick_device("cpu") == "cpu"


def test_cuda_is_picked_when_present_and_cpu_can_still_be_forced(gpu):
    assert pick_device(None) == "cuda" and pick_device("cuda") == "cuda"
    assert pick_device("cpu") == "cpu"


def test_cuda_without_a_gpu_is_refused_with_what_to_do(no_gpu):
    with pytest.raises(DeviceError, match=r"--device cuda: no CUDA GPU is visible here .* use --device cpu"):
        pick_device("cuda")
    with pytest.raises(DeviceError, match="--device must be one of auto, cpu, cuda, got 'tpu'"):
        pick_device("tpu")


def test_this_machine_really_has_no_gpu_for_cuda():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        pick_device("cuda")
    assert pick_device(None) == "cpu"


def test_cpu_precision_is_fp32_unless_asked(no_gpu, monkeypatch):
    assert precision_args("cpu") == {"use_cpu": True, "bf16": False, "fp16": False}
    assert precision_args("cpu", bf16=False) == {"use_cpu": True, "bf16": False, "fp16": False}
    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: False)
    with pytest.raises(DeviceError, match="--bf16 on cpu: this CPU has no native bf16 arithmetic"):
        precision_args("cpu", bf16=True)
    with pytest.raises(DeviceError, match="--fp16 needs a CUDA GPU"):
        precision_args("cpu", fp16=True)
    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: True)  # e.g. avx512_bf16 / AMX
    assert precision_args("cpu", bf16=True) == {"use_cpu": True, "bf16": True, "fp16": False}
    assert precision_args("cpu") == {"use_cpu": True, "bf16": False, "fp16": False}  # still fp32 by default


def test_gpu_precision_is_bf16_where_supported(gpu, monkeypatch):
    monkeypatch.setattr(devices, "cuda_supports_bf16", lambda: True)
    assert precision_args("cuda") == {"use_cpu": False, "bf16": True, "fp16": False}
    assert precision_args("cuda", bf16=False) == {"use_cpu": False, "bf16": False, "fp16": False}
    assert precision_args("cuda", bf16=False, fp16=True) == {"use_cpu": False, "bf16": False, "fp16": True}
    monkeypatch.setattr(devices, "cuda_supports_bf16", lambda: False)  # e.g. a T4 or V100
    assert precision_args("cuda") == {"use_cpu": False, "bf16": False, "fp16": False}
    with pytest.raises(DeviceError, match="--bf16 on cuda: this GPU has no native bf16 .* use --fp16"):
        precision_args("cuda", bf16=True)
    with pytest.raises(DeviceError, match="exclude each other"):
        precision_args("cuda", bf16=True, fp16=True)


def test_precision_names_and_dtypes():
    import torch

    assert precision_name({"bf16": True}) == "bf16" and precision_name({"fp16": True}) == "fp16"
    assert precision_name({"use_cpu": True, "bf16": False, "fp16": False}) == "fp32"
    assert devices.compute_dtype({"bf16": True}) is torch.bfloat16
    assert devices.compute_dtype({"bf16": False, "fp16": False}) is torch.float32


def test_precision_args_build_training_arguments_on_the_cpu(no_gpu, tmp_path):
    from transformers import TrainingArguments

    args = TrainingArguments(output_dir=str(tmp_path), report_to="none", **precision_args(pick_device(None)))
    assert args.device.type == "cpu" and not args.bf16 and not args.fp16


def test_device_in_words_and_peak_memory(no_gpu):
    assert devices.describe_device("cpu").startswith("cpu (")
    memory = devices.peak_memory("cpu")
    assert memory["peak_rss_mb"] > 10 and "cuda_peak_mb" not in memory
    devices.reset_peak_memory("cpu")  # a no-op on the CPU
