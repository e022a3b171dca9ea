"""Configuration of the gasa emotion classifiers (travels to the Hub with the model).

This file may import only torch, transformers and the other ``*_gasa`` files: it is copied into
each model repository and loaded there with ``trust_remote_code=True``.
"""
from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

HEADS = ("baseline", "arch1", "arch2")
# The one list of what the Auto classes load from a saved folder; modeling_gasa registers its
# classes from it, so save_pretrained copies the code files and writes exactly this into config.json.
AUTO_MAP = {
    "AutoConfig": "configuration_gasa.GasaConfig",
    "AutoModel": "modeling_gasa.GasaModel",
    "AutoModelForSequenceClassification": "modeling_gasa.GasaForSequenceClassification",
}


class GasaConfig(PreTrainedConfig):
    """Config of an emotion classifier = a BERT-like encoder + one of three heads.

    Args:
        head: ``"baseline"`` (pooled [CLS] -> linear), ``"arch1"`` ([CLS] of the last and
            4th-from-last layers -> two Conv1d -> average pool -> MLP) or ``"arch2"`` ([CLS] of the
            last and 4th-from-last layers and the masked mean of the other tokens of the last layer,
            stacked to (3, hidden) -> Conv1d to (1, hidden) -> linear).
        encoder: the encoder's config, a sub-config (``model_type`` picks its class through
            ``AutoConfig``), e.g. ``AutoConfig.from_pretrained("klue/bert-base")`` or its dict.
            The attention implementation chosen for the model (``attn_implementation="sdpa"``)
            reaches the encoder through it.
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
    sub_configs_defaults = {"encoder": SubConfigSpec(config_class=AutoConfig, model_type="bert")}

    head: str = "arch2"
    encoder: dict | PreTrainedConfig | None = None
    classifier_dropout: float = 0.1
    arch1_channels: int = 256
    arch1_features: int = 64
    arch2_kernel_size: int = 1
    pos_weight: list | None = None
    class_weight: list | None = None
    thresholds: list | None = None

    def __post_init__(self, **kwargs):
        if self.head not in HEADS:
            raise ValueError(f"unknown head {self.head!r}: choose one of {', '.join(HEADS)}")
        if isinstance(self.encoder, dict) and "model_type" not in self.encoder:
            raise ValueError("the encoder config dict needs a 'model_type' (e.g. 'bert')")
        if self.thresholds is not None:
            self.thresholds = [float(t) for t in self.thresholds]
        kwargs.setdefault("auto_map", dict(AUTO_MAP))
        super().__post_init__(**kwargs)

    @property
    def hidden_size(self) -> int:
        return self.encoder.hidden_size
