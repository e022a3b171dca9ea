"""English lyric tagging: drop-in GoEmotions classifiers, adapters, merged models, thresholds, top-3 tags,
similar songs."""
from __future__ import annotations

import json

import numpy as np
import pytest

from goemotions_fixture import LINES, make_tiny_roberta, write_tsv
from hub.english import EnglishTagger, Tag, similar_songs, top_tags
from hub.labels import GOEMOTIONS
from hub.predictor import ModelLoadError, TransformerEmotionPredictor
from training.train_qlora import TrainConfig, label_kwargs, run

# original lines, with section tags and symbols the cleaner must drop
SONG = "[Verse]\nI miss you every night ★\nthe rain keeps falling down ♪♪\n\n[Chorus]\nthank you for the love\n"
LONG_SONG = "\n".join(["we are dancing all night, so happy together"] * 40)  # well past 256 tokens


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    import torch
    from transformers import AutoModelForSequenceClassification

    root = tmp_path_factory.mktemp("english")
    base = make_tiny_roberta(root / "base", seed=3)
    # a drop-in classifier saved the way Hub GoEmotions models are (multi-label config, no thresholds)
    model = AutoModelForSequenceClassification.from_pretrained(base, **label_kwargs())
    with torch.no_grad():  # spread the logits so tags differ between songs
        model.classifier.out_proj.weight.mul_(20)
    model.save_pretrained(root / "dropin")
    from transformers import AutoTokenizer

    AutoTokenizer.from_pretrained(base).save_pretrained(root / "dropin")
    # the same model with its labels in another order
    perm = np.random.default_rng(0).permutation(28)
    shuffled = AutoModelForSequenceClassification.from_pretrained(root / "dropin")
    with torch.no_grad():
        shuffled.classifier.out_proj.weight.copy_(model.classifier.out_proj.weight[perm])
        shuffled.classifier.out_proj.bias.copy_(model.classifier.out_proj.bias[perm])
    shuffled.config.id2label = {i: GOEMOTIONS.labels[p] for i, p in enumerate(perm)}
    shuffled.config.label2id = {v: k for k, v in shuffled.config.id2label.items()}
    shuffled.save_pretrained(root / "shuffled")
    AutoTokenizer.from_pretrained(base).save_pretrained(root / "shuffled")
    # a LoRA adapter from the trainer
    train = write_tsv(root / "train.tsv", LINES * 2)
    adapter = run(TrainConfig(base_model=str(base), mode="lora", train=str(train), valid=str(train), samples=None,
                              epochs=1, output=str(root / "adapter"), merged_output=str(root / "merged"), threads=1),
                  progress=False)
    return root, adapter


def test_top_tags_respects_thresholds_and_limit():
    probs = np.zeros(28)
    probs[[0, 5, 9, 17, 27]] = [0.9, 0.6, 0.35, 0.7, 0.2]
    thresholds = np.full(28, 0.5)
    thresholds[9] = 0.3  # a rare label with a low tuned threshold passes at 0.35
    tags = top_tags(probs, thresholds)
    assert [t.label for t in tags] == ["admiration", "joy", "caring"]  # 3 most probable of the 4 that pass
    assert all(t.passed and t.probability >= t.threshold for t in tags)
    assert [t.label for t in top_tags(probs, thresholds, k=5)] == ["admiration", "joy", "caring", "disappointment"]
    # nothing passes: the label closest to its own threshold, flagged
    low = np.full(28, 0.01)
    low[16] = 0.2
    only = top_tags(low, np.where(np.arange(28) == 16, 0.25, 0.9))
    assert only == [Tag("grief", 0.2, 0.25, passed=False)]


def test_dropin_classifier_tags_cleaned_windowed_lyrics(models):
    root, _ = models
    tagger = EnglishTagger.from_pretrained(str(root / "dropin"))
    assert tagger.thresholds.tolist() == [0.5] * 28  # no thresholds.json: 0.5 each
    rows, owners = tagger.predictor.windows([LONG_SONG])
    assert len(rows) > 1  # the long song really is windowed
    vectors = tagger.vectors([SONG, LONG_SONG])
    assert vectors.shape == (2, 28) and ((vectors > 0) & (vectors < 1)).all()
    # cleaning: symbols and section tags do not change the result
    plain = "I miss you every night\nthe rain keeps falling down\n\nthank you for the love"
    np.testing.assert_allclose(tagger.vectors([plain])[0], vectors[0], atol=1e-6)
    tags = tagger.tag([SONG, LONG_SONG])
    for song_tags, v in zip(tags, vectors):
        assert 1 <= len(song_tags) <= 3
        assert song_tags[0].probability == pytest.approx(float(v[GOEMOTIONS.index(song_tags[0].label)]), abs=1e-6)
        if song_tags[0].passed:
            assert [t.probability for t in song_tags] == sorted((t.probability for t in song_tags), reverse=True)


def test_label_order_of_a_dropin_model_does_not_matter(models):
    root, _ = models
    a = EnglishTagger.from_pretrained(str(root / "dropin")).vectors([SONG, LONG_SONG])
    b = EnglishTagger.from_pretrained(str(root / "shuffled")).vectors([SONG, LONG_SONG])
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_adapter_folder_brings_its_thresholds(models):
    root, adapter = models
    tagger = EnglishTagger.from_pretrained(adapter["output"])
    saved = json.loads((root / "adapter" / "thresholds.json").read_text())
    np.testing.assert_allclose(tagger.thresholds, saved["thresholds"])
    assert tagger.predictor.labels == list(GOEMOTIONS.labels)
    tags = tagger.tag([SONG])[0]
    assert all((t.probability >= t.threshold) == t.passed for t in tags)


def test_merged_model_tags_like_its_adapter_with_the_same_thresholds(models, tmp_path):
    import shutil

    root, adapter = models
    from_adapter = EnglishTagger.from_pretrained(adapter["output"])
    merged = EnglishTagger.from_pretrained(adapter["merged_output"])
    np.testing.assert_allclose(merged.vectors([SONG, LONG_SONG]), from_adapter.vectors([SONG, LONG_SONG]), atol=1e-5)
    np.testing.assert_allclose(merged.thresholds, from_adapter.thresholds)
    assert [t.label for t in merged.tag([SONG])[0]] == [t.label for t in from_adapter.tag([SONG])[0]]
    # the plain predictor reads the thresholds from config.thresholds
    plain = TransformerEmotionPredictor.from_pretrained(adapter["merged_output"])
    assert plain.multi_label and plain.labels == list(GOEMOTIONS.labels)
    np.testing.assert_allclose(plain.thresholds, adapter["thresholds"], atol=1e-4)
    # without thresholds.json, the tagger takes config.thresholds (in the model's label order)
    bare = tmp_path / "bare"
    shutil.copytree(adapter["merged_output"], bare)
    (bare / "thresholds.json").unlink()
    np.testing.assert_allclose(EnglishTagger.from_pretrained(str(bare)).thresholds, from_adapter.thresholds, atol=1e-4)


def test_non_goemotions_or_single_label_models_are_refused(models, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    root, _ = models
    tok = AutoTokenizer.from_pretrained(root / "dropin")
    three = AutoModelForSequenceClassification.from_pretrained(
        root / "base", num_labels=3, id2label={0: "a", 1: "b", 2: "c"}, problem_type="multi_label_classification")
    with pytest.raises(ModelLoadError, match="not the 28 GoEmotions labels"):
        EnglishTagger(TransformerEmotionPredictor(three, tok))
    single = AutoModelForSequenceClassification.from_pretrained(root / "dropin", problem_type="single_label_classification")
    with pytest.raises(ModelLoadError, match="single-label"):
        EnglishTagger(TransformerEmotionPredictor(single, tok))


def test_similar_songs_by_cosine_excludes_the_song_itself():
    vectors = np.zeros((4, 28), dtype=np.float32)
    vectors[0, [17, 18]] = [0.9, 0.8]   # joy + love
    vectors[1, [17, 18]] = [0.45, 0.4]  # same direction, weaker: cosine 1
    vectors[2, [25, 16]] = [0.9, 0.5]   # sadness + grief
    vectors[3, [17, 25]] = [0.6, 0.6]
    found = similar_songs(vectors, ["a", "b", "c", "d"], "a", k=3)
    assert found["song_id"].tolist() == ["b", "d", "c"]
    assert found["similarity"].iloc[0] == pytest.approx(1.0, abs=1e-5)
    assert found["similarity"].iloc[2] == pytest.approx(0.0, abs=1e-6)


def test_tagger_gives_its_encoder_to_the_embedding_similarity(models, tmp_path):
    from training.evaluate import evaluate

    root, _ = models
    data = tmp_path / "goemotions.csv"
    data.write_text("text,label\n" + "".join(f'"{text}",{GOEMOTIONS.labels[ids[0]]}\n' for text, ids in LINES),
                    encoding="utf-8")
    tagger = EnglishTagger.from_pretrained(str(root / "dropin"))
    rows, s = evaluate(["dropin"], data, similarity="embedding", taxonomy=GOEMOTIONS, predictors={"dropin": tagger})
    assert rows[0]["rows"] == len(LINES) and s.shape == (28, 28)
    assert np.allclose(np.diag(s), 1) and not np.allclose(s, np.eye(28))  # label names embedded, not identity
