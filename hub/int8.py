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
scaled back to fp32 per token and per output channel. Only the encoder (``model.base_model``) is
quantized; the classification head stays fp32 (it is small, and it makes the decision).
"""
from __future__ import annotations

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
    """

    def __init__(self, linear: torch.nn.Linear, input_absmax: torch.Tensor, alpha: float | None = SMOOTHING_ALPHA):
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
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().float().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = x.reshape(-1, self.in_features).float() * self.inverse_smooth
        # Each token's range [lo, hi] is mapped onto the 255 levels of int8 around its midpoint (an
        # asymmetric range: GELU outputs are nearly all positive), x = mid + scale * x_int8.
        lo, hi = x.amin(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)  # (torch.aminmax: 5-20x slower here)
        mid, scale = (hi + lo) / 2, ((hi - lo) / 254).clamp(min=1e-8)
        x_int8 = torch.addcmul(-mid / scale, x, 1 / scale).round_().to(torch.int8)
        # x @ w.T = (scale * (x_int8 @ w_int8.T) + mid * sum(w_int8, input axis)) * w_scale
        y = torch._int_mm(x_int8, self.weight_int8.t()) * scale
        y.addcmul_(mid, self.weight_int8_sum)
        y = torch.addcmul(self.bias, y, self.weight_scale, out=y) if self.bias is not None else y.mul_(self.weight_scale)
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


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
                  alpha: float | None = SMOOTHING_ALPHA):
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
        setattr(parent, child, Int8Linear(getattr(parent, child), absmax_x, alpha))
    return model
