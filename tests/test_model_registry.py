"""Model kinds: saved models name their kind and the gasa that wrote them; older folders still load."""
import json

import numpy as np
import pytest

from hub import __version__
from hub.korean_engine import KoreanEmotionEngine, load_default_engine
from hub.models.registry import ENGINE_CONFIG, MODEL_KINDS, is_engine, load_predictor, model_class
from hub.predictor import ModelLoadError


@pytest.fixture(scope="module")
def saved_engine(tmp_path_factory):
    return load_default_engine().save_pretrained(tmp_path_factory.mktemp("engine") / "engine")


def test_a_saved_model_names_its_kind_and_version(saved_engine):
    config = json.loads((saved_engine / ENGINE_CONFIG).read_text(encoding="utf-8"))
    assert config["model_type"] == "korean-dictionary" and config["gasa_version"] == __version__
    assert "engine" not in config  # no module path: renaming a module never breaks a saved model
    assert model_class(saved_engine) is KoreanEmotionEngine and model_class(saved_engine).uses_kiwi
    assert model_class("gasa-korean-kote").uses_kiwi and model_class("some-org/some-model") is None
    assert is_engine(saved_engine) and set(MODEL_KINDS) == {"kote-linear", "korean-dictionary", "english-linear"}


def test_a_folder_saved_before_kinds_still_loads(saved_engine, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for f in saved_engine.iterdir():
        (old / f.name).write_bytes(f.read_bytes())
    config = json.loads((old / ENGINE_CONFIG).read_text(encoding="utf-8"))
    legacy = {"engine": "hub.korean_engine:KoreanEmotionEngine", "name": config["name"], "labels": config["labels"]}
    (old / ENGINE_CONFIG).write_text(json.dumps(legacy, ensure_ascii=False), encoding="utf-8")
    text = ["이별 뒤에 울었어"]
    assert np.array_equal(load_predictor(old).predict_texts(text), load_predictor(saved_engine).predict_texts(text))


def test_an_unknown_kind_says_which_kinds_there_are(saved_engine, tmp_path):
    folder = tmp_path / "future"
    folder.mkdir()
    (folder / ENGINE_CONFIG).write_text(json.dumps({"model_type": "hologram", "gasa_version": "9.0.0"}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match=r"'hologram'.*gasa 9\.0\.0.*kote-linear, korean-dictionary"):
        load_predictor(folder)
    (folder / ENGINE_CONFIG).write_text("{}", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="does not name a model kind"):
        load_predictor(folder)


def test_custom_model_code_named_by_module_path_still_loads(saved_engine, tmp_path, monkeypatch):
    """A saved folder may name a class outside gasa by its module path (custom code, as before kinds)."""
    (tmp_path / "my_emotions.py").write_text(
        "from hub.korean_engine import KoreanEmotionEngine\n\nclass MyEngine(KoreanEmotionEngine):\n    pass\n",
        encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = tmp_path / "custom"
    folder.mkdir()
    for f in saved_engine.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / ENGINE_CONFIG).write_text(json.dumps({"engine": "my_emotions:MyEngine"}), encoding="utf-8")
    assert type(load_predictor(folder)).__name__ == "MyEngine"
    (folder / ENGINE_CONFIG).write_text(json.dumps({"engine": "not_there:Nope"}), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="custom model class 'not_there:Nope'.*Python path"):
        load_predictor(folder)
