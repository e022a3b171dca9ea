"""training.evaluate compares a gasa model with a plain Hub-style classifier on the same 60 labels."""
import json

import numpy as np
import pytest

import aihub_fixture as fixture
from hub.labels import AIHUB, taxonomy_similarity
from hub.metrics import classification_scores
from hub.predictor import load_predictor
from training import evaluate
from training.tiny_models import encoder_config, make_classifier, make_tokenizer

TEXTS = [" ".join(d[1:]) for d in fixture.DIALOGUES]


def save_plain_classifier(folder, labels):
    """A plain BertForSequenceClassification, as hun3359/klue-bert-base-sentiment is shaped."""
    from transformers import BertForSequenceClassification

    tokenizer = make_tokenizer(TEXTS, vocab_size=300)
    config = encoder_config(len(tokenizer))
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def test_report_table_json_and_heatmap(tmp_path, capsys):
    gasa = str(make_classifier(tmp_path / "gasa", TEXTS, AIHUB.labels, vocab_size=300))
    plain = save_plain_classifier(tmp_path / "plain", AIHUB.labels)
    data = fixture.write_xlsx(tmp_path / "valid.xlsx")
    report = tmp_path / "report.json"
    evaluate.main(["--model", gasa, "--model", plain, "--data", str(data), "--output", str(report)])
    printed = capsys.readouterr().out
    assert "similarity_weighted" in printed and gasa in printed and plain in printed
    result = json.loads(report.read_text())
    assert [r["model"] for r in result["results"]] == [gasa, plain]
    assert (tmp_path / "report_S_taxonomy.png").stat().st_size > 10_000

    # The figures are the metrics of the model's predictions on the file, not something else.
    predictor = load_predictor(plain)
    probs = predictor.predict_texts(TEXTS)
    expected = classification_scores(probs, [AIHUB.index(d[0]) for d in fixture.DIALOGUES], taxonomy_similarity(AIHUB))
    assert result["results"][1]["similarity_weighted"] == pytest.approx(expected["similarity_weighted"], rel=1e-4)
    assert result["results"][1]["cross_entropy"] == pytest.approx(expected["cross_entropy"], rel=1e-4)


def test_label_count_mismatch_is_one_clear_message(tmp_path):
    wrong = save_plain_classifier(tmp_path / "wrong", [f"e{i}" for i in range(28)])
    data = fixture.write_json(tmp_path / "valid.json")
    with pytest.raises(SystemExit) as err:
        evaluate.main(["--model", wrong, "--data", str(data)])
    assert "has 28 labels" in str(err.value) and "60" in str(err.value)


def test_embedding_similarity_comes_from_the_model(tmp_path):
    gasa = str(make_classifier(tmp_path / "gasa", TEXTS, AIHUB.labels, vocab_size=300))
    rows, s = evaluate.evaluate([gasa], fixture.write_json(tmp_path / "valid.json"), similarity="embedding")
    assert s.shape == (60, 60) and np.allclose(np.diag(s), 1) and (s >= 0).all() and (s < 1).any()
