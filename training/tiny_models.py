"""Small locally built encoders and classifiers, for tests and benchmarks that cannot reach the Hub.

``make_tokenizer`` trains a WordPiece vocabulary (BERT-style: [CLS] ... [SEP]) on the given texts;
``make_encoder`` saves a randomly initialised BERT encoder + that tokenizer to a folder that
``--base-model`` accepts like a Hub id; ``make_classifier`` saves a gasa classifier the same way.
"""
from __future__ import annotations

from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def make_tokenizer(texts, vocab_size: int = 2000, model_max_length: int = 512):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    # strip_accents=False: NFD accent stripping would break Hangul syllables into jamo.
    tok.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(list(texts), trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS))
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]",
        mask_token="[MASK]", model_max_length=model_max_length,
    )


def encoder_config(vocab_size: int, hidden: int = 32, layers: int = 4, heads: int = 2,
                   intermediate: int | None = None, max_positions: int = 512):
    from transformers import BertConfig

    return BertConfig(vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers,
                      num_attention_heads=heads, intermediate_size=intermediate or 4 * hidden,
                      max_position_embeddings=max_positions)


def make_encoder(output_dir, texts, vocab_size: int = 2000, seed: int = 0, **config_kwargs) -> Path:
    """Save a random BERT encoder and a WordPiece tokenizer trained on ``texts`` to ``output_dir``."""
    import torch
    from transformers import BertModel

    torch.manual_seed(seed)
    tokenizer = make_tokenizer(texts, vocab_size=vocab_size)
    model = BertModel(encoder_config(len(tokenizer), **config_kwargs))
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return Path(output_dir)


def make_classifier(output_dir, texts, labels, head: str = "arch2", vocab_size: int = 2000, seed: int = 0,
                    multi_label: bool = False, **config_kwargs) -> Path:
    """Save a random gasa classifier (tiny BERT encoder + ``head``) with its tokenizer."""
    import torch

    from hub.configuration_gasa import GasaConfig
    from hub.modeling_gasa import GasaForSequenceClassification

    torch.manual_seed(seed)
    tokenizer = make_tokenizer(texts, vocab_size=vocab_size)
    config = GasaConfig(
        head=head, encoder=encoder_config(len(tokenizer), **config_kwargs).to_dict(),
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
        problem_type="multi_label_classification" if multi_label else "single_label_classification",
    )
    model = GasaForSequenceClassification(config)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    return Path(output_dir)
