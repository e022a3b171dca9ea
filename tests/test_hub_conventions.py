"""A saved gasa classifier loads the Hugging Face way, in a fresh process outside the repository, with
only transformers installed on the path: AutoModel gives the headless encoder, sdpa attention matches
eager, extra forward arguments reach the encoder, feature extraction works, and the config's encoder
is a proper sub-config."""
import json
import os
import subprocess
import sys

import pytest

from hub.configuration_gasa import AUTO_MAP, GasaConfig
from hub.labels import AIHUB
from training.tiny_models import make_classifier

TEXTS = ["비가 오는 밤 혼자 울었어", "햇살 가득한 아침 너무 행복해", "또 늦었네 정말 짜증 나"]

PROBE = r"""
import json, sys, torch
from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer, pipeline
folder, texts = sys.argv[1], json.loads(sys.argv[2])
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)  # the config names custom code
batch = tokenizer(texts, padding=True, return_tensors="pt")
out = {}
with torch.inference_mode():
    base = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
    hidden = base(**batch).last_hidden_state
    out["auto_model"] = type(base).__name__
    out["hidden_shape"] = list(hidden.shape)
    logits = {}
    for impl in ("eager", "sdpa"):
        model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True,
                                                                   attn_implementation=impl).eval()
        out[f"{impl}_encoder"] = model.encoder.config._attn_implementation
        logits[impl] = model(**batch).logits
    out["sdpa_vs_eager"] = float((logits["sdpa"] - logits["eager"]).abs().max())
    out["classifier_encoder_equals_auto_model"] = float(
        (model.encoder(**batch).last_hidden_state - hidden).abs().max())
    positions = torch.arange(batch["input_ids"].shape[1]).expand_as(batch["input_ids"])
    out["explicit_position_ids"] = float((model(**batch, position_ids=positions).logits - logits["sdpa"]).abs().max())
    shifted = model(**batch, position_ids=positions + 1).logits  # proves position_ids reach the encoder
    out["shifted_position_ids"] = float((shifted - logits["sdpa"]).abs().max())
features = pipeline("feature-extraction", model=folder, trust_remote_code=True)(texts[0])
out["feature_shape"] = [len(features[0]), len(features[0][0])]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return make_classifier(tmp_path_factory.mktemp("model") / "tiny-gasa", TEXTS * 4, AIHUB.labels, vocab_size=120,
                           hidden=32, layers=4, heads=2)


def test_loads_the_hugging_face_way_in_a_fresh_process(folder, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    done = subprocess.run([sys.executable, "-c", PROBE, str(folder), json.dumps(TEXTS)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Do you wish to run the custom code" not in done.stdout + done.stderr  # nothing waits for a prompt
    out = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{\"")))
    assert out["auto_model"] == "GasaModel" and out["hidden_shape"][0] == 3 and out["hidden_shape"][2] == 32
    assert out["eager_encoder"] == "eager" and out["sdpa_encoder"] == "sdpa"
    assert out["sdpa_vs_eager"] < 1e-5
    assert out["classifier_encoder_equals_auto_model"] < 1e-6  # the same encoder weights, without the head
    assert out["explicit_position_ids"] < 1e-6 and out["shifted_position_ids"] > 1e-4
    assert out["feature_shape"][1] == 32  # one 32-d vector per token, not the 60 logits


def test_config_holds_the_encoder_as_a_sub_config(folder):
    saved = json.loads((folder / "config.json").read_text())
    assert saved["auto_map"] == AUTO_MAP
    assert saved["encoder"]["model_type"] == "bert" and saved["encoder"]["hidden_size"] == 32
    config = GasaConfig.from_pretrained(folder)
    assert type(config.encoder).__name__ == "BertConfig" and config.hidden_size == 32
    assert "encoder" in GasaConfig.sub_configs
    assert not [f.name for f in folder.iterdir() if f.suffix in (".bin", ".pkl", ".pt", ".pth")]
