"""Emotion prediction for whole songs: the names scripts and docs have always imported from here.

Each concept now has its own home; this module gathers them so that
``hub.predictor.load_predictor(name).analyze(lyrics)`` and every other import keeps working:

* text before a model reads it — :mod:`hub.text.clean` (``clean_lyrics``, ``check_lyrics``,
  ``LyricsError``), :mod:`hub.text.language` (``readable_part``), :mod:`hub.text.segment`
  (``split_stanzas``, ``line_windows``);
* a song's reading — :mod:`hub.reading` (``SongReading``, ``SongStatus``, ``LyricsAnalysis``,
  ``mean_per_text``);
* the models — :mod:`hub.models.base` (``EmotionPredictor``, ``ModelLoadError``),
  :mod:`hub.models.transformer` (``TransformerEmotionPredictor``, batching, loading a transformer),
  :mod:`hub.models.onnx`, :mod:`hub.models.verify` (``top_two_gap``) and
  :mod:`hub.models.registry` (``load_predictor``, ``BUILTIN_PREDICTORS``, ``ENGINE_CONFIG``,
  ``MODEL_KINDS``).
"""
from hub.labels import TAXONOMIES
from hub.models.base import EmotionPredictor, ModelLoadError
from hub.models.onnx import onnx_session
from hub.models.registry import (BUILTIN_PREDICTORS, ENGINE_CONFIG, MODEL_KINDS, is_engine, kind_stamp,
                                 load_predictor)
from hub.models.transformer import (AUTO_BATCH_TOKENS, AUTO_MAX_PADDING, TransformerEmotionPredictor,
                                    check_model_folder, check_model_source, load_model_and_tokenizer,
                                    plan_batches, stream_plan)
from hub.models.verify import top_two_gap
from hub.reading import SCORED_STATUSES, LyricsAnalysis, SongReading, SongStatus, mean_per_text
from hub.text.clean import MAX_LYRICS_CHARS, LyricsError, check_lyrics, clean_lyrics
from hub.text.language import LETTER, readable_part
from hub.text.segment import LINES_PER_BLOCK, line_windows, split_stanzas

# label sets learned from Korean text: their models read Korean lines (see hub.labels.Taxonomy.language)
KOREAN_TAXONOMIES = tuple(name for name, taxonomy in TAXONOMIES.items() if taxonomy.language == "ko")

__all__ = ["AUTO_BATCH_TOKENS", "AUTO_MAX_PADDING", "BUILTIN_PREDICTORS", "ENGINE_CONFIG", "KOREAN_TAXONOMIES",
           "LETTER", "LINES_PER_BLOCK", "MAX_LYRICS_CHARS", "MODEL_KINDS", "SCORED_STATUSES", "EmotionPredictor",
           "LyricsAnalysis", "LyricsError", "ModelLoadError", "SongReading", "SongStatus",
           "TransformerEmotionPredictor", "check_lyrics", "check_model_folder", "check_model_source", "clean_lyrics",
           "is_engine", "kind_stamp", "line_windows", "load_model_and_tokenizer", "load_predictor", "mean_per_text",
           "onnx_session", "plan_batches", "readable_part", "split_stanzas", "stream_plan", "top_two_gap"]
