import warnings

import numpy as np
import pytest
import torch

from hub.int8 import EAGER, Int8Linear, fused_kernels
from hub.labels import AIHUB
from hub.predictor import TransformerEmotionPredictor, stream_plan
from training.tiny_models import make_classifier

VERSE = "비가 오는 밤이면 너의 목소리가 들려\n창문을 두드리는 빗소리처럼 조용히"
SONG = "\n\n".join(f"{i}번째 계절이 지나도 나는 그 자리에 서 있어\n{VERSE}" for i in range(30))


def activations_with_outliers(tokens=200, channels=256, seed=0):
    """What a transformer's linear layers see: ordinary values, a few channels tens of times larger,
    and one token ([SEP]-like) larger again."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(tokens, channels, generator=g)
    x[:, [3, 77, 200]] *= 40
    x[5] *= 8
    return x


def test_int8_linear_keeps_the_output_where_one_scale_per_batch_does_not():
    torch.manual_seed(0)
    linear = torch.nn.Linear(256, 128)
    x = activations_with_outliers()
    calibration = activations_with_outliers(seed=1)
    int8 = Int8Linear(linear, calibration.abs().amax(dim=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dynamic = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(linear), {torch.nn.Linear},
                                                         dtype=torch.qint8)
    with torch.no_grad():
        exact = linear(x)
        ordinary = [i for i in range(len(x)) if i != 5]  # the tokens without the outlier token's range
        error = (int8(x) - exact)[ordinary].norm() / exact[ordinary].norm()
        error_dynamic = (dynamic(x) - exact)[ordinary].norm() / exact[ordinary].norm()
    assert error < 0.02 and error < error_dynamic / 3, (float(error), float(error_dynamic))
    # shapes as nn.Linear: leading dimensions kept, and no bias when the layer has none
    no_bias = torch.nn.Linear(256, 64, bias=False)
    with torch.no_grad():
        out = Int8Linear(no_bias, calibration.abs().amax(dim=0))(x.reshape(4, 50, 256))
        assert out.shape == (4, 50, 64)
        assert torch.allclose(out, no_bias(x).reshape(4, 50, 64), atol=0.05 * float(no_bias(x).abs().max()))
        first_tokens = x.reshape(4, 50, 256)[:, 0]  # a strided view, as a pooler's [CLS] rows
        assert torch.allclose(Int8Linear(no_bias, calibration.abs().amax(dim=0))(first_tokens), no_bias(first_tokens),
                              atol=0.05 * float(no_bias(x).abs().max()))


def test_fused_kernels_compute_what_the_eager_ops_do():
    """The compiled kernels are one graph for every token count and width (1 token included) and give
    the eager ops' results: the same int8 codes but for a rare tie in rounding."""
    assert fused_kernels() is not EAGER  # a C++ compiler is part of the set-up (scripts/setup.sh)
    g = torch.Generator().manual_seed(0)
    for tokens, width, out in ((1, 384, 64), (300, 1536, 384), (13, 201, 5)):
        x, smooth = activations_with_outliers(max(tokens, 6), width)[:tokens], torch.rand(width, generator=g) + 0.5
        fused, eager = fused_kernels().quantize(x, smooth), EAGER.quantize(x, smooth)
        assert fused[0].dtype == torch.int8 and fused[0].shape == (tokens, width)
        assert (fused[0].int() - eager[0].int()).abs().max() <= 1
        assert (fused[0] != eager[0]).float().mean() < 1e-3
        assert torch.allclose(fused[1], eager[1]) and torch.allclose(fused[2], eager[2])
        product = torch.randint(-2 ** 20, 2 ** 20, (tokens, out), dtype=torch.int32, generator=g)
        rest = (eager[1], eager[2], torch.randn(out, generator=g), torch.rand(out, generator=g), torch.randn(out, generator=g))
        assert torch.allclose(fused_kernels().dequantize(product, *rest), EAGER.dequantize(product, *rest), rtol=1e-5)


def test_without_a_working_compiler_int8_runs_unfused_after_a_warning(monkeypatch):
    def no_compiler(*args, **kwargs):
        raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found")

    monkeypatch.setattr(torch._inductor, "standalone_compile", no_compiler)
    fused_kernels.cache_clear()
    try:
        linear = torch.nn.Linear(16, 8)
        with pytest.warns(RuntimeWarning, match="could not compile the fused int8 kernels.*same results, slower"):
            layer = Int8Linear(linear, torch.ones(16))
        assert fused_kernels() is EAGER
        x = torch.randn(3, 16)
        with torch.no_grad():
            assert torch.allclose(layer(x), linear(x), atol=0.05)  # the eager ops still compute the layer
    finally:
        fused_kernels.cache_clear()  # the next test compiles them again


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "model"
    return make_classifier(path, [SONG, VERSE] * 3, AIHUB.labels, head="arch2", vocab_size=300)


def test_int8_predictor_quantizes_the_encoder_only_and_leaves_the_callers_model(tiny_model):
    fp32 = TransformerEmotionPredictor.from_pretrained(str(tiny_model))
    int8 = TransformerEmotionPredictor(fp32.model, fp32.tokenizer, quantize="int8")
    encoder = [m for m in int8.model.base_model.modules() if isinstance(m, (torch.nn.Linear, Int8Linear))]
    assert encoder and all(isinstance(m, Int8Linear) for m in encoder)
    head = [m for name, m in int8.model.named_modules()
            if isinstance(m, torch.nn.Linear) and not name.startswith(int8.model.base_model_prefix + ".")]
    assert head  # the classification head stays fp32
    assert not any(isinstance(m, Int8Linear) for m in fp32.model.modules())
    a, b = fp32.predict([VERSE, SONG]), int8.predict([VERSE, SONG])
    assert np.abs(a - b).max() < 0.02


@pytest.mark.parametrize("quantize", [None, "int8"])
def test_streams_give_the_same_distributions_and_leave_torch_threads_as_they_were(tiny_model, quantize):
    one = TransformerEmotionPredictor.from_pretrained(str(tiny_model), streams=1, quantize=quantize)
    two = TransformerEmotionPredictor(one.model, one.tokenizer, streams=2)  # one.model: already int8
    texts = [VERSE, SONG, VERSE * 3, SONG[:400], "가 " + VERSE]
    threads = torch.get_num_threads()
    assert len(two.batches([len(r["input_ids"]) for r in two.windows(texts)[0]])) > 2  # several run at once
    for _ in range(3):  # (int8 kernels compiled while other streams ran broke their hidden states)
        assert np.abs(one.predict_texts(texts) - two.predict_texts(texts)).max() < 1e-6
    assert torch.get_num_threads() == threads


def test_stream_plan():
    assert stream_plan("auto", 4) == (4, 1)
    assert stream_plan(2, 4) == (2, 2)
    assert stream_plan(1, 2) == (1, 2)
    assert stream_plan(3, 2) == (3, 1)
    for bad in (0, -1, "two", 1.5, True):
        with pytest.raises(ValueError, match="streams must be"):
            stream_plan(bad, 2)


def test_verify_margin_gives_close_calls_the_fp32_answer(tiny_model):
    fp32 = TransformerEmotionPredictor.from_pretrained(str(tiny_model))
    texts = [VERSE, SONG, VERSE * 3, SONG[:400], "가 " + VERSE, "첫눈이 오면 만나자던 약속"]
    exact = fp32.predict_texts(texts)
    int8 = TransformerEmotionPredictor(fp32.model, fp32.tokenizer, quantize="int8").predict_texts(texts)
    top_two = np.sort(int8, axis=1)[:, -2:]
    gaps = top_two[:, 1] - top_two[:, 0]
    margin = float(np.median(gaps))  # about half the texts are close calls
    verified = TransformerEmotionPredictor(fp32.model, fp32.tokenizer, quantize="int8", verify_margin=margin)
    out = verified.predict_texts(texts)
    close = gaps < margin
    assert verified.last_verified == close.sum() and 0 < close.sum() < len(texts)
    assert np.abs(out[close] - exact[close]).max() < 1e-6  # scored again in fp32
    assert np.abs(out[~close] - int8[~close]).max() < 1e-6  # int8's answer kept
    for bad in ({"verify_margin": 0.02}, {"verify_margin": 0, "quantize": "int8"}, {"verify_margin": 1.5, "quantize": "int8"}):
        with pytest.raises(ValueError, match="verify_margin"):
            TransformerEmotionPredictor(fp32.model, fp32.tokenizer, **bad)
