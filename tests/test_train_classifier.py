"""Each head trains a few steps on a tiny encoder, saves, and reloads through the Auto classes in
a fresh process (working directory outside the repo) with the same logits."""
import json
import os
import subprocess
import sys

import pytest
import torch

import aihub_fixture as fixture
from training import train_classifier
from training.tiny_models import make_encoder

RELOAD = r"""
import json, sys, torch
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer
folder, text = sys.argv[1], sys.argv[2]
assert "hub" not in sys.modules
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
batch = tokenizer([text, text[:12]], padding=True, return_tensors="pt")
out = {}
with torch.inference_mode():
    classifier = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
    out["logits"] = classifier(**batch).logits.tolist()
    encoder = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()  # the headless encoder
    out["hidden_shape"] = list(encoder(**batch).last_hidden_state.shape)
config = AutoConfig.from_pretrained(folder, trust_remote_code=True)
out["head"], out["num_labels"] = config.head, config.num_labels
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("aihub")
    texts = [" ".join(d[1:]) for d in fixture.DIALOGUES]
    make_encoder(root / "encoder", texts * 2, vocab_size=400, hidden=32, layers=4, heads=2)
    return {"root": root, "encoder": root / "encoder", "json": fixture.write_json(root / "train.json"),
            "zip": fixture.write_zip(root / "train.zip"), "xlsx": fixture.write_xlsx(root / "valid.xlsx")}


@pytest.mark.parametrize("arch,train_shape", [("baseline", "json"), ("arch1", "zip"), ("arch2", "xlsx")])
def test_head_trains_saves_and_reloads_in_fresh_process(data, arch, train_shape, tmp_path):
    out = tmp_path / arch
    scores = train_classifier.train(train_classifier.parse_args([
        "--arch", arch, "--base-model", str(data["encoder"]), "--train", str(data[train_shape]),
        "--valid", str(data["xlsx"] if train_shape != "xlsx" else data["json"]), "--output", str(out),
        "--epochs", "2", "--batch-size", "8", "--max-length", "32",
    ]))
    assert {"accuracy", "macro_f1", "cross_entropy", "similarity_weighted"} <= set(scores)
    files = set(os.listdir(out))
    assert {"config.json", "configuration_gasa.py", "modeling_gasa.py", "model.safetensors",
            "tokenizer.json", "README.md", "eval_results.json"} <= files
    assert not any(name.startswith("checkpoints-") for name in os.listdir(tmp_path))
    assert not [f for f in files if f.endswith((".bin", ".pkl", ".pt"))]  # safetensors and JSON only
    card = (out / "README.md").read_text()
    assert f"Head: **{arch}**" in card and f"{scores['macro_f1']:.4f}" in card
    assert "model-index:" in card and f"value: {scores['macro_f1']}" in card
    assert "Trained on cpu" in card and "fp32" in card  # the device it ran on, in the card
    config = json.loads((out / "config.json").read_text())
    assert config["auto_map"]["AutoModel"] == "modeling_gasa.GasaModel"  # AutoModel: the encoder alone
    assert config["id2label"]["8"] == "노여워하는"

    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    text = "믿었던 친구가 비밀을 말했어 너무 화가 나"
    tokenizer = AutoTokenizer.from_pretrained(out, trust_remote_code=True)
    model = AutoModelForSequenceClassification.from_pretrained(out, trust_remote_code=True).eval()
    with torch.inference_mode():
        expected = model(**tokenizer([text, text[:12]], padding=True, return_tensors="pt")).logits

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    run = subprocess.run([sys.executable, "-c", RELOAD, str(out), text], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["head"] == arch and result["num_labels"] == 60
    assert torch.allclose(torch.tensor(result["logits"]), expected, atol=1e-5)
    assert result["hidden_shape"][0] == 2 and result["hidden_shape"][2] == 32


def test_loss_and_hidden_states_follow_transformers_conventions(data):
    from hub.configuration_gasa import GasaConfig
    from hub.modeling_gasa import GasaForSequenceClassification

    model = GasaForSequenceClassification.from_encoder(str(data["encoder"]), head="arch2", num_labels=60)
    ids = torch.tensor([[2, 10, 11, 3, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0]])
    out = model(input_ids=ids, attention_mask=mask, labels=torch.tensor([5]), output_hidden_states=True)
    assert out.loss is not None and out.logits.shape == (1, 60) and len(out.hidden_states) == 5
    # Padding does not change Architecture 2's features: the mean counts real tokens only.
    model.eval()
    with torch.inference_mode():
        short = model(input_ids=ids[:, :4], attention_mask=mask[:, :4]).logits
        padded = model(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(short, padded, atol=1e-5)
    with pytest.raises(ValueError, match="unknown head"):
        GasaConfig(head="arch9")


def test_bad_training_file_exits_with_message(data, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"profile": {"emotion": {"type": "E77"}}, "talk": {"content": {"HS01": "안녕"}}}]')
    code = train_classifier.main(["--arch", "arch2", "--base-model", str(data["encoder"]), "--train", str(bad),
                                  "--valid", str(bad), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("error: ") and "bad.json" in err and "E77" in err
    assert not (tmp_path / "out").exists()


def test_device_choice_is_checked_before_training(data, tmp_path, capsys):
    args = ["--arch", "baseline", "--base-model", str(data["encoder"]), "--train", str(data["json"]),
            "--valid", str(data["json"]), "--output", str(tmp_path / "m"), "--max-steps", "1"]
    if not torch.cuda.is_available():
        assert train_classifier.main(args + ["--device", "cuda"]) == 2
        assert "no CUDA GPU is visible here" in capsys.readouterr().err
        assert train_classifier.main(args + ["--fp16"]) == 2
        assert "--fp16 needs a CUDA GPU" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()  # refused before anything was written
