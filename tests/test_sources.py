"""Where things come from (Hub id or local path) and how folders are written (swapped in whole)."""
import pytest

from hub.predictor import ModelLoadError, load_predictor
from hub.sources import is_hub_id, missing_path_message, staged_folder


def test_hub_ids_and_missing_local_paths(tmp_path):
    assert is_hub_id("klue/bert-base") and is_hub_id("searle-j/kote")
    for local in ("/nonexistent", "./model", "~/model", "runs/arch2/best", "model"):
        assert not is_hub_id(local)
    (tmp_path / "org").mkdir()
    assert not is_hub_id(tmp_path / "org") and missing_path_message(tmp_path / "org", "model") is None
    assert missing_path_message("/nonexistent", "model") == \
        "'/nonexistent' is neither an existing folder nor a Hub model id like 'org/name'."
    with pytest.raises(ModelLoadError, match="neither an existing folder nor a Hub model id"):
        load_predictor("/nonexistent")


def test_a_failed_write_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "model"
    with staged_folder(target) as staging:
        (staging / "weights.txt").write_text("first")
    assert (target / "weights.txt").read_text() == "first"
    with pytest.raises(RuntimeError):
        with staged_folder(target) as staging:
            (staging / "weights.txt").write_text("half-written")
            raise RuntimeError("killed mid-save")
    assert (target / "weights.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # nothing half-written left beside it
    with staged_folder(target) as staging:
        (staging / "other.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == ["other.txt"]  # replaced, not mixed
