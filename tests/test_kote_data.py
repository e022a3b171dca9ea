"""KOTE as a label set and as data: the TSV shape, the Hub's converted Parquet, and bad files."""
import json
from pathlib import Path

import numpy as np
import pytest

from hub.labelled_data import DataFormatError, kote_hub_files, load_kote, read_kote_tsv, read_labelled
from hub.labels import AIHUB, KOTE, KOTE_TO_AIHUB_GROUP, taxonomy_similarity
from hub.metrics import gold_groups, top_group_agreement

SHARED_KOTE = Path(__file__).resolve().parents[2] / "shared" / "data" / "kote"

# (id, text, label ids): sentences written for these tests
ROWS = [
    ("t1", "비가 오면 네 생각에 잠이 안 와", "5,10,36"),
    ("t2", '"좋다, 진짜" 오늘 공연 최고였어!!', "2,28,40,42"),
    ("t3", "또 늦었네. 이제 지긋지긋하다", "0,3,22"),
    ("t4", "그냥 버스 타고 집에 왔어", "24"),
]


def write_tsv(path, rows=ROWS):
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t").writerows(rows)
    return path


def test_kote_labels_are_the_data_sets_and_grouped_once():
    assert len(KOTE) == 44 and KOTE.multi_label and KOTE.no_emotion == "없음" and KOTE.index("없음") == 24
    if (SHARED_KOTE / "labels.txt").is_file():  # the data set's own id order
        names = [n for n in (SHARED_KOTE / "labels.txt").read_text(encoding="utf-8").split("\n") if n]
        assert list(KOTE.labels) == names
    # the six AI-Hub groups are shared where meanings match, the rest are 기타
    assert KOTE.shared_groups == AIHUB.group_order
    assert KOTE.group_order == AIHUB.group_order + ["기타"]
    for label, group in zip(KOTE.labels, KOTE.groups):
        assert group == KOTE_TO_AIHUB_GROUP.get(label, "기타")
    assert KOTE.group_of("슬픔") == "슬픔" and KOTE.group_of("고마움") == "기쁨" and KOTE.group_of("존경") == "기타"
    assert len(set(KOTE.names_en)) == 44 and KOTE.label_en("서러움") != "서러움"
    s = taxonomy_similarity(KOTE)
    assert s.shape == (44, 44) and s[5, 19] == 0.5 and s[5, 42] == 0 and (np.diag(s) == 1).all()
    # multi-label: a group's score is its strongest label, not a sum over its (unequal) member counts
    probs = np.full(44, 0.3)
    probs[KOTE.index("슬픔")] = 0.6
    assert KOTE.group_probabilities(probs)["슬픔"] == pytest.approx(0.6)
    assert KOTE.group_probabilities(probs)["기쁨"] == pytest.approx(0.3)


def test_tsv_and_parquet_give_the_same_rows(tmp_path):
    tsv = read_kote_tsv(write_tsv(tmp_path / "val.tsv"))
    assert tsv.texts[1] == '"좋다, 진짜" 오늘 공연 최고였어!!'  # CSV-quoted text with a comma
    assert tsv.labels.shape == (4, 44) and tsv.labels[0].nonzero()[0].tolist() == [5, 10, 36]
    assert tsv.labels[3].nonzero()[0].tolist() == [24]

    # the Hub's converted Parquet: columns ID, text, labels (list of ids)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"ID": [r[0] for r in ROWS], "text": [r[1] for r in ROWS],
                      "labels": [[int(i) for i in r[2].split(",")] for r in ROWS]})
    pq.write_table(table, tmp_path / "0000.parquet")
    parquet = load_kote(tmp_path / "0000.parquet")
    assert parquet.texts == tsv.texts and (parquet.labels == tsv.labels).all()
    # a folder holding KOTE's files gives its splits; read_labelled knows the header-less shape
    assert load_kote(tmp_path, "validation").texts == tsv.texts
    assert (read_labelled(tmp_path / "val.tsv", KOTE).labels == tsv.labels).all()
    assert (read_labelled(tmp_path / "0000.parquet", KOTE).labels == tsv.labels).all()
    assert kote_hub_files("train") == \
        "hf://datasets/searle-j/kote@refs%2Fconvert%2Fparquet/dichotomized/train/*.parquet"


def test_bad_kote_files_name_the_row_and_the_problem(tmp_path):
    bad = ROWS[:1] + [("t2", "라벨이 너무 커", "5,44"), ("t3", "열이 모자라"), ("t4", "숫자가 아닌 라벨", "5,기쁨")]
    path = tmp_path / "bad.tsv"
    path.write_text("\n".join("\t".join(r) for r in bad) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as err:
        read_kote_tsv(path)
    message = str(err.value)
    assert "bad.tsv" in message
    assert "row 2: label id 44 is outside 0-43" in message
    assert "row 3: expected 3 tab-separated fields (id, text, comma-separated label ids), found 2" in message
    assert "row 4: label id '기쁨' is not an integer" in message

    (tmp_path / "binary.tsv").write_bytes(b"\x00\xff\xfe" * 20)
    with pytest.raises(DataFormatError, match="not UTF-8 text"):
        read_kote_tsv(tmp_path / "binary.tsv")
    with pytest.raises(DataFormatError, match="no train.tsv"):
        load_kote(tmp_path, "train")
    with pytest.raises(DataFormatError, match="missing column"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"sentence": ["문장"], "label": [1]}), tmp_path / "other.parquet")
        load_kote(tmp_path / "other.parquet")


def test_multi_label_tables_accept_names_and_ids(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": "너무 슬퍼", "labels": "슬픔,절망"}, {"text": "고마워요", "labels": [4, 42]}]), encoding="utf-8")
    data = read_labelled(path, KOTE)
    assert data.labels[0].nonzero()[0].tolist() == [5, 19] and data.labels[1].nonzero()[0].tolist() == [4, 42]


def test_top_group_agreement_scores_ties_at_chance():
    groups = ["분노", "슬픔", "기쁨"]
    gold = [{"슬픔"}, {"슬픔", "분노"}, set(), {"기쁨"}]
    scores = np.array([[0.1, 0.9, 0.2],    # right
                       [0.5, 0.5, 0.5],    # no evidence: 2 of 3 tied groups are right -> 2/3
                       [0.9, 0.1, 0.1],    # no gold group: skipped
                       [0.9, 0.1, 0.1]])   # wrong
    result = top_group_agreement(scores, groups, gold)
    assert result["rows"] == 3 and result["agreement"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert result["majority_group"] == "슬픔" and result["majority_baseline"] == pytest.approx(2 / 3)
    targets = np.zeros((2, 44), dtype=int)
    targets[0, [5, 7]] = 1  # 슬픔 + 존경 (기타: not a shared group)
    assert gold_groups(targets, KOTE) == [{"슬픔"}, set()]


def test_the_shipped_lyric_stanzas_read_and_cover_every_group():
    from hub.labelled_data import read_lyric_stanzas
    from training.train_korean_kote import DEFAULT_STANZAS

    stanzas = read_lyric_stanzas(DEFAULT_STANZAS)
    assert len(stanzas) > 1000 and stanzas.rows.labels.shape == (len(stanzas), len(KOTE))
    counts = {g: stanzas.groups.count(g) for g in KOTE.shared_groups}
    assert min(counts.values()) >= 100 and counts["기쁨"] + counts["슬픔"] > len(stanzas) / 2
    assert stanzas.rows.labels.sum(axis=1).min() >= 1
    assert all(2 <= len(t.split("\n")) <= 12 for t in stanzas.rows.texts)


def test_bad_lyric_stanzas_say_which_line(tmp_path):
    from hub.labelled_data import read_lyric_stanzas

    bad = tmp_path / "stanzas.jsonl"
    bad.write_text('{"text": "비가 와\\n너를 생각해", "group": "슬픔", "labels": ["슬픔"]}\n'
                   '{"text": "춤을 춰", "group": "행복", "labels": ["기쁨"]}\n'
                   '{"text": "몰라", "group": "당황", "labels": ["모름"]}\n', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 2: group '행복' is not one of .*line 3: labels \['모름'\]"):
        read_lyric_stanzas(bad)
