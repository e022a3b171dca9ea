"""The similar-songs tab in a fan's words, on the demo catalog (fictional songs written for gasa): the
similarity choices named for what they find (the library's values unchanged), the why column in plain
Korean and English, and a heatmap whose colours span the scores it shows."""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from hub.search import similarity  # noqa: E402
from hub.space import similar  # noqa: E402
from hub.space.config import parse_config  # noqa: E402
from hub.space.state import State  # noqa: E402
from hub.space.ui import OK_MARK  # noqa: E402

JARGON = re.compile(r"cosine|centred|centered|코사인|중심화|가중|top-1|weight", re.IGNORECASE)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
TEARS = "혼자 남은 밤 눈물이 흘러\n슬픈 노래만 들려\n\n빈 방에 불을 끄고\n너를 다시 불러 본다"  # written for gasa


@pytest.fixture(scope="module")
def demo_app():
    return State(parse_config([], environ={}))


def test_the_similarity_choices_say_what_they_find():
    choices = similar.method_choices()
    assert sorted(value for _, value in choices) == sorted(similarity.SIMILARITIES)  # the library's values
    assert choices[0][1] == similarity.DEFAULT and "추천 / recommended" in choices[0][0]
    for label, _ in choices:
        assert not JARGON.search(label) and HANGUL.search(label.split(" / ")[0]) and " / " in label, label
    help_text = similar.method_help()
    assert not JARGON.search(help_text) and all(similar.METHODS[v][1] in help_text for _, v in choices)


def test_the_why_column_is_plain_words(demo_app):
    status, results, _ = similar.similar(demo_app, "song", "demo-002", "", None, similarity.DEFAULT, 2, False, 0)
    assert status.startswith(OK_MARK) and "(감정과 이야기 / Feeling and story)" in status and "emotion_story" not in status
    whys = list(results["이유 / Why"])
    assert len(whys) == 10 and max(map(len, whys)) <= 150  # a few lines of a phone's narrow column
    for why in whys:
        assert why.startswith("둘 다 ") and " / both: " in why or why.startswith(("두드러지게 겹치는 감정은 없어요",
                                                                             "비슷한 이야기 / a similar story")), why
        assert not re.search(r"\(-?\d\.\d\d\)|\d%|닮은 연|stanzas", why), why  # no bare scores or shares
        # a stanza is 연 / stanza, as in the analysis tab; "your" is for pasted lyrics, not a picked song
        assert not re.search(r"절|verse|your", why), why
    # the demo stores stanza vectors and lyrics: which stanzas are most alike, with their first lines
    stanzas = [re.search(r"; 고른 곡 (\d+)연 ↔ 이 곡 (\d+)연이 가장 닮았어요 / picked song's stanza \1 ↔ this "
                         r"one's \2 most alike: \u201c[^\u201d]+\u201d$", why) for why in whys]
    assert all(stanzas), whys
    assert all(len(line) <= similar.LINE_CHARS for why in whys for line in re.findall(r"\u201c([^\u201d]+)\u201d", why))
    # pasted lyrics: their own stanzas (two here)
    status, results, _ = similar.similar(demo_app, "lyrics", None, TEARS, None, similarity.DEFAULT, 2, False, 0)
    # pasted lyrics get a story in the catalog's story space (its view is loaded with it): the default blends both
    assert status.startswith(OK_MARK) and "(감정과 이야기 / Feeling and story)" in status
    assert re.search(r"; 내 가사 ([12])연 ↔ 이 곡 (\d+)연이 가장 닮았어요 / your stanza \1 ↔ this one's \2 most alike",
                     results["이유 / Why"][0])


def test_an_unknown_label_set_keeps_its_labels_in_the_why_column():
    reason = {"shared": [("calm", 0.7)], "stanza_match": {"query_stanza": 1, "song_stanza": 2, "similarity": 0.9,
                                                          "emotions": [], "query_lines": None, "song_lines": None}}
    assert similar.why_text(reason, None, pasted=False) == \
        "둘 다 calm / both: calm; 고른 곡 1연 ↔ 이 곡 2연이 가장 닮았어요 / picked song's stanza 1 ↔ this one's 2 most alike"
    assert similar.why_text(reason, None, pasted=True) == \
        "둘 다 calm / both: calm; 내 가사 1연 ↔ 이 곡 2연이 가장 닮았어요 / your stanza 1 ↔ this one's 2 most alike"
    reason["shared"] = [("a", 0.5), ("b", 0.3), ("c", 0.2)]
    assert similar.why_text(reason, None, False).startswith("둘 다 a·b / both: a · b;")  # two feelings: short for a phone
    assert similar.why_text({"shared": [], "stanza_match": None}, None, False).startswith("두드러지게 겹치는 감정은 없어요")
    # a similar story (from SIMILAR_STORY) takes the second feeling's place, so the column grows no longer
    story = {"shared": [("a", 0.5), ("b", 0.3)], "stanza_match": None, "story_similarity": similar.SIMILAR_STORY}
    assert similar.why_text(story, None, False) == "둘 다 a, 비슷한 이야기 / both: a, a similar story"
    assert similar.why_text({**story, "shared": []}, None, False) == "비슷한 이야기 / a similar story"
    assert similar.why_text({**story, "story_similarity": 0.1}, None, False) == "둘 다 a·b / both: a · b"


def luminance(rgba) -> np.ndarray:
    return np.asarray(rgba)[..., :3] @ np.array([0.2126, 0.7152, 0.0722])


@pytest.mark.parametrize("method", ["cosine", "centred"])
def test_the_heatmap_colours_span_the_scores_shown(demo_app, method):
    """Raw cosines of the top-10 crowd near 1 (on a 0-to-1 scale, one flat colour): the colours run from the
    least to the most alike pair of different songs, so the lightest and the darkest squares are far apart."""
    _, results, heatmap = similar.similar(demo_app, "song", "demo-002", "", None, method, 2, False, 0)
    ax = heatmap.axes[0]
    image = ax.images[0]
    values = image.get_array()
    n = len(results) + 1
    assert values.shape == (n, n) and values.mask[np.diag_indices(n)].all() and not values.mask[~np.eye(n, dtype=bool)].any()
    others = values.compressed()
    low, high = image.norm.vmin, image.norm.vmax
    assert low == pytest.approx(others.min()) and high == pytest.approx(others.max())
    shades = luminance(image.cmap(image.norm(others)))
    assert shades.max() - shades.min() > 0.5, (low, high)
    assert luminance(image.cmap(image.norm(high))) < luminance(image.cmap(image.norm(low)))  # darker: more alike
    # the words on it: Korean and English
    title = ax.get_title()
    assert HANGUL.search(title) and "How alike the songs feel" in title
    assert HANGUL.search(ax.get_xlabel()) and HANGUL.search(ax.get_ylabel()) and " / " in ax.get_xlabel()
    ticks = [t.get_text() for t in heatmap.axes[1].get_xticklabels()]
    assert ticks == ["덜 닮음 / less alike", "더 닮음 / more alike"]
    assert "darker" in similar.HEATMAP_CAPTION and "진할수록" in similar.HEATMAP_CAPTION


def test_the_heatmap_fits_a_phone_at_its_own_size(demo_app):
    """The picture is as wide as the heatmap's box on a 400 px phone (about 336 px) and its text is 8.5 pt or
    more inside it, so it is shown at its own size, neither cut nor shrunk: the grid is numbered (0 the query,
    then the table's order) and a key under it names each song."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    _, results, heatmap = similar.similar(demo_app, "song", "demo-002", "", None, "centred", 2, False, 0)
    width, _ = heatmap.get_size_inches() * heatmap.dpi
    assert width <= 330, width
    renderer = FigureCanvasAgg(heatmap).get_renderer()  # how the page's PNG is drawn
    heatmap.draw(renderer)
    texts = [t for t in heatmap.findobj(Text) if t.get_visible() and t.get_text().strip()]
    assert min(t.get_fontsize() for t in texts) >= 8.5
    for t in texts:  # nothing past the picture's edges
        b = t.get_window_extent(renderer)
        assert b.x0 >= 0 and b.x1 <= width and b.y0 >= 0, (t.get_text(), b)
    ax = heatmap.axes[0]
    n = len(results) + 1
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(i) for i in range(n)]
    key = [t.get_text().split(maxsplit=1) for t in heatmap.texts if re.match(r"\s*\d+  ", t.get_text())]
    assert [int(i) for i, _ in key] == list(range(n))
    assert key[0][1] == "고른 곡 / picked: 빈 의자" and "yours" not in key[0][1]
    assert [name.split(" - ")[0] for _, name in key[1:]] == [similar.shorten(t, similar.NAME_CHARS)
                                                             for t in results["제목 / Title"]]
    assert "0 is the query, 1 onwards the table's order" in similar.HEATMAP_CAPTION


def test_each_mode_says_what_to_do_and_an_empty_paste_asks_for_lyrics(demo_app):
    song_inputs, lyrics_inputs, hint = similar.show_inputs("lyrics")
    assert not song_inputs["visible"] and lyrics_inputs["visible"]
    assert "가사를 붙여 넣고" in hint and "paste some lyrics" in hint and "pick a song" not in hint
    song_inputs, lyrics_inputs, hint = similar.show_inputs("song")
    assert song_inputs["visible"] and not lyrics_inputs["visible"] and "pick a song" in hint
    for empty in ("", "  \n ", "♪ ♪"):
        status, results, heatmap = similar.similar(demo_app, "lyrics", None, empty, None, "centred", 2, False, 0)
        assert "paste some lyrics" in status and "가사를 붙여 넣으세요" in status, status
        assert "example" not in status and heatmap is None and results.empty
    status, *_ = similar.similar(demo_app, "lyrics", None, "라" * 100_000, None, "centred", 2, False, 0)
    assert "characters long" in status  # too long: the analysis tab's words


def test_the_heatmap_shows_only_with_a_result(demo_app):
    status, _, heatmap = similar.similar(demo_app, "song", "demo-002", "", None, "centred", 2, False, 0)
    assert heatmap is not None and similar.heatmap_shown(status)["visible"]
    status, _, heatmap = similar.similar(demo_app, "song", None, "", None, "centred", 2, False, 0)
    assert heatmap is None and not similar.heatmap_shown(status)["visible"]
    assert not similar.heatmap_shown("")["visible"]


def test_lyrics_without_a_story_get_plain_words(demo_app):
    """Lyrics that share no words with the catalog's (Latin letters against an all-Korean demo): the story measure says
    why in a fan's words, and the recommended measure says it looked at the feelings alone."""
    english = "I walk along the shore tonight\nwaiting for the morning light"
    status, results, _ = similar.similar(demo_app, "lyrics", None, english, None, "story", 2, False, 0)
    assert status.startswith("⚠") and "겹치는 말이 없어" in status and "n-gram" not in status and "method=" not in status
    status, results, _ = similar.similar(demo_app, "lyrics", None, english, None, similarity.DEFAULT, 2, False, 0)
    assert status.startswith(OK_MARK) and "(두드러진 감정 / Stand-out feelings: " in status and "by feeling alone" in status
    assert "-0.0" not in results.to_string()
