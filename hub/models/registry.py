"""Model kinds by short name, and loading any model gasa reads lyrics with.

Three ways to name a model, tried in this order by :func:`load_predictor`:

1. a built-in model (:data:`BUILTIN_PREDICTORS`): ``gasa-korean-kote`` (the app's default),
   ``gasa-korean-engine`` or ``gasa-english-goemotions`` (the English default), shipped in ``hub/data``;
2. a folder saved by a non-transformer model: its ``gasa_engine.json`` names the model's kind
   (``model_type``, a key of :data:`MODEL_KINDS`) and the gasa version that wrote it
   (``gasa_version``), as peft's ``peft_type`` and ``peft_version`` do; folders saved before kinds
   existed name a ``module:Class`` (``engine``), which :data:`LEGACY_ENGINES` maps to its kind, so
   renaming a module never breaks a saved model. An ``engine`` that is not one of gasa's own is
   custom code (a class on the Python path with ``from_pretrained``), loaded as before, the way
   transformers' ``auto_map`` names custom code;
3. anything else is a transformer model folder or Hub id
   (:class:`hub.models.transformer.TransformerEmotionPredictor`).

The classes are imported only when a model of their kind is loaded: the Korean models pull in Kiwi
and scikit-learn, which a transformer model does not need.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

from hub import __version__
from hub.models.base import EmotionPredictor, ModelLoadError

ENGINE_CONFIG = "gasa_engine.json"  # a folder saved by a non-transformer model: its kind and settings

# Short kind names -> "module:Class" (the class has ``from_pretrained(folder, **kwargs)``).
MODEL_KINDS = {
    "kote-linear": "hub.kote_model:KoteEmotionModel",
    "korean-dictionary": "hub.korean_engine:KoreanEmotionEngine",
    "english-linear": "hub.kote_model:EnglishEmotionModel",
}
# What folders saved before kinds existed hold in ``engine``.
LEGACY_ENGINES = {ref: kind for kind, ref in MODEL_KINDS.items()}

# Built-in models by name -> (kind, "module:function" returning the shipped model, cached).
BUILTIN_MODELS = {"gasa-korean-kote": ("kote-linear", "hub.kote_model:load_default_model"),
                  "gasa-korean-engine": ("korean-dictionary", "hub.korean_engine:load_default_engine"),
                  "gasa-english-goemotions": ("english-linear", "hub.kote_model:load_english_model")}
BUILTIN_PREDICTORS = {name: loader for name, (_, loader) in BUILTIN_MODELS.items()}


def kind_stamp(kind: str) -> dict:
    """The fields that name a saved model's kind and the gasa that saved it (first in its JSON)."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; known: {', '.join(MODEL_KINDS)}")
    return {"model_type": kind, "gasa_version": __version__}


def saved_kind(payload: dict, source) -> str:
    """The kind a saved ``gasa_engine.json`` names (``model_type``, or a legacy ``engine`` reference)."""
    kind = payload.get("model_type") or LEGACY_ENGINES.get(payload.get("engine"))
    if kind in MODEL_KINDS:
        return kind
    named = payload.get("model_type") or payload.get("engine")
    written = f" (written by gasa {payload['gasa_version']}, this is {__version__})" if "gasa_version" in payload else ""
    raise ModelLoadError(f"{source} names the model kind {named!r}, which this gasa does not know{written}; "
                         f"known kinds: {', '.join(MODEL_KINDS)}.")


def is_engine(name_or_path) -> bool:
    """Is this a built-in model name or a folder saved by a non-transformer model?"""
    return str(name_or_path) in BUILTIN_MODELS or (Path(name_or_path) / ENGINE_CONFIG).is_file()


def model_class(name_or_path) -> type | None:
    """The class a built-in name or a saved folder loads with, without loading the model (``None`` for
    a transformer model); its class attributes (``uses_kiwi``, ``language``) tell what loading needs."""
    if str(name_or_path) in BUILTIN_MODELS:
        return _import(MODEL_KINDS[BUILTIN_MODELS[str(name_or_path)][0]])
    engine_config = Path(name_or_path) / ENGINE_CONFIG
    if not engine_config.is_file():
        return None
    payload = _read_engine_config(engine_config)
    custom = payload.get("engine")
    if "model_type" not in payload and custom not in LEGACY_ENGINES and ":" in str(custom):
        try:  # custom code outside gasa, named by its module path
            return _import(custom)
        except (ImportError, AttributeError) as e:
            raise ModelLoadError(f"{engine_config} names the custom model class {custom!r}, which cannot be "
                                 f"imported here ({e}); put its module on the Python path.") from None
    return _import(MODEL_KINDS[saved_kind(payload, engine_config)])


def class_attribute(name_or_path, attribute: str, default=None):
    """An attribute of the class a model loads with (``uses_kiwi``, ``label_set``), asked before loading
    it; ``default`` for a transformer model and for a folder that cannot be read (loading it will say why)."""
    try:
        return getattr(model_class(name_or_path), attribute, default)
    except ModelLoadError:
        return default


def _read_engine_config(engine_config: Path) -> dict:
    try:
        payload = json.loads(engine_config.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        payload = None
    if not isinstance(payload, dict) or not ({"model_type", "engine"} & set(payload)):
        raise ModelLoadError(f"{engine_config} does not name a model kind (expected {{\"model_type\": ...}} "
                             f"with one of {', '.join(MODEL_KINDS)}).")
    return payload


def _import(ref: str):
    module, attr = ref.split(":")
    return getattr(importlib.import_module(module), attr)


def load_predictor(name_or_path: str, **kwargs) -> EmotionPredictor:
    """The predictor for a built-in model name, a saved model folder, or a Hub id."""
    if str(name_or_path) in BUILTIN_MODELS:
        return _import(BUILTIN_MODELS[str(name_or_path)][1])(**kwargs)
    cls = model_class(name_or_path)
    if cls is not None:
        return cls.from_pretrained(name_or_path, **kwargs)
    from hub.models.transformer import TransformerEmotionPredictor

    return TransformerEmotionPredictor.from_pretrained(name_or_path, **kwargs)
