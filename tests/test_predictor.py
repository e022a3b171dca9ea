import re

import numpy as np
import pytest

from hub.labels import AIHUB
from hub.predictor import (LyricsError, ModelLoadError, TransformerEmotionPredictor, check_lyrics, clean_lyrics,
                           line_windows, load_predictor, plan_batches, split_stanzas)
from training.tiny_models import make_classifier

VERSE = "비가 오는 밤이면 너의 목소리가 들려\n창문을 두드리는 빗소리처럼 조용히"
LONG_LYRICS = "\n\n".join(f"{i}번째 계절이 지나도 나는 그 자리에 서 있어\n{VERSE}" for i in range(40))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "model"
    return make_classifier(path, [LONG_LYRICS, VERSE] * 3, AIHUB.labels, head="arch2", vocab_size=300)


def test_cleaning_keeps_words_and_drops_symbols():
    raw = "[Chorus]\n♥ 사랑해 ♥  baby!!\r\n\n\n\n★ 너를 ☆ 기다려 ~"
    assert clean_lyrics(raw) == "사랑해 baby!!\n\n너를 기다려 ~"


def test_empty_and_huge_lyrics_get_clear_messages():
    with pytest.raises(LyricsError, match="empty"):
        check_lyrics("  ♥♥ \n\n ★ ")
    with pytest.raises(LyricsError, match="characters long"):
        check_lyrics("가" * 100_001)


def test_stanzas_from_blank_lines_or_line_blocks():
    assert split_stanzas("a\nb\n\nc") == ["a\nb", "c"]
    assert split_stanzas("\n".join("abcdefghij")) == ["a\nb\nc\nd", "e\nf\ng\nh", "i\nj"]


def test_long_lyrics_are_windowed_and_combined(tiny_model):
    predictor = TransformerEmotionPredictor.from_pretrained(str(tiny_model), max_length=64)
    text = check_lyrics(LONG_LYRICS)
    rows, owners = predictor.windows([text, VERSE])
    n_windows = owners.count(0)
    assert n_windows > 5 and owners.count(1) == 1
    assert all(len(r["input_ids"]) <= 64 for r in rows)
    # every token of the song once, in order: the windows' tokens (special tokens aside) are the song's
    song_tokens = predictor.tokenizer(text, add_special_tokens=False)["input_ids"]
    assert sum((r["input_ids"][1:-1] for r, o in zip(rows, owners) if o == 0), []) == song_tokens

    probs = predictor.predict_texts([text, VERSE])
    assert probs.shape == (2, 60) and np.allclose(probs.sum(1), 1, atol=1e-5)
    # The song distribution is the token-weighted mean of its windows' distributions.
    import torch
    mine = [r for r, o in zip(rows, owners) if o == 0]
    with torch.inference_mode():
        window_probs = [predictor.model(**predictor.tokenizer.pad([r], return_tensors="pt")).logits.softmax(-1)[0].numpy()
                        for r in mine]
    weights = [sum(r["attention_mask"]) for r in mine]
    assert np.allclose(probs[0], np.average(window_probs, axis=0, weights=weights), atol=1e-5)


def test_windows_end_at_line_breaks_and_cut_only_lines_longer_than_a_window():
    text = "aa bb\ncc dd ee\nff\ngg hh ii jj kk ll mm nn\noo"
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]  # one token per word
    # room for 4 tokens; lines of 2, 3, 1, 8 and 1 tokens:
    # aa bb | cc dd ee ff | gg hh ii jj | kk ll mm nn | oo  (only the 8-token line is cut inside)
    assert line_windows(text, words, 4) == [(0, 2), (2, 6), (6, 10), (10, 14), (14, 15)]
    assert line_windows(text, words, 20) == [(0, 15)]
    assert line_windows("", [], 4) == [(0, 0)]


def test_auto_batches_cover_every_window_with_little_padding():
    lengths = [512, 512, 153, 40, 41, 39, 300, 290, 120, 120, 120, 120, 120, 7]
    batches = plan_batches(lengths, max_tokens=512, max_padding=0.05)
    assert sorted(int(i) for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        longest = max(lengths[i] for i in b)
        assert len(b) == 1 or (longest * len(b) <= 512 and sum(lengths[i] for i in b) >= 0.95 * longest * len(b))
    assert [0] in [list(b) for b in batches] and any(len(b) == 4 for b in batches)  # four of the 120s


def test_predictor_equals_pipeline_on_texts_it_reads_whole(tiny_model):
    """Any batch size: within 1e-5 of transformers.pipeline (one text at a time, unpadded) on texts
    that fit in one window."""
    from transformers import pipeline

    texts = [VERSE, VERSE.split("\n")[0], "\n".join([VERSE] * 3), "가" + VERSE, check_lyrics(LONG_LYRICS)[:300]]
    runs = [("auto", "torch"), (1, "torch"), (16, "torch")]
    try:
        import onnxruntime  # noqa: F401  (in requirements.txt)
        runs.append(("auto", "onnx"))
    except ImportError:
        pass
    for batch_size, backend in runs:
        predictor = TransformerEmotionPredictor.from_pretrained(str(tiny_model), batch_size=batch_size,
                                                                backend=backend)
        assert max(len(r["input_ids"]) for r in predictor.windows(texts)[0]) <= predictor.max_length
        assert len(predictor.windows(texts)[0]) == len(texts)
        pipe = pipeline("text-classification", model=predictor.model, tokenizer=predictor.tokenizer, top_k=None,
                        truncation=True, device="cpu")
        expected = np.array([[{d["label"]: d["score"] for d in out}[label] for label in predictor.labels]
                             for out in pipe(texts, batch_size=1)])
        assert np.abs(predictor.predict_texts(texts) - expected).max() < 1e-5, (batch_size, backend)


def test_analyze_gives_song_and_stanza_arc(tiny_model):
    predictor = load_predictor(str(tiny_model))
    analysis = predictor.analyze(LONG_LYRICS)
    assert len(analysis.segments) == 40 and analysis.segment_probs.shape == (40, 60)
    top = analysis.top(10)
    assert len(top) == 10 and top[0][1] >= top[-1][1] and top[0][0] in AIHUB.labels


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_int8_predictor_stays_close(tiny_model, backend):
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    fp32 = TransformerEmotionPredictor.from_pretrained(str(tiny_model))
    int8 = TransformerEmotionPredictor.from_pretrained(str(tiny_model), quantize="int8", backend=backend)
    a, b = fp32.predict([VERSE, LONG_LYRICS]), int8.predict([VERSE, LONG_LYRICS])
    assert b.shape == (2, 60) and np.allclose(b.sum(1), 1, atol=1e-5)
    assert (np.argmax(a, 1) == np.argmax(b, 1)).all() or np.abs(a - b).max() < 0.05


def test_model_folder_without_code_files(tiny_model, tmp_path):
    import shutil
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    (broken / "modeling_gasa.py").unlink()
    with pytest.raises(ModelLoadError, match="modeling_gasa.py.*missing"):
        load_predictor(str(broken))
    with pytest.raises(ModelLoadError, match="no config.json"):
        load_predictor(str(tmp_path))


def test_a_gpu_is_claimed_only_by_a_model_that_runs_there(tiny_model, monkeypatch):
    """With backend='onnx' the scores come from ONNX Runtime on the CPU: asked for a GPU, the predictor
    says so and leaves the PyTorch model where it is (it used to move that unused model to the GPU and
    report "cuda"). The same for hub.int8's CPU kernels."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a GPU "visible", as on a GPU worker
    for options, reason in (({"backend": "onnx"}, "ONNX Runtime"), ({"quantize": "int8"}, "int8")):
        predictor = TransformerEmotionPredictor.from_pretrained(str(tiny_model), **options)
        where = predictor.to("cuda")
        assert where.startswith("cpu") and reason in where, where
        assert predictor.device == "cpu"
        assert {p.device.type for p in predictor.model.parameters()} == {"cpu"}
        assert predictor.predict_texts([VERSE]).shape == (1, 60)
    monkeypatch.undo()
    if not torch.cuda.is_available():  # this machine: an fp32 model asked for a GPU it cannot see stays put
        assert TransformerEmotionPredictor.from_pretrained(str(tiny_model)).to("cuda") == "cpu (no GPU visible here)"
