"""The story view (what lyrics are about) and the emotion + story measure, on lyrics written for gasa
(tests/story_fixture.py)."""
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from hub.recommender import Recommender, RecommenderError
from hub.search.story import STORY_FILE, STORY_WEIGHT, StoryView, StoryViewError
from hub.song_dataset import build_song_dataset, load_song_vectors, save_song_dataset, song_stories
from tests.story_fixture import SUBJECTS, subject_songs

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["joy", "sadness", "anger", "calm"]
NEW_SEA_SONG = "등대 불빛 아래 파도 소리\n바닷가 모래 위에 앉아\n수평선 너머 배를 봐\nthe waves roll in tonight"


def catalog(seed=0):
    songs = subject_songs(seed=seed)
    rng = np.random.default_rng(seed)
    vectors = rng.dirichlet(np.ones(len(LABELS)), len(songs)).astype(np.float32)
    view = StoryView.fit([s["lyrics"] for s in songs])
    return songs, vectors, view, view.transform([s["lyrics"] for s in songs])


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_the_story_view_round_trips_through_its_file_in_a_fresh_process(tmp_path):
    songs, _, view, story = catalog()
    path = view.save(tmp_path / STORY_FILE)
    code = ("import json, sys; from hub.search.story import StoryView; "
            "v = StoryView.load(sys.argv[1]); print(json.dumps(v.transform(json.loads(sys.stdin.read())).tolist()))")
    texts = [s["lyrics"] for s in songs[:6]] + [NEW_SEA_SONG, "", "ㅋ"]
    done = subprocess.run([sys.executable, "-c", code, str(path)], input=json.dumps(texts), capture_output=True,
                          text=True, cwd=ROOT, check=True)
    np.testing.assert_allclose(np.array(json.loads(done.stdout)), view.transform(texts), atol=1e-6)
    np.testing.assert_allclose(view.transform(texts[:6]), story[:6], atol=1e-6)
    # unit length, and no story at all for lyrics without any of the view's n-grams
    norms = np.linalg.norm(view.transform(texts), axis=1)
    assert np.allclose(norms[:7], 1, atol=1e-5) and norms[7] == 0 and norms[8] == 0
    # the file keeps n-grams and weights, not the lyrics' lines
    raw = path.read_bytes().decode("utf-8", errors="ignore")
    assert not any(line in raw for phrases in SUBJECTS.values() for line in phrases)
    (tmp_path / "bad.safetensors").write_bytes(b"not a story view")
    with pytest.raises(StoryViewError, match="cannot be read as a story view"):
        StoryView.load(tmp_path / "bad.safetensors")
    with pytest.raises(StoryViewError, match="at least two"):
        StoryView.fit(["파도"])


def test_songs_about_the_same_subject_score_near_one_and_typical_pairs_near_zero():
    songs, _, _, story = catalog()
    subjects = np.array([s["subject"] for s in songs])
    sims = story @ story.T
    same = (subjects[:, None] == subjects[None, :]) & ~np.eye(len(songs), dtype=bool)
    different = subjects[:, None] != subjects[None, :]
    assert np.median(sims[same]) > 0.4 and np.median(sims[different]) < -0.1
    assert abs(np.median(sims[np.triu_indices(len(songs), 1)])) < 0.35  # 4 subjects: 3 of 4 pairs differ


def test_the_default_measure_blends_centred_emotion_and_story():
    songs, vectors, view, story = catalog()
    rec = Recommender(vectors, songs, LABELS, story=story, story_view=view)
    assert rec.default_method == "emotion_story"
    ids = [s["song_id"] for s in songs]
    centred = unit(vectors - rec.stats.mean.astype(np.float32))
    expected = (1 - STORY_WEIGHT) * centred @ centred.T + STORY_WEIGHT * story @ story.T
    np.testing.assert_allclose(rec.similarity_matrix(ids), expected, atol=1e-5)
    np.testing.assert_allclose(rec.similarity_matrix(ids, method="story"), story @ story.T, atol=1e-5)
    # with emotions drawn at random, the story decides: the blend's neighbours share the subject, centred's do not
    subjects = {s["song_id"]: s["subject"] for s in songs}
    share = lambda method: np.mean([subjects[r] == subjects[q] for q in ids
                                    for r in rec.recommend(q, k=5, method=method, explain=False)["song_id"]])
    assert share("story") == 1.0 and share(None) > share("centred") + 0.2
    out = rec.recommend(ids[0], k=3)
    assert out.equals(rec.recommend(ids[0], k=3, method="emotion_story"))
    assert rec.explain(ids[0], out["song_id"][0])["story_similarity"] == pytest.approx(
        float(story[0] @ story[ids.index(out["song_id"][0])]), abs=1e-6)


def test_new_lyrics_get_a_story_and_a_bare_vector_falls_back_to_centred_emotion():
    songs, vectors, view, story = catalog()
    rec = Recommender(vectors, songs, LABELS, story=story, story_view=view)
    q = np.array([0.1, 0.6, 0.1, 0.2], np.float32)
    with_lyrics = rec.recommend(vector=q, lyrics=NEW_SEA_SONG, k=5)
    assert with_lyrics["song_id"][0].startswith("sea-")
    assert all(s.startswith("sea-") for s in rec.recommend(vector=q, lyrics=NEW_SEA_SONG, k=5, method="story")["song_id"])
    np.testing.assert_allclose(with_lyrics["similarity"], rec.scores(q, method="emotion_story", lyrics=NEW_SEA_SONG)[
        [rec.row_of(s) for s in with_lyrics["song_id"]]], atol=1e-6)
    bare = rec.recommend(vector=q, k=5)  # no lyrics: nothing to compare by story
    assert bare.equals(rec.recommend(vector=q, k=5, method="centred"))
    with pytest.raises(RecommenderError, match="need the query's lyrics"):
        rec.recommend(vector=q, k=5, method="story")


def test_a_dataset_carries_its_stories_and_older_ones_still_load(tmp_path):
    songs, vectors, view, story = catalog()
    ds = build_song_dataset(songs, vectors, LABELS, "m", None, story_vectors=story)
    save_song_dataset(ds, tmp_path / "new", story_view=view)
    assert "story_view.safetensors" in (tmp_path / "new" / "README.md").read_text(encoding="utf-8")
    np.testing.assert_allclose(song_stories(load_song_vectors(tmp_path / "new")), story, atol=1e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # everything is there: no note
        rec = Recommender.from_dataset(tmp_path / "new")
    assert rec.default_method == "emotion_story" and rec.story_view is not None
    fresh = Recommender(vectors, songs, LABELS, story=story, story_view=view)
    assert rec.recommend(vector=vectors[0], lyrics=NEW_SEA_SONG, k=5).equals(
        fresh.recommend(vector=vectors[0], lyrics=NEW_SEA_SONG, k=5))
    # built before stories, with its lyrics: the view is fitted on load, with a note, and gives the same stories
    save_song_dataset(build_song_dataset(songs, vectors, LABELS, "m", None, include_lyrics=True), tmp_path / "lyrics")
    with pytest.warns(UserWarning, match="fitted the story view on its 60 songs' lyrics on load"):
        old = Recommender.from_dataset(tmp_path / "lyrics")
    np.testing.assert_allclose(old.similarity_matrix(["sea-0", "city-3"]), fresh.similarity_matrix(["sea-0", "city-3"]),
                               atol=1e-5)
    # without stories or lyrics: centred emotion, and the story measures say why they cannot run
    save_song_dataset(build_song_dataset(songs, vectors, LABELS, "m", None), tmp_path / "bare")
    with pytest.warns(UserWarning, match="the story measures are unavailable"):
        bare = Recommender.from_dataset(tmp_path / "bare")
    assert bare.default_method == "centred"
    assert bare.recommend("sea-0", k=3).equals(bare.recommend("sea-0", k=3, method="centred"))
    for method in ("story", "emotion_story"):
        with pytest.raises(RecommenderError, match="no story vectors.*python -m training.build_song_vectors"):
            bare.recommend("sea-0", k=3, method=method)
    # a view that does not match the column is refused
    small = StoryView.fit([s["lyrics"] for s in songs], dimensions=8)
    with pytest.raises(Exception, match="story view of 8 dimensions"):
        save_song_dataset(ds, tmp_path / "mismatch", story_view=small)


def test_songs_without_a_story_are_queried_by_emotion_everywhere_alike():
    """A song whose lyrics hold none of the view's n-grams has no story: recommend, neighbours and
    similarity_matrix all fall back to centred emotion for it, and the story measure leaves it out."""
    songs, vectors, view, _ = catalog()
    for s in songs[:3]:
        s["lyrics"] = "ㅋ"  # no n-gram the view knows
    story = view.transform([s["lyrics"] for s in songs])
    assert not story[:3].any() and story[3:].any(axis=1).all()
    rec = Recommender(vectors, songs, LABELS, story=story, story_view=view)
    ids = [s["song_id"] for s in songs]
    assert rec.resolve_method(song_id=ids[0]) == "centred" and rec.resolve_method(song_id=ids[5]) == "emotion_story"
    neighbours = rec.neighbours(k=3)
    for row in (0, 1, 5, 20):
        assert [ids[r] for r in neighbours[row]] == list(rec.recommend(ids[row], k=3, explain=False)["song_id"])
    matrix = rec.similarity_matrix(ids[:6])
    np.testing.assert_allclose(matrix[0], rec.similarity_matrix(ids[:6], method="centred")[0], atol=1e-6)
    np.testing.assert_allclose(matrix[5], rec.similarity_matrix(ids[:6], method="emotion_story")[5], atol=1e-6)
    by_story = rec.neighbours(k=3, method="story")
    assert (by_story[:3] == -1).all() and not np.isin(by_story[3:], [0, 1, 2]).any()
    with pytest.raises(RecommenderError, match="no story n-gram"):
        rec.recommend(ids[0], k=3, method="story")
    with pytest.raises(RecommenderError, match="share no character n-gram"):
        rec.recommend(vector=vectors[0], lyrics="ㅋㅋ", k=3, method="story")


def test_a_loaded_dataset_with_its_source_brings_its_story_view(tmp_path):
    songs, vectors, view, story = catalog()
    save_song_dataset(build_song_dataset(songs, vectors, LABELS, "m", None, story_vectors=story), tmp_path / "c",
                      story_view=view)
    ds = load_song_vectors(tmp_path / "c")
    assert Recommender.from_dataset(ds, source=tmp_path / "c").resolve_method(lyrics=NEW_SEA_SONG) == "emotion_story"
    alone = Recommender.from_dataset(ds)  # no source: catalog songs compare by story, new lyrics cannot
    assert alone.resolve_method(song_id="sea-0") == "emotion_story" and alone.resolve_method(lyrics=NEW_SEA_SONG) == "centred"
    with pytest.raises(RecommenderError, match="loaded without its story view"):
        alone.recommend(vector=vectors[0], lyrics=NEW_SEA_SONG, method="emotion_story")


def test_a_large_local_build_makes_its_stories_on_a_second_process_with_the_same_vectors(capsys):
    """``song_stories_ahead`` (the local build's stories, made on a second process while the songs are read) gives
    what ``song_stories`` gives in the build's own process; a second process that dies is noticed and the stories
    are made here instead; leaving the block early stops the process."""
    import os
    import signal

    from training.song_build import core

    songs = subject_songs(per_subject=core.STORY_PROCESS_SONGS // len(SUBJECTS) + 1, seed=3)
    songs[5] = {**songs[5], "status": "error", "lyrics": ""}  # a crawl failure: no story, as in the build
    view, vectors = core.song_stories(songs)

    def same(made):
        ahead_view, ahead_vectors = made
        np.testing.assert_array_equal(ahead_vectors, vectors)
        assert not ahead_vectors[5].any() and ahead_view.vocabulary == view.vocabulary
        for name in ("idf", "components", "mean"):
            np.testing.assert_array_equal(getattr(ahead_view, name), getattr(view, name))
        assert ahead_view.transform([NEW_SEA_SONG]).shape == (1, view.dimensions)  # usable after the trip

    capsys.readouterr()
    with core.song_stories_ahead(songs) as stories:
        assert stories.process.poll() is None  # working beside the caller
        same(stories())
    assert stories.process.returncode == 0
    assert "making them in the build's own process" not in capsys.readouterr().err  # the second process made them

    with core.song_stories_ahead(songs) as stories:  # killed, as the kernel kills a process out of memory
        os.kill(stories.process.pid, signal.SIGKILL)
        same(stories())
    assert "process ended without them" in capsys.readouterr().err

    with pytest.raises(RuntimeError, match="reading failed"):
        with core.song_stories_ahead(songs) as stories:
            raise RuntimeError("reading failed")
    assert stories.process.returncode is not None  # stopped, not left running
    with core.song_stories_ahead(songs[:10]) as stories:  # a small catalog: made here, after reading
        assert stories.process is None and len(stories()[1]) == 10
