"""int8 inference for an encoder's linear layers that keeps the fp32 model's answer.

PyTorch's dynamic quantization (``torch.ao.quantization.quantize_dynamic``) gives every batch one
activation scale, on 7 of the 8 bits (``reduce_range`` on x86). Transformer encoders carry a few
activation channels and tokens ([CLS], [SEP], punctuation) whose values are tens of times larger
than the rest, so that single scale leaves the ordinary values only a handful of levels: on two
GoEmotions-trained MiniLMs the top label of 28-42 % of songs changed (README "Benchmarks").

:class:`Int8Linear` removes both causes, after SmoothQuant (Xiao et al., 2023):

* each token gets its own activation range, mapped onto all 255 levels of int8;
* outlier channels are tamed before quantizing: the input is divided per channel by
  ``s = max|x|^alpha / max|w|^(1 - alpha)`` and the weight columns multiplied by it, which leaves
  ``x @ w.T`` unchanged in exact arithmetic and moves part of the outliers' range into the weights
  (which have per-output-channel scales and take it easily). ``max|x|`` per channel comes from a
  short calibration run (:func:`quantize_int8`; by default on :data:`CALIBRATION_TEXTS`).

The product runs as int8 x int8 -> int32 (``torch._int_mm``, VNNI on CPUs that have it) and is
scaled back to fp32 per token and per output channel; the steps before and after it run as fused
kernels compiled once per process (:func:`fused_kernels`). Only the encoder (``model.base_model``) is
quantized; the classification head stays fp32 (it is small, and it makes the decision).
"""
from __future__ import annotations

import functools
import warnings
from typing import Callable, NamedTuple

import torch

SMOOTHING_ALPHA = 0.5  # SmoothQuant's migration strength: half the outliers' range moves to the weights
CALIBRATION_MAX_TOKENS = 128  # longer calibration texts changed nothing measurable (README "Benchmarks")

# Original lines written for gasa (never real lyrics), in the two languages of the catalog. The
# outlier channels of an encoder show on any natural text; these only need to be text, not lyrics.
CALIBRATION_TEXTS = [
    "비가 그친 골목에 가로등이 하나둘 켜지고 나는 오래된 노래를 흥얼거려",
    "네가 없는 아침은 커피도 쓰고 창밖의 하늘도 유난히 낮아 보여",
    "괜찮다고 웃었지만 사실은 조금 울고 싶었어. 정말이야!",
    "우리 오늘 밤새도록 춤을 추자, 내일 걱정은 내일 하면 되잖아",
    "화가 나서 전화를 끊었는데 금방 다시 네 목소리가 듣고 싶어졌어",
    "첫눈이 오면 만나자던 약속, 기억하니? 나는 아직 기다려",
    "시험이 끝난 날 친구들과 바닷가로 달려가 소리를 질렀지",
    "아무 말 없이 안아 주던 엄마의 품이 오늘따라 그리워",
    "I left the porch light on in case you ever wander home.",
    "We danced until the music stopped and then we danced some more!",
    "Why does every song on the radio sound like it was written about you?",
    "I'm so tired of pretending that I don't care, so here's the truth.",
    "Thank you for staying when it would have been easier to go.",
    "That was the worst concert ever, honestly, I want my money back.",
    "Sunday mornings, cold coffee, and your laugh down the hall.",
    "Scared of the dark at 30, still sleeping with the radio on.",
]


class Int8Linear(torch.nn.Module):
    """A ``torch.nn.Linear`` computed in int8: per-token activations, per-output-channel weights,
    SmoothQuant scaling of the input channels.

    Args:
        linear: the fp32 layer to replace (its weight and bias are copied, quantized).
        input_absmax: largest ``|x|`` seen per input channel in calibration, shape ``(in_features,)``.
        alpha: smoothing strength in [0, 1] (the share of the input's range moved into the weights);
            None: no smoothing (benchmarks/int8_agreement.py --ablation measures what it adds).
        fused: run the steps around the int8 matmul as compiled, fused loops (:func:`fused_kernels`);
            False: eagerly, one PyTorch op at a time (same results; benchmarks/predict_speed.py
            --ablation measures what fusing adds).
    """

    def __init__(self, linear: torch.nn.Linear, input_absmax: torch.Tensor, alpha: float | None = SMOOTHING_ALPHA,
                 fused: bool = True):
        super().__init__()
        weight = linear.weight.detach().float()
        if alpha is None:
            smooth = torch.ones(linear.in_features)
        else:
            smooth = (input_absmax.float().clamp(min=1e-5) ** alpha
                      / weight.abs().amax(dim=0).clamp(min=1e-5) ** (1 - alpha))
        weight = weight * smooth
        weight_scale = weight.abs().amax(dim=1).clamp(min=1e-8) / 127
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("inverse_smooth", 1 / smooth)
        self.register_buffer("weight_int8", torch.round(weight / weight_scale[:, None]).to(torch.int8))
        self.register_buffer("weight_scale", weight_scale)
        # the midpoint's share of x @ w.T, taken on the int8 weights: x then meets exactly one
        # (quantized) weight, as in symmetric int8 (on the fp32 weights, the weights' rounding
        # error would meet the midpoint in every channel and add up)
        self.register_buffer("weight_int8_sum", self.weight_int8.float().sum(dim=1))
        self.has_bias = linear.bias is not None
        self.register_buffer("bias", linear.bias.detach().float().clone() if self.has_bias
                             else torch.zeros(self.out_features))
        self.fused = fused
        if fused:
            fused_kernels()  # compiled now, once per process: never in a scoring stream

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        kernels = fused_kernels() if self.fused else EAGER  # compiled once per process, not per layer
        x = x.reshape(-1, self.in_features).float().contiguous()  # the compiled kernels take dense rows
        x_int8, scale, mid = kernels.quantize(x, self.inverse_smooth)
        y = kernels.dequantize(torch._int_mm(x_int8, self.weight_int8.t()), scale, mid,
                               self.weight_int8_sum, self.weight_scale, self.bias)
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.has_bias}"


def quantize_per_token(x: torch.Tensor, inverse_smooth: torch.Tensor):
    """``(x_int8, scale, mid)`` with ``x * inverse_smooth ~= mid + scale * x_int8`` row by row (token).

    Each token's range [lo, hi] is mapped onto the 255 levels of int8 around its midpoint: an
    asymmetric range, because GELU outputs are nearly all positive."""
    x = x * inverse_smooth
    lo, hi = x.amin(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)
    mid, scale = (hi + lo) / 2, ((hi - lo) / 254).clamp(min=1e-8)
    return ((x - mid) * (1 / scale)).round().to(torch.int8), scale, mid


def dequantize(product: torch.Tensor, scale, mid, weight_int8_sum, weight_scale, bias) -> torch.Tensor:
    """fp32 ``x @ w.T + bias`` from the int32 ``product = x_int8 @ w_int8.T`` of one Int8Linear:
    ``(scale * product + mid * sum(w_int8 over inputs)) * w_scale + bias``."""
    return (product * scale + mid * weight_int8_sum) * weight_scale + bias


class Kernels(NamedTuple):
    quantize: Callable
    dequantize: Callable


EAGER = Kernels(quantize_per_token, dequantize)


@functools.cache
def fused_kernels() -> Kernels:
    """:func:`quantize_per_token` and :func:`dequantize` compiled once per process by TorchInductor
    into fused C++ loops, for any number of tokens and any layer width.

    Run eagerly, each of their lines is a pass over memory (a batch of a bert-base feed-forward layer
    is 50 MB), and together they took as long as the int8 matmul itself (README "Benchmarks").
    ``torch.compile`` would fuse them too, but it guards on the thread count, so scoring streams
    (one thread each) would recompile, and while it compiles it flags the whole process as
    compiling, which breaks transformers' hidden-state capture in the other streams. Compiled
    ahead of time from a shape-generic graph, the kernels carry no guards and never recompile.
    Compiling takes about 4 s per process (12 s the first time on a machine, before TorchInductor's
    on-disk cache has them). Where compiling fails (no C++ compiler), the eager functions serve,
    with the same results, after one warning."""
    # sizes that are neither 0 nor 1 nor equal to each other, so that every one stays symbolic
    tokens, width, out = 7, 5, 3
    try:
        from torch.fx.experimental.proxy_tensor import make_fx

        def compiled(fn, *example):
            graph = make_fx(fn, tracing_mode="symbolic")(*example)
            return torch._inductor.standalone_compile(graph, list(example))

        return Kernels(
            compiled(quantize_per_token, torch.randn(tokens, width), torch.rand(width)),
            compiled(dequantize, torch.randint(-99, 99, (tokens, out), dtype=torch.int32), torch.rand(tokens, 1),
                     torch.randn(tokens, 1), torch.randn(out), torch.rand(out), torch.randn(out)))
    except Exception as error:  # noqa: BLE001 (inductor's errors for a missing or broken compiler vary)
        warnings.warn(f"hub.int8: could not compile the fused int8 kernels ({type(error).__name__}: "
                      f"{str(error)[:300]}); int8 layers run unfused: same results, slower", RuntimeWarning)
        return EAGER


def input_absmax(model, tokenizer, texts: list[str], max_tokens: int = CALIBRATION_MAX_TOKENS) -> dict[str, torch.Tensor]:
    """Per input channel, the largest ``|x|`` reaching each linear layer of ``model.base_model`` when
    the model reads ``texts`` (each cut to ``max_tokens``), keyed by the layer's name in the model."""
    seen: dict[str, torch.Tensor] = {}

    def record(name):
        def hook(module, inputs, output):
            x = inputs[0].detach().abs().reshape(-1, module.in_features).amax(dim=0).float()
            seen[name] = x if name not in seen else torch.maximum(seen[name], x)
        return hook

    prefix = model.base_model_prefix + "."
    hooks = [m.register_forward_hook(record(prefix + name)) for name, m in model.base_model.named_modules()
             if isinstance(m, torch.nn.Linear)]
    try:
        with torch.inference_mode():
            for text in texts:  # one at a time: no padding tokens in the statistics
                model(**tokenizer(text, truncation=True, max_length=max_tokens, return_tensors="pt"))
    finally:
        for h in hooks:
            h.remove()
    return seen


def quantize_int8(model, tokenizer, calibration_texts: list[str] | None = None,
                  alpha: float | None = SMOOTHING_ALPHA, fused: bool = True):
    """``model`` with every linear layer of its encoder (``model.base_model``) replaced, in place, by
    an :class:`Int8Linear` calibrated on ``calibration_texts`` (default :data:`CALIBRATION_TEXTS`).
    Returns the model."""
    if not calibration_texts:
        calibration_texts = CALIBRATION_TEXTS
    model.eval()
    absmax = input_absmax(model, tokenizer, calibration_texts)
    for name, absmax_x in absmax.items():
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        setattr(parent, child, Int8Linear(getattr(parent, child), absmax_x, alpha, fused))
    return model
