"""Configuration of the gasa emotion classifiers (travels to the Hub with the model).

This file may import only torch, transformers and the other ``*_gasa`` files: it is copied into
each model repository and loaded there with ``trust_remote_code=True``.
"""
from transformers import AutoConfig, PreTrainedConfig

HEADS = ("baseline", "arch1", "arch2")


class GasaConfig(PreTrainedConfig):
    """Config of an emotion classifier = a BERT-like encoder + one of three heads.

    Args:
        head: ``"baseline"`` (pooled [CLS] -> linear), ``"arch1"`` ([CLS] of the last and
            4th-from-last layers -> two Conv1d -> average pool -> MLP) or ``"arch2"`` ([CLS] of the
            last and 4th-from-last layers and the masked mean of the other tokens of the last layer,
            stacked to (3, hidden) -> Conv1d to (1, hidden) -> linear).
        encoder: the encoder's config as a dict (``model_type`` included), e.g.
            ``AutoConfig.from_pretrained("klue/bert-base").to_dict()``.
        classifier_dropout: dropout before the classification layers.
        arch1_channels: intermediate width of Architecture 1's first Conv1d (the second reduces to
            ``arch1_features``).
        arch1_features: the feature size Architecture 1 pools to (64 in the source).
        arch2_kernel_size: kernel of Architecture 2's mixing Conv1d along the hidden dimension
            (1 = a learned weighted sum of the three vectors per feature).
        pos_weight: optional per-label positive weights for the multi-label BCE loss.
        class_weight: optional per-label weights for the single-label cross-entropy (e.g. inverse
            class frequency, so that a frequent label cannot win by default on imbalanced data).
        thresholds: optional per-label decision thresholds of a multi-label model (``problem_type
            == "multi_label_classification"``), a list of floats in label order: label ``i`` is
            predicted when ``sigmoid(logits)[i] >= thresholds[i]``. Tuned on the validation set by
            ``training.train_classifier``; None means 0.5 for every label.
    """

    model_type = "gasa-emotion"

    def __init__(
        self,
        head: str = "arch2",
        encoder: dict | None = None,
        classifier_dropout: float = 0.1,
        arch1_channels: int = 256,
        arch1_features: int = 64,
        arch2_kernel_size: int = 1,
        pos_weight: list | None = None,
        class_weight: list | None = None,
        thresholds: list | None = None,
        **kwargs,
    ):
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}: choose one of {', '.join(HEADS)}")
        if encoder is not None and not isinstance(encoder, dict):
            encoder = encoder.to_dict()
        if encoder is not None and "model_type" not in encoder:
            raise ValueError("the encoder config dict needs a 'model_type' (e.g. 'bert')")
        self.head = head
        self.encoder = encoder or {"model_type": "bert"}
        self.classifier_dropout = classifier_dropout
        self.arch1_channels = arch1_channels
        self.arch1_features = arch1_features
        self.arch2_kernel_size = arch2_kernel_size
        self.pos_weight = pos_weight
        self.class_weight = class_weight
        self.thresholds = [float(t) for t in thresholds] if thresholds is not None else None
        kwargs.setdefault(
            "auto_map",
            {
                "AutoConfig": "configuration_gasa.GasaConfig",
                "AutoModel": "modeling_gasa.GasaForSequenceClassification",
                "AutoModelForSequenceClassification": "modeling_gasa.GasaForSequenceClassification",
            },
        )
        super().__init__(**kwargs)

    def encoder_config(self) -> PreTrainedConfig:
        encoder = dict(self.encoder)
        return AutoConfig.for_model(encoder.pop("model_type"), **encoder)

    @property
    def hidden_size(self) -> int:
        return self.encoder_config().hidden_size
