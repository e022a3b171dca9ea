"""The emotion models: each turns texts into label probabilities, nothing more.

* :mod:`hub.models.base` — :class:`EmotionPredictor`, the interface every model implements
  (``predict_texts``, optionally ``predict_with_groups`` and ``has_evidence``); reading whole songs
  is :mod:`hub.reading`'s job, reached through the predictor's ``read_songs``/``analyze``;
* :mod:`hub.models.transformer` — any ``*ForSequenceClassification`` model: token windows, length
  batching, several forward passes at once, fp32 or int8 (:mod:`hub.int8`), PyTorch or ONNX Runtime;
* :mod:`hub.models.onnx` — the ONNX Runtime session of a transformer model;
* :mod:`hub.models.verify` — :class:`MarginVerified`: a fast model whose close calls an exact one
  scores again;
* :mod:`hub.models.registry` — model kinds by short name, the version stamped into saved models,
  and :func:`load_predictor` for a built-in name, a saved folder or a Hub id.

The Korean models live beside their data: :mod:`hub.kote_model` (``gasa-korean-kote``) and
:mod:`hub.korean_engine` (``gasa-korean-engine``).
"""
