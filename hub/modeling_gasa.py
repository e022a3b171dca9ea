"""Emotion classifiers on any BERT-like encoder (travels to the Hub with the model).

This file may import only torch, transformers and the other ``*_gasa`` files: it is copied into
each model repository and loaded there with ``trust_remote_code=True``.

Heads (see ``GasaConfig``):

* ``baseline``: the encoder's pooled [CLS] output (or the raw [CLS] vector when the encoder has no
  pooler) -> dropout -> Linear(hidden, num_labels), as ``BertForSequenceClassification``.
* ``arch1``: the [CLS] vectors of the last and the 4th-from-last layers form a length-2 sequence
  with ``hidden`` channels; Conv1d(hidden -> arch1_channels, k=2, p=1) -> GELU ->
  Conv1d(arch1_channels -> arch1_features, k=2, p=1) -> GELU -> average pooling over the sequence
  -> MLP(arch1_features -> arch1_features -> num_labels).
* ``arch2``: three vectors - [CLS] of the last layer, [CLS] of the 4th-from-last layer, and the
  mean of the last layer's other tokens - stacked to (3, hidden) and mixed by
  Conv1d(3 -> 1, k=arch2_kernel_size) into (1, hidden) -> dropout -> Linear(hidden, num_labels).
  The mean divides the attention-masked sum by the number of real (non-padding) tokens other
  than [CLS]; the source divided by the padded length, which makes a sentence's vector depend on
  how much padding its batch had.

``GasaModel`` is the encoder alone (what ``AutoModel`` loads from a classifier's folder: hidden
states for feature extraction); ``GasaForSequenceClassification`` adds the head (what
``AutoModelForSequenceClassification`` loads). Both pass the attention implementation chosen at
load time (``attn_implementation="sdpa"``, ...) to the encoder through ``config.encoder``, and extra
keyword arguments (``position_ids``, ...) to its forward.

Loss (``labels`` given): ``problem_type == "multi_label_classification"`` -> binary cross-entropy
with logits against 0/1 rows of shape (batch, num_labels), per-label ``config.pos_weight``; read the
outputs with a sigmoid and ``config.thresholds``. Otherwise -> cross-entropy against one label id
per row, per-label ``config.class_weight``; read the outputs with a softmax.
"""
import torch
from torch import nn
from transformers import AutoModel, PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import SequenceClassifierOutput

from .configuration_gasa import AUTO_MAP, GasaConfig


def masked_mean_without_cls(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the token vectors after position 0, over real tokens only."""
    mask = attention_mask[:, 1:].unsqueeze(-1).to(hidden.dtype)
    summed = (hidden[:, 1:] * mask).sum(dim=1)
    count = mask.sum(dim=1).clamp(min=1.0)
    return summed / count


class AveragingMixer(nn.Conv1d):
    """Conv1d initialised to average its input channels."""


class XavierConv1d(nn.Conv1d):
    """Conv1d initialised with Xavier scaling."""


class XavierLinear(nn.Linear):
    """Linear initialised with Xavier scaling."""


class Arch1Head(nn.Module):
    def __init__(self, config: GasaConfig, hidden: int):
        super().__init__()
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.conv1 = XavierConv1d(hidden, config.arch1_channels, kernel_size=2, padding=1)
        self.conv2 = XavierConv1d(config.arch1_channels, config.arch1_features, kernel_size=2, padding=1)
        self.act = nn.GELU()
        self.mlp = nn.Sequential(
            XavierLinear(config.arch1_features, config.arch1_features),
            nn.GELU(),
            nn.Dropout(config.classifier_dropout),
            nn.Linear(config.arch1_features, config.num_labels),
        )

    def forward(self, hidden_states, attention_mask, pooled):
        cls_pair = torch.stack([hidden_states[-1][:, 0], hidden_states[-4][:, 0]], dim=2)  # (B, H, 2)
        x = self.act(self.conv1(self.dropout(cls_pair)))
        x = self.act(self.conv2(x))
        return self.mlp(x.mean(dim=2))


class Arch2Head(nn.Module):
    def __init__(self, config: GasaConfig, hidden: int):
        super().__init__()
        self.dropout = nn.Dropout(config.classifier_dropout)
        k = config.arch2_kernel_size
        self.mix = AveragingMixer(3, 1, kernel_size=k, padding=k // 2)
        self.classifier = nn.Linear(hidden, config.num_labels)

    def forward(self, hidden_states, attention_mask, pooled):
        last = hidden_states[-1]
        stacked = torch.stack(
            [last[:, 0], hidden_states[-4][:, 0], masked_mean_without_cls(last, attention_mask)], dim=1
        )  # (B, 3, H)
        mixed = self.mix(self.dropout(stacked)).squeeze(1)  # (B, H)
        return self.classifier(self.dropout(mixed))


class BaselineHead(nn.Module):
    def __init__(self, config: GasaConfig, hidden: int):
        super().__init__()
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.classifier = nn.Linear(hidden, config.num_labels)

    def forward(self, hidden_states, attention_mask, pooled):
        features = pooled if pooled is not None else hidden_states[-1][:, 0]
        return self.classifier(self.dropout(features))


HEAD_CLASSES = {"baseline": BaselineHead, "arch1": Arch1Head, "arch2": Arch2Head}


class GasaPreTrainedModel(PreTrainedModel):
    config_class = GasaConfig
    config: GasaConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True
    # attention is the encoder's: these say the wrapper hands every backend on (through
    # config.encoder); the encoder class itself refuses one it does not implement
    _supports_sdpa = True
    _supports_flash_attn = True
    _supports_flex_attn = True
    _supports_attention_backend = True

    @torch.no_grad()
    def _init_weights(self, module):
        # The generic init (normal, std 0.02) suits the final classifiers, but a chain of two such
        # small layers barely passes gradient at first and the head sits at the label prior for
        # many steps. So Arch2's mixer starts as the plain average of its three vectors, and
        # Arch1's convolutions and hidden MLP layer start with Xavier scaling.
        if isinstance(module, AveragingMixer):
            weight = torch.zeros_like(module.weight)
            weight[:, :, module.kernel_size[0] // 2] = 1.0 / module.in_channels
            init.copy_(module.weight, weight)
            init.zeros_(module.bias)
        elif isinstance(module, (XavierConv1d, XavierLinear)):
            init.xavier_uniform_(module.weight)
            init.zeros_(module.bias)
        else:
            super()._init_weights(module)


def _encoder_inputs(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds, kwargs) -> dict:
    """The encoder's keyword arguments: the given inputs, and whatever else the caller passed."""
    given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids,
             "position_ids": position_ids, "inputs_embeds": inputs_embeds}
    return {**{k: v for k, v in given.items() if v is not None}, **kwargs}


class GasaModel(GasaPreTrainedModel):
    """The encoder alone, without an emotion head: ``AutoModel.from_pretrained(folder,
    trust_remote_code=True)`` on a classifier's folder gives it (the head's weights are left out),
    and ``pipeline("feature-extraction")`` reads its hidden states."""

    _keys_to_ignore_on_load_unexpected = [r"^head\."]  # a classifier's head: not part of the encoder

    def __init__(self, config: GasaConfig):
        super().__init__(config)
        self.encoder = AutoModel.from_config(config.encoder)
        self.post_init()

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.encoder.set_input_embeddings(value)

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, position_ids=None, inputs_embeds=None,
                **kwargs):
        """The encoder's output (``last_hidden_state``, ``pooler_output``, ...)."""
        return self.encoder(**_encoder_inputs(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                              kwargs))


class GasaForSequenceClassification(GasaPreTrainedModel):
    """Encoder + emotion head (``AutoModelForSequenceClassification`` loads it)."""

    def __init__(self, config: GasaConfig):
        super().__init__(config)
        self.encoder = AutoModel.from_config(config.encoder)
        hidden = self.encoder.config.hidden_size
        self.head = HEAD_CLASSES[config.head](config, hidden)
        self.post_init()

    @classmethod
    def from_encoder(cls, encoder_name_or_path: str, head: str = "arch2", **config_kwargs):
        """A new classifier whose encoder weights come from a pretrained checkpoint (Hub id or folder)."""
        encoder = AutoModel.from_pretrained(encoder_name_or_path)
        config = GasaConfig(head=head, encoder=encoder.config.to_dict(), **config_kwargs)
        model = cls(config)
        model.encoder.load_state_dict(encoder.state_dict())
        return model

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings()

    def set_input_embeddings(self, value):
        self.encoder.set_input_embeddings(value)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ):
        if attention_mask is None:
            reference = input_ids if input_ids is not None else inputs_embeds[..., 0]
            attention_mask = torch.ones(reference.shape[:2], dtype=torch.long, device=reference.device)
        if output_attentions:
            kwargs["output_attentions"] = True
        # the heads read several layers, so the encoder always returns its hidden states
        outputs = self.encoder(**_encoder_inputs(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
                                                 {**kwargs, "output_hidden_states": True}))
        logits = self.head(outputs.hidden_states, attention_mask, getattr(outputs, "pooler_output", None))

        loss = None
        if labels is not None:
            loss = self.loss(logits, labels)

        want_hidden = output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        result = SequenceClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states if want_hidden else None,
            attentions=getattr(outputs, "attentions", None) if output_attentions else None,
        )
        if return_dict is False:
            return result.to_tuple()
        return result

    def loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Multi-label: BCE with logits (``pos_weight`` from the config) against 0/1 labels of shape
        (batch, num_labels). Otherwise: cross-entropy (``class_weight``) against one label id per row."""
        if self.config.problem_type == "multi_label_classification":
            if labels.shape != logits.shape:
                raise ValueError(
                    f"multi-label classification needs 0/1 labels of shape (batch, num_labels) = "
                    f"{tuple(logits.shape)}, got {tuple(labels.shape)}"
                )
            pos_weight = None
            if self.config.pos_weight is not None:
                pos_weight = torch.tensor(self.config.pos_weight, dtype=logits.dtype, device=logits.device)
            return nn.functional.binary_cross_entropy_with_logits(
                logits, labels.to(logits.dtype), pos_weight=pos_weight
            )
        if labels.numel() != logits.shape[0]:
            raise ValueError(
                f"single-label classification needs one label id per row ({logits.shape[0]}), got labels of "
                f"shape {tuple(labels.shape)}; for 0/1 label rows set problem_type='multi_label_classification'"
            )
        weight = None
        if self.config.class_weight is not None:
            weight = torch.tensor(self.config.class_weight, dtype=logits.dtype, device=logits.device)
        return nn.functional.cross_entropy(logits, labels.long().view(-1), weight=weight)


# save_pretrained copies the code files of registered classes; AUTO_MAP is the one list of them
GasaConfig.register_for_auto_class()
for _auto_class, _target in AUTO_MAP.items():
    if _target.startswith("modeling_gasa."):
        globals()[_target.split(".", 1)[1]].register_for_auto_class(_auto_class)
