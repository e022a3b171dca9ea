"""Any ``*ForSequenceClassification`` model as an emotion model: windowed, length-batched inference.

How texts become distributions: a text longer than the encoder's window is cut into token windows at
line breaks, each token read once (:func:`hub.text.segment.line_windows`); the windows of all texts
in a call are sorted by length and grouped into batches that waste almost nothing on padding
(:func:`plan_batches`), run several at a time (:func:`stream_plan`); each window gets a softmax
(single-label) or sigmoid (multi-label) distribution; a text's distribution is the mean of its
windows' weighted by their token counts (:func:`hub.reading.mean_per_text`).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hub.labels import taxonomy_for_labels
from hub.models.base import EmotionPredictor, ModelLoadError
from hub.models.verify import verify_close_calls
from hub.reading import mean_per_text
from hub.sources import source_problem
from hub.text.segment import line_windows


class TransformerEmotionPredictor(EmotionPredictor):
    """Windowed, length-bucketed inference for any sequence-classification model.

    Args:
        model, tokenizer: a ``*ForSequenceClassification`` model and its tokenizer.
        max_length: tokens per window (special tokens included); defaults to the tokenizer's
            limit, at most 512.
        batch_size: ``"auto"`` (default): batches of windows sorted by length, at most
            :data:`AUTO_BATCH_TOKENS` padded tokens and :data:`AUTO_MAX_PADDING` padding each (see
            :func:`plan_batches`); an int: that many windows per forward pass, padded to the longest.
        quantize: ``"int8"``: the encoder's linear layers in int8 (:mod:`hub.int8`: per-token
            activations, per-channel weights, SmoothQuant scaling; VNNI where the CPU has it);
            ``None`` keeps fp32. See README "Benchmarks" for its speed and its agreement with fp32
            on a trained model.
        backend: ``"torch"`` (default) runs the PyTorch model; ``"onnx"`` exports it once to ONNX
            (a temporary file) and runs it with ONNX Runtime on the CPU (fused attention, GELU and
            layer norm). Its int8 is ``onnxruntime.quantization``'s dynamic quantization (per-channel
            weights, one activation scale per batch), which changes more answers than the torch int8.
            ``self.model`` stays the PyTorch model either way.
        streams: how many forward passes run at once, sharing the threads torch uses between them
            (``"auto"``: one stream per thread). On a CPU, one thread per stream keeps each core busy
            on its own window, instead of the cores meeting at the end of every operation of one
            window; see :func:`stream_plan` and README "Benchmarks" for what it gives. The outputs
            do not depend on it.
        verify_margin: with ``quantize="int8"``, texts whose two highest int8 probabilities are
            closer than this are scored again in fp32 (same backend), and get fp32's distribution
            (:mod:`hub.models.verify`). README "Benchmarks" measures the share of songs scored twice
            and the agreement with fp32 it buys (0.02 kept it on 99.8-100 % of songs with the torch
            int8; ONNX Runtime's int8 moves probabilities by up to 0.2, more than any useful margin).
            ``None`` (default): int8 alone. ``self.last_verified`` says how many texts the last call
            scored twice.
        device: where the PyTorch fp32 model runs: ``"cpu"`` (default) or a CUDA device
            (``"cuda"``, ``"cuda:1"``); see :meth:`to`. ``self.device`` says where scoring runs.
    """

    def __init__(self, model, tokenizer, max_length: int | None = None,
                 batch_size: int | str = "auto", quantize: str | None = None, name: str = "",
                 backend: str = "torch", streams: int | str = "auto", verify_margin: float | None = None,
                 device: str | None = None):
        import torch

        self.tokenizer = tokenizer
        limit = getattr(tokenizer, "model_max_length", 512) or 512
        self.max_length = min(max_length or 512, limit if limit < 100_000 else 512)
        if batch_size != "auto" and not (isinstance(batch_size, int) and batch_size >= 1):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {batch_size!r}")
        self.batch_size = batch_size
        model.eval()
        if quantize not in ("int8", None):
            raise ValueError(f"unknown quantize {quantize!r}: use 'int8' or None")
        if backend not in ("torch", "onnx"):
            raise ValueError(f"unknown backend {backend!r}: use 'torch' or 'onnx'")
        if verify_margin is not None and (quantize is None or not 0 < verify_margin < 1):
            raise ValueError(f"verify_margin={verify_margin!r}: it re-scores int8's close calls in fp32, so it "
                             "needs quantize='int8' and a margin between 0 and 1 (for instance 0.02)")
        self.verify_margin, self.last_verified = verify_margin, 0
        # the exact model of the close calls: the same fp32 weights, windows and backend, no int8
        self.verifier = None if verify_margin is None else TransformerEmotionPredictor(
            model, tokenizer, max_length=max_length, batch_size=batch_size, name=name, backend=backend, streams=streams)
        self.streams, self.threads_per_stream = stream_plan(streams, torch.get_num_threads())
        self.backend, self.quantize = backend, quantize
        self.session = None
        if backend == "onnx":
            from hub.models.onnx import onnx_session

            self.session = onnx_session(model, tokenizer, quantize, threads=self.threads_per_stream)
        elif quantize == "int8":
            import copy

            from hub.int8 import quantize_int8

            model = quantize_int8(copy.deepcopy(model), tokenizer)  # the caller's fp32 model stays as it is
        self.model = model
        self.device = "cpu"
        config = model.config
        self.labels = [config.id2label[i] for i in range(config.num_labels)]
        self.multi_label = config.problem_type == "multi_label_classification"
        self.name = name or getattr(config, "_name_or_path", "") or type(model).__name__
        taxonomy = self.taxonomy()
        self.language = None if taxonomy is None else taxonomy.language
        thresholds = getattr(config, "thresholds", None)  # saved by training.train_classifier (multi-label)
        self.thresholds = np.asarray(thresholds, dtype=float) if thresholds else None
        if device is not None:
            self.to(device)

    @classmethod
    def from_pretrained(cls, name_or_path: str, **kwargs) -> "TransformerEmotionPredictor":
        model, tokenizer = load_model_and_tokenizer(name_or_path)
        return cls(model, tokenizer, name=kwargs.pop("name", str(name_or_path)), **kwargs)

    def to(self, device) -> str:
        """Run the model on ``device`` where it can; returns where scoring runs, in words (which a
        build reports per worker).

        Only the PyTorch fp32 model moves: ONNX Runtime sessions here run on the CPU (the export
        would have to be rebuilt for a GPU provider), and :mod:`hub.int8`'s kernels are CPU kernels.
        Moving the unused PyTorch model in those cases would only claim a GPU that does no work."""
        import torch

        device = torch.device(device)
        if device.type == "cpu":
            where = "cpu"
        elif self.session is not None:
            return "cpu (backend='onnx' scores with ONNX Runtime on the CPU)"
        elif self.quantize == "int8":
            return "cpu (quantize='int8' runs hub.int8's CPU kernels)"
        elif device.type == "cuda" and not torch.cuda.is_available():
            return "cpu (no GPU visible here)"
        else:
            where = f"{device} ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else str(device)
        self.model.to(device)
        if self.verifier is not None:
            self.verifier.to(device)
        self.device = str(device)
        return where

    def windows(self, texts: list[str]):
        """Tokenized windows and, for each, the index of the text it came from.

        A text that fits in ``max_length`` tokens is one window, encoded as the tokenizer (and so
        ``transformers.pipeline``) encodes it. A longer one is cut at line breaks: each window takes
        as many whole lines as fit, a line longer than a window is cut inside it, and every token
        is read exactly once (no window repeats its neighbour's tokens)."""
        if not getattr(self.tokenizer, "is_fast", False):  # no offsets to cut by: the text's first window
            enc = self.tokenizer(texts, truncation=True, max_length=self.max_length)
            return self._rows(enc), list(range(len(texts)))
        tokens = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
        room = self.max_length - self.tokenizer.num_special_tokens_to_add(pair=False)
        pieces, owners = [], []
        for t, (text, offsets) in enumerate(zip(texts, tokens["offset_mapping"])):
            for start, end in line_windows(text, offsets, room):
                pieces.append(text[offsets[start][0]:offsets[end - 1][1]] if (start, end) != (0, len(offsets)) else text)
                owners.append(t)
        return self._rows(self.tokenizer(pieces, truncation=True, max_length=self.max_length)), owners

    @staticmethod
    def _rows(enc) -> list[dict]:
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
        return [{k: enc[k][i] for k in keys} for i in range(len(enc["input_ids"]))]

    def batches(self, lengths) -> list[np.ndarray]:
        """Window indices per forward pass for windows of these token counts (see :func:`plan_batches`)."""
        if self.batch_size == "auto":
            return plan_batches(lengths)
        order = np.argsort([-n for n in lengths], kind="stable")
        return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]

    def predict_texts(self, texts: list[str], progress: bool = False) -> np.ndarray:
        from tqdm.auto import tqdm

        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        rows, owners = self.windows(texts)
        batches = self.batches([len(r["input_ids"]) for r in rows])
        window_probs = np.zeros((len(rows), len(self.labels)), dtype=np.float32)
        with tqdm(total=len(batches), desc="windows", unit="batch", disable=not progress) as bar:
            for idx, probs in self._forward_all([[rows[i] for i in idx] for idx in batches], batches):
                window_probs[idx] = probs
                bar.update()
        # windows are made text by text: text t's are those from starts[t] to starts[t + 1]
        starts = np.searchsorted(owners, np.arange(len(texts) + 1))
        probs = mean_per_text(window_probs, [sum(r["attention_mask"]) for r in rows], starts)
        if self.verifier is not None:
            probs, self.last_verified = verify_close_calls(probs, texts, self.verifier, self.verify_margin, progress)
        return probs

    def _forward_all(self, batches: list[list[dict]], keys: list):
        """(key, probabilities) for each batch of tokenized windows, in order, ``self.streams`` at a time."""
        if self.streams == 1 or len(batches) == 1:
            yield from zip(keys, map(self._forward, batches))
            return
        import torch
        from concurrent.futures import ThreadPoolExecutor

        threads = torch.get_num_threads()
        # torch's thread count is set per OS thread: each stream's worker takes its share, and the
        # caller's setting is put back afterwards (torch also remembers the last one set for new threads).
        with ThreadPoolExecutor(self.streams, thread_name_prefix="gasa-stream",
                                initializer=torch.set_num_threads, initargs=(self.threads_per_stream,)) as pool:
            try:
                yield from zip(keys, pool.map(self._forward, batches))
            finally:
                torch.set_num_threads(threads)

    def _forward(self, windows: list[dict]) -> np.ndarray:
        """Label probabilities of one batch of tokenized windows (padded here to the longest)."""
        import torch

        with torch.inference_mode():  # thread-local: set in the thread that runs the model
            if self.session is not None:
                batch = self.tokenizer.pad(windows, return_tensors="np")
                feed = {x.name: batch[x.name].astype(np.int64) for x in self.session.get_inputs()}
                logits = torch.from_numpy(self.session.run(["logits"], feed)[0]).float()
            else:
                batch = self.tokenizer.pad(windows, return_tensors="pt")
                if self.device != "cpu":
                    batch = {k: v.to(self.device) for k, v in batch.items()}
                logits = self.model(**batch).logits.float().cpu()
            probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
        return probs.numpy()


def stream_plan(streams: int | str, threads: int) -> tuple[int, int]:
    """(streams, threads per stream) for ``streams`` (``"auto"`` or an int) over ``threads`` threads.

    ``"auto"`` runs one stream per thread: measured on a 2-core AVX-512 CPU (README "Benchmarks"),
    two one-thread streams score more songs/s than one two-thread stream, fp32 and int8 alike."""
    if streams == "auto":
        return max(1, threads), 1
    if not isinstance(streams, int) or isinstance(streams, bool) or streams < 1:
        raise ValueError(f"streams must be 'auto' or a positive int, got {streams!r}")
    return streams, max(1, threads // streams)


# Batching of windows (``batch_size="auto"``), chosen by benchmarks/predict_speed.py --ablation on a
# 2-core AVX-512 CPU with a bert-base-sized encoder (README "Benchmarks"). A window of a few
# hundred tokens already gives the CPU matmuls large enough to run near its peak, so batching buys
# little there, while padding is pure waste and a big padded batch spills the caches (activations of
# 16 x 512 tokens are hundreds of MB). Short windows (stanzas, short songs) still gain from being
# stacked: a batch holds windows whose lengths are within AUTO_MAX_PADDING of its longest, up to
# AUTO_BATCH_TOKENS padded tokens.
AUTO_BATCH_TOKENS = 512
AUTO_MAX_PADDING = 0.05


def plan_batches(lengths, max_tokens: int = AUTO_BATCH_TOKENS, max_padding: float = AUTO_MAX_PADDING) -> list[np.ndarray]:
    """Group windows (token counts ``lengths``) into batches: longest first, each batch at most
    ``max_tokens`` padded tokens (a single longer window gets a batch of its own) and at most a
    ``max_padding`` share of padding."""
    lengths = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    batches, current, real = [], [], 0
    for i in order:
        if current:
            longest = lengths[current[0]]
            padded = longest * (len(current) + 1)
            if padded > max_tokens or real + lengths[i] < (1 - max_padding) * padded:
                batches.append(np.array(current))
                current, real = [], 0
        current.append(i)
        real += lengths[i]
    if current:
        batches.append(np.array(current))
    return batches


# --- loading ---------------------------------------------------------------------------------

def check_model_folder(path: Path) -> dict:
    """Read a local model folder's config and make sure the custom code it names is there."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ModelLoadError(f"{path} has no config.json: it is not a saved model folder.")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ModelLoadError(f"{config_file} is not valid JSON ({e}).") from None
    for target in (config.get("auto_map") or {}).values():
        targets = target if isinstance(target, (list, tuple)) else [target]
        for ref in targets:
            if not ref or "--" in ref:  # remote references are resolved by transformers
                continue
            module_file = path / (ref.rsplit(".", 1)[0] + ".py")
            if not module_file.is_file():
                raise ModelLoadError(
                    f"{path} names custom code in {module_file.name} (auto_map) but the file is missing. "
                    "Save the model again with save_pretrained from gasa, or copy hub/configuration_gasa.py "
                    "and hub/modeling_gasa.py into the folder."
                )
    return config


def check_model_source(name_or_path) -> None:
    """The checks of a model folder or Hub id that need no loading: a file given for the folder, a path
    that is neither an existing folder nor a Hub id, custom code missing from a saved folder."""
    problem = source_problem(name_or_path, "model", "the folder that holds config.json and the weights")
    if problem:
        raise ModelLoadError(problem)
    path = Path(name_or_path)
    if path.is_dir():
        check_model_folder(path)


def load_model_and_tokenizer(name_or_path: str):
    """Load a sequence classifier and its tokenizer from a folder or Hub id, with clear errors."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    check_model_source(name_or_path)
    path = Path(name_or_path)
    try:
        try:  # the encoder's fused attention (torch's scaled_dot_product_attention) where it has one
            model = AutoModelForSequenceClassification.from_pretrained(str(name_or_path), trust_remote_code=True,
                                                                       attn_implementation="sdpa")
        except ValueError:  # an architecture without SDPA support: its default attention
            model = AutoModelForSequenceClassification.from_pretrained(str(name_or_path), trust_remote_code=True)
        tokenizer = AutoTokenizer.from_pretrained(str(name_or_path), trust_remote_code=True)
    except OSError as e:
        where = "folder" if path.exists() else "Hub id (offline or unknown?)"
        raise ModelLoadError(f"could not load the model {name_or_path!r} as a {where}: {e}") from None
    return model, tokenizer
