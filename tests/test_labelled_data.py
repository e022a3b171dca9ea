import json

import pytest

import aihub_fixture as fixture
from hub.labelled_data import DataFormatError, read_labelled
from hub.labels import AIHUB, GOEMOTIONS


def test_json_zip_and_xlsx_give_the_same_rows(tmp_path):
    a = read_labelled(fixture.write_json(tmp_path / "train.json"))
    b = read_labelled(fixture.write_zip(tmp_path / "train.zip"))
    c = read_labelled(fixture.write_xlsx(tmp_path / "train.xlsx"))
    assert len(a) == len(fixture.DIALOGUES)
    assert a.texts == b.texts == c.texts and (a.labels == b.labels).all() and (a.labels == c.labels).all()
    # person's turns joined, system turns left out
    assert a.texts[0] == "친구가 약속을 또 어겨서 정말 화가 나. 몇 번째인지 모르겠어."
    # 고립된 under 당황 is the 당황 label, not 상처's
    assert AIHUB.labels[c.labels[18]] == "고립된(당황한)" and AIHUB.labels[c.labels[14]] == "고립된"


def test_unknown_codes_and_empty_sentences_are_named(tmp_path):
    bad = fixture.DIALOGUES[:3] + [("E99", "무슨 감정일까?", "", ""), ("E20", "", "", "")]
    with pytest.raises(DataFormatError) as err:
        read_labelled(fixture.write_json(tmp_path / "bad.json", bad))
    message = str(err.value)
    assert "bad.json" in message and "record 3" in message and "E99" in message
    assert "record 4" in message and "empty" in message
    with pytest.raises(DataFormatError, match=r"row 5: unknown emotion"):
        rows = fixture.DIALOGUES[:3] + [("E20", "슬퍼", "", "")]
        path = fixture.write_xlsx(tmp_path / "bad.xlsx", rows)
        import pandas as pd
        frame = pd.read_excel(path)
        frame.loc[3, "감정_소분류"] = "없는감정"
        frame.to_excel(path, index=False)
        read_labelled(path)


def test_wrong_shapes(tmp_path):
    (tmp_path / "dict.json").write_text(json.dumps({"a": 1}))
    with pytest.raises(DataFormatError, match="dict.json: expected a JSON list"):
        read_labelled(tmp_path / "dict.json")
    (tmp_path / "records.json").write_text(json.dumps([{"talk": {}}]))
    with pytest.raises(DataFormatError, match="record 0: missing profile"):
        read_labelled(tmp_path / "records.json")
    (tmp_path / "table.csv").write_text("sentence,score\n좋아,1\n")
    with pytest.raises(DataFormatError, match="table.csv: needs a text column"):
        read_labelled(tmp_path / "table.csv")
    (tmp_path / "fake.xlsx").write_bytes(b"not a spreadsheet")
    with pytest.raises(DataFormatError, match="fake.xlsx: not a readable .xlsx"):
        read_labelled(tmp_path / "fake.xlsx")
    (tmp_path / "blob.tsv").write_bytes(bytes(range(256)))
    with pytest.raises(DataFormatError, match="not a UTF-8"):
        read_labelled(tmp_path / "blob.tsv")
    with pytest.raises(DataFormatError, match="unsupported file type .pdf"):
        (tmp_path / "x.pdf").write_text("x")
        read_labelled(tmp_path / "x.pdf")


def test_tables_accept_names_codes_and_ids(tmp_path):
    (tmp_path / "set.tsv").write_text("text\tlabel\n행복해\t기쁨\n슬퍼\tE20\n화나\t0\n")
    data = read_labelled(tmp_path / "set.tsv")
    assert data.labels.tolist() == [50, 10, 0]
    (tmp_path / "en.jsonl").write_text('{"text": "thanks!", "label": "gratitude"}\n{"text": "wow", "label": 26}\n')
    english = read_labelled(tmp_path / "en.jsonl", GOEMOTIONS)  # GoEmotions is multi-label: 0/1 rows
    assert english.multi_label and [row.nonzero()[0].tolist() for row in english.labels] == [[15], [26]]
    (tmp_path / "unknown.csv").write_text("text,label\n좋아,행복함\n")
    with pytest.raises(DataFormatError, match="row 1: unknown aihub label '행복함'"):
        read_labelled(tmp_path / "unknown.csv")
