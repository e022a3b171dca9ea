"""Tiny GoEmotions-shaped files and a tiny RoBERTa built locally, for tests (all text original)."""
from __future__ import annotations

from pathlib import Path

# (text, label ids) - short original lines, a few per emotion family
LINES = [
    ("I love this so much, thank you all", [18, 15]),
    ("Thanks a lot for the help yesterday", [15]),
    ("This is hilarious, I can't stop laughing", [1]),
    ("lol that made my whole day", [1, 17]),
    ("I am so angry about the refund", [2]),
    ("Why would anyone do that, it is infuriating", [2, 3]),
    ("Ugh, the bus is late again", [3]),
    ("That is so sad, I miss my grandmother", [25, 16]),
    ("I feel terrible about what I said", [24]),
    ("I'm scared of the storm tonight", [14]),
    ("Wow, I did not expect that at all", [26]),
    ("What do you mean by that?", [6, 7]),
    ("I wonder how they built it", [7]),
    ("Great job, you really nailed the presentation", [0]),
    ("I hope tomorrow will be better for us", [20]),
    ("The meeting is at three in the afternoon", [27]),
    ("It is a table made of wood", [27]),
    ("So proud of my little sister today", [21]),
    ("Phew, the test came back negative", [23]),
    ("Gross, there is mold in the fridge", [11]),
    ("I really want a new bike", [8]),
    ("This is such a letdown after all the hype", [9]),
    ("No, that is just wrong and I disagree", [10]),
    ("I tripped in front of the whole class", [12]),
    ("We are going to the concert tonight!", [13]),
    ("Take care of yourself and rest well", [5]),
    ("Yes, that sounds right to me", [4]),
    ("I'm so nervous about the interview", [19]),
    ("Oh, now I finally get what she meant", [22]),
    ("That's wonderful news, congratulations", [0, 17]),
]


def write_tsv(path, rows) -> Path:
    """Write GoEmotions-format rows: text, comma-separated ids, comment id."""
    import csv

    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        for i, (text, labels) in enumerate(rows):
            w.writerow([text, ",".join(map(str, labels)), f"c{i:04d}"])
    return path


def make_tiny_roberta(folder, hidden: int = 64, layers: int = 2, seed: int = 0) -> Path:
    """A randomly initialised RoBERTa encoder + byte-level BPE tokenizer trained on LINES.

    hidden is a multiple of 64 because 4-bit NF4 packs weights in blocks of 64.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast, RobertaConfig, RobertaModel

    folder = Path(folder)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok.train_from_iterator([t for t, _ in LINES] * 3, trainers.BpeTrainer(
        vocab_size=400, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=256)
    torch.manual_seed(seed)
    config = RobertaConfig(vocab_size=tok.get_vocab_size(), hidden_size=hidden, num_hidden_layers=layers,
                           num_attention_heads=2, intermediate_size=2 * hidden, max_position_embeddings=258,
                           pad_token_id=tok.token_to_id("<pad>"), bos_token_id=0, eos_token_id=2)
    RobertaModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
