"""Multi-label fine-tuning on KOTE-shaped data (44 labels): BCE with pos_weight, per-label thresholds
tuned on the validation rows and saved in the model config, reload in a fresh process.

The sentences and label ids below were written for these tests (KOTE's ids, not KOTE's texts)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from hub.labels import KOTE
from training import train_classifier
from training.tiny_models import make_encoder

JOY, SAD, ANGER, WORRY, THANKS, NONE = "joy", "sad", "anger", "worry", "thanks", "none"
# (text, KOTE label ids) - e.g. 42 기쁨, 40 행복, 28 즐거움/신남, 5 슬픔, 6 화남/분노, 22 짜증, 41 불안/걱정, 4 고마움, 24 없음
TRAIN = [
    ("오늘 시험에 합격해서 정말 기뻐요", [42, 40, 28]),
    ("주말에 친구들이랑 놀러 가서 너무 신났어", [28, 42, 40]),
    ("드디어 내일 여행 간다 생각만 해도 설레", [8, 28, 42]),
    ("조카가 웃는 모습이 너무 귀여워서 흐뭇하네", [32, 40, 42]),
    ("월급 들어온 날은 기분이 최고야", [42, 40]),
    ("새로 산 운동화가 마음에 쏙 들어", [42, 32]),
    ("공연 보고 나오는데 즐거워서 웃음이 멈추지 않았어", [28, 42, 2]),
    ("우리 팀이 이겨서 다들 환호했어", [42, 28, 13]),
    ("키우던 고양이가 떠나서 하루 종일 울었어", [5, 36, 19]),
    ("아무리 노력해도 안 되니까 이제 지친다", [27, 19, 10]),
    ("헤어지고 나니 텅 빈 방이 너무 쓸쓸해", [5, 36]),
    ("기대했던 결과가 아니라서 많이 실망했어", [10, 5]),
    ("혼자 밥을 먹는데 갑자기 눈물이 났어", [5, 36, 27]),
    ("아무도 내 마음을 몰라줘서 서러워", [36, 5]),
    ("열심히 준비한 일이 물거품이 됐어", [19, 10, 5]),
    ("요즘은 매일 너무 힘들고 지쳐", [27, 5]),
    ("약속을 또 어기다니 정말 화가 난다", [6, 22, 0]),
    ("줄 서 있는데 새치기해서 너무 짜증났어", [22, 6, 0]),
    ("이런 말도 안 되는 변명을 하다니 어이가 없네", [23, 0, 12]),
    ("서비스가 엉망인데 사과 한마디 없어", [0, 22, 23]),
    ("거짓말하는 사람은 정말 싫어", [31, 6]),
    ("밤마다 윗집 소음 때문에 짜증 나 죽겠어", [22, 0, 3]),
    ("똑같은 잔소리 지긋지긋하다", [3, 22]),
    ("남 탓만 하는 모습에 화가 치밀어", [6, 0, 31]),
    ("내일 면접인데 떨려서 잠이 안 와", [41, 18]),
    ("밤길을 혼자 걸으니 무서웠어", [18, 41]),
    ("검사 결과가 나올 때까지 걱정돼", [41]),
    ("발표하다가 말이 막혀서 너무 당황했어", [33, 17, 41]),
    ("시험 망칠까 봐 불안해", [41, 18]),
    ("지갑을 잃어버려서 어쩔 줄 모르겠어", [33, 41]),
    ("낯선 전화가 계속 와서 겁이 나", [18, 41, 12]),
    ("실수한 걸 들킬까 봐 조마조마해", [41, 33, 30]),
    ("도와주셔서 정말 감사합니다", [4, 1, 7]),
    ("끝까지 응원해 주셔서 고맙습니다", [4, 1, 2]),
    ("선생님의 헌신에 존경을 보냅니다", [7, 2, 4]),
    ("따뜻한 말 한마디에 감동했어요", [2, 4, 16]),
    ("늘 챙겨 줘서 고마워", [4, 16, 1]),
    ("새로 오신 분 환영합니다", [1, 8]),
    ("어려운 이웃을 돕는 모습이 감동적이에요", [2, 7, 38]),
    ("소중한 선물 정말 고마워요", [4, 42, 1]),
    ("오늘은 비가 온다고 합니다", [24]),
    ("회의는 세 시에 시작합니다", [24]),
    ("이 제품은 두 가지 색상이 있어요", [24]),
    ("버스는 십 분마다 와요", [24]),
]
VALID = [
    ("생일 파티가 너무 즐거웠어", [28, 42, 40]),
    ("원하던 회사에 붙어서 행복해", [40, 42, 13]),
    ("봄 소풍 갈 생각에 기대돼", [8, 28]),
    ("친구가 멀리 이사 가서 슬퍼", [5, 10]),
    ("모든 게 끝난 것 같아 절망스러워", [19, 5, 27]),
    ("몸도 마음도 지쳐버렸어", [27, 5]),
    ("직원이 불친절해서 화가 났어", [6, 0, 22]),
    ("같은 실수를 또 하다니 짜증 나", [22, 0]),
    ("이건 정말 어이없는 결정이야", [23, 0]),
    ("비행기가 흔들려서 무서웠어", [18, 41]),
    ("결과 발표가 다가오니 불안해", [41]),
    ("길을 잃어서 당황했어", [33, 41]),
    ("친절하게 알려 주셔서 감사해요", [4, 1]),
    ("그분의 용기에 존경을 표합니다", [7, 2]),
    ("내일은 월요일입니다", [24]),
    ("도서관은 아홉 시에 열어요", [24]),
]

RELOAD = r"""
import json, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
folder, texts = sys.argv[1], json.loads(sys.argv[2])
assert "hub" not in sys.modules
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
with torch.inference_mode():
    probs = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits.sigmoid()
c = model.config
print(json.dumps({"probs": probs.tolist(), "thresholds": c.thresholds, "problem_type": c.problem_type,
                  "labels": [c.id2label[i] for i in range(c.num_labels)], "class": type(model).__name__}))
"""


def write_tsv(path, rows, start=1000):
    # KOTE's shape: no header, id<TAB>text<TAB>comma-separated label ids
    path.write_text("".join(f"{start + i}\t{t}\t{','.join(map(str, ids))}\n" for i, (t, ids) in enumerate(rows)),
                    encoding="utf-8")
    return path


def write_parquet(path, rows, start=1000):
    # the Hub's converted Parquet: columns ID, text, labels (list of ids)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"ID": [str(start + i) for i in range(len(rows))], "text": [t for t, _ in rows],
                      "labels": pa.array([ids for _, ids in rows], type=pa.list_(pa.int64()))})
    pq.write_table(table, path)
    return path


def multi_hot(rows):
    y = np.zeros((len(rows), len(KOTE)), dtype=np.int64)
    for i, (_, ids) in enumerate(rows):
        y[i, ids] = 1
    return y


@pytest.fixture(scope="module")
def kote(tmp_path_factory):
    root = tmp_path_factory.mktemp("kote")
    make_encoder(root / "encoder", [t for t, _ in TRAIN + VALID] * 2, vocab_size=400, hidden=32, layers=4, heads=2)
    folder = root / "folder"
    folder.mkdir()
    write_tsv(folder / "train.tsv", TRAIN)
    write_tsv(folder / "val.tsv", VALID, start=5000)  # the validation split's name in KOTE's own files
    return {"encoder": root / "encoder", "folder": folder,
            "tsv": (write_tsv(root / "train.tsv", TRAIN), write_tsv(root / "valid.tsv", VALID, start=5000)),
            "parquet": (write_parquet(root / "train.parquet", TRAIN),
                        write_parquet(root / "valid.parquet", VALID, start=5000))}


def sources(kote, shape):
    if shape == "folder":  # --train DIR / --valid DIR: splits train (train.tsv) and validation (val.tsv)
        return str(kote["folder"]), str(kote["folder"])
    return tuple(map(str, kote[shape]))


@pytest.mark.parametrize("arch,shape", [("arch2", "tsv"), ("arch1", "parquet"), ("baseline", "folder")])
def test_kote_trains_multilabel_with_thresholds_in_config(kote, arch, shape, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from hub.metrics import tune_thresholds

    train, valid = sources(kote, shape)
    out = tmp_path / arch
    scores = train_classifier.train(train_classifier.parse_args([
        "--labels", "kote", "--arch", arch, "--base-model", str(kote["encoder"]), "--train", train,
        "--valid", valid, "--output", str(out), "--epochs", "3", "--batch-size", "8", "--max-length", "32",
        "--learning-rate", "1e-3", "--head-learning-rate", "5e-3", "--stanzas", "none",
    ]))
    assert set(scores) == {"macro_f1@0.5", "micro_f1@0.5", "macro_f1_tuned", "micro_f1_tuned",
                           "macro_f1_tuned_heldout", "binary_cross_entropy"}
    # thresholds tuned on these rows can only raise each label's F1 over 0.5
    assert scores["macro_f1_tuned"] >= scores["macro_f1@0.5"]
    assert np.isfinite(scores["binary_cross_entropy"]) and scores["binary_cross_entropy"] > 0
    assert json.loads((out / "eval_results.json").read_text()) == scores
    assert not any(name.startswith("checkpoints-") for name in os.listdir(tmp_path))

    config = json.loads((out / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification" and config["head"] == arch
    assert [config["id2label"][str(i)] for i in range(len(config["id2label"]))] == list(KOTE.labels)
    assert len(KOTE) == 44 and config["id2label"]["24"] == "없음"
    thresholds = config["thresholds"]
    assert len(thresholds) == 44 and all(isinstance(t, float) and 0.05 <= t <= 0.95 for t in thresholds)
    # pos_weight from the training rows: sqrt(neg/pos) capped at 30, 1 for labels never seen
    pos = multi_hot(TRAIN).sum(axis=0)
    expected_pw = np.clip(np.sqrt((len(TRAIN) - pos) / np.maximum(pos, 1)), 1, 30)
    assert np.allclose(config["pos_weight"], expected_pw, atol=1e-4)
    assert config["class_weight"] is None

    card = (out / "README.md").read_text()
    for words in ("multi-label", "KOTE", "MIT license", "Jeon", "searle-j/kote", "config.thresholds",
                  f"{scores['macro_f1_tuned']:.4f}", f"{scores['macro_f1@0.5']:.4f}", "online comments"):
        assert words in card, words
    assert "conversational Korean" not in card

    # The saved thresholds are the ones tuned on the validation rows for this model's probabilities.
    texts = [t for t, _ in VALID]
    tokenizer = AutoTokenizer.from_pretrained(out, trust_remote_code=True)
    model = AutoModelForSequenceClassification.from_pretrained(out, trust_remote_code=True).eval()
    assert model.config.thresholds == thresholds
    with torch.inference_mode():
        probs = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits.sigmoid()
    seen = multi_hot(VALID).sum(axis=0) > 0
    tuned = tune_thresholds(probs.numpy(), multi_hot(VALID))
    assert np.allclose(tuned[seen], np.array(thresholds)[seen], atol=1e-4)
    # labels without a positive validation row have nothing to tune on: they keep 0.5
    assert (~seen).sum() > 10 and all(t == 0.5 for t in np.array(thresholds)[~seen])

    # A fresh process (no gasa code importable) gets the same config and the same probabilities.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    run = subprocess.run([sys.executable, "-c", RELOAD, str(out), json.dumps(texts, ensure_ascii=False)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip(), run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["class"] == "GasaForSequenceClassification"
    assert result["problem_type"] == "multi_label_classification" and result["labels"] == list(KOTE.labels)
    assert result["thresholds"] == thresholds
    assert torch.allclose(torch.tensor(result["probs"]), probs, atol=1e-6)


def test_parquet_and_tsv_give_the_same_rows(kote):
    tsv = train_classifier.read_data(str(kote["tsv"][0]), KOTE, "train")
    parquet = train_classifier.read_data(str(kote["parquet"][0]), KOTE, "train")
    folder = train_classifier.read_data(str(kote["folder"]), KOTE, "validation")
    assert tsv.texts == parquet.texts == [t for t, _ in TRAIN]
    assert (tsv.labels == multi_hot(TRAIN)).all() and (parquet.labels == tsv.labels).all()
    assert folder.texts == [t for t, _ in VALID] and (folder.labels == multi_hot(VALID)).all()


def test_multilabel_loss_is_bce_with_pos_weight_and_checks_label_shape(kote, tmp_path):
    from hub.configuration_gasa import GasaConfig
    from hub.modeling_gasa import GasaForSequenceClassification

    pos_weight = [1.0 + (i % 5) for i in range(44)]
    model = GasaForSequenceClassification.from_encoder(
        str(kote["encoder"]), head="arch2", id2label=KOTE.id2label, label2id=KOTE.label2id,
        problem_type="multi_label_classification", pos_weight=pos_weight)
    ids = torch.tensor([[2, 10, 11, 3, 0], [2, 12, 13, 14, 3]])
    mask = torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]])
    target = torch.tensor(multi_hot(TRAIN[:2]), dtype=torch.float32)
    out = model(input_ids=ids, attention_mask=mask, labels=target)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(out.logits, target,
                                                                    pos_weight=torch.tensor(pos_weight))
    assert out.logits.shape == (2, 44) and torch.isfinite(out.loss) and torch.allclose(out.loss, expected)
    with pytest.raises(ValueError, match=r"shape \(batch, num_labels\) = \(2, 44\), got \(2,\)"):
        model(input_ids=ids, attention_mask=mask, labels=torch.tensor([5, 7]))
    # a single-label model given 0/1 rows says so instead of mis-reading them as ids
    single = GasaForSequenceClassification.from_encoder(str(kote["encoder"]), head="baseline", num_labels=44)
    with pytest.raises(ValueError, match="one label id per row"):
        single(input_ids=ids, attention_mask=mask, labels=target)

    # GasaConfig keeps `thresholds` through save/load; None by default
    config = GasaConfig(head="arch2", num_labels=3, problem_type="multi_label_classification",
                        thresholds=[0.3, 0.5, 0.65])
    config.save_pretrained(tmp_path / "cfg")
    assert GasaConfig.from_pretrained(tmp_path / "cfg").thresholds == [0.3, 0.5, 0.65]
    assert GasaConfig().thresholds is None


@pytest.mark.parametrize("row,words", [
    ("1\t좋은 아침이에요\t42,44\n", ["row 2", "44"]),
    ("1\t좋은 아침이에요\n", ["row 2", "expected 3", "found 2"]),
])
def test_bad_kote_file_exits_with_one_line_message(kote, tmp_path, capsys, row, words):
    bad = tmp_path / "bad.tsv"
    bad.write_text("0\t정말 고마워요\t4\n" + row, encoding="utf-8")
    code = train_classifier.main(["--labels", "kote", "--arch", "arch2", "--base-model", str(kote["encoder"]),
                                  "--train", str(bad), "--valid", str(kote["tsv"][1]),
                                  "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("error: ") and "bad.tsv" in err
    for w in words:
        assert w in err, (w, err)
    assert "Traceback" not in err and not (tmp_path / "out").exists()


# lyric-shaped stanzas written for these tests, in the shape of training/data/gasa_lyric_stanzas.jsonl
STANZAS = [
    ("햇살 아래 너와 둘이 걸어\n웃음이 멈추지 않는 오후", "기쁨", ["행복", "즐거움/신남"]),
    ("오늘 밤 춤을 춰 다 같이\n신나는 노래에 몸을 맡겨", "기쁨", ["즐거움/신남", "기쁨"]),
    ("떠나간 너의 빈자리\n혼자 남아 눈물만 흘러", "슬픔", ["슬픔", "서러움"]),
    ("비 오는 창가에 기대어\n지난 사랑을 그리워해", "슬픔", ["슬픔", "안타까움/실망"]),
    ("거짓말뿐인 너의 약속\n이젠 화가 나서 못 참아", "분노", ["화남/분노", "짜증"]),
    ("내일이 오는 게 무서워\n잠들지 못하는 이 밤", "불안", ["불안/걱정", "공포/무서움"]),
    ("지쳐 버린 내 하루 끝에\n더는 버틸 힘이 없어", "상처", ["힘듦/지침", "절망"]),
    ("네 앞에만 서면 얼굴이 붉어져\n말도 못 하고 웃기만 해", "당황", ["부끄러움", "당황/난처"]),
]


def test_kote_fits_the_lyric_stanzas_beside_the_comments_and_reports_held_out_ones(kote, tmp_path):
    """--stanzas: the stanzas are fitted --stanza-repeats times beside the comments (their labels count in
    pos_weight), --stanza-holdout of them are kept out and the top group's agreement on them is reported,
    and the card says what was fitted. Only KOTE's labels take stanzas."""
    stanza_file = tmp_path / "stanzas.jsonl"
    stanza_file.write_text("".join(json.dumps({"text": t, "group": g, "labels": labels}, ensure_ascii=False) + "\n"
                                   for t, g, labels in STANZAS), encoding="utf-8")
    train, valid = sources(kote, "tsv")
    out = tmp_path / "with-stanzas"
    args = train_classifier.parse_args([
        "--labels", "kote", "--arch", "arch2", "--base-model", str(kote["encoder"]), "--train", train,
        "--valid", valid, "--output", str(out), "--epochs", "1", "--batch-size", "8", "--max-length", "32",
        "--stanzas", str(stanza_file), "--stanza-repeats", "3", "--stanza-holdout", "0.25"])
    scores = train_classifier.train(args)
    assert scores["stanza_rows"] == 2 and 0.0 <= scores["stanza_group_agreement"] <= 1.0
    assert json.loads((out / "eval_results.json").read_text()) == scores

    from training.common import load_stanzas

    fitted, held, _, _ = load_stanzas(str(stanza_file), 0.25, args.stanza_seed)
    assert len(fitted) == 6 and not set(held.rows.texts) & set(fitted.rows.texts)
    targets = np.vstack([multi_hot(TRAIN)] + [fitted.rows.labels] * 3)
    pos = targets.sum(axis=0)
    expected_pw = np.clip(np.sqrt((len(targets) - pos) / np.maximum(pos, 1)), 1, 30)
    assert np.allclose(json.loads((out / "config.json").read_text())["pos_weight"], expected_pw, atol=1e-4)
    card = (out / "README.md").read_text()
    assert f"Beside {len(TRAIN)} rows" in card and "6 lyric stanzas written for gasa" in card, card
    assert "2 more never fitted" in card
    assert "stanza_group_agreement" in card

    with pytest.raises(SystemExit):
        train_classifier.parse_args(["--labels", "goemotions", "--arch", "arch2", "--base-model", "x", "--train", "t",
                                     "--valid", "v", "--output", "o", "--stanzas", str(stanza_file)])
    with pytest.raises(SystemExit):  # stanzas asked for, fitted no time
        train_classifier.parse_args(["--labels", "kote", "--arch", "arch2", "--base-model", "x", "--train", "t",
                                     "--valid", "v", "--output", "o", "--stanza-repeats", "0"])
    plain = train_classifier.parse_args(["--labels", "goemotions", "--arch", "arch2", "--base-model", "x",
                                         "--train", "t", "--valid", "v", "--output", "o"])
    assert plain.stanzas == "none"
    assert train_classifier.parse_args(["--labels", "kote", "--arch", "arch2", "--base-model", "x", "--train", "t",
                                        "--valid", "v", "--output", "o"]).stanzas.endswith("gasa_lyric_stanzas.jsonl")
